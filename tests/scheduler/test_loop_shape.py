"""The loop holds no policy and probes nothing; the adapters give it one protocol for any
terminator, searcher and callback, however little of the protocol a user's object implements."""

import ast
import logging
import os

import pytest

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, TaskStatus
from autogluon.scheduler._checkpoint import load_checkpoint
from autogluon.scheduler._protocol import CallbackList, Decision, TerminatorAdapter
from autogluon.scheduler._task import Task
from autogluon.scheduler.terminator import HyperbandPromotion, HyperbandStopping, MedianStoppingRule, NoStop

LOOP = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "autogluon",
    "scheduler",
    "_loop.py",
)
CPU1 = {"num_cpus": 1, "num_gpus": 0}

# What the loop may import: the standard library it needs and the modules below it.
ALLOWED_IMPORTS = {"logging", "math", "numbers", "os", "signal", "threading", "time", "._protocol", "._task"}


def _loop_tree():
    with open(LOOP) as f:
        return ast.parse(f.read(), LOOP)


def test_the_loop_calls_no_getattr_nor_hasattr():
    calls = [
        node
        for node in ast.walk(_loop_tree())
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "hasattr", "setattr")
    ]
    assert calls == [], ["line %d: %s" % (c.lineno, c.func.id) for c in calls]


def test_the_loop_imports_only_what_is_below_it():
    imported = set()
    for node in ast.walk(_loop_tree()):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported == ALLOWED_IMPORTS, imported ^ ALLOWED_IMPORTS


def _fn_of(values):
    """A training function whose x takes the given values (3 epochs, accuracy x * epoch / 3)."""

    @ag.args(x=ag.space.Categorical(*values), epochs=3)
    def fn(args, reporter):
        for epoch in range(1, args.epochs + 1):
            reporter(epoch=epoch, accuracy=args.x * epoch / args.epochs)

    return fn


class OnlyReport:
    """A user's terminator at its smallest: on_task_report and nothing else (no state_dict)."""

    def __init__(self):
        self.seen = []

    def on_task_report(self, task, result):
        self.seen.append((task.task_id, result["epoch"]))
        return result["epoch"] < 2 or task.config["x"] > 0.5


def _run(fn, terminator, checkpoint, num_trials, resume=False, **kw):
    s = FIFO_Scheduler(
        fn,
        None,
        CPU1,
        "grid",
        checkpoint=checkpoint,
        resume=resume,
        num_trials=num_trials,
        terminator=terminator,
        progress=False,
        executor="inprocess",
        **kw,
    )
    return s.run()


def test_a_terminator_with_only_on_task_report_stops_trials_and_resumes_by_replay(tmp_path):
    fn = _fn_of([0.2, 0.9, 0.4, 0.8, 0.3, 0.7])
    ck = str(tmp_path / "ck.ag")
    first = OnlyReport()
    s = _run(fn, first, ck, 4)
    statuses = {t.config["x"]: (t.status, len(t.history)) for t in s.tasks.values()}
    assert statuses == {
        0.2: (TaskStatus.STOPPED, 2),
        0.9: (TaskStatus.COMPLETED, 3),
        0.4: (TaskStatus.STOPPED, 2),
        0.8: (TaskStatus.COMPLETED, 3),
    }, statuses
    assert all(
        t.reason == "stopped by OnlyReport" for t in s.tasks.values() if t.status == TaskStatus.STOPPED
    )
    assert load_checkpoint(ck)["terminator"] is None  # nothing to save: it is replayed on resume

    again = OnlyReport()
    resumed = _run(fn, again, ck, 6, resume=True)
    # the recorded reports were replayed into the new terminator (trial by trial) before any new trial
    assert again.seen[: len(first.seen)] == sorted(first.seen)
    assert len(resumed.tasks) == 6
    assert resumed.tasks[4].status == TaskStatus.STOPPED and resumed.tasks[5].status == TaskStatus.COMPLETED


class Truthy:
    """on_task_report answers values that are not bools: a truthy one continues, a falsy one stops."""

    def on_task_report(self, task, result):
        return {"go": True} if result["epoch"] < 2 else []


def test_a_terminator_answering_non_bool_values_is_read_by_their_truth(tmp_path):
    s = _run(_fn_of([0.5, 0.6]), Truthy(), None, 2)
    assert [(t.status, len(t.history)) for t in s.tasks.values()] == [(TaskStatus.STOPPED, 2)] * 2


class PlainSearcher:
    """A searcher with get_config and update only: no register_pending, evaluation_failed,
    on_report, state_dict nor configspace."""

    def __init__(self, values):
        self.values = list(values)
        self.updates = []

    def get_config(self):
        return {"x": self.values.pop(0)} if self.values else None

    def update(self, config, reward):
        self.updates.append((config["x"], reward))


@ag.args(x=0.0)
def _raises_for_negative(args, reporter):
    if args.x < 0:
        raise RuntimeError("negative x")
    reporter(epoch=1, accuracy=args.x)


def test_a_searcher_without_the_optional_hooks_runs_with_failures_and_a_checkpoint(tmp_path):
    searcher = PlainSearcher([0.3, -1.0, 0.6])
    ck = str(tmp_path / "ck.ag")
    s = FIFO_Scheduler(
        _raises_for_negative,
        None,
        CPU1,
        searcher,
        checkpoint=ck,
        progress=False,
        executor="inprocess",
        num_trials=5,
    ).run()  # the searcher ends the run after 3
    assert [t.status for t in s.tasks.values()] == [
        TaskStatus.COMPLETED,
        TaskStatus.FAILED,
        TaskStatus.COMPLETED,
    ]
    assert searcher.updates == [(0.3, 0.3), (0.6, 0.6)]  # the failed trial is not an update
    assert load_checkpoint(ck)["searcher"] is None


class OnlyEnd:
    """A callback with one hook."""

    def __init__(self):
        self.ended = []

    def on_task_end(self, task):
        self.ended.append((task.task_id, task.status))


class WithCallback(FIFO_Scheduler):
    def _callbacks(self, num_trials, time_out):
        return super()._callbacks(num_trials, time_out) + [self.extra]


def test_a_callback_with_one_hook_gets_that_hook_and_nothing_fails(caplog):
    caplog.set_level(logging.INFO, logger="autogluon")
    s = WithCallback(
        _fn_of([0.1, 0.2, 0.3]),
        None,
        CPU1,
        "grid",
        checkpoint=None,
        num_trials=3,
        progress=False,
        executor="inprocess",
    )
    s.extra = OnlyEnd()
    s.run()
    assert sorted(s.extra.ended) == [
        (0, TaskStatus.COMPLETED),
        (1, TaskStatus.COMPLETED),
        (2, TaskStatus.COMPLETED),
    ]
    assert "the run goes on" not in caplog.text, caplog.text  # no hook was missed as a failure


def test_a_failing_callback_is_logged_and_the_others_still_run(caplog):
    class Boom:
        def on_report(self, task, result):
            raise RuntimeError("boom")

    seen = []

    class Watch:
        def on_report(self, task, result):
            seen.append(result)

    callbacks = CallbackList([Boom(), Watch(), object()])
    with caplog.at_level(logging.ERROR, logger="autogluon.scheduler"):
        callbacks.emit("on_report", None, {"epoch": 1})
        callbacks.emit("on_run_end")  # no callback has it: nothing happens
    assert seen == [{"epoch": 1}]
    assert "callback Boom.on_report failed; the run goes on" in caplog.text and "boom" in caplog.text


# -- the terminator adapter by itself ---------------------------------------------------------------


def _task(tid=0, x=0.5):
    return Task(tid, {"x": x}, "accuracy", 1.0)


def test_max_t_is_the_terminators_side_and_the_rule_does_not_see_that_report():
    rule = OnlyReport()
    adapter = TerminatorAdapter(rule, "epoch", max_t=3)
    assert adapter.decide(_task(), {"epoch": 1, "accuracy": 0.1}) is Decision.GO
    at_end = adapter.decide(_task(), {"epoch": 3, "accuracy": 0.1})
    assert at_end.action == Decision.COMPLETE and at_end.reason == "reached max_t=3"
    assert rule.seen == [(0, 1)]


def test_a_stop_of_a_built_in_rule_carries_its_explanation():
    rule = MedianStoppingRule(time_attr="epoch", grace_period=1, min_samples_required=1)
    adapter = TerminatorAdapter(rule, "epoch")
    for tid, reward in enumerate([0.9, 0.8]):
        adapter.add(_task(tid))
        adapter.decide(_task(tid), {"epoch": 2, "accuracy": reward})
    adapter.add(_task(2))
    decision = adapter.decide(_task(2), {"epoch": 2, "accuracy": 0.1})
    assert decision.action == Decision.STOP and not decision.keep_going
    assert decision.reason.startswith("stopped by MedianStoppingRule (") and "median" in decision.reason


class Native:
    """A terminator that answers a Decision itself."""

    def __init__(self):
        self.calls = 0

    def decide(self, task, result):
        self.calls += 1
        return Decision.stop("enough", "epoch=%d" % result["epoch"]) if result["epoch"] >= 2 else Decision.GO


class OwnReport(Native):
    """A subclass that overrides on_task_report below the class defining decide(): its bool wins."""

    def on_task_report(self, task, result):
        return True


def test_a_native_decide_is_used_unless_a_subclass_overrides_on_task_report(tmp_path):
    s = _run(_fn_of([0.5]), Native(), None, 1)
    task = s.tasks[0]
    assert (task.status, task.reason, len(task.history)) == (TaskStatus.STOPPED, "enough", 2)
    assert s.terminator.calls == 2
    s = _run(_fn_of([0.5]), OwnReport(), None, 1)
    assert s.tasks[0].status == TaskStatus.COMPLETED and s.terminator.calls == 0


def test_a_built_in_terminator_and_the_bool_protocol_agree():
    rule = NoStop(time_attr="epoch")
    assert rule.on_task_report(_task(), {"epoch": 1, "accuracy": 0.5}) is True
    assert TerminatorAdapter(rule, "epoch").decide(_task(), {"epoch": 1, "accuracy": 0.5}) is Decision.GO


def test_an_object_that_is_no_terminator_is_refused():
    with pytest.raises(TypeError, match="terminator"):
        TerminatorAdapter(object(), "epoch")


@pytest.mark.parametrize(
    "make",
    [
        lambda: MedianStoppingRule(time_attr="epoch", grace_period=1, min_samples_required=1),
        lambda: HyperbandPromotion(time_attr="epoch", max_t=8, grace_period=1, reduction_factor=2, seed=0),
        lambda: HyperbandStopping(time_attr="epoch", max_t=8, grace_period=1, reduction_factor=2, seed=0),
    ],
    ids=["median", "promotion", "stopping"],
)
def test_a_built_in_rules_decide_gives_what_the_adapter_reads_from_the_bool_protocol(make):
    native, by_bool = make(), make()
    adapter = TerminatorAdapter(by_bool, "epoch")
    assert adapter._decide is None  # built-ins override on_task_report: the adapter reads its bool
    actions = set()
    for tid, reward in enumerate([0.9, 0.5, 0.8, 0.1, 0.7, 0.2]):
        native.on_task_add(_task(tid))
        adapter.add(_task(tid))
        for epoch in (1, 2):
            result = {"epoch": epoch, "accuracy": reward * epoch}
            mine, theirs = native.decide(_task(tid), result), adapter.decide(_task(tid), result)
            assert mine == theirs, (tid, epoch, mine, theirs)
            actions.add(mine.action)
            if not mine.keep_going:
                break
    assert actions - {Decision.CONTINUE}, actions  # each rule stopped (or paused) some trial


def test_a_subclass_overriding_a_former_loop_method_is_warned(caplog):
    class Old(FIFO_Scheduler):
        def _on_report(self, slot_index, task, result):
            raise AssertionError("not called any more")

    caplog.set_level(logging.WARNING, logger="autogluon.scheduler")
    Old(
        _fn_of([0.5]), None, CPU1, "grid", checkpoint=None, num_trials=1, progress=False, executor="inprocess"
    ).run()
    assert "Old._on_report is no longer called" in caplog.text


def test_a_decide_answering_a_bool_is_read_as_on_task_report_and_anything_else_is_refused():
    class BoolDecide:
        def decide(self, task, result):
            return result["epoch"] < 2

    adapter = TerminatorAdapter(BoolDecide(), "epoch")
    assert adapter.decide(_task(), {"epoch": 1, "accuracy": 0.5}) is Decision.GO
    assert adapter.decide(_task(), {"epoch": 2, "accuracy": 0.5}).reason == "stopped by BoolDecide"

    class Wrong:
        def decide(self, task, result):
            return "stop"

    with pytest.raises(TypeError, match=r"Wrong.decide\(\) must return a Decision"):
        TerminatorAdapter(Wrong(), "epoch").decide(_task(), {"epoch": 1, "accuracy": 0.5})
