"""Hyperband_Scheduler end to end, and the tutorial's custom scheduler copied as written."""

import collections
import logging
import os
import re
import struct

import pytest
from helpers_sched import curve_fn, resumable_fn

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskStatus
from autogluon.scheduler.terminator import HyperbandStopping, MedianStoppingRule

CPU1 = {"num_cpus": 1, "num_gpus": 0}
GRID = ag.space.Categorical(0.9, 0.85, 0.8, 0.3, 0.2, 0.75, 0.1, 0.25, 0.7, 0.15, 0.05, 0.6)


from tutorial_classes import MediamStoppingRule, MedianStopping_Scheduler  # noqa: E402 (the tutorial's code, verbatim)


def test_tutorial_median_scheduler_really_stops_bad_trials(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger="autogluon")
    searcher = ag.searcher.GridSearcher({"x": GRID})
    scheduler = MedianStopping_Scheduler(
        curve_fn, {"epochs": 6, "sleep": 0.02}, CPU1, searcher, num_trials=12
    )
    assert isinstance(scheduler.terminator, MediamStoppingRule)
    scheduler.run()
    scheduler.join_tasks()
    rule = scheduler.terminator
    assert len(scheduler.tasks) == 12
    stopped = {t.config["x"] for t in scheduler.tasks.values() if t.status == TaskStatus.STOPPED}
    assert stopped, "the median rule should stop some trials"
    assert {t.config["x"] for t in rule._stopped_tasks} == stopped  # decisions came from the user's rule
    assert max(stopped) < 0.8 and not stopped & {0.9, 0.85, 0.8}  # only poorer curves are stopped
    for t in scheduler.tasks.values():
        if t.status == TaskStatus.STOPPED:
            assert 1 < t.last_result["training_epoch"] <= 6  # never at the grace period
    assert "num_stopped=%d" % len(stopped) in repr(rule)
    # state_dict() returns None: the run still checkpoints its core state and says so once.
    assert os.path.exists(tmp_path / "exp" / "checkerpoint.ag")
    assert caplog.text.count("state_dict() returned None") == 1
    # visualizer='tensorboard' (its default) wrote curves
    assert os.path.isdir(tmp_path / "exp" / "tensorboard" / "trial_0")


def test_tutorial_median_scheduler_resumes_from_its_core_checkpoint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s1 = MedianStopping_Scheduler(
        curve_fn, {"epochs": 4}, CPU1, ag.searcher.GridSearcher({"x": GRID}), num_trials=5, visualizer="none"
    )
    s1.run()
    s2 = MedianStopping_Scheduler(
        curve_fn,
        {"epochs": 4},
        CPU1,
        ag.searcher.GridSearcher({"x": GRID}),
        resume=True,
        num_trials=8,
        visualizer="none",
    )
    assert len(s2.tasks) == 5
    s2.run()
    # the user's rule has no state_dict: its state was rebuilt by replaying the recorded reports
    assert {t.task_id for t in s2.terminator._completed_tasks} == set(range(8))
    assert len(s2.terminator._results[s2.tasks[0]]) >= 4
    assert sorted(t.config["x"] for t in s2.tasks.values()) == sorted(GRID.choices[:8])


def _run_hb(tmp_path, **kw):
    kw.setdefault("searcher", ag.searcher.GridSearcher({"x": GRID}))
    searcher = kw.pop("searcher")
    return Hyperband_Scheduler(
        curve_fn,
        {"epochs": 9},
        CPU1,
        searcher,
        checkpoint=str(tmp_path / "ck.ag"),
        num_trials=12,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        visualizer=kw.pop("visualizer", "none"),
        progress=False,
        **kw,
    ).run()


def test_hyperband_stopping_decisions_match_the_rule_replayed_in_order(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="autogluon")
    s = _run_hb(tmp_path, max_concurrent=1, seed=0)
    # Replay the same reports, in the order the scheduler received them, into a fresh rule.
    rule = HyperbandStopping("training_epoch", "accuracy", max_t=9, grace_period=1, reduction_factor=3)
    expected = {}
    for task in sorted(s.tasks.values(), key=lambda t: t.task_id):
        rule.on_task_add(task)
        for result in task.history:
            if not rule.on_task_report(task, result):
                expected[task.task_id] = result["training_epoch"]
                break
    stopped = {
        t.task_id: t.last_result["training_epoch"] for t in s.tasks.values() if t.status == TaskStatus.STOPPED
    }
    assert stopped == expected and stopped
    completed = [t for t in s.tasks.values() if t.status == TaskStatus.COMPLETED]
    assert all(t.last_result["training_epoch"] == 9 for t in completed)
    assert "reached max_t=9" in completed[0].reason
    assert s.get_best_config() == {"x": 0.9}
    # each stop is logged with its rung and cutoff; rung counts are exposed
    assert "rung=" in caplog.text and "cutoff=" in caplog.text
    counts = s.rung_counts()
    assert counts[0][1]["recorded"] == 12 and counts[0][1]["stopped"] >= 1


def test_hyperband_with_two_concurrent_trials_stops_poor_trials(tmp_path):
    s = _run_hb(tmp_path, seed=0)
    stopped = [t for t in s.tasks.values() if t.status == TaskStatus.STOPPED]
    assert stopped and all(t.config["x"] < 0.9 for t in stopped)
    epochs = sum(len(t.history) for t in s.tasks.values())
    assert epochs < 12 * 9 * 0.7  # early stopping saved a good share of the epochs


def test_hyperband_mode_min_on_a_loss(tmp_path):
    s = _run_hb(tmp_path, max_concurrent=1, reward_attr="loss", mode="min")
    assert s.get_best_config() == {"x": 0.9}
    stopped = {t.config["x"] for t in s.tasks.values() if t.status == TaskStatus.STOPPED}
    assert stopped and 0.9 not in stopped and max(stopped) < 0.9


def test_hyperband_brackets_spread_trials(tmp_path):
    s = Hyperband_Scheduler(
        curve_fn,
        {"epochs": 9},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=30,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        brackets=2,
        seed=3,
        visualizer="none",
        progress=False,
    ).run()
    brackets = collections.Counter(s.terminator.bracket_of(t) for t in s.tasks)
    assert set(brackets) == {0, 1}
    # bracket 1 has its first rung at 3: none of its trials stops before epoch 3
    for tid, task in s.tasks.items():
        if s.terminator.bracket_of(tid) == 1 and task.status == TaskStatus.STOPPED:
            assert task.last_result["training_epoch"] >= 3


def test_promotion_resumes_from_the_saved_state(tmp_path):
    log = tmp_path / "starts.log"
    s = Hyperband_Scheduler(
        resumable_fn,
        {"epochs": 9, "log_file": str(log)},
        CPU1,
        ag.searcher.GridSearcher({"x": GRID}),
        checkpoint=str(tmp_path / "ck.ag"),
        num_trials=12,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        type="promotion",
        visualizer="none",
        progress=False,
        max_concurrent=1,
    ).run()
    starts = [tuple(map(int, line.split())) for line in log.read_text().split("\n") if line]
    resumed = [(tid, epoch) for tid, epoch in starts if epoch > 1]
    assert resumed, "some trial should have been promoted"
    for tid, epoch in resumed:
        epochs = [r["training_epoch"] for r in s.tasks[tid].history]
        assert epochs == sorted(set(epochs)), "a promoted trial must continue, not repeat epochs"
        assert epoch - 1 in (1, 3)  # it paused at a rung and went on from there
    finished = [t for t in s.tasks.values() if t.status == TaskStatus.COMPLETED]
    assert finished and all(t.last_result["training_epoch"] == 9 for t in finished)
    assert s.get_best_config() == {"x": 0.9}
    paused = [t for t in s.tasks.values() if t.status == TaskStatus.PAUSED]
    assert paused  # the poorer trials stay paused at their rung


@pytest.mark.parametrize("executor", ["inprocess", "local"])
def test_promotion_while_the_paused_run_is_still_unwinding(tmp_path, executor):
    # A paused trial's worker takes a while to unwind; meanwhile another slot frees up and the
    # trial is promoted onto it. The old run's late "done" must not end the resumed trial.
    log = tmp_path / "starts.log"
    # Trial 0 (x=0.9) pauses first at rung 1 and lingers 1s; trials 1 and 2 pause on the other slot,
    # after which trial 0 is promotable, while its first run is still unwinding.
    s = Hyperband_Scheduler(
        resumable_fn,
        {"epochs": 9, "log_file": str(log), "linger": 1.0, "linger_x": 0.9},
        CPU1,
        ag.searcher.GridSearcher({"x": GRID}),
        checkpoint=None,
        num_trials=12,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        type="promotion",
        visualizer="none",
        progress=False,
        executor=executor,
    ).run()
    for task in s.tasks.values():
        epochs = [r["training_epoch"] for r in task.history]
        assert epochs == sorted(set(epochs)), (task.task_id, epochs)
        assert task.status in (TaskStatus.COMPLETED, TaskStatus.PAUSED)
    assert s.get_best_config() == {"x": 0.9}
    assert s.tasks[0].status == TaskStatus.COMPLETED and s.tasks[0].last_result["training_epoch"] == 9


def test_promotion_without_saved_state_restarts_from_scratch(tmp_path):
    log = tmp_path / "starts.log"
    s = Hyperband_Scheduler(
        resumable_fn,
        {"epochs": 9, "log_file": str(log), "save_state": False},
        CPU1,
        ag.searcher.GridSearcher({"x": GRID}),
        checkpoint=None,
        num_trials=12,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        type="promotion",
        visualizer="none",
        progress=False,
        max_concurrent=1,
    ).run()
    starts = [tuple(map(int, line.split())) for line in log.read_text().split("\n") if line]
    assert all(epoch == 1 for _, epoch in starts)
    assert len(starts) > 12  # promoted trials ran again from epoch 1
    assert any(t.status == TaskStatus.COMPLETED for t in s.tasks.values())


def test_any_terminator_works_with_either_scheduler(tmp_path):
    rule = MedianStoppingRule("epoch", "accuracy", grace_period=1, min_samples_required=3)
    s = FIFO_Scheduler(
        curve_fn,
        {"epochs": 6},
        CPU1,
        ag.searcher.GridSearcher({"x": GRID}),
        checkpoint=None,
        num_trials=12,
        terminator=rule,
        progress=False,
        max_concurrent=1,
    ).run()
    assert any(t.status == TaskStatus.STOPPED for t in s.tasks.values())
    s2 = FIFO_Scheduler(
        curve_fn,
        {"epochs": 6},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=6,
        terminator="median",
        time_attr="training_epoch",
        progress=False,
    )
    assert isinstance(s2.terminator, MedianStoppingRule)
    s3 = Hyperband_Scheduler(
        curve_fn,
        {"epochs": 6},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=6,
        terminator="none",
        progress=False,
        visualizer="none",
    ).run()
    assert all(t.status == TaskStatus.COMPLETED for t in s3.tasks.values())


def _read_events(folder):
    from tensorboardX.proto import event_pb2

    events = []
    for name in os.listdir(folder):
        data = open(os.path.join(folder, name), "rb").read()
        pos = 0
        while pos + 12 <= len(data):
            (length,) = struct.unpack("<Q", data[pos : pos + 8])
            events.append(event_pb2.Event.FromString(data[pos + 12 : pos + 12 + length]))
            pos += 12 + length + 4
    return events


def test_stopped_trials_are_marked_in_tensorboard(tmp_path):
    s = _run_hb(tmp_path, max_concurrent=1, visualizer="tensorboard")
    stopped = [t for t in s.tasks.values() if t.status == TaskStatus.STOPPED][0]
    events = _read_events(tmp_path / "tensorboard" / ("trial_%d" % stopped.task_id))
    texts = [
        v.tensor.string_val[0].decode() for e in events for v in e.summary.value if v.tag.startswith("status")
    ]
    assert texts and texts[0].startswith("stopped")
    scalars = [(e.step, v.simple_value) for e in events for v in e.summary.value if v.tag == "accuracy"]
    assert [step for step, _ in scalars] == [r["training_epoch"] for r in stopped.history]


def test_hyperband_constructor_keeps_the_historical_positional_order():
    import inspect

    params = list(inspect.signature(Hyperband_Scheduler.__init__).parameters)[1:15]
    assert params == [
        "train_fn",
        "args",
        "resource",
        "searcher",
        "checkpoint",
        "resume",
        "num_trials",
        "time_attr",
        "reward_attr",
        "max_t",
        "grace_period",
        "reduction_factor",
        "brackets",
        "visualizer",
    ]
    with pytest.raises(
        ValueError, match="type must be one of 'stopping', 'promotion'"
    ):  # core/_validate.py's message
        Hyperband_Scheduler(curve_fn, None, CPU1, "random", checkpoint=None, type="sync")


def test_progress_bar_counts_a_promoted_trial_once(tmp_path, capsys):
    # A trial paused at a rung and later resumed ends twice; the bar counts trials, not ends.
    s = Hyperband_Scheduler(
        resumable_fn,
        {"epochs": 9, "log_file": str(tmp_path / "starts.log")},
        CPU1,
        ag.searcher.GridSearcher({"x": GRID}),
        checkpoint=None,
        num_trials=12,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        type="promotion",
        visualizer="none",
        progress=True,
        max_concurrent=1,
        executor="inprocess",
    ).run()
    resumed = [t for t in s.tasks.values() if t.status == TaskStatus.COMPLETED and len(t.history) > 1]
    assert resumed, "some trial should have been promoted"
    finished = sum(1 for t in s.tasks.values() if t.status in TaskStatus.FINISHED)
    paused = sum(1 for t in s.tasks.values() if t.status == TaskStatus.PAUSED)
    assert paused
    counts = [int(m) for m in re.findall(r"trials:\s+\d+%\|[^|]*\|\s*(\d+)/12", capsys.readouterr().err)]
    assert counts and counts[-1] == finished < 12, counts


def test_a_terminator_by_name_uses_the_schedulers_rungs():
    hb = Hyperband_Scheduler(
        curve_fn,
        None,
        CPU1,
        "random",
        checkpoint=None,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        terminator="hyperband_promotion",
        visualizer="none",
    )
    assert type(hb.terminator).__name__ == "HyperbandPromotion"
    assert (hb.terminator.max_t, hb.terminator.grace_period, hb.terminator.reduction_factor) == (9, 1, 3)
    median = Hyperband_Scheduler(
        curve_fn,
        None,
        CPU1,
        "random",
        checkpoint=None,
        max_t=9,
        grace_period=2,
        terminator="median",
        visualizer="none",
    )
    assert isinstance(median.terminator, MedianStoppingRule)
    assert median.terminator.grace_period == 2
    fifo = FIFO_Scheduler(curve_fn, None, CPU1, "random", checkpoint=None, terminator="hyperband")
    assert isinstance(fifo.terminator, HyperbandStopping) and fifo.terminator.grace_period == 10
