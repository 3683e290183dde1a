"""How many CPUs and GPUs this process may use (what the schedulers plan with)."""

from ..scheduler.resource import detect_resources

__all__ = ["get_cpu_count", "get_gpu_count"]


def get_cpu_count():
    """CPUs this process may run on (its CPU affinity, not every core of the machine)."""
    return detect_resources().num_cpus


def get_gpu_count():
    """GPUs the NVIDIA driver shows, limited by ``CUDA_VISIBLE_DEVICES``; 0 without a GPU."""
    return detect_resources().num_gpus
