"""The worker wire protocol (autogluon/scheduler/_wire.py): every message round-trips to its named
record, anything else is a clear error, and a real driver and worker drop garbage and go on."""

import logging
import os
import pickle
import time
import types

import pytest
from helpers_sched import garbage_fn, linear_fn

from autogluon.core._serialize import dumps
from autogluon.scheduler import _wire
from autogluon.scheduler._executor import LocalProcessExecutor
from autogluon.scheduler.resource import Slot

SPEC = {
    "task_id": 7,
    "config": {"x": 0.25},
    "reward_attr": "accuracy",
    "time_attr": "epoch",
    "trial_dir": None,
}


def _over_the_wire(record):
    message = _wire.encode(type(record), *record)
    assert type(message) is tuple and message[0] == record.KIND
    return _wire.decode(pickle.loads(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)))


@pytest.mark.parametrize(
    "record, message",
    [
        (_wire.Hello(3, 1234), ("hello", 3, 1234)),
        (_wire.Ready(1234), ("ready", 1234)),
        (_wire.Fn(b"payload"), ("fn", b"payload")),
        (_wire.Run(SPEC), ("run", SPEC)),
        (_wire.Started(7), ("started", 7)),
        (_wire.Report(7, {"epoch": 1, "accuracy": 0.5}), ("report", 7, {"epoch": 1, "accuracy": 0.5})),
        (_wire.Decision(7, False), ("decision", 7, False)),
        (_wire.Done(7, "completed", None), ("done", 7, "completed", None)),
        (_wire.Done(7, "failed", "Traceback ..."), ("done", 7, "failed", "Traceback ...")),
        (_wire.Exit(), ("exit",)),
    ],
)
def test_every_message_round_trips_to_its_named_record(record, message):
    assert (
        _wire.encode(type(record), *record) == message
    )  # the wire format is the one the workers always spoke
    got = _over_the_wire(record)
    assert type(got) is type(record) and got == record
    assert got._fields == record._fields


def test_a_configuration_from_a_notebook_cell_travels_by_value():
    cell = types.ModuleType("__main__")  # what a worker cannot import by name
    exec("class Shape:\n    def __init__(self, n):\n        self.n = n\n", cell.__dict__)
    spec = dict(SPEC, config={"shape": cell.Shape(3)})
    message = _wire.encode(_wire.Run, spec)
    assert message[0] == _wire.RUN_DILL and isinstance(message[1], bytes)
    got = _wire.decode(pickle.loads(pickle.dumps(message)))
    assert type(got) is _wire.Run and got.spec["task_id"] == 7 and got.spec["config"]["shape"].n == 3


def test_encoding_a_message_with_the_wrong_number_of_fields_is_a_type_error():
    with pytest.raises(TypeError, match=r"a report message takes 2 field\(s\) \(task_id, result\), got 1"):
        _wire.encode(_wire.Report, 7)


def test_events_are_named_and_are_the_plain_tuples_the_loop_indexes():
    assert _wire.started_event(0, 7) == ("started", 0, 7)
    assert _wire.report_event(1, 7, {"epoch": 1}) == ("report", 1, 7, {"epoch": 1})
    done = _wire.done_event(1, 7, "failed", "boom")
    assert done == ("done", 1, 7, "failed", "boom") and (done.outcome, done.error) == ("failed", "boom")
    died = _wire.died_event(2, None, "worker process 5 died (signal SIGKILL)")
    assert died[3] == died.reason and died.kind == "died" and isinstance(died, tuple)


@pytest.mark.parametrize(
    "message, says",
    [
        (42, "not a message of the worker protocol"),
        ((), "not a message of the worker protocol"),
        (["report", 7, {}], "not a message of the worker protocol"),  # a list is not a message
        (("bogus", 1), "not a message of the worker protocol"),
        (({"a": 1}, 1), "not a message of the worker protocol"),  # an unhashable kind
        (("report", 7), "a 'report' message has 2 field.s. after its kind, got 1"),
        (("exit", 1), "a 'exit' message has 0 field.s. after its kind, got 1"),
        (("report", "7", {}), "the task_id of a 'report' message must be an int"),
        (("report", True, {}), "the task_id of a 'report' message must be an int"),
        (("report", 7, [1]), "the result of a 'report' message must be a dict"),
        (
            ("done", 7, "exploded", None),
            "the outcome of a 'done' message must be one of completed, stopped, failed",
        ),
        (("done", 7, "failed", 3), "the error of a 'done' message must be a str or None"),
        (("decision", 7, "yes"), "the keep_going of a 'decision' message must be True or False"),
        (("run", {"config": {}}), "the spec of a 'run' message must be a dict with an int 'task_id'"),
        (("fn", "text"), "the payload of a 'fn' message must be bytes"),
        (("hello", "0", 5), "the slot of a 'hello' message must be an int"),
    ],
)
def test_a_malformed_or_unknown_message_is_a_clear_error(message, says):
    with pytest.raises(_wire.WireError, match=says):
        _wire.decode(message)
    assert issubclass(_wire.WireError, ValueError)


def _until_done(executor, timeout=60.0):
    events, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in executor.poll(0.5):
            events.append(event)
            if event[0] == "report":
                executor.reply(event[1], event[2], True)
            if event[0] in ("done", "died"):
                return events
    raise AssertionError("no end of the trial within %gs: %s" % (timeout, events))


def test_a_real_worker_drops_garbage_from_the_driver_and_goes_on(capfd):
    executor = LocalProcessExecutor()
    executor.start([Slot(0, [0], [])], dumps((linear_fn, None)))
    try:
        link = executor._workers[0]
        pid = link.proc.pid
        link.conn.send(42)
        link.conn.send_bytes(b"not a pickle")
        link.conn.send(("bogus", 1))
        link.conn.send(("run", {"config": {}}))  # no task id
        link.conn.send(("decision", 99, True))  # a decision nobody waits for: ignored, as before
        executor.submit(0, SPEC)
        events = _until_done(executor)
        assert [e[0] for e in events] == ["started", "report", "report", "report", "done"], events
        assert events[-1] == ("done", 0, 7, "completed", None)
        assert (
            executor._workers[0].proc.pid == pid and executor._workers[0].proc.poll() is None
        )  # the same worker
    finally:
        executor.shutdown()
    err = capfd.readouterr().err
    assert "dropped a malformed message from the driver: not a message of the worker protocol" in err, err
    assert "42" in err and "'bogus'" in err
    assert "a frame that is not a pickled message (UnpicklingError" in err and "b'not a pickle'" in err, err
    assert "the spec of a 'run' message must be a dict with an int 'task_id'" in err, err


def test_the_driver_drops_garbage_from_a_real_worker_and_goes_on(caplog):
    caplog.set_level(logging.WARNING, logger="autogluon.scheduler._wire")
    executor = LocalProcessExecutor()
    executor.start([Slot(0, [0], [])], dumps((garbage_fn, None)))
    try:
        executor.submit(0, dict(SPEC, config={}))
        events = _until_done(executor)
    finally:
        executor.shutdown()
    assert [e[0] for e in events] == ["started", "report", "report", "done"], events
    assert events[-1] == ("done", 0, 7, "completed", None)
    dropped = [
        r.getMessage()
        for r in caplog.records
        if "dropped a malformed message from the worker" in r.getMessage()
    ]
    assert len(dropped) == 4, dropped
    assert (
        "slot 0" in dropped[0] and "not a message of the worker protocol" in dropped[0] and "42" in dropped[0]
    )
    assert "a frame that is not a pickled message (UnpicklingError" in dropped[1]
    assert "the task_id of a 'report' message must be an int" in dropped[3]


def test_a_worker_environment_is_built_in_one_place(monkeypatch):
    monkeypatch.setenv("SOMETHING_OF_THE_DRIVER", "kept")
    monkeypatch.delenv(_wire.ENV_LOG_LEVEL, raising=False)
    slot = Slot(1, [2, 3], [1])
    env = _wire.worker_env(
        slot, ["numpy"], 4242, ["/a", "/b", "/a"], log_level=20, extra={_wire.ENV_SLOT: "1"}
    )
    assert env["SOMETHING_OF_THE_DRIVER"] == "kept"
    assert env["OMP_NUM_THREADS"] == "2" and env["CUDA_VISIBLE_DEVICES"] == "1"
    assert env[_wire.ENV_CPU_IDS] == "2,3" and env[_wire.ENV_DRIVER_PID] == "4242"
    assert (
        env[_wire.ENV_PRELOAD] == "numpy" and env[_wire.ENV_LOG_LEVEL] == "20" and env[_wire.ENV_SLOT] == "1"
    )
    assert env["PYTHONPATH"] == os.pathsep.join(["/a", "/b"])
    unpinned = _wire.worker_env(slot, [], 1, [], pin_cpus=False)
    assert _wire.ENV_CPU_IDS not in unpinned and _wire.ENV_LOG_LEVEL not in unpinned
