"""HyperbandStopping on hand-worked learning curves; brackets; mode='min'."""

import collections
import logging

import numpy as np
import pytest

from autogluon.scheduler.terminator import HyperbandStopping


class FakeTask:
    """Hashable by identity, like the scheduler's task objects."""

    def __init__(self, task_id, config=None):
        self.task_id = task_id
        self.config = config or {}


# max_t=8, grace_period=1, reduction_factor=2 -> rung levels 1, 2, 4; cutoff = median (q = 1 - 1/2)
# (task_id, epoch, accuracy, expected decision), in arrival order.
CURVES_ETA2 = [
    # --- rung 1
    (0, 1, 0.50, True),  # [.5] -> cutoff .5, .5 >= .5
    (1, 1, 0.60, True),  # [.5 .6] -> .55
    (2, 1, 0.40, False),  # [.4 .5 .6] -> .5, .4 < .5
    (3, 1, 0.70, True),  # [.4 .5 .6 .7] -> .55
    (4, 1, 0.30, False),  # [.3 .4 .5 .6 .7] -> .5
    (5, 1, 0.65, True),  # [.3 .4 .5 .6 .65 .7] -> (.5+.6)/2 = .55
    # --- rung 2
    (0, 2, 0.55, True),  # [.55] -> .55
    (1, 2, 0.70, True),  # [.55 .7] -> .625
    (3, 2, 0.60, True),  # [.55 .6 .7] -> .6, a tie continues
    (5, 2, 0.58, False),  # [.55 .58 .6 .7] -> .59
    # --- task 6 first reports at epoch 3: it crosses rungs 1 and 2 at once
    (6, 3, 0.56, False),  # rung 1: [.3 .4 .5 .56 .6 .65 .7] -> .56 (a tie, passes);
    # rung 2: [.55 .56 .58 .6 .7] -> .58, .56 < .58 -> stop at rung 2
    # --- between rungs: never stops, however bad
    (0, 3, 0.30, True),
    (1, 3, 0.72, True),
    (3, 3, 0.71, True),
    # --- rung 4
    (1, 4, 0.80, True),  # [.8] -> .8
    (0, 4, 0.62, False),  # [.62 .8] -> .71
    (3, 4, 0.75, True),  # [.62 .75 .8] -> .75, tie
    # --- past the last rung up to max_t
    (1, 5, 0.10, True),
    (3, 7, 0.20, True),
    (1, 8, 0.05, True),  # reaching max_t is not a stop
    (3, 9, 0.05, True),
]

# max_t=9, grace_period=1, reduction_factor=3 -> rung levels 1, 3; cutoff = quantile 2/3
CURVES_ETA3 = [
    (0, 1, 0.50, True),  # [.5] -> .5
    (1, 1, 0.60, True),  # [.5 .6] -> pos 1*2/3 -> .5 + .1*2/3 = .5667
    (2, 1, 0.40, False),  # [.4 .5 .6] -> pos 2*2/3 = 1.333 -> .5 + .1/3 = .5333
    (3, 1, 0.70, True),  # [.4 .5 .6 .7] -> pos 2 -> .6
    (4, 1, 0.55, False),  # [.4 .5 .55 .6 .7] -> pos 2.667 -> .55 + .05*2/3 = .5833
    (5, 2, 0.10, False),  # task 5 starts at epoch 2, crossing rung 1:
    # [.1 .4 .5 .55 .6 .7] -> pos 5*2/3 = 3.333 -> .55 + .05/3 = .5667
    (0, 2, 0.20, True),  # between rungs 1 and 3
    (1, 3, 0.65, True),  # rung 3: [.65] -> .65
    (3, 3, 0.60, False),  # [.6 .65] -> pos 2/3 -> .6 + .05*2/3 = .6333
    (0, 3, 0.66, True),  # [.6 .65 .66] -> pos 1.333 -> .65 + .01/3 = .6533
    (1, 9, 0.00, True),  # max_t
]


def _run(terminator, curves, negate=False):
    tasks = {}
    decisions = []
    for task_id, epoch, acc, _ in curves:
        if task_id not in tasks:
            tasks[task_id] = FakeTask(task_id, {'lr': 0.1 * task_id})
            terminator.on_task_add(tasks[task_id])
        reward = -acc if negate else acc
        decisions.append(
            terminator.on_task_report(
                tasks[task_id], {'epoch': epoch, 'training_epoch': epoch, 'accuracy': reward}
            )
        )
    return decisions


@pytest.mark.parametrize(
    'curves, kwargs',
    [
        (CURVES_ETA2, dict(max_t=8, grace_period=1, reduction_factor=2)),
        (CURVES_ETA3, dict(max_t=9, grace_period=1, reduction_factor=3)),
    ],
)
def test_hand_worked_decisions(curves, kwargs):
    hb = HyperbandStopping(**kwargs)
    assert _run(hb, curves) == [row[3] for row in curves]


def test_counts_and_stop_info_eta2():
    hb = HyperbandStopping(max_t=8, grace_period=1, reduction_factor=2)
    _run(hb, CURVES_ETA2[:11])
    # task 6 recorded at rungs 1 and 2 and stopped at rung 2
    assert hb.last_stop_info == {
        'task_id': 6,
        'time': 3,
        'reward': 0.56,
        'rule': 'hyperband-stopping',
        'rung': 2,
        'cutoff': pytest.approx(0.58),
        'bracket': 0,
    }
    _run(hb, CURVES_ETA2[11:])
    assert hb.rung_counts() == {
        0: {
            1: {'recorded': 7, 'stopped': 2},
            2: {'recorded': 5, 'stopped': 2},
            4: {'recorded': 3, 'stopped': 1},
        }
    }
    assert hb.last_stop_info['task_id'] == 0 and hb.last_stop_info['rung'] == 4
    assert hb.last_stop_info['cutoff'] == pytest.approx(0.71)


def test_mode_min_mirrors_max_on_negated_rewards():
    kwargs = dict(max_t=8, grace_period=1, reduction_factor=2)
    maxi = HyperbandStopping(mode='max', **kwargs)
    mini = HyperbandStopping(mode='min', reward_attr='accuracy', **kwargs)
    expected = [row[3] for row in CURVES_ETA2]
    assert _run(maxi, CURVES_ETA2) == expected
    # losses = -accuracy, minimized: the very same decisions
    assert _run(mini, CURVES_ETA2, negate=True) == expected
    assert mini.last_stop_info['reward'] == -maxi.last_stop_info['reward']
    assert mini.last_stop_info['cutoff'] == pytest.approx(-maxi.last_stop_info['cutoff'])
    assert mini.rung_counts() == maxi.rung_counts()


def test_no_rungs_never_stops():
    hb = HyperbandStopping(max_t=5, grace_period=5, reduction_factor=3)
    assert hb.rung_levels() == []
    for task_id in range(5):
        for epoch in range(1, 6):
            assert hb.on_task_report(FakeTask(task_id), {'training_epoch': epoch, 'accuracy': -task_id})


def test_state_keyed_by_task_id_not_object():
    hb = HyperbandStopping(max_t=8, grace_period=1, reduction_factor=2)
    assert hb.on_task_report(FakeTask(0), {'training_epoch': 1, 'accuracy': 0.9})
    # a new object for the same trial (after a restore) does not record at rung 1 again
    assert hb.on_task_report(FakeTask(0), {'training_epoch': 1, 'accuracy': 0.1})
    assert hb.rung_counts()[0][1]['recorded'] == 1


def test_bracket_frequencies_follow_hyperband_weights():
    hb = HyperbandStopping(max_t=81, grace_period=1, reduction_factor=3, brackets=4, seed=123)
    for task_id in range(4000):
        hb.on_task_add(FakeTask(task_id))
    counts = collections.Counter(hb.bracket_of(task_id) for task_id in range(4000))
    freq = np.array([counts[b] for b in range(4)]) / 4000.0
    expected = np.array([81, 34, 15, 8]) / 138.0  # ceil((s_max+1)/(s+1) * 3**s), s = 4, 3, 2, 1
    assert np.all(np.abs(freq - expected) < 0.03), (freq, expected)


def test_bracket_assignment_is_seeded_and_stable():
    def brackets(seed, order):
        hb = HyperbandStopping(max_t=81, grace_period=1, reduction_factor=3, brackets=3, seed=seed)
        for task_id in order:
            hb.on_task_add(FakeTask(task_id))
            hb.on_task_add(FakeTask(task_id))  # seen id: keeps its bracket, draws nothing
        return [hb.bracket_of(task_id) for task_id in range(200)]

    first = brackets(7, range(200))
    assert first == brackets(7, range(200))
    assert first != brackets(8, range(200))
    assert set(first) == {0, 1, 2}


def test_bracket_uses_its_own_rungs():
    hb = HyperbandStopping(max_t=81, grace_period=1, reduction_factor=3, brackets=2, seed=0)
    task_by_bracket = {}
    task_id = 0
    while len(task_by_bracket) < 2:
        hb.on_task_add(FakeTask(task_id))
        task_by_bracket.setdefault(hb.bracket_of(task_id), task_id)
        task_id += 1
    b1 = task_by_bracket[1]
    hb.on_task_report(FakeTask(b1), {'training_epoch': 1, 'accuracy': 0.5})
    counts = hb.rung_counts()
    assert set(counts) == {0, 1}
    assert list(counts[1]) == [3, 9, 27]
    assert all(c['recorded'] == 0 for b in counts for c in counts[b].values())
    hb.on_task_report(FakeTask(b1), {'training_epoch': 3, 'accuracy': 0.5})
    assert hb.rung_counts()[1][3]['recorded'] == 1 and hb.rung_counts()[0][3]['recorded'] == 0


def test_too_many_brackets_clipped_with_warning(caplog):
    with caplog.at_level(logging.WARNING, logger='autogluon.scheduler.terminator'):
        hb = HyperbandStopping(max_t=81, grace_period=1, reduction_factor=3, brackets=9)
    assert hb.brackets == 4
    assert any('brackets=9' in rec.getMessage() for rec in caplog.records)
