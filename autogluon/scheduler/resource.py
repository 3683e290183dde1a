"""Per-trial resources: how many trials fit the machine, and which CPU/GPU ids each gets."""

import logging
import numbers
import os

from ..core._validate import check_instance, check_int

__all__ = ["Resources", "Slot", "count_slots", "detect_resources", "plan_slots", "validate_resource"]

logger = logging.getLogger(__name__)


class Slot:
    """The CPU and GPU ids one running trial owns."""

    __slots__ = ("index", "cpu_ids", "gpu_ids")

    def __init__(self, index, cpu_ids, gpu_ids):
        self.index = index
        self.cpu_ids = tuple(cpu_ids)
        self.gpu_ids = tuple(gpu_ids)

    @property
    def num_cpus(self):
        return len(self.cpu_ids)

    def env(self):
        """Environment of a worker process bound to this slot (thread limits, visible GPUs)."""
        n = str(max(1, self.num_cpus))
        return {
            "OMP_NUM_THREADS": n,
            "MKL_NUM_THREADS": n,
            "OPENBLAS_NUM_THREADS": n,
            "NUMEXPR_NUM_THREADS": n,
            "MXNET_OMP_MAX_THREADS": n,
            "MXNET_CPU_WORKER_NTHREADS": "1",
            "MXNET_CPU_PRIORITY_NTHREADS": "1",
            "CUDA_VISIBLE_DEVICES": ",".join(str(g) for g in self.gpu_ids),
            "AUTOGLUON_CPU_IDS": ",".join(str(c) for c in self.cpu_ids),
            "AUTOGLUON_NUM_GPUS": str(len(self.gpu_ids)),
        }

    def __repr__(self):
        return "Slot(%d, cpus=%s, gpus=%s)" % (self.index, list(self.cpu_ids), list(self.gpu_ids))


class Resources:
    """CPUs and GPUs: what a machine offers, or what a job asks for.

    - ``Resources(cpu_ids, gpu_ids)`` (lists of ids): a machine, as :func:`detect_resources` returns it.
    - ``Resources(num_cpus=2, num_gpus=0)`` (counts; Aug 2019's ``autogluon.resource.Resources``): a
      request for one job of :class:`autogluon.scheduler.TaskScheduler`. ``cpu_ids``/``gpu_ids`` are
      empty until the job runs, then hold the ids it was given (``ready`` is True meanwhile).
    """

    def __init__(self, num_cpus=1, num_gpus=0, cpu_ids=None, gpu_ids=None):
        if not isinstance(num_cpus, numbers.Integral) and cpu_ids is None:
            cpu_ids, num_cpus = num_cpus, None  # Resources(cpu_ids, gpu_ids): a machine
        if not isinstance(num_gpus, numbers.Integral) and gpu_ids is None:
            gpu_ids, num_gpus = num_gpus, None
        self.is_request = cpu_ids is None and gpu_ids is None
        if self.is_request:
            self._num_cpus = check_int("num_cpus", num_cpus, low=1)
            self._num_gpus = check_int("num_gpus", num_gpus, low=0)
        self.cpu_ids = list(cpu_ids or [])
        self.gpu_ids = list(gpu_ids or [])
        self.ready = False

    @property
    def num_cpus(self):
        return self._num_cpus if self.is_request else len(self.cpu_ids)

    @property
    def num_gpus(self):
        return self._num_gpus if self.is_request else len(self.gpu_ids)

    def _ready(self, cpu_ids, gpu_ids):
        self.cpu_ids, self.gpu_ids, self.ready = list(cpu_ids), list(gpu_ids), True

    def _release(self):
        self.cpu_ids, self.gpu_ids, self.ready = [], [], False

    def __repr__(self):
        text = "Resources(num_cpus=%d, num_gpus=%d" % (self.num_cpus, self.num_gpus)
        if self.is_request and self.ready:
            text += ", cpu_ids=%s, gpu_ids=%s" % (self.cpu_ids, self.gpu_ids)
        return text + ")"


def _detect_gpu_ids():
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [v.strip() for v in visible.split(",") if v.strip() and v.strip() != "-1"]
        return list(range(len(ids))) if not all(v.isdigit() for v in ids) else [int(v) for v in ids]
    try:
        return list(range(len([d for d in os.listdir("/proc/driver/nvidia/gpus")])))
    except OSError:
        return []


def detect_resources():
    """CPUs this process may run on and the GPUs the NVIDIA driver shows (no CUDA import)."""
    if hasattr(os, "sched_getaffinity"):
        cpu_ids = sorted(os.sched_getaffinity(0))
    else:  # pragma: no cover - not Linux
        cpu_ids = list(range(os.cpu_count() or 1))
    return Resources(cpu_ids, _detect_gpu_ids())


def validate_resource(resource, name="resource"):
    """Normalize a per-trial request ``{'num_cpus': c, 'num_gpus': g}``."""
    if resource is None:
        resource = {}
    check_instance(name, resource, dict, "a dict like {'num_cpus': 1, 'num_gpus': 0}")
    unknown = set(resource) - {"num_cpus", "num_gpus"}
    if unknown:
        raise ValueError("%s has unknown keys %s; allowed keys: num_cpus, num_gpus" % (name, sorted(unknown)))
    out = {"num_cpus": resource.get("num_cpus", 1), "num_gpus": resource.get("num_gpus", 0)}
    for key, low in (("num_cpus", 1), ("num_gpus", 0)):
        out[key] = check_int("%s[%r]" % (name, key), out[key], low=low)
    return out


def plan_slots(resource, machine=None, max_concurrent=None, name="resource"):
    """Split the machine into as many slots of ``resource`` as fit.

    Raises ValueError when not even one trial fits.
    """
    resource = validate_resource(resource, name)
    machine = machine or detect_resources()
    need_c, need_g = resource["num_cpus"], resource["num_gpus"]
    if need_c > machine.num_cpus:
        raise ValueError(
            "%s asks for num_cpus=%d per trial but this machine has %d CPU(s)"
            % (name, need_c, machine.num_cpus)
        )
    if need_g > machine.num_gpus:
        raise ValueError(
            "%s asks for num_gpus=%d per trial but this machine has %d GPU(s)%s"
            % (
                name,
                need_g,
                machine.num_gpus,
                "" if machine.num_gpus else "; use num_gpus=0 to train on the CPU",
            )
        )
    count = count_slots(resource, [(machine.num_cpus, machine.num_gpus)], max_concurrent)
    return [
        Slot(
            i, machine.cpu_ids[i * need_c : (i + 1) * need_c], machine.gpu_ids[i * need_g : (i + 1) * need_g]
        )
        for i in range(count)
    ]


def count_slots(resource, offers, max_concurrent=None):
    """How many trials of a validated ``resource`` fit on machines that offer ``(cpus, gpus)`` each,
    at most ``max_concurrent`` (None: no limit). The one slot count of every executor."""
    max_concurrent = check_int("max_concurrent", max_concurrent, low=1, allow_none=True)
    need_c, need_g = resource["num_cpus"], resource["num_gpus"]
    count = 0
    for cpus, gpus in offers:
        count += min(cpus // need_c, gpus // need_g) if need_g else cpus // need_c
    return count if max_concurrent is None else min(count, max_concurrent)
