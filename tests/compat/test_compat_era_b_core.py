"""The HPO core of the first public release (Dec 2019), used the way its course tutorials did: search
spaces and nested spaces (core), ``@ag.obj``/``@ag.func``/``@ag.args``, a searcher on ``train_fn.cs``,
FIFO and Hyperband schedulers with ``join_jobs`` and training curves (algorithm), SKopt options, and
the RLScheduler with its LSTM controller."""

import os
import pickle
import subprocess
import sys

import ConfigSpace as CS
import numpy as np
import pytest

import autogluon as ag

CPU1 = {"num_cpus": 1, "num_gpus": 0}


# -- objects of the "core" tutorial, at module level as in a notebook ------------------------------
@ag.obj(
    name=ag.space.Categorical("auto", "gluon"),
    static_value=10,
    rank=ag.space.Int(2, 5),
)
class MyObj:
    def __init__(self, name, rank, static_value):
        self.name = name
        self.rank = rank
        self.static_value = static_value


@ag.func(framework=ag.space.Categorical("mxnet", "pytorch"))
def myfunc(framework):
    return framework


@ag.args(
    a=ag.space.Int(1, 10),
    b=ag.space.Real(1e-3, 1e-2),
    c=ag.space.Real(1e-3, 1e-2, log=True),
    d=ag.space.Categorical("a", "b", "c", "d"),
    e=ag.space.Bool(),
    f=ag.space.List(ag.space.Int(1, 2), ag.space.Categorical(4, 5)),
    g=ag.space.Dict(a=ag.Real(0, 10), obj=MyObj()),
    h=ag.space.Categorical("test", MyObj()),
    i=myfunc(),
)
def core_train_fn(args, reporter):
    return args


def test_simple_spaces_defaults_and_rand():
    a = ag.space.Int(lower=0, upper=10)
    assert a.default == 5 and 0 <= a.rand <= 10
    assert ag.space.Int(lower=0, upper=10, default=2).default == 2
    c = ag.space.Real(lower=1e-4, upper=1e-2, log=True)
    assert all(1e-4 <= c.rand <= 1e-2 for _ in range(20))
    d = ag.space.Categorical("Monday", "Tuesday", "Wednesday")
    assert {d.rand for _ in range(60)} == {"Monday", "Tuesday", "Wednesday"}
    assert ag.Choice is ag.space.Categorical and ag.Real is ag.space.Real and ag.Int is ag.space.Int
    assert ag.space.Bool().rand in (False, True)


def test_list_and_dict_spaces_sample_nested_values():
    f = ag.space.List(ag.space.Int(0, 3), ag.space.Categorical("alpha", "beta"))
    samples = [f.rand for _ in range(40)]
    assert all(isinstance(s, list) and len(s) == 2 for s in samples)
    assert {s[0] for s in samples} == {0, 1, 2, 3} and {s[1] for s in samples} == {"alpha", "beta"}
    g = ag.space.Dict(key1=ag.space.Categorical("alpha", "beta"), key2=ag.space.Int(0, 3), key3="constant")
    value = g.rand
    assert set(value) == {"key1", "key2", "key3"} and value["key3"] == "constant"
    assert g.default == {"key1": "alpha", "key2": 2, "key3": "constant"}
    assert g.sample(key1="beta", key2=0) == {"key1": "beta", "key2": 0, "key3": "constant"}
    assert sorted(g.kwspaces) == ["key1", "key2"]
    assert isinstance(g.cs, CS.ConfigurationSpace)


def test_era_a_and_era_b_list_are_told_apart_by_their_arguments():
    era_a = ag.space.List("optimizer", ["sgd", "adam"])
    assert isinstance(era_a, ag.space.Categorical) and era_a.name == "optimizer"
    assert era_a.choices == ("sgd", "adam")
    era_b = ag.space.List(ag.space.Int(0, 3), "constant")
    assert isinstance(era_b, ag.space.NestedSpace) and era_b.default == [2, "constant"]
    with pytest.raises(ValueError, match="choices"):
        ag.space.List("x", [])


def test_obj_and_func_make_searchable_objects():
    h = MyObj()
    assert repr(h) == "AutoGluonObject -- MyObj"
    first = h.init()
    assert (first.name, first.rank, first.static_value) == ("auto", 4, 10)
    assert {h.rand.rank for _ in range(60)} == {2, 3, 4, 5}
    assert h.sample(name="gluon", rank=2).name == "gluon"
    assert MyObj(static_value=3).init().static_value == 3
    assert myfunc().init() == "mxnet" and {myfunc().rand for _ in range(40)} == {"mxnet", "pytorch"}
    copy = pickle.loads(pickle.dumps(MyObj(rank=ag.space.Int(7, 8))))
    assert copy.init().rank in (7, 8)


def test_categorical_of_nested_spaces_samples_dicts_and_objects():
    nested = ag.space.Categorical(ag.space.Dict(obj1="1", obj2=ag.space.Categorical("a", "b")), MyObj())
    kinds = set()
    for _ in range(40):
        result = nested.rand
        assert (isinstance(result, dict) and result["obj2"] in ["a", "b"]) or hasattr(result, "name")
        kinds.add(type(result).__name__)
    assert kinds == {"dict", "MyObj"}
    assert set(nested.kwspaces) == {"choice", "0.obj2", "1.name", "1.rank"}
    with pytest.raises(TypeError, match="nested"):
        ag.space.Categorical(ag.space.Real(0, 1))  # a leaf space as a choice stays an error
    j = ag.space.Dict(a=ag.Real(0, 10), obj1=MyObj(), obj2=myfunc())
    value = j.rand
    assert 0 <= value["a"] <= 10 and hasattr(value["obj1"], "rank") and value["obj2"] in ("mxnet", "pytorch")


def test_train_fn_cs_searcher_config_and_a_direct_call():
    cs = core_train_fn.cs
    assert isinstance(cs, CS.ConfigurationSpace)
    names = set(core_train_fn.kwspaces)
    assert {
        "a",
        "b",
        "c",
        "d",
        "e",
        "f.0",
        "f.1",
        "g.a",
        "g.obj.name",
        "g.obj.rank",
        "h.choice",
        "h.1.name",
        "h.1.rank",
        "i.framework",
    } == names
    searcher = ag.searcher.RandomSearcher(cs, seed=1)
    for _ in range(5):
        config = searcher.get_config()
        assert set(config) == names
        args = core_train_fn(core_train_fn.args, config)
        assert args.f == [config["f.0"], config["f.1"]]
        assert args.g["a"] == config["g.a"] and args.g["obj"].rank == config["g.obj.rank"]
        assert args.h == "test" if config["h.choice"] == 0 else args.h.name == config["h.1.name"]
        assert args.i == config["i.framework"] and args.d == config["d"]
    defaults = core_train_fn.args
    assert defaults.f == [2, 4] and defaults.h == "test" and defaults.g["obj"].name == "auto"


# -- the "algorithm" tutorial: FIFO vs Hyperband on a dummy function ---------------------------------
@ag.args(
    lr=ag.space.Real(1e-3, 1e-2, log=True),
    wd=ag.space.Real(1e-3, 1e-2),
    net=ag.space.Categorical("plain", MyObj()),
    epochs=4,
)
def dummy_train_fn(args, reporter):
    rank = 0 if args.net == "plain" else args.net.rank
    for e in range(args.epochs):
        dummy_accuracy = 1 - np.power(1.8, -np.random.uniform(e, 2 * e)) - rank / 100
        reporter(epoch=e, accuracy=dummy_accuracy, lr=args.lr, wd=args.wd, rank=rank)


def test_fifo_scheduler_run_join_jobs_and_training_curves(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    scheduler = ag.scheduler.FIFOScheduler(
        dummy_train_fn,
        resource=CPU1,
        num_trials=4,
        reward_attr="accuracy",
        time_attr="epoch",
        checkpoint=str(tmp_path / "exp" / "fifo.ag"),
    )
    scheduler.run()
    scheduler.join_jobs()
    assert len(scheduler.training_history) == 4
    for task in scheduler.tasks.values():
        assert task.status == "completed" and len(task.history) == 4
        assert task.history[0]["lr"] == task.config["lr"]
        expected_rank = 0 if task.config["net.choice"] == 0 else task.config["net.1.rank"]
        assert all(r["rank"] == expected_rank for r in task.history)  # the nested object reached the trial
    best = scheduler.get_best_reward()
    assert best == max(r["accuracy"] for h in scheduler.training_history.values() for r in h)
    assert set(scheduler.get_best_config()) == {"lr", "wd", "net.choice", "net.1.name", "net.1.rank"}
    figure = scheduler.get_training_curves(plot=True, use_legend=False)
    assert len(figure.axes[0].lines) >= 4


def test_hyperband_scheduler_era_b_keywords():
    scheduler = ag.scheduler.HyperbandScheduler(
        dummy_train_fn,
        resource=CPU1,
        num_trials=6,
        reward_attr="accuracy",
        time_attr="epoch",
        grace_period=1,
        max_t=4,
        reduction_factor=2,
        brackets=1,
        checkpoint=None,
    )
    scheduler.run()
    scheduler.join_jobs()
    assert len(scheduler.tasks) == 6
    assert all(t.status in ("completed", "stopped") for t in scheduler.tasks.values())
    assert scheduler.get_best_reward() is not None


def test_skopt_searcher_with_that_release_s_search_options():
    scheduler = ag.scheduler.FIFOScheduler(
        dummy_train_fn,
        resource=CPU1,
        searcher="skopt",
        search_options={"base_estimator": "RF", "acq_func": "EI"},
        num_trials=3,
        checkpoint=None,
        progress=False,
    )
    assert isinstance(scheduler.searcher, ag.searcher.SKoptSearcher)
    assert scheduler.searcher.base_estimator == "RF"
    scheduler.run()
    assert len(scheduler.tasks) == 3
    searcher = ag.searcher.SKoptSearcher(dummy_train_fn.cs, base_estimator="RF")
    assert set(searcher.get_config()) == {"lr", "wd", "net.choice", "net.1.name", "net.1.rank"}


@ag.args(x=ag.space.Int(0, 5))
def perfect_fn(args, reporter):
    reporter(epoch=1, accuracy=1.0)


def test_max_reward_stops_new_trials_and_dist_ip_addrs_points_to_dask():
    scheduler = ag.scheduler.FIFOScheduler(
        perfect_fn,
        resource=CPU1,
        num_trials=5,
        max_reward=1.0,
        max_concurrent=1,
        checkpoint=None,
        progress=False,
    )
    scheduler.run()
    assert len(scheduler.tasks) == 1
    with pytest.raises(ValueError, match="dask_client"):
        ag.scheduler.FIFOScheduler(perfect_fn, resource=CPU1, num_trials=2, dist_ip_addrs=["10.0.0.2"])


# -- reinforcement learning -----------------------------------------------------------------------------
def test_rl_controller_learns_the_best_choice_and_its_state_round_trips():
    space = {"x": ag.space.Categorical("a", "b", "c", "d"), "y": ag.space.Real(0.0, 1.0)}
    searcher = ag.searcher.RLSearcher(space, seed=0, controller_lr=0.01, hidden_size=32)
    before = searcher.probabilities()["x"]["c"]
    for _ in range(40):
        config = searcher.get_config()
        searcher.update(config, reward=(1.0 if config["x"] == "c" else 0.0) + 0.1 * config["y"])
    after = searcher.probabilities()["x"]["c"]
    assert before < 0.35 and after > 0.8, (before, after)
    assert searcher.get_most_likely_config()["x"] == "c"
    assert searcher.num_updates == 40

    state = pickle.loads(pickle.dumps(searcher.state_dict()))
    clone = ag.searcher.RLSearcher(space, seed=123, controller_lr=0.01, hidden_size=32)
    clone.load_state_dict(state)
    assert clone.probabilities() == searcher.probabilities()
    assert [searcher.get_config() for _ in range(5)] == [clone.get_config() for _ in range(5)]
    again = ag.searcher.RLSearcher(space, seed=0, controller_lr=0.01, hidden_size=32)
    assert again.probabilities()["x"]["c"] == before  # seeded: the same initial controller


@ag.args(x=ag.space.Categorical(*range(6)), y=ag.space.Categorical(*range(6)))
def rl_simulation(args, reporter):
    reporter(epoch=1, accuracy=1.0 - abs(args.x - 4) / 5 - abs(args.y - 1) / 5)


def test_rl_scheduler_era_b_run():
    rl_scheduler = ag.scheduler.RLScheduler(
        rl_simulation,
        resource=CPU1,
        num_trials=8,
        reward_attr="accuracy",
        time_attr="epoch",
        controller_batch_size=2,
        controller_lr=5e-3,
        checkpoint=None,
    )
    rl_scheduler.run()
    rl_scheduler.join_jobs()
    results = [v[0]["accuracy"] for v in rl_scheduler.training_history.values()]
    assert len(results) == 8
    assert rl_scheduler.get_best_reward() == max(results)
    assert isinstance(rl_scheduler.searcher, ag.searcher.RLSearcher)
    assert rl_scheduler.searcher.num_updates == 4
    assert type(rl_scheduler.controller.lstm).__name__ == "LSTMCell"
    with pytest.raises(ValueError, match="num_trials"):
        ag.scheduler.RLScheduler(rl_simulation, resource=CPU1, checkpoint=None)


def test_importing_autogluon_and_naming_the_rl_classes_loads_no_mxnet():
    code = (
        "import sys, autogluon as ag; ag.scheduler.RLScheduler; ag.searcher.RLSearcher; ag.obj; ag.Task; "
        "ag.resource.Resources; print('mxnet' in sys.modules)"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
