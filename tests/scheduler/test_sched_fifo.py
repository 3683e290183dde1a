"""FIFO_Scheduler end to end with real worker processes."""

import argparse
import logging
import os
import time

import pytest
from helpers_sched import StopAtEpoch, faulty_fn, linear_fn, marker_fn, pid_fn

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, TaskStatus

CPU1 = {"num_cpus": 1, "num_gpus": 0}


def make(fn=linear_fn, tmp_path=None, **kw):
    kw.setdefault("num_trials", 4)
    kw.setdefault("progress", False)
    kw.setdefault("checkpoint", str(tmp_path / "ck.ag") if tmp_path else None)
    args = kw.pop("args", None)
    return FIFO_Scheduler(fn, args, CPU1, kw.pop("searcher", "random"), **kw)


def test_runs_all_trials_and_finds_best(tmp_path):
    s = make(tmp_path=tmp_path, num_trials=6, seed=3).run()
    assert len(s.tasks) == 6
    assert all(t.status == TaskStatus.COMPLETED for t in s.tasks.values())
    best = max(s.tasks.values(), key=lambda t: t.config["x"])
    assert s.get_best_config() == best.config
    assert s.get_best_reward() == pytest.approx(best.config["x"])
    assert s.get_best_task_id() == best.task_id
    assert all(len(t.history) == 3 for t in s.tasks.values())
    assert [r["epoch"] for r in s.training_history[0]] == [1, 2, 3]


def test_first_config_is_default_and_seed_determines_configs(tmp_path):
    a = make(num_trials=5, seed=11).run()
    b = make(num_trials=5, seed=11).run()
    c = make(num_trials=5, seed=12).run()
    configs = lambda s: [s.tasks[i].config for i in sorted(s.tasks)]  # noqa: E731
    assert configs(a) == configs(b)
    assert configs(a) != configs(c)
    assert configs(a)[0] == {"x": 0.5}  # the space's default comes first


def test_two_trials_run_concurrently_in_distinct_worker_processes(tmp_path):
    s = make(pid_fn, args={"log_dir": str(tmp_path)}, num_trials=4, seed=0).run()
    assert len(s.tasks) == 4
    spans = {}
    for name in os.listdir(tmp_path):
        if name.endswith(".ag"):
            continue
        pid = int(name.split("-")[0])
        start, end = map(float, open(tmp_path / name).read().split())
        spans.setdefault(pid, []).append((start, end))
    assert len(spans) == 2, "expected two persistent workers, got pids %s" % list(spans)
    assert os.getpid() not in spans  # trials never run in the driver
    assert all(len(v) == 2 for v in spans.values())  # each worker ran two trials (reused)
    first, second = spans.values()
    overlaps = [(a, b) for a in first for b in second if a[0] < b[1] and b[0] < a[1]]
    assert overlaps, "trials of the two workers should run at the same time: %s" % spans


def test_stop_decision_takes_effect_before_the_next_epoch(tmp_path):
    rule = StopAtEpoch(2)
    s = make(marker_fn, args={"marker_dir": str(tmp_path)}, num_trials=3, terminator=rule).run()
    assert all(t.status == TaskStatus.STOPPED for t in s.tasks.values())
    epochs_started = sorted(int(n.split("-e")[1]) for n in os.listdir(tmp_path) if "-e" in n)
    assert max(epochs_started) == 2, "a stopped trial must not start another epoch"
    assert epochs_started.count(2) == 3
    # Protocol: add, reports, then remove (not complete) for each stopped trial; same task ids.
    for tid in s.tasks:
        calls = [c for c in rule.calls if c[1] == tid]
        assert calls[0] == ("add", tid) and calls[-1] == ("remove", tid)
        assert [c[2] for c in calls if c[0] == "report"] == [1, 2]


def test_raising_trial_and_killed_worker_are_failed_and_run_goes_on(tmp_path, caplog):
    caplog.set_level(logging.ERROR, logger="autogluon")
    s = make(faulty_fn, num_trials=6, searcher="grid").run()
    by_x = {t.config["x"]: t for t in s.tasks.values()}
    assert sorted(by_x) == [0, 1, 2, 3, 4, 5]
    assert by_x[2].status == TaskStatus.FAILED
    assert "deliberate failure for x=2" in by_x[2].error
    assert "Traceback" in by_x[2].error
    assert by_x[4].status == TaskStatus.FAILED
    assert "SIGKILL" in by_x[4].reason
    for x in (0, 1, 3, 5):
        assert by_x[x].status == TaskStatus.COMPLETED
    assert s.get_best_config() == {"x": 5}
    assert "deliberate failure for x=2" in caplog.text
    trials = s.get_trials()
    assert list(trials.sort_values("config.x")["status"]) == [
        "completed",
        "completed",
        "failed",
        "completed",
        "failed",
        "completed",
    ]


def test_missing_reward_key_fails_the_trial_naming_the_key():
    @ag.args(x=ag.space.Real(0, 1))
    def no_accuracy(args, reporter):
        reporter(epoch=1, loss=0.3)

    s = FIFO_Scheduler(no_accuracy, None, CPU1, "random", checkpoint=None, num_trials=1, progress=False).run()
    task = s.tasks[0]
    assert task.status == TaskStatus.FAILED
    assert "'accuracy'" in task.error and "reward_attr" in task.error


def test_missing_time_key_fails_the_trial_naming_the_key():
    @ag.args(x=ag.space.Real(0, 1))
    def no_epoch(args, reporter):
        reporter(step=1, accuracy=0.3)

    s = FIFO_Scheduler(
        no_epoch, None, CPU1, "random", checkpoint=None, num_trials=1, progress=False, time_attr="epoch"
    ).run()
    assert s.tasks[0].status == TaskStatus.FAILED
    assert "'epoch'" in s.tasks[0].error and "time_attr" in s.tasks[0].error


def test_time_limit_stops_running_trials(tmp_path):
    start = time.monotonic()
    s = make(linear_fn, args={"epochs": 100, "sleep": 0.2}, num_trials=10, time_out=1.5).run()
    elapsed = time.monotonic() - start
    assert elapsed < 4.0, "time_out=1.5 must bound the run (took %.1fs)" % elapsed
    stopped = [t for t in s.tasks.values() if t.status == TaskStatus.STOPPED]
    assert len(stopped) == 2 and all("time limit" in t.reason for t in stopped)
    assert all(0 < len(t.history) < 100 for t in stopped)


def test_exhausted_space_ends_the_run_with_a_log_line(caplog):
    caplog.set_level(logging.INFO, logger="autogluon")

    @ag.args(x=ag.space.Categorical("a", "b", "c"))
    def fn(args, reporter):
        reporter(epoch=1, accuracy={"a": 1, "b": 2, "c": 3}[args.x])

    s = FIFO_Scheduler(fn, None, CPU1, "random", checkpoint=None, num_trials=50, progress=False).run()
    assert sorted(t.config["x"] for t in s.tasks.values()) == ["a", "b", "c"]
    assert "no more configurations after 3 trials" in caplog.text
    assert s.get_best_config() == {"x": "c"}


def test_mode_min_picks_the_lowest_loss():
    @ag.args(x=ag.space.Categorical(3, 1, 2))
    def fn(args, reporter):
        reporter(epoch=1, loss=float(args.x))

    s = FIFO_Scheduler(
        fn, None, CPU1, "grid", checkpoint=None, progress=False, reward_attr="loss", mode="min"
    ).run()
    assert s.get_best_config() == {"x": 1}
    assert s.get_best_reward() == 1.0


def test_era_a_argparse_args_and_configspace_searcher():
    import ConfigSpace as CS

    cs = CS.ConfigurationSpace(seed=1)
    cs.add(CS.UniformFloatHyperparameter("lr", lower=1e-4, upper=1e-1, log=True))
    cs.add(CS.CategoricalHyperparameter("net", ["a", "b"]))
    searcher = ag.searcher.RandomSampling(cs, seed=0)
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args([])

    @ag.autogluon_method
    def train_fn(args, reporter):
        for e in range(1, args.epochs + 1):
            reporter(epoch=e, accuracy=(0.9 if args.net == "a" else 0.8) - args.lr)

    s = FIFO_Scheduler(
        train_fn,
        args,
        CPU1,
        searcher,
        checkpoint=None,
        num_trials=4,
        progress=False,
        reward_attr="accuracy",
        time_attr="epoch",
    ).run()
    s.join_tasks()
    assert len(s.tasks) == 4
    assert all(len(t.history) == 2 for t in s.tasks.values())
    assert set(s.get_best_config()) == {"lr", "net"}
    assert searcher.get_best_reward() == pytest.approx(s.get_best_reward())


def test_plain_undecorated_function_with_args_spaces():
    def fn(args, reporter):
        reporter(epoch=1, accuracy=args.lr * args.scale)

    args = argparse.Namespace(lr=ag.space.Real(0.1, 0.2), scale=10)
    s = FIFO_Scheduler(fn, args, CPU1, "random", checkpoint=None, num_trials=3, progress=False, seed=0).run()
    for t in s.tasks.values():
        assert 0.1 <= t.config["lr"] <= 0.2
        assert t.history[0]["accuracy"] == pytest.approx(t.config["lr"] * 10)


def test_results_as_dataframes(tmp_path):
    s = make(tmp_path=tmp_path, num_trials=3, seed=0).run()
    results = s.get_results()
    assert len(results) == 9
    assert {"task_id", "epoch", "accuracy", "status"} <= set(results.columns)
    trials = s.get_trials()
    assert list(trials["task_id"]) == [0, 1, 2]
    assert "config.x" in trials.columns


def test_training_curves_figure(tmp_path):
    s = make(num_trials=3, seed=0, terminator=StopAtEpoch(2)).run()
    out = tmp_path / "curves.png"
    fig = s.get_training_curves(filename=str(out), plot=False, use_legend=True)
    assert out.exists() and out.stat().st_size > 1000
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "accuracy"
    assert len(ax.get_legend().get_texts()) == 3
    assert any(line.get_marker() == "x" for line in ax.lines)  # stopped trials are marked


def test_training_curves_with_many_trials_keep_a_legend_that_fits(tmp_path, recwarn):
    s = make(num_trials=20, seed=0, terminator=StopAtEpoch(2), executor="inprocess").run()
    fig = s.get_training_curves(filename=str(tmp_path / "many.png"))
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["20 trials", "stopped or paused"]
    assert not [w for w in recwarn if "tight" in str(w.message).lower()]


def test_tensorboard_visualizer_writes_event_files(tmp_path):
    make(tmp_path=tmp_path, num_trials=2, visualizer="tensorboard", seed=0).run()
    tb = tmp_path / "tensorboard"
    trial_dirs = sorted(os.listdir(tb))
    assert trial_dirs == ["trial_0", "trial_1"]
    assert any(n.startswith("events.out.tfevents") for n in os.listdir(tb / "trial_0"))


def test_no_visualizer_writes_no_tensorboard(tmp_path):
    make(tmp_path=tmp_path, num_trials=1, visualizer="none").run()
    assert not (tmp_path / "tensorboard").exists()


def test_progress_bar_shows_trials(capsys):
    make(num_trials=2, progress=True).run()
    err = capsys.readouterr().err
    assert "2/2" in err and "trial" in err


def test_inprocess_executor_gives_the_same_results():
    a = make(num_trials=4, seed=5, executor="inprocess").run()
    b = make(num_trials=4, seed=5).run()
    assert a.training_history == b.training_history


def test_infinite_space_without_limits_is_refused():
    s = FIFO_Scheduler(linear_fn, None, CPU1, "random", checkpoint=None, progress=False)
    with pytest.raises(ValueError, match="num_trials or a time limit"):
        s.run()
