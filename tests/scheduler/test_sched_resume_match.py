"""Resume only the same search; wrapped terminators restored by loading; one-configuration warning."""

import logging
import textwrap

import pytest
from helpers_sched import linear_fn, logged_fn

import autogluon as ag
from autogluon.image_classification._fit import _Goal, _GoalTerminator
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskScheduler
from autogluon.scheduler._checkpoint import load_checkpoint, save_checkpoint

CPU1 = {"num_cpus": 1, "num_gpus": 0}


def _first_run(ck):
    FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=ck,
        num_trials=3,
        seed=0,
        progress=False,
        executor="inprocess",
    ).run()


def test_resume_with_another_search_space_is_a_clear_error(tmp_path):
    ck = str(tmp_path / "ck.ag")
    _first_run(ck)
    with pytest.raises(ValueError) as info:
        FIFO_Scheduler(
            linear_fn,
            {"x": ag.space.Real(0.5, 2.0)},
            CPU1,
            "random",
            checkpoint=ck,
            resume=True,
            num_trials=6,
            progress=False,
            executor="inprocess",
        )
    message = str(info.value)
    assert ck in message and "search space" in message and "Real(0.5, 2.0)" in message
    assert "resume=False" in message and "another checkpoint path" in message


def test_resume_with_another_training_function_is_a_clear_error(tmp_path):
    ck = str(tmp_path / "ck.ag")
    _first_run(ck)

    @ag.args(x=ag.space.Real(0.0, 1.0), epochs=3, sleep=0.0)
    def other_fn(args, reporter):
        reporter(epoch=1, accuracy=args.x)

    with pytest.raises(ValueError, match="training function.*linear_fn.*other_fn"):
        FIFO_Scheduler(
            other_fn,
            None,
            CPU1,
            "random",
            checkpoint=ck,
            resume=True,
            num_trials=6,
            progress=False,
            executor="inprocess",
        )


def test_resume_of_the_same_search_and_of_an_older_checkpoint_still_works(tmp_path):
    ck = str(tmp_path / "ck.ag")
    _first_run(ck)
    same = FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=ck,
        resume=True,
        num_trials=5,
        seed=0,
        progress=False,
        executor="inprocess",
    )
    assert len(same.tasks) == 3
    same.run()
    assert len(same.tasks) == 5
    state = load_checkpoint(ck)
    del state["fingerprint"]  # as written before fingerprints existed
    save_checkpoint(state, ck)
    old = FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=ck,
        resume=True,
        num_trials=5,
        progress=False,
        executor="inprocess",
    )
    assert len(old.tasks) == 5


def test_a_search_without_search_space_warns_that_num_trials_cannot_be_reached(tmp_path, caplog):
    log = tmp_path / "runs.log"

    def plain_fn(args, reporter):
        with open(args.log_file, "a") as f:
            f.write("run\n")
        reporter(epoch=1, accuracy=0.5)

    caplog.set_level(logging.INFO, logger="autogluon.scheduler")
    s = FIFO_Scheduler(
        plain_fn,
        {"log_file": str(log)},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=3,
        progress=False,
        executor="inprocess",
    )
    s.run()
    assert log.read_text().count("run") == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "only one distinct configuration" in r.getMessage() and "num_trials=3" in r.getMessage()
        for r in warnings
    ), caplog.text


def test_a_finite_search_space_smaller_than_num_trials_warns(caplog):
    caplog.set_level(logging.WARNING, logger="autogluon.scheduler")
    FIFO_Scheduler(
        linear_fn,
        {"x": ag.space.Categorical(0.1, 0.2)},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=5,
        progress=False,
        executor="inprocess",
    ).run()
    assert "only 2 distinct configurations" in caplog.text


# -- a wrapped terminator (task.fit's max_metric goal) --------------------------------------------


def _hyperband(ck, resume=False, num_trials=6, goal=None):
    s = Hyperband_Scheduler(
        linear_fn,
        {"epochs": 9},
        CPU1,
        "random",
        checkpoint=ck,
        resume=resume,
        num_trials=num_trials,
        time_attr="epoch",
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        brackets=3,
        seed=1,
        progress=False,
        visualizer="none",
        executor="inprocess",
    )
    if goal is not None:
        s.terminator = _GoalTerminator(s.terminator, _Goal(goal), "accuracy")
    return s


def _no_replay(monkeypatch):
    def replay(self):
        raise AssertionError("the terminator was rebuilt by replaying the reports, not loaded")

    monkeypatch.setattr(TaskScheduler, "_replay_into_terminator", replay)


@pytest.mark.parametrize("before, after", [(2.0, None), (None, 2.0), (2.0, 2.0)])
def test_a_wrapped_terminator_and_what_it_wraps_are_restored_by_loading(tmp_path, monkeypatch, before, after):
    ck = str(tmp_path / "ck.ag")
    first = _hyperband(ck, goal=before).run()
    inner_first = first.terminator.inner if before is not None else first.terminator
    brackets = {tid: inner_first.bracket_of(tid) for tid in first.tasks}
    assert len(set(brackets.values())) > 1, "the test needs trials in several brackets"
    saved = inner_first.state_dict()

    _no_replay(monkeypatch)
    resumed = _hyperband(ck, resume=True, num_trials=8, goal=after)
    resumed._restore_terminator()
    inner = resumed.terminator.inner if after is not None else resumed.terminator
    assert type(inner).__name__ == "HyperbandStopping"
    assert inner.state_dict() == saved
    assert {tid: inner.bracket_of(tid) for tid in first.tasks} == brackets
    resumed.run()
    assert len(resumed.tasks) == 8


def test_the_goal_wrapper_saves_itself_and_the_wrapped_terminator_separately(tmp_path):
    s = _hyperband(str(tmp_path / "ck.ag"), goal=2.0).run()
    state = s.state_dict()["terminator"]
    assert set(state) == {"wrapper", "inner_class", "inner"}
    assert state["inner_class"] == "HyperbandStopping" and state["wrapper"]["max_metric"] == 2.0
    assert state["inner"] == s.terminator.inner.state_dict()


def test_logged_fn_resume_mismatch_names_how_to_start_fresh_for_fit_users(tmp_path):
    ck = str(tmp_path / "ck.ag")
    FIFO_Scheduler(
        logged_fn,
        {"log_file": str(tmp_path / "l"), "sleep": 0.0},
        CPU1,
        "random",
        checkpoint=ck,
        num_trials=1,
        progress=False,
        executor="inprocess",
    ).run()
    with pytest.raises(ValueError, match="another savedir"):
        FIFO_Scheduler(
            linear_fn, None, CPU1, "random", checkpoint=ck, resume=True, progress=False, executor="inprocess"
        )


def _function_in_module(module_name, body):
    namespace = {"__name__": module_name}
    exec(textwrap.dedent(body), namespace)
    return namespace["train_fn"]


def test_the_same_function_moved_or_edited_resumes_with_a_warning(tmp_path, caplog):
    ck = str(tmp_path / "ck.ag")
    old = _function_in_module(
        "notebook",
        """
        def train_fn(args, reporter):
            reporter(epoch=1, accuracy=0.5)
    """,
    )
    FIFO_Scheduler(
        old,
        {"x": ag.space.Real(0.0, 1.0)},
        CPU1,
        "random",
        checkpoint=ck,
        num_trials=2,
        progress=False,
        executor="inprocess",
    ).run()
    moved = _function_in_module(
        "mypackage.training",
        """
        def train_fn(args, reporter):
            reporter(epoch=1, accuracy=0.25 + args.x / 2)
    """,
    )
    with caplog.at_level(logging.WARNING, logger="autogluon.scheduler"):
        resumed = FIFO_Scheduler(
            moved,
            {"x": ag.space.Real(0.0, 1.0)},
            CPU1,
            "random",
            checkpoint=ck,
            resume=True,
            num_trials=3,
            progress=False,
            executor="inprocess",
        )
    assert len(resumed.tasks) == 2
    assert "code of mypackage.training.train_fn changed" in caplog.text
