"""Schedulers run a training function over many configurations in worker processes."""

from ..core._lock import FolderInUseError, FolderNotWritableError
from . import terminator
from ._checkpoint import CheckpointError
from ._executor import Executor, InProcessExecutor, LocalProcessExecutor
from ._fifo import FIFO_Scheduler, FIFOScheduler
from ._hyperband import Hyperband_Scheduler, HyperbandScheduler
from ._rl import RLScheduler
from ._scheduler import TaskScheduler
from ._task import Task, TaskStatus
from .reporter import LocalStatusReporter, StatusReporter, TrialStopped
from .resource import Resources, detect_resources

__all__ = [
    "TaskScheduler",
    "FIFO_Scheduler",
    "FIFOScheduler",
    "Hyperband_Scheduler",
    "HyperbandScheduler",
    "StatusReporter",
    "LocalStatusReporter",
    "TrialStopped",
    "Task",
    "TaskStatus",
    "CheckpointError",
    "Executor",
    "LocalProcessExecutor",
    "InProcessExecutor",
    "detect_resources",
    "terminator",
    "RLScheduler",
    "Resources",
    "FolderInUseError",
    "FolderNotWritableError",
]
