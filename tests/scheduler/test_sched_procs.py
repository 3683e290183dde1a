"""Reliability with real processes: what trials start, swallowed stops, mutable defaults, failures on screen."""

import logging
import os
import signal
import subprocess
import sys
import time

import psutil

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskStatus, _scheduler

CPU1 = {"num_cpus": 1, "num_gpus": 0}

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _alive(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


SPAWNING_DRIVER = """
import os, subprocess, sys, time, multiprocessing
sys.path.insert(0, %(root)r)
import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler

PID_DIR = %(pid_dir)r
DAEMON = ("import os, subprocess, sys; os.setsid(); p = subprocess.Popen(['sleep', '1000'], stdout=subprocess.DEVNULL, "
          "stderr=subprocess.DEVNULL); "
          "sys.stdout.write(str(p.pid))")

@ag.args(x=ag.space.Categorical(1, 2))
def train_fn(args, reporter):
    pids = [subprocess.Popen(['sleep', '1000']).pid,
            subprocess.Popen(['sleep', '1000'], start_new_session=True).pid]
    # a daemon: its parent calls setsid, starts it and exits at once
    pids.append(int(subprocess.run([sys.executable, '-c', DAEMON], capture_output=True, text=True).stdout))
    child = multiprocessing.Process(target=time.sleep, args=(1000,))
    child.start()
    pids.append(child.pid)
    tmp = os.path.join(PID_DIR, 'tmp-%%d' %% args.x)
    with open(tmp, 'w') as f:
        f.write(' '.join(map(str, pids + [os.getpid()])))
    os.replace(tmp, os.path.join(PID_DIR, 'trial-%%d' %% args.x))
    reporter(epoch=1, accuracy=0.5)
    time.sleep(1000)

FIFO_Scheduler(train_fn, None, {'num_cpus': 1, 'num_gpus': 0}, 'grid', checkpoint=None, progress=False,
               max_concurrent=2).run()
"""


def test_nothing_a_trial_starts_outlives_a_sigkilled_driver(tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    script = tmp_path / "driver.py"
    script.write_text(SPAWNING_DRIVER % {"root": ROOT, "pid_dir": str(pid_dir)})
    driver = subprocess.Popen([sys.executable, str(script)], cwd=str(tmp_path))
    try:
        assert _wait_for(lambda: len(os.listdir(pid_dir)) == 2 and not driver.poll(), 90), (
            "the trials did not start their processes"
        )
        pids = [int(p) for name in os.listdir(pid_dir) for p in (pid_dir / name).read_text().split()]
        assert len(pids) == 10 and all(_alive(p) for p in pids)
        driver.send_signal(signal.SIGKILL)
        driver.wait(10)
        assert _wait_for(lambda: not any(_alive(p) for p in pids), 5), "processes outlived the driver: %s" % [
            p for p in pids if _alive(p)
        ]
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
        for name in os.listdir(pid_dir):
            for p in (pid_dir / name).read_text().split():
                if _alive(int(p)):
                    os.kill(int(p), signal.SIGKILL)


@ag.args(x=ag.space.Categorical(1, 2), pid_dir="")
def spawn_and_hang_fn(args, reporter):
    pids = [
        subprocess.Popen(["sleep", "1000"]).pid,
        subprocess.Popen(["sleep", "1000"], start_new_session=True).pid,
    ]
    with open(os.path.join(args.pid_dir, str(args.x)), "w") as f:
        f.write(" ".join(map(str, pids)))
    reporter(epoch=1, accuracy=0.1)
    time.sleep(1000)


def test_a_killed_trial_takes_the_processes_it_started_with_it(tmp_path):
    s = FIFO_Scheduler(
        spawn_and_hang_fn,
        {"pid_dir": str(tmp_path)},
        CPU1,
        "grid",
        checkpoint=None,
        progress=False,
        max_concurrent=2,
        trial_timeout=1.0,
    ).run()
    assert [t.status for t in s.tasks.values()] == [TaskStatus.FAILED] * 2
    pids = [int(p) for name in os.listdir(tmp_path) for p in (tmp_path / name).read_text().split()]
    try:
        assert len(pids) == 4
        assert _wait_for(lambda: not any(_alive(p) for p in pids), 3), [p for p in pids if _alive(p)]
    finally:
        for p in pids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)


# -- mutable defaults ---------------------------------------------------------------------------
@ag.args(x=ag.space.Categorical(1, 2, 3, 4), seen=[], counts={"n": 0})
def appending_fn(args, reporter):
    """Changes its list and dict defaults, as careless code does."""
    args.seen.append(args.x)
    args.counts["n"] += 1
    args.extra["calls"].append(args.x)
    reporter(
        epoch=1,
        accuracy=float(args.x),
        seen=len(args.seen),
        n=args.counts["n"],
        calls=len(args.extra["calls"]),
        pid=os.getpid(),
    )


def test_each_trial_gets_its_own_copy_of_mutable_defaults():
    s = FIFO_Scheduler(
        appending_fn,
        {"extra": {"calls": []}},
        CPU1,
        "grid",
        checkpoint=None,
        progress=False,
        max_concurrent=1,
    ).run()
    results = [t.last_result for t in s.tasks.values()]
    assert len(results) == 4 and all(t.status == TaskStatus.COMPLETED for t in s.tasks.values())
    assert len({r["pid"] for r in results}) == 1  # one worker ran the four trials one after the other
    assert [(r["seen"], r["n"], r["calls"]) for r in results] == [(1, 1, 1)] * 4


# -- a training function that swallows the stop ---------------------------------------------------
SWALLOW_GRID = ag.space.Categorical(0.9, 0.8, 0.1, 0.2, 0.15, 0.05)


@ag.args(x=SWALLOW_GRID, epochs=10, sleep=0.05, marker_dir="", after_stop="report")
def swallowing_fn(args, reporter):
    """Catches everything around reporter(), stop included; then reports again or trains silently."""
    stopped = False
    for epoch in range(1, args.epochs + 1):
        open(os.path.join(args.marker_dir, "x%g-e%d" % (args.x, epoch)), "w").close()
        time.sleep(args.sleep)
        if stopped and args.after_stop == "silent":
            continue
        try:
            reporter(training_epoch=epoch, accuracy=args.x)
        except:  # noqa: E722 -- the careless user code under test
            stopped = True


def _epochs_run(marker_dir, x):
    return len([n for n in os.listdir(marker_dir) if n.startswith("x%g-" % x)])


def _run_swallowing(tmp_path, after_stop, sched_type="stopping", epochs=10, sleep=0.05):
    marker_dir = tmp_path / ("markers-" + after_stop + sched_type)
    marker_dir.mkdir()
    s = Hyperband_Scheduler(
        swallowing_fn,
        {"marker_dir": str(marker_dir), "after_stop": after_stop, "epochs": epochs, "sleep": sleep},
        CPU1,
        ag.searcher.GridSearcher({"x": SWALLOW_GRID}),
        checkpoint=None,
        max_t=epochs,
        grace_period=1,
        reduction_factor=3,
        brackets=1,
        type=sched_type,
        progress=False,
        max_concurrent=1,
        time_out=60,
    )
    start = time.monotonic()
    s.run()
    return s, str(marker_dir), time.monotonic() - start


def test_a_trial_that_swallows_the_stop_and_reports_again_is_killed(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="autogluon")
    s, marker_dir, _ = _run_swallowing(tmp_path, "report")
    by_x = {t.config["x"]: t for t in s.tasks.values()}
    assert len(by_x) == 6
    stopped = [x for x, t in by_x.items() if t.status == TaskStatus.STOPPED]
    assert 0.1 in stopped and 0.05 in stopped, {x: t.status for x, t in by_x.items()}
    for x in stopped:
        # killed at its next report after the stop: never all 10 epochs
        assert _epochs_run(marker_dir, x) <= by_x[x].last_result["training_epoch"] + 1, (
            x,
            sorted(os.listdir(marker_dir)),
        )
    assert by_x[0.9].status == TaskStatus.COMPLETED and _epochs_run(marker_dir, 0.9) == 10
    assert "reported again after it was stopped" in caplog.text and "bare 'except:'" in caplog.text


def test_a_stopped_trial_that_trains_on_without_reporting_is_killed_after_a_grace_period(
    tmp_path, caplog, monkeypatch
):
    monkeypatch.setattr(_scheduler, "_STOP_GRACE", 1.0, raising=False)
    caplog.set_level(logging.WARNING, logger="autogluon")
    s, marker_dir, elapsed = _run_swallowing(tmp_path, "silent", epochs=60, sleep=0.1)
    stopped = [t for t in s.tasks.values() if t.status == TaskStatus.STOPPED]
    assert len(stopped) >= 3
    for t in stopped:
        # 1 s of grace (about 10 epochs) and the loop's 1 s tick, not all 60 epochs
        assert _epochs_run(marker_dir, t.config["x"]) < t.last_result["training_epoch"] + 35
    assert "still running 1s after it was stopped" in caplog.text
    assert elapsed < 45, elapsed  # two full trials (6 s each) and four short ones, not six full ones


def test_a_paused_trial_that_swallows_the_pause_is_killed(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="autogluon")
    s, marker_dir, elapsed = _run_swallowing(tmp_path, "report", sched_type="promotion", epochs=3)
    assert "reported again after it was paused" in caplog.text
    assert elapsed < 50, elapsed  # not stuck until the time limit with a slot that never frees
    assert {t.status for t in s.tasks.values()} <= {TaskStatus.COMPLETED, TaskStatus.PAUSED}
    assert any(t.status == TaskStatus.PAUSED for t in s.tasks.values())
