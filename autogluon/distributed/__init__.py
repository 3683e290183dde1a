"""Era-A names for schedulers that run trials on a Dask cluster.

``DistributedFIFOScheduler`` and ``DistributedHyperbandScheduler`` are the same classes as
:class:`~autogluon.scheduler.FIFO_Scheduler` and :class:`~autogluon.scheduler.Hyperband_Scheduler`;
pass ``dask_client=`` (a ``distributed.Client`` or an address like ``'tcp://10.0.0.5:8786'``).
"""

from ..scheduler import FIFO_Scheduler as DistributedFIFOScheduler
from ..scheduler import Hyperband_Scheduler as DistributedHyperbandScheduler
from ..scheduler._dask import DaskExecutor, get_dask_client

__all__ = ["DistributedFIFOScheduler", "DistributedHyperbandScheduler", "DaskExecutor", "get_dask_client"]
