"""One live run per checkpoint folder, a folder checked before the first trial, no temp folders left."""

import gc
import glob
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from helpers_sched import linear_fn, logged_fn, marker_fn

from autogluon.core._lock import LOCK_NAME, lock_folder
from autogluon.scheduler import FIFO_Scheduler, FolderInUseError, FolderNotWritableError, TaskStatus
from autogluon.scheduler._checkpoint import load_checkpoint

CPU1 = {"num_cpus": 1, "num_gpus": 0}
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

DRIVER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{here!r}, {root!r}]
    from autogluon.scheduler import FIFO_Scheduler
    from helpers_sched import logged_fn
    s = FIFO_Scheduler(logged_fn, {{"log_file": {log!r}, "sleep": {sleep!r}}}, {{"num_cpus": 1, "num_gpus": 0}},
                       "random", checkpoint={ck!r}, num_trials={n}, seed=0, progress=False,
                       resume=(sys.argv[1] == "resume"))
    s.run()
""")


def _start_driver(tmp_path, ck, log, n=4, sleep=0.4):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER.format(here=HERE, root=ROOT, log=log, ck=ck, n=n, sleep=sleep))
    return subprocess.Popen([sys.executable, str(script), "fresh"])


def _wait_for(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def test_a_second_scheduler_on_a_folder_in_use_is_refused_and_the_first_is_untouched(tmp_path):
    ck, log = str(tmp_path / "exp" / "ck.ag"), str(tmp_path / "a.log")
    driver = _start_driver(tmp_path, ck, log)
    try:
        # the first run is training (a trial started) when the second one starts
        _wait_for(lambda: os.path.exists(log), "the first run's first trial")
        other_log = str(tmp_path / "b.log")
        second = FIFO_Scheduler(
            logged_fn,
            {"log_file": other_log, "sleep": 0.0},
            CPU1,
            "random",
            checkpoint=str(tmp_path / "exp" / "other.ag"),
            num_trials=2,
            progress=False,
        )
        with pytest.raises(FolderInUseError) as info:
            second.run()
        message = str(info.value)
        assert str(tmp_path / "exp") in message and "pid %d" % driver.pid in message
        assert "another folder" in message and "wait" in message
        same_path = FIFO_Scheduler(
            logged_fn,
            {"log_file": other_log, "sleep": 0.0},
            CPU1,
            "random",
            checkpoint=ck,
            num_trials=2,
            progress=False,
        )
        with pytest.raises(FolderInUseError):
            same_path.run()
        assert not os.path.exists(other_log), "the refused run started a trial"
        assert driver.wait(60) == 0
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    state = load_checkpoint(ck)
    assert [t["status"] for t in state["tasks"]] == [TaskStatus.COMPLETED] * 4
    assert not os.path.exists(str(tmp_path / "exp" / "other.ag"))
    assert not os.path.exists(str(tmp_path / "exp" / LOCK_NAME)), "the lock file outlived its run"


def test_a_run_killed_with_sigkill_does_not_leave_its_folder_locked(tmp_path):
    ck, log = str(tmp_path / "ck.ag"), str(tmp_path / "a.log")
    driver = _start_driver(tmp_path, ck, log, n=6)
    try:
        _wait_for(lambda: os.path.exists(log), "the first trial")
        with pytest.raises(FolderInUseError):
            lock_folder(str(tmp_path))
        driver.send_signal(signal.SIGKILL)
        driver.wait(10)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert os.path.exists(str(tmp_path / LOCK_NAME))  # the dead run's file is still there ...
    resumed = FIFO_Scheduler(
        logged_fn,
        {"log_file": log, "sleep": 0.0},
        CPU1,
        "random",
        checkpoint=ck,
        resume=os.path.exists(ck),
        num_trials=6,
        seed=0,
        progress=False,
    )
    resumed.run()  # ... but it does not lock the folder
    assert len(resumed.tasks) == 6 and resumed.num_finished == 6


def test_another_thread_of_the_same_process_is_refused_but_the_same_thread_may_reenter(tmp_path):
    folder = str(tmp_path / "f")
    outer = lock_folder(folder)
    inner = lock_folder(folder)  # the same thread (task.fit, then its scheduler's run())
    errors = []

    def other():
        try:
            lock_folder(folder)
        except FolderInUseError as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert errors and "another thread" in errors[0]
    inner.release()
    assert os.path.exists(os.path.join(folder, LOCK_NAME))  # still held by the outer claim
    outer.release()
    assert not os.path.exists(os.path.join(folder, LOCK_NAME))
    lock_folder(folder).release()


def test_an_unusable_checkpoint_folder_fails_before_the_first_trial(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the checkpoint folder should be")
    markers = tmp_path / "markers"
    markers.mkdir()
    s = FIFO_Scheduler(
        marker_fn,
        {"marker_dir": str(markers), "epochs": 1},
        CPU1,
        "random",
        checkpoint=str(blocker / "exp" / "ck.ag"),
        num_trials=3,
        progress=False,
    )
    with pytest.raises(FolderNotWritableError) as info:
        s.run()
    assert str(blocker / "exp") in str(info.value)
    assert os.listdir(str(markers)) == [], "a trial ran before the unusable folder was noticed"


def test_a_read_only_checkpoint_folder_fails_before_the_first_trial(tmp_path):
    # An existing folder nobody may write into, root included (CI runs as root): sysfs.
    folder = "/sys/kernel"
    if not os.path.isdir(folder):
        pytest.skip("needs Linux sysfs")
    markers = tmp_path / "markers"
    markers.mkdir()
    s = FIFO_Scheduler(
        marker_fn,
        {"marker_dir": str(markers), "epochs": 1},
        CPU1,
        "random",
        checkpoint=os.path.join(folder, "ck.ag"),
        num_trials=3,
        progress=False,
    )
    with pytest.raises(FolderNotWritableError, match="not writable"):
        s.run()
    assert os.listdir(str(markers)) == []


def test_a_folder_given_as_checkpoint_is_a_clear_error_before_any_trial(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    s = FIFO_Scheduler(
        marker_fn,
        {"marker_dir": str(markers), "epochs": 1},
        CPU1,
        "random",
        checkpoint=str(tmp_path),
        num_trials=2,
        progress=False,
    )
    with pytest.raises(ValueError, match="checkpoint must be a file path"):
        s.run()
    assert os.listdir(str(markers)) == []


NO_CHECKPOINT = textwrap.dedent("""
    import sys
    sys.path[:0] = [{here!r}, {root!r}]
    from autogluon.scheduler import FIFO_Scheduler
    from helpers_sched import linear_fn
    for _ in range(2):
        s = FIFO_Scheduler(linear_fn, None, {{"num_cpus": 1, "num_gpus": 0}}, "random", checkpoint=None,
                           num_trials=2, seed=0, progress=False, executor="inprocess")
        s.run()
        assert s._output_dir.startswith({tmp!r}), s._output_dir
    print("done")
""")


def test_checkpoint_none_leaves_no_temporary_folder_behind(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    script = tmp_path / "nockpt.py"
    script.write_text(NO_CHECKPOINT.format(here=HERE, root=ROOT, tmp=str(tmp)))
    env = dict(os.environ, TMPDIR=str(tmp))
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "done" in out.stdout, out.stderr
    assert glob.glob(str(tmp / "autogluon-*")) == []
    # in a long-lived process (a notebook) too: gone with the scheduler
    s = FIFO_Scheduler(
        linear_fn, None, CPU1, "random", checkpoint=None, num_trials=2, progress=False, executor="inprocess"
    ).run()
    folder = s._output_dir
    assert os.path.isdir(folder)
    del s
    gc.collect()
    assert not os.path.exists(folder)


def test_checkpoint_none_with_tensorboard_keeps_the_logs_and_says_where(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="autogluon.scheduler")
    s = FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=None,
        num_trials=1,
        progress=False,
        executor="inprocess",
        visualizer="tensorboard",
    ).run()
    folder = s._output_dir
    del s
    gc.collect()
    try:
        assert os.path.isdir(os.path.join(folder, "tensorboard"))
        assert folder in caplog.text and "kept" in caplog.text
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def test_a_filesystem_without_locks_runs_unlocked_with_a_warning(tmp_path, monkeypatch, caplog):
    import errno
    import fcntl

    real_flock = fcntl.flock

    def flock(fd, op):
        if op & fcntl.LOCK_UN:
            return real_flock(fd, op)
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", flock)
    s = FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=str(tmp_path / "ck.ag"),
        num_trials=2,
        progress=False,
        executor="inprocess",
    )
    with caplog.at_level(logging.WARNING):
        s.run()
    assert len(s.tasks) == 2 and "does not support locks" in caplog.text
    assert sorted(os.listdir(str(tmp_path))) == ["ck.ag"]
