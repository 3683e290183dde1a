"""Aug 2019's low-level scheduling API: jobs that run as soon as their resources are free.

Example (a script)::

    import time
    from autogluon import Task
    from autogluon.resource import Resources
    from autogluon.scheduler import TaskScheduler

    def my_task():
        time.sleep(0.1)

    scheduler = TaskScheduler()              # no training function: a job scheduler
    for _ in range(3):
        scheduler.add_task(Task(my_task, {}, Resources(num_cpus=1, num_gpus=0)))
    scheduler.join_tasks()                   # True once all three have finished

Each job runs in its own worker process (the machinery of the trial schedulers: thread limits and
``CUDA_VISIBLE_DEVICES`` of its resources, functions from notebooks shipped by value) as ``fn(**args)``.
``add_task`` returns at once; a dispatcher thread starts queued jobs in order as CPUs and GPUs free up.
A job that raises, or whose process dies, is logged and recorded as failed; it never blocks the others.
"""

import argparse
import copy
import itertools
import logging
import threading
import time
from collections import deque

from ..core._decorators import parser_defaults
from ..core._serialize import dumps, loads
from . import _wire
from .resource import Resources, Slot, detect_resources

__all__ = ["Job", "JobScheduler"]

logger = logging.getLogger("autogluon.scheduler")

_IDS = itertools.count()
_ID_LOCK = threading.Lock()


def _job_args(args, task_id):
    """A deep copy of the job's keyword arguments; ``args['args']`` (a parser, Namespace or dict)
    becomes a Namespace (a parser gives its defaults) holding ``task_id``, as in 2019."""
    if not isinstance(args, dict):
        raise TypeError(
            "args must be a dict of keyword arguments for fn, e.g. {} or {'args': parser, "
            "'config': {...}}, got %s" % type(args).__name__
        )
    args = copy.deepcopy(args)
    inner = args.get("args")
    if isinstance(inner, argparse.ArgumentParser):
        inner = parser_defaults(inner)
    if isinstance(inner, dict):
        inner = argparse.Namespace(**inner)
    if isinstance(inner, argparse.Namespace):
        inner.task_id = task_id
        args["args"] = inner
    return args


def _job_resources(resources):
    if resources is None:
        return Resources(num_cpus=1, num_gpus=0)
    if isinstance(resources, dict):
        return Resources(num_cpus=resources.get("num_cpus", 1), num_gpus=resources.get("num_gpus", 0))
    if not isinstance(resources, Resources) or not resources.is_request:
        raise TypeError(
            "resources must be a Resources(num_cpus=..., num_gpus=...) or a dict with those keys, "
            "got %r" % (resources,)
        )
    return resources


class _Pool:
    """CPU and GPU ids free for jobs; one per process is shared by every ``TaskScheduler()`` (as in 2019)."""

    def __init__(self, machine):
        self.machine = machine
        self._lock = threading.Lock()
        self._cpus = list(machine.cpu_ids)
        self._gpus = list(machine.gpu_ids)

    def take(self, num_cpus, num_gpus):
        with self._lock:
            if num_cpus > len(self._cpus) or num_gpus > len(self._gpus):
                return None
            cpus, self._cpus = self._cpus[:num_cpus], self._cpus[num_cpus:]
            gpus, self._gpus = self._gpus[:num_gpus], self._gpus[num_gpus:]
            return cpus, gpus

    def give(self, cpus, gpus):
        with self._lock:
            self._cpus += cpus
            self._gpus += gpus


_SHARED = []


def _shared_pool():
    with _ID_LOCK:
        if not _SHARED:
            _SHARED.append(_Pool(detect_resources()))
        return _SHARED[0]


class Job:
    """One job for :class:`JobScheduler`: ``fn(**args)`` on ``resources`` (Aug 2019's ``Task``).

    ``task_id`` is unique in this process. ``status`` is pending, running, completed or failed;
    ``error`` holds the traceback of a failure.
    """

    def __init__(self, fn, args=None, resources=None):
        if not callable(fn):
            raise TypeError("fn must be callable, got %r" % (fn,))
        with _ID_LOCK:
            self.task_id = next(_IDS)
        self.fn = fn
        self.args = _job_args({} if args is None else args, self.task_id)
        self.resources = _job_resources(resources)
        self.status = "pending"
        self.error = None

    def __repr__(self):
        return "Task(task_id=%d, fn=%s, args=%r, resources=%r, status=%s)" % (
            self.task_id,
            getattr(self.fn, "__name__", self.fn),
            self.args,
            self.resources,
            self.status,
        )


def _run_job(args, reporter):
    """What a worker runs for a job: ``fn(**kwargs)`` shipped in ``args.job``."""
    fn, kwargs = loads(args.job)
    return fn(**kwargs)


class JobScheduler:
    """``TaskScheduler()`` without a training function (Aug 2019): ``add_task(task)`` queues a job,
    which starts once its resources are free; ``join_tasks()`` waits for every job added so far.

    A request larger than the machine is cut to the machine (with a warning): a job asking for a GPU on
    a machine without one runs on the CPU.
    """

    def __init__(self, machine=None):
        self._pool = _Pool(machine) if machine is not None else _shared_pool()
        self.machine = self._pool.machine
        self._cond = threading.Condition()
        self._queue = deque()
        self._running = {}  # task_id -> (job, executor, cpu_ids, gpu_ids)
        self._thread = None
        self.scheduled_tasks = []  # every job added, in order
        self.finished_tasks = []  # {'TASK_ID', 'Args', 'status', 'error'} of finished jobs

    # -- public API -------------------------------------------------------------
    def add_task(self, task):
        """Queue ``task`` (an ``autogluon.Task(fn, args, resources)``); returns at once."""
        if not isinstance(task, Job):
            raise TypeError("task must be an autogluon.Task(fn, args, resources), got %r" % (task,))
        self._fit_to_machine(task.resources)
        with self._cond:
            if task.status != "pending" or task in self.scheduled_tasks:
                raise ValueError("task %d was already added to a scheduler" % task.task_id)
            self.scheduled_tasks.append(task)
            self._queue.append(task)
            if self._thread is None:
                self._thread = threading.Thread(target=self._dispatch, name="autogluon-jobs")
                self._thread.start()
        logger.debug("added %r", task)

    def join_tasks(self, timeout=None):
        """Wait until every job added so far has finished; False if ``timeout`` (seconds) passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._queue or self._running:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left if left is not None else 1.0)
        return True

    join_jobs = join_tasks

    @property
    def num_finished_tasks(self):
        return len(self.finished_tasks)

    def shutdown(self):
        """Drop queued jobs and kill running ones."""
        with self._cond:
            for job in self._queue:
                self._record(job, "failed", "cancelled by shutdown()")
            self._queue.clear()
            for task_id in list(self._running):
                self._end(task_id, "failed", "killed by shutdown()")
            self._cond.notify_all()

    # -- dispatcher thread ----------------------------------------------------
    def _fit_to_machine(self, request):
        for kind, have in (("num_cpus", self.machine.num_cpus), ("num_gpus", self.machine.num_gpus)):
            want = getattr(request, kind)
            if want > have:
                logger.warning(
                    "a job asks for %s=%d but this machine has %d; it gets %d%s",
                    kind,
                    want,
                    have,
                    have,
                    " (it runs on the CPU)" if kind == "num_gpus" and not have else "",
                )
                setattr(request, "_" + kind, max(have, 1 if kind == "num_cpus" else 0))

    def _dispatch(self):
        while True:
            with self._cond:
                self._start_ready()
                if not self._running and not self._queue:
                    self._thread = None
                    self._cond.notify_all()
                    return
                running = list(self._running.items())
            events = []
            for task_id, (_, executor, _, _) in running:
                events.extend((task_id, e) for e in executor.poll(0))
            if not events:
                time.sleep(0.02)
            with self._cond:
                for task_id, event in events:
                    self._on_event(task_id, event)

    def _start_ready(self):
        """Start queued jobs in order while the first one's resources are free."""
        while self._queue:
            job = self._queue[0]
            taken = self._pool.take(job.resources.num_cpus, job.resources.num_gpus)
            if taken is None:
                return
            self._queue.popleft()
            cpus, gpus = taken
            try:
                executor = self._launch(job, cpus, gpus)
            except Exception as exc:  # e.g. fn or its args cannot be shipped to a worker
                logger.exception("task %d could not start", job.task_id)
                self._pool.give(cpus, gpus)
                self._record(job, "failed", "could not start: %r" % (exc,))
                continue
            self._running[job.task_id] = (job, executor, cpus, gpus)

    def _launch(self, job, cpus, gpus):
        from ._executor import LocalProcessExecutor

        slot = Slot(job.task_id, cpus, gpus)
        payload = dumps((job.fn, job.args))
        executor = LocalProcessExecutor()
        executor.start([slot], dumps((_run_job, None)))
        executor.submit(
            slot.index,
            {
                "task_id": job.task_id,
                "config": {"job": payload},
                "reward_attr": "accuracy",
                "time_attr": "epoch",
                "trial_dir": None,
            },
        )
        job.resources._ready(cpus, gpus)
        job.status = "running"
        logger.debug("task %d started on %r", job.task_id, slot)
        return executor

    def _on_event(self, task_id, event):
        if task_id not in self._running:
            return
        kind = event.kind  # the executor's events: the records of _wire
        if kind == _wire.REPORT:  # a job that reports: nothing decides against it here
            self._running[task_id][1].reply(event.slot, task_id, True)
        elif kind == _wire.DONE:
            self._end(task_id, "failed" if event.outcome == "failed" else "completed", event.error)
        elif kind == _wire.DIED:
            self._end(task_id, "failed", event.reason)

    def _end(self, task_id, status, error):
        job, executor, cpus, gpus = self._running.pop(task_id)
        try:
            executor.shutdown()
        except Exception:
            logger.exception("could not shut down the worker of task %d", task_id)
        self._pool.give(cpus, gpus)
        job.resources._release()
        self._record(job, status, error)
        self._cond.notify_all()

    def _record(self, job, status, error):
        job.status, job.error = status, error
        if status == "failed":
            logger.error("task %d (%s) failed:\n%s", job.task_id, getattr(job.fn, "__name__", job.fn), error)
        self.finished_tasks.append(
            {"TASK_ID": job.task_id, "Args": job.args, "status": status, "error": error}
        )

    def __repr__(self):
        return "TaskScheduler(jobs=%d, running=%d, queued=%d, finished=%d)" % (
            len(self.scheduled_tasks),
            len(self._running),
            len(self._queue),
            len(self.finished_tasks),
        )
