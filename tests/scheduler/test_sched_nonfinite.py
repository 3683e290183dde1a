"""A NaN (or infinite) reward counts as the worst value: early stopping goes on after it."""

import logging
import math

import pytest

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskStatus
from autogluon.scheduler.terminator import HyperbandStopping, MedianStoppingRule
from autogluon.scheduler.terminator._rungs import RungSystem

CPU1 = {"num_cpus": 1, "num_gpus": 0}
# trial 0 diverges (NaN at every epoch); then two good trials and three poor ones
GRID = ag.space.Categorical(-1.0, 0.9, 0.8, 0.1, 0.2, 0.05)


@ag.args(x=GRID, epochs=4, bad="nan")
def diverging_fn(args, reporter):
    bad = float(args.bad)
    for epoch in range(1, args.epochs + 1):
        reporter(epoch=epoch, training_epoch=epoch, accuracy=bad if args.x < 0 else args.x)


def _statuses(s):
    return {t.config["x"]: (t.status, t.last_result["epoch"]) for t in s.tasks.values()}


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_hyperband_still_stops_poor_trials_after_a_nan_at_a_rung(caplog, bad):
    caplog.set_level(logging.WARNING, logger="autogluon")
    s = Hyperband_Scheduler(
        diverging_fn,
        {"bad": bad},
        CPU1,
        ag.searcher.GridSearcher({"x": GRID}),
        checkpoint=None,
        max_t=4,
        grace_period=1,
        reduction_factor=3,
        brackets=1,
        progress=False,
        max_concurrent=1,
        visualizer="none",
    ).run()
    status = _statuses(s)
    for poor in (0.1, 0.2, 0.05):
        assert status[poor] == (TaskStatus.STOPPED, 1), status
    assert status[0.9] == (TaskStatus.COMPLETED, 4)
    for level in s.rung_counts()[0]:
        cutoff = s.terminator._rungs[0].cutoff(level, s.terminator._quantile)
        assert not math.isnan(cutoff), (level, cutoff)
    assert caplog.text.count("trial 0 reported accuracy=") == 1  # once per trial, not once per report
    assert "counts as the worst possible value" in caplog.text
    assert "1 of 6 trials reported a non-finite accuracy" in caplog.text
    assert s.get_best_config() == {"x": 0.9}


def test_the_median_rule_still_stops_poor_trials_after_a_nan():
    rule = MedianStoppingRule("epoch", "accuracy", grace_period=1, min_samples_required=2)
    s = FIFO_Scheduler(
        diverging_fn,
        None,
        CPU1,
        ag.searcher.GridSearcher({"x": GRID}),
        checkpoint=None,
        terminator=rule,
        progress=False,
        max_concurrent=1,
        visualizer="none",
    ).run()
    status = _statuses(s)
    for poor in (0.1, 0.2, 0.05):
        assert status[poor] == (TaskStatus.STOPPED, 2), status
    assert status[0.9] == (TaskStatus.COMPLETED, 4)


@pytest.mark.parametrize("mode", ["max", "min"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_reward_is_the_worst_in_either_mode(mode, bad):
    rule = HyperbandStopping("epoch", "loss", max_t=9, grace_period=1, reduction_factor=3, mode=mode)
    good = 0.5
    assert rule.on_task_report(0, {"epoch": 1, "loss": good})
    # the non-finite report is below the cutoff of the one good report: stopped, whatever the sign
    assert not rule.on_task_report(1, {"epoch": 1, "loss": bad})
    assert math.isnan(rule.last_stop_info["reward"]) or math.isinf(rule.last_stop_info["reward"])
    assert rule._read_result({"epoch": 1, "loss": bad})[2] == -math.inf


def test_rung_cutoffs_are_never_nan():
    rungs = RungSystem([1])
    rungs.record(1, 0, float("nan"))
    assert rungs.cutoff(1, 0.5) == -math.inf
    rungs.record(1, 1, 0.5)
    assert rungs.cutoff(1, 0.5) == 0.5
    rungs.record(1, 2, 0.7)
    assert rungs.cutoff(1, 2 / 3) == pytest.approx(0.5 + 0.2 / 3)
    assert rungs.top_k(1, 1) == [2] and rungs.top_k(1, 3)[-1] == 0
