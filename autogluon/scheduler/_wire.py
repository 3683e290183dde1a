"""The wire protocol between the driver and a trial worker process, in one place.

Code on either side speaks in small named records (``Report(task_id, result)``; ``msg.task_id``, not
``msg[1]``). On the wire each is a plain tuple ``(kind, field, ...)`` of builtin values, pickled and
framed as by :mod:`multiprocessing.connection` (a local worker's pipe, or a Dask trial process's
:class:`~autogluon.scheduler._channel.Channel`): :func:`encode` makes the tuple, :func:`decode`
checks a received one and makes the record, raising :class:`WireError` (naming what is wrong) for
anything that is not one of these messages. A receiver logs and drops such a message and goes on.

To add a message: a kind constant, a record (:func:`_record`), its field checks in ``_MESSAGES``,
and the one handler that acts on it (the worker: ``_worker._serve``; the driver:
:meth:`WorkerLink._event`, which turns worker messages into executor events).

=====================  ==================================  ==========================================
direction              message                             record
=====================  ==================================  ==========================================
worker -> driver       ``("hello", slot, pid)``            :class:`Hello` (a Dask trial process)
worker -> driver       ``("ready", pid)``                  :class:`Ready` (a local worker)
driver -> worker       ``("fn", payload)``                 :class:`Fn`: the training function (dill)
driver -> worker       ``("run", spec)``                   :class:`Run`: start a trial
driver -> worker       ``("run-dill", payload)``           :class:`Run`, the spec shipped by value
worker -> driver       ``("started", task_id)``            :class:`Started`
worker -> driver       ``("report", task_id, result)``     :class:`Report`; the trial waits for ...
driver -> worker       ``("decision", task_id, bool)``     :class:`Decision`: continue (True) or stop
worker -> driver       ``("done", task_id, outcome, err)`` :class:`Done`: completed | stopped | failed
driver -> worker       ``("exit",)``                       :class:`Exit`
=====================  ==================================  ==========================================

Also here: the executor's *events*, what ``poll()`` hands the scheduler loop (namedtuples that are
the plain tuples ``("report", slot, task_id, result)`` and so on, so index access works too); the
driver's end of one worker connection (:class:`WorkerLink`, shared by the local and the Dask
executor); and a worker process's environment and command line (:func:`worker_env`,
:func:`start_worker`).
"""

import logging
import numbers
import os
import pickle
import sys
from collections import namedtuple

__all__ = [
    "WireError",
    "encode",
    "decode",
    "send",
    "recv",
    "receive",
    "send_hello",
    "no_delay",
    "WorkerLink",
    "worker_env",
    "start_worker",
    "import_paths",
    "Hello",
    "Ready",
    "Fn",
    "Run",
    "Started",
    "Report",
    "Decision",
    "Done",
    "Exit",
    "started_event",
    "report_event",
    "done_event",
    "died_event",
]

logger = logging.getLogger(__name__)

# -- message kinds --------------------------------------------------------------------------------
HELLO = "hello"
READY = "ready"
FN = "fn"
RUN = "run"
RUN_DILL = "run-dill"
STARTED = "started"
REPORT = "report"
DECISION = "decision"
DONE = "done"
EXIT = "exit"
DIED = "died"  # an event only: the driver sees a worker die, the worker sends nothing

OUTCOMES = ("completed", "stopped", "failed")

# -- the environment a worker reads (set by worker_env) --------------------------------------------
ENV_DRIVER_PID = "AUTOGLUON_DRIVER_PID"
ENV_PRELOAD = "AUTOGLUON_WORKER_PRELOAD"
ENV_LOG_LEVEL = "AUTOGLUON_LOG_LEVEL"
ENV_CPU_IDS = "AUTOGLUON_CPU_IDS"  # written by Slot.env()
ENV_SLOT = "AUTOGLUON_SLOT"
ENV_AUTHKEY = "AUTOGLUON_AUTHKEY"
ENV_TLS = "AUTOGLUON_TLS"

WORKER_MODULE = "autogluon.scheduler._worker"
TLS_WORKER_MODULE = "autogluon.scheduler._dask_trial"


class WireError(ValueError):
    """A message that is not one of the protocol's (unknown kind, wrong arity, a field of the wrong kind)."""


# -- records ------------------------------------------------------------------------------------------
def _record(name, kind, fields, doc):
    record = namedtuple(name, fields)
    record.KIND = kind
    record.__doc__ = doc
    return record


Hello = _record("Hello", HELLO, "slot pid", "A Dask trial process connected for ``slot``.")
Ready = _record("Ready", READY, "pid", "A local worker is up.")
Fn = _record("Fn", FN, "payload", "The training function and its default arguments (dill).")
Run = _record("Run", RUN, "spec", "Start a trial: task_id, config, reward_attr, time_attr, trial_dir.")
Started = _record("Started", STARTED, "task_id", "The trial's function is about to run.")
Report = _record("Report", REPORT, "task_id result", "A reporter(...) call; the trial waits for a Decision.")
Decision = _record("Decision", DECISION, "task_id keep_going", "The answer to a report: continue or stop.")
Done = _record("Done", DONE, "task_id outcome error", "The trial ended: completed | stopped | failed.")
Exit = _record("Exit", EXIT, "", "End of the run: the worker exits.")


def _is_int(value):
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def _is_spec(value):
    return isinstance(value, dict) and _is_int(value.get("task_id"))


# field checks: (what is allowed, test)
_INT = ("an int", _is_int)
_BYTES = ("bytes", lambda v: isinstance(v, (bytes, bytearray)))
_DICT = ("a dict", lambda v: isinstance(v, dict))
_SPEC = ("a dict with an int 'task_id'", _is_spec)
_BOOL = ("True or False", lambda v: v is True or v is False)
_OUTCOME = ("one of %s" % ", ".join(OUTCOMES), lambda v: isinstance(v, str) and v in OUTCOMES)
_TEXT = ("a str or None", lambda v: v is None or isinstance(v, str))


def _checks(record, *checks):
    """(record, its number of fields, ((field name, what is allowed, test), ...))"""
    return record, len(checks), tuple((name,) + check for name, check in zip(record._fields, checks))


# kind -> what a message of that kind holds after its kind
_MESSAGES = {
    HELLO: _checks(Hello, _INT, _INT),
    READY: _checks(Ready, _INT),
    FN: _checks(Fn, _BYTES),
    RUN: _checks(Run, _SPEC),
    RUN_DILL: _checks(Run, _BYTES),
    STARTED: _checks(Started, _INT),
    REPORT: _checks(Report, _INT, _DICT),
    DECISION: _checks(Decision, _INT, _BOOL),
    DONE: _checks(Done, _INT, _OUTCOME, _TEXT),
    EXIT: _checks(Exit),
}
_new_record = tuple.__new__


def decode(message):
    """The record of a received ``message``; :class:`WireError` if it is not one of the protocol's.

    A ``run-dill`` message is loaded here (dill): what fails to load raises that error, as it is
    not a malformed message but a configuration this process cannot rebuild.
    """
    kind = message[0] if type(message) is tuple and message else None
    entry = _MESSAGES.get(kind) if type(kind) is str else None
    if entry is None:
        raise WireError(
            "not a message of the worker protocol (a tuple whose first item is one of %s): %.200r"
            % (", ".join(sorted(_MESSAGES)), message)
        )
    record, size, checks = entry
    if len(message) != size + 1:
        raise WireError(
            "a %r message has %d field(s) after its kind, got %d: %.200r"
            % (kind, size, len(message) - 1, message)
        )
    fields = message[1:]
    for (name, allowed, test), value in zip(checks, fields):
        if not test(value):
            raise WireError("the %s of a %r message must be %s, got %.200r" % (name, kind, allowed, value))
    if kind == RUN_DILL:
        from ..core._serialize import loads

        return Run(loads(fields[0]))
    return _new_record(record, fields)


def encode(record, *fields):
    """The message (a plain tuple) of a ``record`` type with ``fields``: ``encode(Report, 7, result)``
    is ``("report", 7, result)``; no record is built on the way. A :class:`Run` whose configuration
    holds objects a fresh process cannot import by name (a notebook cell, ``__main__``) goes as
    ``("run-dill", payload)``: shipped by value."""
    if len(fields) != len(record._fields):
        raise TypeError(
            "a %s message takes %d field(s) (%s), got %d"
            % (record.KIND, len(record._fields), ", ".join(record._fields), len(fields))
        )
    if record is Run:
        from ..core._serialize import dumps, needs_value

        if needs_value(fields[0]["config"]):
            return (RUN_DILL, dumps(fields[0]))
    return (record.KIND,) + fields


def no_delay(sock):
    """Small request/answer messages over TCP: turn Nagle's algorithm off (it stalls them ~40 ms)."""
    import socket

    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


def send_hello(conn):
    """The first message of a trial process that connects back to the driver: a :class:`Hello` with its
    slot (from its environment) and pid."""
    send(conn, Hello, int(os.environ.get(ENV_SLOT, "-1")), os.getpid())


def pop_authkey():
    """The key to authenticate to the driver with, taken out of this process's environment."""
    return bytes.fromhex(os.environ.pop(ENV_AUTHKEY))


def send(conn, record, *fields):
    """Send the message ``encode(record, *fields)`` over a :class:`multiprocessing.connection.Connection`
    or a trial ``Channel``."""
    conn.send_bytes(pickle.dumps(encode(record, *fields), protocol=pickle.HIGHEST_PROTOCOL))


def recv(conn):
    """The record of the next message on ``conn``: :class:`WireError` for a frame that is not a message
    (bytes that do not unpickle included; the connection stays usable), EOFError/OSError when it closes."""
    data = conn.recv_bytes()
    try:
        message = pickle.loads(data)
    except Exception as exc:  # noqa: BLE001 -- any garbage: UnpicklingError, EOFError, ImportError, ...
        raise WireError(
            "a frame that is not a pickled message (%s: %s): %.80r"
            % (type(exc).__name__, exc, bytes(data[:80]))
        ) from None
    return decode(message)


def receive(conn):
    """The next record a worker receives from the driver over ``conn``, skipping (and logging) what is
    not a message.

    EOFError/OSError when the connection closes.
    """
    while True:
        try:
            return recv(conn)
        except WireError as exc:
            logger.warning("worker %d dropped a malformed message from the driver: %s", os.getpid(), exc)


# -- events: what an executor's poll() returns ---------------------------------------------------------
TrialStarted = namedtuple("TrialStarted", "kind slot task_id")
TrialReport = namedtuple("TrialReport", "kind slot task_id result")
TrialDone = namedtuple("TrialDone", "kind slot task_id outcome error")
SlotDied = namedtuple("SlotDied", "kind slot task_id reason")


def started_event(slot, task_id):
    return TrialStarted(STARTED, slot, task_id)


def report_event(slot, task_id, result):
    return TrialReport(REPORT, slot, task_id, result)


def done_event(slot, task_id, outcome, error):
    return TrialDone(DONE, slot, task_id, outcome, error)


def died_event(slot, task_id, reason):
    return SlotDied(DIED, slot, task_id, reason)


# -- the driver's end of one worker ---------------------------------------------------------------
class WorkerLink:
    """The driver's end of the connection to one worker process: the slot it serves, the trial it runs
    (``task_id``, None when idle) and whether it has the training function yet."""

    __slots__ = ("slot", "conn", "pid", "task_id", "has_fn")

    def __init__(self, slot, conn, pid=None):
        self.slot = slot
        self.conn = conn
        self.pid = pid
        self.task_id = None
        self.has_fn = False

    def send_run(self, spec, fn_payload):
        """Start the trial ``spec``, sending the training function first if this worker lacks it."""
        if not self.has_fn:
            send(self.conn, Fn, fn_payload)
            self.has_fn = True
        self.task_id = spec["task_id"]
        send(self.conn, Run, spec)

    def send_decision(self, task_id, keep_going):
        """Answer the report of ``task_id`` if that is still this worker's trial; a dead worker is ignored
        (its death is seen elsewhere)."""
        if self.task_id != task_id:
            return
        try:
            send(self.conn, Decision, task_id, bool(keep_going))
        except (OSError, EOFError):
            pass

    def send_exit(self):
        try:
            send(self.conn, Exit)
        except (OSError, EOFError):
            pass

    def close(self, selector=None):
        """Stop watching the connection (with ``selector``) and close it."""
        if selector is not None:
            try:
                selector.unregister(self.conn)
            except (KeyError, ValueError):
                pass
        try:
            self.conn.close()
        except OSError:
            pass

    def drain(self, events):
        """Append the events of every message waiting on the connection to ``events``.

        A malformed message is logged and dropped. EOFError/OSError when the connection is gone (the
        events read before it are in ``events``).
        """
        while self.conn.poll():
            try:
                record = recv(self.conn)
            except WireError as exc:
                logger.warning(
                    "dropped a malformed message from the worker of slot %d (pid %s): %s",
                    self.slot.index,
                    self.pid,
                    exc,
                )
                continue
            event = self._event(record)
            if event is not None:
                events.append(event)

    def _event(self, record):
        kind = type(record)
        if kind is Report:
            return report_event(self.slot.index, record.task_id, record.result)
        if kind is Started:
            return started_event(self.slot.index, record.task_id)
        if kind is Done:
            self.task_id = None
            return done_event(self.slot.index, record.task_id, record.outcome, record.error)
        if kind is not Ready:  # a worker says "ready" after start-up: nothing to do
            logger.warning(
                "dropped a %s message from the worker of slot %d (pid %s): only a driver receives it",
                kind.__name__,
                self.slot.index,
                self.pid,
            )
        return None


# -- a worker's process ----------------------------------------------------------------------------------
def import_paths():
    """The driver's import path (the current folder for ``''``), so modules next to a user's script
    import in a worker."""
    return [p if p else os.getcwd() for p in sys.path]


def worker_env(slot, preload, driver_pid, paths, log_level=None, pin_cpus=True, extra=None):
    """The environment of a worker process for ``slot``: this process's, the slot's thread limits,
    CPU ids and visible GPUs, the process to die with, the modules to preload, ``PYTHONPATH``.

    ``pin_cpus=False`` leaves the CPU affinity alone (the slot's CPU ids are only a count);
    ``log_level`` configures the worker's logging; ``extra`` adds variables.
    """
    env = dict(os.environ)
    env.update(slot.env())
    if not pin_cpus:
        env.pop(ENV_CPU_IDS, None)
    env[ENV_DRIVER_PID] = str(driver_pid)
    env[ENV_PRELOAD] = ",".join(preload)
    if log_level is not None:
        env[ENV_LOG_LEVEL] = str(log_level)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.update(extra or {})
    return env


def start_worker(env, fd=None, connect=None, module=WORKER_MODULE):
    """Start a worker process (its own session) serving the pipe ``fd``, or connecting back to ``connect``."""
    import subprocess

    args = [str(fd)] if connect is None else ["--connect", connect]
    return subprocess.Popen(
        [sys.executable, "-m", module] + args,
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        pass_fds=() if fd is None else (fd,),
    )
