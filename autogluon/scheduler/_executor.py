"""How trials run: the executor interface and its local backends.

The scheduler's event loop talks to an executor only through this interface,
so a backend (local worker processes, a thread for unit tests, a cluster) can
be swapped without touching the schedulers:

``start(slots, fn_payload)``
    Prepare one runner per :class:`~autogluon.scheduler.resource.Slot`.
``submit(slot_index, spec)``
    Start a trial (``spec``: task_id, config, reward_attr, time_attr, trial_dir) on an idle slot.
``poll(timeout) -> list of events`` (tuples; the named records of :mod:`._wire` are such tuples)
    ``("started", slot, task_id)``: the trial's function is about to run (optional);
    ``("report", slot, task_id, result)``: the trial waits for ``reply``;
    ``("done", slot, task_id, outcome, error_text)``: outcome completed | stopped | failed;
    ``("died", slot, task_id or None, reason)``: the runner itself died.
``reply(slot_index, task_id, decision)``
    Answer a report: True continues, False stops the trial at that report.
``kill(slot_index)``
    End the slot's trial now (time limit, timeout); no more events come for it.
``shutdown()``
    Stop everything; nothing the executor started outlives this call.
"""

import logging
import os
import queue
import selectors
import signal
import subprocess
import threading
import time
from multiprocessing import Pipe

from . import _wire
from ._procs import end_process

__all__ = ["Executor", "LocalProcessExecutor", "InProcessExecutor", "make_executor"]

logger = logging.getLogger(__name__)


class Executor:
    """Interface every trial backend implements (see the module docstring)."""

    def start(self, slots, fn_payload):
        raise NotImplementedError

    def submit(self, slot_index, spec):
        raise NotImplementedError

    def poll(self, timeout):
        raise NotImplementedError

    def reply(self, slot_index, task_id, decision):
        raise NotImplementedError

    def kill(self, slot_index):
        raise NotImplementedError

    def shutdown(self):
        raise NotImplementedError


class _WorkerHandle(_wire.WorkerLink):
    """A local worker: its connection (see :class:`~._wire.WorkerLink`), its process and that process's pidfd."""

    __slots__ = ("proc", "pidfd")

    def __init__(self, slot, proc, conn):
        super().__init__(slot, conn, proc.pid)
        self.proc = proc
        self.pidfd = None


def _signal_name(code):
    try:
        return signal.Signals(-code).name
    except (ValueError, TypeError):
        return str(code)


def _death(proc):
    code = proc.returncode
    return "worker process %d died (%s)" % (
        proc.pid,
        "signal %s" % _signal_name(code) if code < 0 else "exit code %d" % code,
    )


class LocalProcessExecutor(Executor):
    """Trials run in persistent worker processes, one per slot, on this machine.

    Each worker is started once with its slot's thread limits, CPU affinity and
    ``CUDA_VISIBLE_DEVICES``, imports the training function once, and then runs
    trial after trial. A worker that dies is replaced on the next submit.

    Parameters
    ----------
    preload : sequence of str
        Modules every worker imports at start-up (e.g. ``['mxnet']``), so that
        the import overlaps with the driver's own work.
    """

    def __init__(self, preload=()):
        self.preload = list(preload)
        self._workers = {}
        self._slots = {}
        self._payload = None
        self._log_level = None
        self._selector = selectors.DefaultSelector()

    # -- life cycle ---------------------------------------------------------
    def start(self, slots, fn_payload):
        self._payload = fn_payload
        self._slots = {s.index: s for s in slots}
        self._log_level = logging.getLogger("autogluon").getEffectiveLevel()
        for slot in slots:
            self._spawn(slot)

    def _spawn(self, slot):
        parent_conn, child_conn = Pipe(duplex=True)
        env = _wire.worker_env(
            slot,
            self.preload,
            os.getpid(),
            _wire.import_paths(),
            log_level=self._log_level or logging.WARNING,
        )
        proc = _wire.start_worker(env, fd=child_conn.fileno())
        child_conn.close()
        handle = _WorkerHandle(slot, proc, parent_conn)
        handle.pidfd = os.pidfd_open(proc.pid)
        self._selector.register(parent_conn, selectors.EVENT_READ, ("conn", handle))
        self._selector.register(handle.pidfd, selectors.EVENT_READ, ("exit", handle))
        self._workers[slot.index] = handle
        logger.debug("started worker pid %d for %r", proc.pid, slot)
        return handle

    def _alive(self, handle):
        return handle is not None and handle.proc.poll() is None

    def submit(self, slot_index, spec):
        handle = self._workers.get(slot_index)
        if not self._alive(handle):
            if handle is not None:
                self._reap(handle)
            handle = self._spawn(self._slots[slot_index])
        handle.send_run(spec, self._payload)

    def reply(self, slot_index, task_id, decision):
        handle = self._workers.get(slot_index)
        if handle is not None:
            handle.send_decision(task_id, decision)  # a dead worker: its pidfd reports it

    # -- events -------------------------------------------------------------
    def poll(self, timeout):
        if not self._selector.get_map():
            if timeout:
                time.sleep(min(timeout, 0.05))
            return []
        events = []
        dead = []
        for key, _ in self._selector.select(timeout):
            kind, h = key.data
            if kind == "conn":
                self._drain(h, events)
            else:
                dead.append(h)
        for h in dead:
            self._drain(h, events)
            if h.proc.poll() is None:
                continue
            events.append(_wire.died_event(h.slot.index, h.task_id, _death(h.proc)))
            self._reap(h)
            self._workers[h.slot.index] = None
        return events

    def _drain(self, h, events):
        try:
            h.drain(events)
        except (EOFError, OSError):
            pass  # the worker is gone: its pidfd reports it

    # -- ending ---------------------------------------------------------------
    def _reap(self, h):
        if h.pidfd is not None:
            try:
                self._selector.unregister(h.pidfd)
            except (KeyError, ValueError):
                pass
        h.close(self._selector)
        end_process(h.proc)  # the worker's guard, the worker, and every process its trial started
        if h.pidfd is not None:
            os.close(h.pidfd)
            h.pidfd = None

    def kill(self, slot_index):
        h = self._workers.get(slot_index)
        if h is not None:
            self._reap(h)
            self._workers[slot_index] = None

    def shutdown(self):
        handles = [h for h in self._workers.values() if h is not None]
        for h in handles:
            if h.task_id is None:
                h.send_exit()
        deadline = time.monotonic() + 2.0
        for h in handles:
            if h.task_id is None:
                try:
                    h.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
            self._reap(h)
        self._workers = {}
        self._selector.close()
        self._selector = selectors.DefaultSelector()


class InProcessExecutor(Executor):
    """Trials run in threads of the driver process. For unit tests and debugging only:
    there is no isolation, and ``kill`` can only stop a trial at its next report."""

    def __init__(self):
        self._events = queue.Queue()
        self._replies = {}
        self._fn = self._args = None
        self._killed = set()
        self._threads = {}

    def start(self, slots, fn_payload):
        from ..core._serialize import loads

        self._fn, self._args = loads(fn_payload)

    def submit(self, slot_index, spec):
        from ._worker import run_trial

        task_id = spec["task_id"]
        replies = queue.Queue()
        self._replies[task_id] = replies

        def send(result):
            if task_id in self._killed:
                return False
            self._events.put(_wire.report_event(slot_index, task_id, result))
            return replies.get()

        def body():
            self._events.put(_wire.started_event(slot_index, task_id))
            outcome, error = run_trial(self._fn, self._args, spec, send)
            if task_id not in self._killed:
                self._events.put(_wire.done_event(slot_index, task_id, outcome, error))

        thread = threading.Thread(target=body, name="trial-%d" % task_id, daemon=True)
        self._threads[slot_index] = (task_id, thread)
        thread.start()

    def poll(self, timeout):
        events = []
        try:
            events.append(self._events.get(timeout=timeout))
            while True:
                events.append(self._events.get_nowait())
        except queue.Empty:
            pass
        return [e for e in events if e[2] not in self._killed]

    def reply(self, slot_index, task_id, decision):
        replies = self._replies.get(task_id)
        if replies is not None:
            replies.put(bool(decision))

    def kill(self, slot_index):
        entry = self._threads.pop(slot_index, None)
        if entry is not None:
            task_id, _ = entry
            self._killed.add(task_id)
            self.reply(slot_index, task_id, False)

    def shutdown(self):
        for slot_index in list(self._threads):
            self.kill(slot_index)


def make_executor(executor):
    """``'local'`` (default), ``'inprocess'``, or an :class:`Executor` instance."""
    if executor is None or executor == "local":
        return LocalProcessExecutor()
    if executor in ("inprocess", "in-process", "thread"):
        return InProcessExecutor()
    if isinstance(executor, Executor) or all(
        hasattr(executor, m) for m in ("start", "submit", "poll", "reply")
    ):
        return executor
    raise ValueError("executor must be 'local', 'inprocess' or an Executor instance, got %r" % (executor,))
