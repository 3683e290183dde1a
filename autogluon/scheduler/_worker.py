"""Entry point of a trial worker process: ``python -m autogluon.scheduler._worker FD``.

A worker is started once per resource slot and runs many trials one after the
other, so imports (MXNet's alone takes over a second) are paid once. It talks
to the driver over one duplex connection (file descriptor FD):

driver -> worker: ("fn", payload) | ("run", spec) | ("run-dill", payload) | ("decision", task_id, bool)
                  | ("exit",)
worker -> driver: ("ready", pid) | ("started", task_id)
                  | ("report", task_id, result)
                  | ("done", task_id, outcome, error_text)   outcome: completed | stopped | failed

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
import sys
import traceback

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
    parent_pid = int(os.environ.get("AUTOGLUON_DRIVER_PID", os.getppid()))
    # A catchable signal at the driver's death: the guard uses it to kill its whole tree.
    _die_with_parent(parent_pid, signal.SIGTERM)
    # Ctrl-C in a terminal goes to the whole foreground process group: the
    # driver decides what happens to trials, so workers ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _split_off_guard(fd)
    cpus = os.environ.get("AUTOGLUON_CPU_IDS")
    if cpus and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, [int(c) for c in cpus.split(",")])
        except OSError:
            pass
    level = os.environ.get("AUTOGLUON_LOG_LEVEL")
    if level:
        logging.basicConfig(level=int(level), format="%(levelname)s:%(name)s:[worker %(process)d] %(message)s")
    for name in filter(None, os.environ.get("AUTOGLUON_WORKER_PRELOAD", "").split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # the trial will fail with the real error if it needs it
            logging.getLogger(__name__).warning("worker could not preload %s", name, exc_info=True)


def run_trial(fn, args, spec, send_report):
    """Run one trial of ``fn`` with default ``args``; returns (outcome, error_text)."""
    from ..core._decorators import call_train_fn
    from .reporter import StatusReporter, TrialStopped

    reporter = StatusReporter(spec["task_id"], send_report, spec["reward_attr"], spec["time_attr"],
                              spec.get("trial_dir"))
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
    while tb is not None and tb.tb_next is not None and \
            os.path.abspath(tb.tb_frame.f_code.co_filename) in callers:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _connect(address):
    """Connect back to a driver that listens on ``host:port`` (cluster mode)."""
    from multiprocessing.connection import Client

    host, port = address.rsplit(":", 1)
    authkey = bytes.fromhex(os.environ.pop("AUTOGLUON_AUTHKEY"))
    try:
        conn = Client((host, int(port)), authkey=authkey)
    except OSError:
        sys.exit(3)  # the driver is gone: nothing to do
    _no_delay(conn)
    conn.send(("hello", int(os.environ.get("AUTOGLUON_SLOT", "-1")), os.getpid()))
    return conn


def _no_delay(conn):
    """Small request/answer messages over TCP: turn Nagle's algorithm off (it stalls them ~40 ms)."""
    import socket

    sock = socket.socket(fileno=os.dup(conn.fileno()))
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass
    finally:
        sock.close()


def main(fd=None, connect=None, connector=None):
    """Serve trials over the driver's pipe ``fd``, or over a connection to ``connect``
    (HOST:PORT, a Dask trial process) made by ``connector`` (default: the plain channel)."""
    from multiprocessing.connection import Connection

    from ..core._serialize import loads

    _setup_process(fd)
    if connect:
        conn = (connector or _connect)(connect)
    else:
        conn = Connection(fd)
        conn.send(("ready", os.getpid()))
    fn = args = None
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        kind = msg[0]
        if kind == "exit":
            return
        if kind == "fn":
            try:
                fn, args = loads(msg[1])
            except BaseException:  # noqa: BLE001
                fn = _Unloadable(traceback.format_exc())
        elif kind in ("run", "run-dill"):
            spec = msg[1] if kind == "run" else loads(msg[1])
            task_id = spec["task_id"]

            def send_report(result, task_id=task_id):
                conn.send(("report", task_id, result))
                while True:
                    try:
                        reply = conn.recv()
                    except (EOFError, OSError):
                        os._exit(0)  # the driver is gone
                    if reply[0] == "decision" and reply[1] == task_id:
                        return reply[2]
                    if reply[0] == "exit":
                        os._exit(0)

            conn.send(("started", task_id))  # the trial's clock (trial_timeout) starts now
            if isinstance(fn, _Unloadable):
                outcome, error = "failed", "the training function could not be loaded in the worker:\n" + fn.error
            else:
                outcome, error = run_trial(fn, args, spec, send_report)
            try:
                conn.send(("done", task_id, outcome, error))
            except (EOFError, OSError):
                return


class _Unloadable:
    def __init__(self, error):
        self.error = error


if __name__ == "__main__":
    # Run as a module so that a relative import of the package works.
    if sys.argv[1] == "--connect":
        main(connect=sys.argv[2])
    else:
        main(int(sys.argv[1]))
