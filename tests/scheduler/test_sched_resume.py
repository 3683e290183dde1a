"""Checkpoint, resume, and a driver killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from helpers_sched import linear_fn, logged_fn

from autogluon.scheduler import CheckpointError, FIFO_Scheduler, TaskStatus
from autogluon.scheduler._checkpoint import load_checkpoint

CPU1 = {"num_cpus": 1, "num_gpus": 0}
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def test_checkpoint_round_trip_continues_the_same_configs(tmp_path):
    ck = str(tmp_path / "ck.ag")
    full = FIFO_Scheduler(
        linear_fn, None, CPU1, "random", checkpoint=None, num_trials=8, seed=4, progress=False
    ).run()
    part = FIFO_Scheduler(
        linear_fn, None, CPU1, "random", checkpoint=ck, num_trials=8, seed=4, progress=False
    )
    part.run(num_trials=5)
    assert len(part.tasks) == 5 and os.path.exists(ck)
    resumed = FIFO_Scheduler(
        linear_fn, None, CPU1, "random", checkpoint=ck, resume=True, num_trials=8, seed=4, progress=False
    )
    assert len(resumed.tasks) == 5
    resumed.run()
    assert [resumed.tasks[i].config for i in range(8)] == [full.tasks[i].config for i in range(8)]
    assert resumed.training_history == full.training_history


def test_state_dict_load_state_dict_round_trip():
    a = FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=None,
        num_trials=3,
        seed=9,
        progress=False,
        executor="inprocess",
    ).run()
    b = FIFO_Scheduler(
        linear_fn, None, CPU1, "random", checkpoint=None, seed=9, progress=False, executor="inprocess"
    )
    b.load_state_dict(a.state_dict())
    assert b.get_best_config() == a.get_best_config()
    assert b.training_history == a.training_history
    a.run(num_trials=6)
    b.run(num_trials=6)
    assert [t.config for t in a.tasks.values()] == [t.config for t in b.tasks.values()]


def test_resume_without_checkpoint_starts_fresh(tmp_path, caplog):
    s = FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=str(tmp_path / "none.ag"),
        resume=True,
        num_trials=1,
        progress=False,
    )
    assert not s.tasks and "no checkpoint" in caplog.text


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"\x80\x04\x95garbage", "truncated or corrupt"),
        (b"not a pickle at all", "truncated or corrupt"),
    ],
)
def test_corrupt_checkpoint_gives_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.ag"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as info:
        FIFO_Scheduler(linear_fn, None, CPU1, "random", checkpoint=str(path), resume=True, progress=False)
    assert str(path) in str(info.value)


def test_foreign_pickle_is_rejected(tmp_path):
    import pickle

    path = tmp_path / "foreign.ag"
    path.write_bytes(pickle.dumps({"something": "else"}))
    with pytest.raises(CheckpointError, match="not an autogluon scheduler checkpoint"):
        load_checkpoint(str(path))


def test_checkpoint_written_atomically_leaves_no_temp_files(tmp_path):
    FIFO_Scheduler(
        linear_fn, None, CPU1, "random", checkpoint=str(tmp_path / "ck.ag"), num_trials=3, progress=False
    ).run()
    assert sorted(os.listdir(tmp_path)) == ["ck.ag"]


DRIVER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{here!r}, {root!r}]
    from autogluon.scheduler import FIFO_Scheduler
    from helpers_sched import logged_fn
    s = FIFO_Scheduler(logged_fn, {{"log_file": {log!r}, "sleep": 0.15}}, {{"num_cpus": 1, "num_gpus": 0}},
                       "random", checkpoint={ck!r}, num_trials=12, seed=0, progress=False,
                       resume=(sys.argv[1] == "resume"))
    s.run()
""")


def test_driver_killed_with_sigkill_resumes_without_losing_or_rerunning_finished_trials(tmp_path):
    ck, log = str(tmp_path / "ck.ag"), str(tmp_path / "starts.log")
    script = tmp_path / "driver.py"
    script.write_text(DRIVER.format(here=HERE, root=ROOT, log=log, ck=ck))
    driver = subprocess.Popen([sys.executable, str(script), "fresh"])
    try:
        deadline = time.monotonic() + 60
        finished_before = []
        while time.monotonic() < deadline:
            if os.path.exists(ck):
                state = load_checkpoint(ck)
                finished_before = [t for t in state["tasks"] if t["status"] in TaskStatus.FINISHED]
                if len(finished_before) >= 3:
                    break
            time.sleep(0.05)
        assert len(finished_before) >= 3, "the driver did not finish 3 trials in time"
        workers = psutil.Process(driver.pid).children(recursive=True)
        assert workers, "the driver should have worker processes"
        driver.send_signal(signal.SIGKILL)
        driver.wait(10)
        gone, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, "workers outlived the killed driver: %s" % alive
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    state = load_checkpoint(ck)  # the last complete checkpoint
    finished = {t["task_id"]: t for t in state["tasks"] if t["status"] in TaskStatus.FINISHED}
    in_flight = {e["task_id"] for e in state["rerun"]}
    assert len(finished) >= 3 and len(in_flight) <= 2

    resumed = FIFO_Scheduler(
        logged_fn,
        {"log_file": log, "sleep": 0.15},
        CPU1,
        "random",
        checkpoint=ck,
        num_trials=12,
        seed=0,
        progress=False,
        resume=True,
    )
    for tid, t in finished.items():  # nothing finished was lost
        assert resumed.tasks[tid].history == t["history"]
    resumed.run()
    assert len(resumed.tasks) == 12
    assert all(t.status == TaskStatus.COMPLETED for t in resumed.tasks.values())
    starts = open(log).read().split()
    counts = {repr(t.config["x"]): starts.count(repr(t.config["x"])) for t in resumed.tasks.values()}
    for tid, t in finished.items():
        assert counts[repr(t["config"]["x"])] == 1, "finished trial %d ran again" % tid
    reran = [x for x, n in counts.items() if n > 1]
    assert len(reran) <= 2  # at most the trials in flight at the kill (and the one that was starting)
    assert all(n <= 2 for n in counts.values())
