"""Bad constructor and run() arguments give errors that name the parameter."""

import argparse

import pytest
from helpers_sched import linear_fn

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler
from autogluon.scheduler.reporter import LocalStatusReporter, validate_result

CPU1 = {"num_cpus": 1, "num_gpus": 0}

BAD = [
    ({"train_fn": 3}, TypeError, "train_fn"),
    ({"args": [1, 2]}, TypeError, "args"),
    ({"resource": "1 cpu"}, TypeError, "resource"),
    ({"resource": {"num_cpus": -1}}, ValueError, "num_cpus"),
    ({"searcher": "bayes-magic"}, ValueError, "Unknown searcher 'bayes-magic'"),
    ({"searcher": 42}, TypeError, "searcher"),
    ({"checkpoint": 5}, TypeError, "checkpoint"),
    ({"resume": "yes"}, TypeError, "resume"),
    ({"num_trials": 0}, ValueError, "num_trials"),
    # core/_validate.py: a wrong type is a TypeError, a wrong value of the right type a ValueError
    ({"num_trials": 2.5}, TypeError, "num_trials must be an int >= 1 or None"),
    ({"num_trials": "5"}, TypeError, "num_trials"),
    ({"time_attr": ""}, ValueError, "time_attr"),
    ({"time_attr": 3}, TypeError, "time_attr"),
    ({"reward_attr": None}, TypeError, "reward_attr"),
    ({"visualizer": "mxboard"}, ValueError, "visualizer must be one of 'none', 'tensorboard'"),
    ({"mode": "maximize"}, ValueError, "mode must be one of 'max', 'min'"),
    ({"mode": 1}, TypeError, "mode"),
    ({"seed": "seven"}, TypeError, "seed"),
    ({"time_out": -3}, ValueError, "time_out"),
    ({"time_out": "60"}, TypeError, "time_out"),
    ({"max_retries": -1}, ValueError, "max_retries"),
    ({"max_retries": 1.5}, TypeError, "max_retries"),
    ({"time_out": 5, "time_limits": 5}, ValueError, "time_out or time_limits"),
    ({"max_concurrent": 0}, ValueError, "max_concurrent"),
    ({"terminator": "sometimes"}, ValueError, "sometimes"),
    ({"terminator": object()}, TypeError, "terminator"),
    ({"executor": "cloud"}, ValueError, "executor"),
    ({"no_such_option": 1}, TypeError, "no_such_option"),
]


@pytest.mark.parametrize(
    "override, error, message", BAD, ids=[next(iter(o)) + str(i) for i, (o, _, _) in enumerate(BAD)]
)
def test_fifo_constructor_rejects_bad_values(override, error, message):
    kw = dict(
        train_fn=linear_fn, args=None, resource=CPU1, searcher="random", checkpoint=None, progress=False
    )
    kw.update(override)
    with pytest.raises(error, match=message):
        FIFO_Scheduler(**kw)


@pytest.mark.parametrize(
    "override, message",
    [
        ({"max_t": 0}, "max_t"),
        ({"grace_period": -1}, "grace_period"),
        ({"reduction_factor": 1}, "reduction_factor"),
        ({"brackets": 0}, "brackets"),
    ],
)
def test_hyperband_constructor_rejects_bad_values(override, message):
    kw = dict(checkpoint=None, progress=False, visualizer="none")
    kw.update(override)
    with pytest.raises(ValueError, match=message):
        Hyperband_Scheduler(linear_fn, None, CPU1, "random", **kw)


@pytest.mark.parametrize(
    "override, message",
    [
        ({"max_t": "100"}, "max_t"),
        ({"grace_period": None}, "grace_period"),
        ({"type": 2}, "type"),
    ],
)
def test_hyperband_constructor_rejects_wrong_types(override, message):
    kw = dict(checkpoint=None, progress=False, visualizer="none")
    kw.update(override)
    with pytest.raises(TypeError, match=message):
        Hyperband_Scheduler(linear_fn, None, CPU1, "random", **kw)


def test_run_rejects_bad_arguments():
    s = FIFO_Scheduler(linear_fn, None, CPU1, "random", checkpoint=None, progress=False)
    with pytest.raises(ValueError, match="num_trials"):
        s.run(num_trials=-1)
    with pytest.raises(ValueError, match="time_out"):
        s.run(num_trials=1, time_out=0)


@pytest.mark.parametrize(
    "result, error, message",
    [
        ({"epoch": 1}, ValueError, "'accuracy'"),
        ({"accuracy": 0.5}, ValueError, "'epoch'"),
        ({"epoch": 1, "accuracy": "high"}, TypeError, "accuracy"),
        ({"epoch": float("nan"), "accuracy": 0.5}, ValueError, "epoch must not be NaN"),
    ],
)
def test_reports_are_validated(result, error, message):
    with pytest.raises(error, match=message):
        validate_result(result, "accuracy", "epoch")


def test_numpy_values_in_reports_become_plain_numbers():
    import numpy as np

    clean = validate_result(
        {"epoch": np.int64(2), "accuracy": np.float32(0.5), "note": "x"}, "accuracy", "epoch"
    )
    assert type(clean["epoch"]) is int and type(clean["accuracy"]) is float and clean["note"] == "x"


def test_decorated_function_runs_by_itself_for_debugging():
    @ag.args(lr=ag.space.Real(0.01, 0.1, default=0.05), epochs=2)
    def fn(args, reporter):
        for e in range(1, args.epochs + 1):
            reporter(epoch=e, accuracy=args.lr * e)
        return args

    args = fn()
    assert args.lr == 0.05 and args.epochs == 2
    reporter = LocalStatusReporter()
    fn(argparse.Namespace(epochs=3), reporter)
    assert [r["epoch"] for r in reporter.results] == [1, 2, 3]
    assert fn.args.lr == 0.05
    assert set(fn.search_space.names) == {"lr"}
    assert fn(lr=0.02).lr == 0.02


def test_era_a_decorator_with_and_without_parentheses():
    @ag.autogluon_method
    def a(args, reporter):
        return args

    @ag.autogluon_method(epochs=4)
    def b(args, reporter):
        return args

    assert a(argparse.Namespace(x=1)).x == 1
    assert b().epochs == 4
    assert ag.autogluon_register_args is ag.args
