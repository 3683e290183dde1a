"""Fault injection with real processes and real signals: nothing is lost, nothing hangs."""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from helpers_sched import flaky_fn, hanging_fn, linear_fn, slow_epoch_fn

from autogluon.scheduler import FIFO_Scheduler, TaskStatus
from autogluon.scheduler._checkpoint import load_checkpoint

CPU1 = {"num_cpus": 1, "num_gpus": 0}
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def test_hung_trial_times_out_and_the_run_goes_on():
    start = time.monotonic()
    s = FIFO_Scheduler(
        hanging_fn, None, CPU1, "grid", checkpoint=None, progress=False, trial_timeout=1.0
    ).run()
    assert time.monotonic() - start < 15
    by_x = {t.config["x"]: t for t in s.tasks.values()}
    assert by_x[2].status == TaskStatus.FAILED and "trial_timeout" in by_x[2].reason
    assert len(by_x[2].history) == 1  # its report before hanging is kept
    assert all(by_x[x].status == TaskStatus.COMPLETED for x in (0, 1, 3))


def test_failed_trial_is_retried(tmp_path):
    s = FIFO_Scheduler(
        flaky_fn, {"marker_dir": str(tmp_path)}, CPU1, "grid", checkpoint=None, progress=False, max_retries=1
    ).run()
    by_x = {t.config["x"]: t for t in s.tasks.values()}
    assert all(t.status == TaskStatus.COMPLETED for t in s.tasks.values())
    assert by_x[1].attempts == 2 and by_x[0].attempts == 1
    assert len(s.tasks) == 3


def test_without_retries_a_failure_is_final(tmp_path):
    s = FIFO_Scheduler(
        flaky_fn, {"marker_dir": str(tmp_path)}, CPU1, "grid", checkpoint=None, progress=False
    ).run()
    assert {t.config["x"]: t.status for t in s.tasks.values()}[1] == TaskStatus.FAILED


def test_time_limit_is_honored_mid_epoch():
    start = time.monotonic()
    s = FIFO_Scheduler(
        slow_epoch_fn, None, CPU1, "random", checkpoint=None, progress=False, num_trials=4, time_out=1.5
    ).run()
    assert time.monotonic() - start < 5
    # cut mid-way through their first epoch, they have no result: they stay pending (a resume runs them)
    assert [t.status for t in s.tasks.values()] == [TaskStatus.PENDING, TaskStatus.PENDING]
    assert len(s.state_dict()["rerun"]) == 2


DRIVER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{here!r}, {root!r}]
    from autogluon.scheduler import FIFO_Scheduler
    from helpers_sched import linear_fn
    s = FIFO_Scheduler(linear_fn, {{"epochs": 50, "sleep": 0.1}}, {{"num_cpus": 1, "num_gpus": 0}},
                       "random", checkpoint={ck!r}, num_trials=6, seed=0, progress=False,
                       resume=len(sys.argv) > 1)
    print("STARTED", flush=True)
    try:
        s.run()
    except KeyboardInterrupt:
        print("INTERRUPTED", flush=True)
        raise
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_the_driver_promptly_with_a_checkpoint_and_no_workers(tmp_path, sig):
    ck = str(tmp_path / "ck.ag")
    script = tmp_path / "driver.py"
    script.write_text(DRIVER.format(here=HERE, root=ROOT, ck=ck))
    driver = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert driver.stdout.readline().strip() == "STARTED"
        deadline = time.monotonic() + 30
        workers = []
        while time.monotonic() < deadline and len(workers) < 2:
            workers = psutil.Process(driver.pid).children(recursive=True)
            time.sleep(0.1)
        time.sleep(1.0)  # let the trials report a few epochs
        assert len(workers) == 2
        sent = time.monotonic()
        driver.send_signal(sig)
        out, _ = driver.communicate(timeout=10)
        assert time.monotonic() - sent < 5, "the driver must stop within a few seconds"
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert "INTERRUPTED" in out and driver.returncode != 0
    gone, alive = psutil.wait_procs(workers, timeout=3)
    assert not alive, "workers survived the interrupted driver"
    state = load_checkpoint(ck)
    assert len(state["rerun"]) == 2  # the two running trials will run again on resume
    resumed = FIFO_Scheduler(
        linear_fn,
        {"epochs": 2, "sleep": 0.0},
        CPU1,
        "random",
        checkpoint=ck,
        num_trials=6,
        seed=0,
        progress=False,
        resume=True,
    ).run()
    assert len(resumed.tasks) == 6
    assert all(t.status == TaskStatus.COMPLETED for t in resumed.tasks.values())


def test_import_starts_no_threads_or_processes_and_loads_no_framework():
    code = textwrap.dedent("""
        import sys, threading, os
        import numpy  # its BLAS may start a pool of its own: that is the baseline
        baseline = len(os.listdir('/proc/self/task'))
        import autogluon as ag
        from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler
        import autogluon.searcher, autogluon.space
        assert threading.active_count() == 1, threading.enumerate()
        assert not [m for m in sys.modules if m.split('.')[0] in ('mxnet', 'gluoncv', 'torch')]
        print(len(os.listdir('/proc/self/task')) - baseline)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"  # no OS thread started by importing autogluon


def test_runs_inside_a_running_event_loop_as_in_jupyter():
    async def cell():
        assert asyncio.get_running_loop().is_running()
        return FIFO_Scheduler(
            linear_fn, None, CPU1, "random", checkpoint=None, num_trials=2, progress=False
        ).run()

    s = asyncio.run(cell())
    assert len(s.tasks) == 2 and s.num_finished == 2
