"""Contract: every scheduler x terminator drives trials through their whole life correctly."""

import pytest
from helpers_sched import curve_fn

from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskStatus
from autogluon.scheduler.terminator import terminator_factory

CPU1 = {"num_cpus": 1, "num_gpus": 0}


class Recorder:
    """Wraps a terminator and records the protocol calls it receives."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = []
        self.pauses_trials = getattr(inner, "pauses_trials", False)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def on_task_add(self, task):
        self.calls.append(("add", task.task_id))
        self.inner.on_task_add(task)

    def on_task_report(self, task, result):
        decision = self.inner.on_task_report(task, result)
        self.calls.append(("report", task.task_id, result["training_epoch"], decision))
        return decision

    def on_task_complete(self, task, result):
        assert result is task.last_result  # the last real report
        self.calls.append(("complete", task.task_id))
        self.inner.on_task_complete(task, result)

    def on_task_remove(self, task):
        self.calls.append(("remove", task.task_id))
        self.inner.on_task_remove(task)


TERMINATORS = ["none", "median", "hyperband", "hyperband_promotion"]


@pytest.mark.parametrize("scheduler_cls", [FIFO_Scheduler, Hyperband_Scheduler])
@pytest.mark.parametrize("name", TERMINATORS)
@pytest.mark.parametrize("executor", ["inprocess", "local"])
def test_trial_life_cycle(scheduler_cls, name, executor):
    inner = terminator_factory(
        name,
        time_attr="training_epoch",
        reward_attr="accuracy",
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        seed=0,
        min_samples_required=2,
    )
    rule = Recorder(inner)
    kwargs = dict(
        checkpoint=None,
        num_trials=10,
        seed=1,
        progress=False,
        executor=executor,
        time_attr="training_epoch",
        terminator=rule,
    )
    if scheduler_cls is Hyperband_Scheduler:
        kwargs.update(max_t=9, grace_period=1, reduction_factor=3, visualizer="none")
    s = scheduler_cls(curve_fn, {"epochs": 9}, CPU1, "random", **kwargs).run()
    assert len(s.tasks) == 10
    for tid, task in s.tasks.items():
        calls = [c for c in rule.calls if c[1] == tid]
        assert calls[0] == ("add", tid) and [c for c in calls if c[0] == "add"] == [("add", tid)]
        reports = [c for c in calls if c[0] == "report"]
        # every report reached the terminator once, except one reaching Hyperband's max_t: that one
        # completes the trial and goes to on_task_complete
        at_max_t = [
            r for r in task.history if scheduler_cls is Hyperband_Scheduler and r["training_epoch"] >= 9
        ]
        assert len(reports) == len(task.history) - len(at_max_t)
        ends = [c for c in calls if c[0] in ("complete", "remove")]
        if task.status == TaskStatus.PAUSED:
            assert not ends and reports[-1][3] is False
        else:
            assert len(ends) == 1 and calls[-1] == ends[0]  # nothing after the end
            assert task.status in (TaskStatus.COMPLETED, TaskStatus.STOPPED)
            assert ends[0][0] == ("complete" if task.status == TaskStatus.COMPLETED else "remove")
        if task.status == TaskStatus.STOPPED:
            assert reports[-1][3] is False  # stopped exactly at the report the rule said stop
        falses = [r for r in reports if r[3] is False]
        if not rule.pauses_trials:
            assert len(falses) <= 1 and (not falses or falses[0] is reports[-1])
    if name == "none" and scheduler_cls is FIFO_Scheduler:
        assert all(t.status == TaskStatus.COMPLETED for t in s.tasks.values())
    best = max(s.tasks.values(), key=lambda t: t.best_reward)
    assert s.get_best_config() == best.config
