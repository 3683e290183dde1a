"""RungSystem bookkeeping, rung levels and bracket weights."""

import numpy as np
import pytest

from autogluon.scheduler.terminator import HyperbandStopping, RungSystem, bracket_weights, rung_levels


@pytest.mark.parametrize('seed', range(20))
def test_cutoff_matches_numpy_quantile_on_random_data(seed):
    rng = np.random.default_rng(seed)
    rungs = RungSystem([1, 3, 9])
    for level in (1, 3, 9):
        n = int(rng.integers(1, 40))
        rewards = rng.normal(size=n)
        for task_id, reward in enumerate(rewards):
            rungs.record(level, task_id, reward)
        for q in (0.0, 0.25, 0.5, 2.0 / 3.0, 0.75, 1.0, float(rng.random())):
            assert rungs.cutoff(level, q) == float(np.quantile(rewards, q))
        assert rungs.rewards(level) == [float(r) for r in rewards]


def test_cutoff_hand_values():
    rungs = RungSystem([1])
    for task_id, reward in enumerate([0.4, 0.5, 0.6, 0.7]):
        rungs.record(1, task_id, reward)
    # sorted [.4 .5 .6 .7]; q=0.75 -> position 3*0.75 = 2.25 -> .6 + .25*(.7-.6) = .625
    assert rungs.cutoff(1, 0.75) == pytest.approx(0.625)
    # q=0.5 -> position 1.5 -> .55
    assert rungs.cutoff(1, 0.5) == pytest.approx(0.55)
    assert RungSystem([1]).cutoff(1, 0.5) == float('-inf')


def test_top_k_best_first_ties_to_earlier_record():
    rungs = RungSystem([2, 1])
    assert rungs.levels == [1, 2]
    for task_id, reward in [(7, 0.5), (3, 0.9), (5, 0.5), (1, 0.9), (2, 0.1)]:
        rungs.record(1, task_id, reward)
    assert rungs.top_k(1, 0) == []
    assert rungs.top_k(1, 2) == [3, 1]
    assert rungs.top_k(1, 4) == [3, 1, 7, 5]
    assert rungs.top_k(1, 99) == [3, 1, 7, 5, 2]
    assert rungs.top_k(2, 3) == []
    assert rungs.has(1, 7) and not rungs.has(2, 7)
    assert rungs.reward_of(1, 2) == 0.1 and rungs.reward_of(2, 2) is None


def test_record_twice_and_unknown_level_raise():
    rungs = RungSystem([1, 3])
    rungs.record(1, 0, 0.5)
    with pytest.raises(ValueError, match='already'):
        rungs.record(1, 0, 0.6)
    with pytest.raises(ValueError, match='level'):
        rungs.record(2, 0, 0.6)
    with pytest.raises(ValueError, match='quantile'):
        rungs.cutoff(1, 1.5)
    with pytest.raises(ValueError, match='distinct'):
        RungSystem([1, 1])


@pytest.mark.parametrize(
    'call, error, message',
    [
        # a wrong type is a TypeError, a wrong value a ValueError (shared checks, autogluon/core/_validate.py)
        (
            lambda r: r.cutoff(1, 1.5),
            ValueError,
            r'^quantile must be a finite number between 0 and 1, got 1.5$',
        ),
        (
            lambda r: r.cutoff(1, 'x'),
            TypeError,
            r'^quantile must be .*, got .x. of type str$',
        ),  # was ValueError
        (lambda r: r.top_k(1, -1), ValueError, r'^k must be an int >= 0, got -1$'),
        (
            lambda r: r.top_k(1, 1.5),
            TypeError,
            r'^k must be an int >= 0, got 1.5 of type float$',
        ),  # was ValueError
        (
            lambda r: RungSystem([1, float('nan')]),
            ValueError,
            r'^levels\[1\] must be a finite number, got nan$',
        ),  # was TypeError
        (
            lambda r: RungSystem([1, 'a']),
            TypeError,
            r'^levels\[1\] must be a finite number, got .a. of type str$',
        ),
    ],
)
def test_rung_argument_errors_name_the_parameter(call, error, message):
    with pytest.raises(error, match=message):
        call(RungSystem([1, 3]))


def test_rung_system_state_round_trip():
    rungs = RungSystem([1, 3])
    for task_id, reward in [(0, 0.3), (1, 0.8), (2, 0.8)]:
        rungs.record(1, task_id, reward)
    rungs.record(3, 1, 0.9)
    other = RungSystem()
    other.load_state_dict(rungs.state_dict())
    assert other.levels == [1, 3]
    assert other.rewards(1) == [0.3, 0.8, 0.8] and other.rewards(3) == [0.9]
    assert other.top_k(1, 3) == [1, 2, 0]
    assert other.has(3, 1) and not other.has(3, 0)


# (grace_period, reduction_factor, max_t, bracket) -> levels, written out by hand
LEVELS = [
    (10, 4, 100, 0, [10, 40]),  # 160 >= 100
    (10, 4, 100, 1, [40]),
    (1, 2, 16, 0, [1, 2, 4, 8]),  # 16 is not < 16
    (1, 2, 16, 2, [4, 8]),
    (1, 3, 10, 0, [1, 3, 9]),
    (1, 3, 9, 0, [1, 3]),
    (1, 3, 81, 3, [27]),
    (1, 3, 81, 4, []),
    (2, 1.5, 6, 0, [2, 3.0, 4.5]),  # 2 * 1.5**3 = 6.75 >= 6
    (5, 3, 5, 0, []),  # grace_period == max_t: no rungs
    (3, 2, 100, 0, [3, 6, 12, 24, 48, 96]),
]


@pytest.mark.parametrize('grace, eta, max_t, bracket, expected', LEVELS)
def test_rung_levels_by_hand(grace, eta, max_t, bracket, expected):
    assert rung_levels(grace, eta, max_t, bracket) == expected


def test_terminator_levels_per_bracket():
    hb = HyperbandStopping(max_t=81, grace_period=1, reduction_factor=3, brackets=4)
    assert [hb.rung_levels(b) for b in range(4)] == [[1, 3, 9, 27], [3, 9, 27], [9, 27], [27]]
    assert hb.s_max == 4


def test_bracket_weights_by_hand():
    # s_max = 4, eta = 3: b=0: ceil(5/5*81)=81, b=1: ceil(5/4*27)=ceil(33.75)=34,
    # b=2: ceil(5/3*9)=15, b=3: ceil(5/2*3)=ceil(7.5)=8
    assert bracket_weights(4, 3, 4) == [81, 34, 15, 8]
    # s_max = 2, eta = 4: b=0: 16, b=1: ceil(3/2*4)=6
    assert bracket_weights(2, 4, 2) == [16, 6]
    hb = HyperbandStopping(max_t=81, grace_period=1, reduction_factor=3, brackets=2)
    assert hb.bracket_probabilities() == pytest.approx([81 / 115, 34 / 115])
