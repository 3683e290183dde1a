"""Entry point of a trial worker process: ``python -m autogluon.scheduler._worker FD``.

A worker is started once per resource slot and runs many trials one after the
other, so imports (MXNet's alone takes over a second) are paid once. It talks
to the driver over one duplex connection (file descriptor FD):

driver -> worker: ("fn", payload) | ("run", spec) | ("run-dill", payload) | ("decision", task_id, bool)
                  | ("exit",)
worker -> driver: ("ready", pid) | ("started", task_id)
                  | ("report", task_id, result)
                  | ("done", task_id, outcome, error_text)   outcome: completed | stopped | failed

The worker never outlives the driver: it asks the kernel for SIGKILL when its
parent dies, and exits when the connection closes.
"""
import ctypes
import importlib
import logging
import os
import signal
import sys
import traceback

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the closed connection still ends us
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _setup_process():
    parent_pid = int(os.environ.get("AUTOGLUON_DRIVER_PID", os.getppid()))
    _die_with_parent(parent_pid)
    # Ctrl-C in a terminal goes to the whole foreground process group: the
    # driver decides what happens to trials, so workers ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    except BaseException:  # noqa: BLE001 -- anything the user's code raises fails only its trial
        return "failed", traceback.format_exc()
    return "completed", None


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


def main(fd=None, connect=None):
    from multiprocessing.connection import Connection

    from ..core._serialize import loads

    _setup_process()
    if connect:
        conn = _connect(connect)
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
