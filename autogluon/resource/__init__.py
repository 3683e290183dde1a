"""Aug 2019's ``autogluon.resource``: ``Resources(num_cpus, num_gpus)`` for a job of ``TaskScheduler()``.

Example::

    >>> from autogluon.resource import Resources
    >>> Resources(num_cpus=2, num_gpus=0)
    Resources(num_cpus=2, num_gpus=0)
"""

from ..scheduler.resource import Resources, detect_resources
from ..utils import get_cpu_count, get_gpu_count

__all__ = ["Resources", "detect_resources", "get_cpu_count", "get_gpu_count"]
