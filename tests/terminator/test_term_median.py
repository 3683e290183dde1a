"""MedianStoppingRule and NoStop on hand-worked learning curves."""

import pytest

from autogluon.scheduler.terminator import MedianStoppingRule, NoStop


class FakeTask:
    def __init__(self, task_id, config=None):
        self.task_id = task_id
        self.config = config or {}


# grace_period=1, min_samples_required=2; (task_id, epoch, accuracy, expected), in arrival order.
# "ref" = other trials with a report at time >= t; their running means over reports at time <= t.
CURVES = [
    (0, 1, 0.50, True),  # t <= grace_period
    (1, 1, 0.60, True),
    (2, 1, 0.40, True),
    (0, 2, 0.60, True),  # ref = {} (nobody else has reached 2)
    (1, 2, 0.70, True),  # ref = {0}: 1 < min_samples_required
    (2, 2, 0.45, False),  # ref means: 0: (.5+.6)/2 = .55, 1: (.6+.7)/2 = .65 -> median .6; best .45 < .6
    (0, 3, 0.65, True),  # ref = {}
    (1, 3, 0.66, True),  # ref = {0}
    (3, 1, 0.30, True),  # grace
    (3, 2, 0.52, False),  # ref: 0: .55, 1: .65, 2 (stopped, still counts): (.4+.45)/2 = .425 -> median .55
    (4, 1, 0.90, True),
    (4, 2, 0.50, True),  # ref: .55 .65 .425 .41 -> median (.425+.55)/2 = .4875; best so far .9
    (4, 3, 0.50, True),  # ref {0, 1}: (.5+.6+.65)/3 = .5833, (.6+.7+.66)/3 = .6533 -> .6183; best .9
    (5, 1, 0.55, True),
    (5, 2, 0.60, True),  # ref: .55 .65 .425 .41 (.9+.5)/2=.7 -> median .55; best .6
    (5, 3, 0.58, False),  # ref {0, 1, 4}: .5833 .6533 (.9+.5+.5)/3=.6333 -> median .6333; best .6
    (6, 1.5, 0.52, False),  # ref: everyone; means of their epoch-1 rewards .5 .6 .4 .3 .9 .55 -> .525
]


def _run(rule, curves, negate=False):
    tasks = {}
    out = []
    for task_id, epoch, acc, _ in curves:
        if task_id not in tasks:
            tasks[task_id] = FakeTask(task_id)
            rule.on_task_add(tasks[task_id])
        out.append(
            rule.on_task_report(
                tasks[task_id], {'training_epoch': epoch, 'accuracy': -acc if negate else acc}
            )
        )
    return out


def test_hand_worked_median_decisions():
    rule = MedianStoppingRule(grace_period=1, min_samples_required=2)
    assert _run(rule, CURVES[:-1]) == [row[3] for row in CURVES[:-1]]
    info = rule.last_stop_info
    assert info['task_id'] == 5 and info['time'] == 3 and info['reward'] == 0.58
    assert info['rule'] == 'median'
    assert info['median'] == pytest.approx((0.9 + 0.5 + 0.5) / 3)
    assert rule.rung_counts() == {'stopped': 3, 'decisions': 16}
    assert _run(rule, CURVES[-1:]) == [False]
    assert rule.last_stop_info['median'] == pytest.approx(0.525)


def test_min_samples_default_three():
    rule = MedianStoppingRule(grace_period=1)
    # with min_samples_required=3, task 2 at epoch 2 has only 2 references -> continues
    assert _run(rule, CURVES[:6]) == [True] * 6


def test_grace_period_fractional():
    rule = MedianStoppingRule(grace_period=2.5, min_samples_required=2)
    # epoch 2 rows are inside the grace period now
    assert _run(rule, CURVES[:6]) == [True] * 6


def test_mode_min_mirrors_max():
    maxi = MedianStoppingRule(grace_period=1, min_samples_required=2, mode='max')
    mini = MedianStoppingRule(grace_period=1, min_samples_required=2, mode='min', reward_attr='accuracy')
    expected = [row[3] for row in CURVES]
    assert _run(maxi, CURVES) == expected
    assert _run(mini, CURVES, negate=True) == expected
    assert mini.last_stop_info['median'] == pytest.approx(-maxi.last_stop_info['median'])


def test_complete_with_last_report_is_not_counted_twice():
    rule = MedianStoppingRule(grace_period=0, min_samples_required=1)
    a, b = FakeTask(0), FakeTask(1)
    rule.on_task_report(a, {'training_epoch': 1, 'accuracy': 0.2})
    rule.on_task_report(a, {'training_epoch': 2, 'accuracy': 0.8})
    rule.on_task_complete(a, {'training_epoch': 2, 'accuracy': 0.8})
    # a's running mean at 2 is .5 (not (.2+.8+.8)/3 = .6): .55 continues, .45 stops
    assert rule.on_task_report(b, {'training_epoch': 2, 'accuracy': 0.55})
    rule2 = MedianStoppingRule(grace_period=0, min_samples_required=1)
    rule2.load_state_dict(rule.state_dict())
    assert not rule2.on_task_report(FakeTask(2), {'training_epoch': 2, 'accuracy': 0.45})


def test_nostop_never_stops():
    rule = NoStop()
    assert all(
        rule.on_task_report(FakeTask(i), {'training_epoch': e, 'accuracy': -1e9})
        for i in range(5)
        for e in range(10)
    )
    assert rule.rung_counts() == {} and rule.last_stop_info is None
    assert not rule.pauses_trials
    assert repr(rule) == "NoStop(time_attr='training_epoch', reward_attr='accuracy', mode='max')"
