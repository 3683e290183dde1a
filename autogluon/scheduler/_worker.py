"""Entry point of a trial worker process: ``python -m autogluon.scheduler._worker FD``.

A worker is started once per resource slot and runs many trials one after the
other, so imports (MXNet's alone takes over a second) are paid once. It talks
to the driver over one duplex connection (file descriptor FD):

driver -> worker: fn, run, decision, exit; worker -> driver: ready (or hello), started, report, done.
The messages, and the environment the driver starts a worker with, are defined in :mod:`._wire`.

Nothing a worker starts outlives the driver. The process the driver starts
splits in two at once (on Linux): a small *guard* that stays the driver's child,
and the worker proper, its child. The guard is a child subreaper, so every
process a trial starts stays in its tree, even one that calls ``setsid`` or
whose parent exits. When the driver dies, however it dies, the kernel sends the
guard SIGTERM (``PR_SET_PDEATHSIG``); the guard, which only ever waits, kills
its whole tree with SIGKILL and exits. When the worker exits, the guard kills
what is left of its tree and exits with the worker's status. The worker itself
gets SIGKILL if the guard dies, and exits when the connection closes.
"""

import ctypes
import importlib
import logging
import os
import signal
import socket
import sys
import traceback

from . import _wire
from ._procs import kill_descendants, set_child_subreaper

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid, sig=signal.SIGKILL):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the closed connection still ends us
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _split_off_guard(fd):
    """Fork: this process becomes the guard (never returns); the child returns and is the worker."""
    if not set_child_subreaper():
        return  # no subreapers here (not Linux): the worker runs unguarded, as it is
    guard_pid = os.getpid()
    worker_pid = os.fork()
    if worker_pid == 0:
        _die_with_parent(guard_pid)
        return
    if fd is not None:
        os.close(fd)  # the connection is the worker's: its end closes when the worker exits
    _guard(worker_pid)


def _guard(worker_pid):
    def kill_all_and_exit(signum, frame):
        kill_descendants(os.getpid())
        os._exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):  # SIGTERM: the driver died (PDEATHSIG) or was asked to
        signal.signal(sig, kill_all_and_exit)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)  # the worker, or an orphan re-parented to us
        except ChildProcessError:  # pragma: no cover - the worker is always our child until it ends
            os._exit(0)
        if pid == worker_pid:
            break
    kill_descendants(os.getpid())  # what the worker's trials left behind
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    _exit_like(status)


def _exit_like(status):
    """Exit as the worker did, so the driver's "worker died (signal ...)" names the real cause."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):  # SIGKILL, SIGSTOP: their action cannot (and need not) change
            pass
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _setup_process(fd=None):
    parent_pid = int(os.environ.get(_wire.ENV_DRIVER_PID, os.getppid()))
    # A catchable signal at the driver's death: the guard uses it to kill its whole tree.
    _die_with_parent(parent_pid, signal.SIGTERM)
    # Ctrl-C in a terminal goes to the whole foreground process group: the
    # driver decides what happens to trials, so workers ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _split_off_guard(fd)
    cpus = os.environ.get(_wire.ENV_CPU_IDS)
    if cpus and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, [int(c) for c in cpus.split(",")])
        except OSError:
            pass
    level = os.environ.get(_wire.ENV_LOG_LEVEL)
    if level:
        logging.basicConfig(
            level=int(level), format="%(levelname)s:%(name)s:[worker %(process)d] %(message)s"
        )
    for name in filter(None, os.environ.get(_wire.ENV_PRELOAD, "").split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # the trial will fail with the real error if it needs it
            logging.getLogger(__name__).warning("worker could not preload %s", name, exc_info=True)


def run_trial(fn, args, spec, send_report):
    """Run one trial of ``fn`` with default ``args``; returns (outcome, error_text)."""
    from ..core._decorators import call_train_fn
    from .reporter import StatusReporter, TrialStopped

    reporter = StatusReporter(
        spec["task_id"], send_report, spec["reward_attr"], spec["time_attr"], spec.get("trial_dir")
    )
    try:
        call_train_fn(fn, args, spec["config"], reporter)
    except TrialStopped:
        return "stopped", None
    except BaseException as exc:  # noqa: BLE001 -- anything the user's code raises fails only its trial
        return "failed", _user_traceback(exc)
    return "completed", None


def _user_traceback(exc):
    """The traceback of ``exc`` without the frames of this module and the decorators that called the function."""
    from ..core import _decorators

    callers = {os.path.abspath(__file__), os.path.abspath(_decorators.__file__)}
    tb = exc.__traceback__
    while (
        tb is not None
        and tb.tb_next is not None
        and os.path.abspath(tb.tb_frame.f_code.co_filename) in callers
    ):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _connect(address):
    """Connect back to a driver that listens on ``host:port`` (cluster mode)."""
    from multiprocessing.connection import Client

    host, port = address.rsplit(":", 1)
    authkey = _wire.pop_authkey()
    try:
        conn = Client((host, int(port)), authkey=authkey)
    except OSError:
        sys.exit(3)  # the driver is gone: nothing to do
    sock = socket.socket(fileno=os.dup(conn.fileno()))
    try:
        _wire.no_delay(sock)
    finally:
        sock.close()
    _wire.send_hello(conn)
    return conn


def main(fd=None, connect=None, connector=None):
    """Serve trials over the driver's pipe ``fd``, or over a connection to ``connect``
    (HOST:PORT, a Dask trial process) made by ``connector`` (default: the plain channel)."""
    from multiprocessing.connection import Connection

    _setup_process(fd)
    if connect:
        conn = (connector or _connect)(connect)
    else:
        conn = Connection(fd)
        _wire.send(conn, _wire.Ready, os.getpid())
    _serve(conn)


def _serve(conn):
    """Run the driver's trials, one after the other, until it says exit or the connection closes."""
    from ..core._serialize import loads

    fn = None
    while True:
        try:
            msg = _wire.receive(conn)
        except (EOFError, OSError):
            return
        kind = type(msg)
        if kind is _wire.Exit:
            return
        if kind is _wire.Fn:
            try:
                train_fn, args = loads(msg.payload)
                fn = (train_fn, args)
            except BaseException:  # noqa: BLE001
                fn = _Unloadable(traceback.format_exc())
        elif kind is _wire.Run:
            if not _serve_trial(conn, fn, msg.spec):
                return
        else:
            logging.getLogger(__name__).warning(
                "worker %d dropped a %s message: only the driver receives it", os.getpid(), kind.__name__
            )


def _serve_trial(conn, fn, spec):
    """Run one trial for the driver; False when the driver is gone."""
    task_id = spec["task_id"]

    def send_report(result):
        _wire.send(conn, _wire.Report, task_id, result)
        return _await_decision(conn, task_id)

    _wire.send(conn, _wire.Started, task_id)  # the trial's clock (trial_timeout) starts now
    if isinstance(fn, _Unloadable):
        outcome, error = "failed", "the training function could not be loaded in the worker:\n" + fn.error
    elif fn is None:
        outcome, error = "failed", "the driver sent no training function before the trial"
    else:
        outcome, error = run_trial(fn[0], fn[1], spec, send_report)
    try:
        _wire.send(conn, _wire.Done, task_id, outcome, error)
    except (EOFError, OSError):
        return False
    return True


def _await_decision(conn, task_id):
    """The driver's answer to the trial's report: True continues, False stops it."""
    while True:
        try:
            reply = _wire.receive(conn)
        except (EOFError, OSError):
            os._exit(0)  # the driver is gone
        if type(reply) is _wire.Decision and reply.task_id == task_id:
            return reply.keep_going
        if type(reply) is _wire.Exit:
            os._exit(0)


class _Unloadable:
    def __init__(self, error):
        self.error = error


if __name__ == "__main__":
    # Run as a module so that a relative import of the package works.
    if sys.argv[1] == "--connect":
        main(connect=sys.argv[2])
    else:
        main(int(sys.argv[1]))
