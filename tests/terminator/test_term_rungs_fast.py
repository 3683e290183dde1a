"""The sorted rung structures against what they replaced: numpy.quantile for the cutoff, and a
full sort of the rung for the promotion of ASHA, on random inputs (ties, -inf, several brackets)."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autogluon.scheduler.terminator import HyperbandPromotion, RungSystem
from autogluon.scheduler.terminator._rungs import _sorted_quantile

VALUES = st.one_of(st.floats(-5, 5), st.sampled_from([-math.inf, math.inf, 0.0, -0.0, 0.5, 1.0]))
QUANTILES = st.one_of(st.sampled_from([0.0, 0.5, 1 - 1 / 3, 0.75, 1 - 1 / 2.5, 1.0]), st.floats(0, 1))


@settings(max_examples=1000, deadline=None)
@given(values=st.lists(VALUES, min_size=1, max_size=40), quantile=QUANTILES)
def test_sorted_quantile_is_numpy_quantile(values, quantile):
    with np.errstate(invalid='ignore'):
        expected = float(np.quantile(np.asarray(values, dtype=float), quantile))
    got = _sorted_quantile(sorted(values), quantile)
    assert got == expected or (math.isnan(got) and math.isnan(expected))


@settings(max_examples=300, deadline=None)
@given(rewards=st.lists(VALUES, min_size=1, max_size=40), quantile=QUANTILES, k=st.integers(0, 45))
def test_rung_cutoff_top_k_and_rank_match_a_full_sort(rewards, quantile, k):
    rungs = RungSystem([1])
    for tid, reward in enumerate(rewards):
        rungs.record(1, tid, reward)
    # The rule's cutoff: numpy.quantile with infinite rewards clipped to the finite range (so it is
    # never NaN, nor -inf while some reward is finite); the minimum when none is finite.
    values = np.asarray(rewards, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        expected = float(values.min())
    else:
        expected = float(np.quantile(np.clip(values, finite.min(), finite.max()), quantile))
    got = rungs.cutoff(1, quantile)
    assert got == expected
    order = sorted(range(len(rewards)), key=lambda i: (-rewards[i], i))
    assert rungs.top_k(1, k) == order[:k]
    assert [rungs.rank(1, tid) for tid in range(len(rewards))] == [
        order.index(t) for t in range(len(rewards))
    ]


class NaivePromotion(HyperbandPromotion):
    """get_promotable as it was: a full sort of every rung on every call."""

    def get_promotable(self):
        order = sorted(
            ((level, b, i) for b, levels in enumerate(self._levels) for i, level in enumerate(levels)),
            key=lambda x: (-x[0], x[1]),
        )
        for level, bracket, index in order:
            rungs = self._rungs[bracket]
            k = int(rungs.num_recorded(level) // self.reduction_factor)
            if k < 1:
                continue
            entries = rungs._records[level]
            ranked = sorted(range(len(entries)), key=lambda i: (-entries[i][1], i))
            for task_id in [entries[i][0] for i in ranked[:k]]:
                state = self._tasks.get(task_id)
                if state is not None and state['paused'] and state['milestone'] == index:
                    state['paused'] = False
                    state['promoted_from'] = level
                    state['milestone'] = index + 1
                    self._paused.pop(task_id, None)
                    self._promoted[bracket][index] += 1
                    return task_id
        return None


EVENTS = st.lists(
    st.tuples(
        st.sampled_from(['report'] * 5 + ['promote', 'promote', 'complete', 'reload']),
        st.integers(0, 12),
        st.sampled_from([1, 2, 3, 4, 6, 9]),
        st.one_of(st.sampled_from([0.1, 0.5, 0.5, -math.inf]), st.floats(-1, 1)),
    ),
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(
    events=EVENTS,
    brackets=st.sampled_from([1, 2]),
    eta=st.sampled_from([2, 3, 2.5]),
    mode=st.sampled_from(['max', 'min']),
)
def test_promotion_matches_the_full_sort(events, brackets, eta, mode):
    params = dict(max_t=9, grace_period=1, reduction_factor=eta, brackets=brackets, mode=mode, seed=3)
    fast, naive = HyperbandPromotion(**params), NaivePromotion(**params)
    for kind, tid, time, reward in events:
        if kind == 'promote':
            assert fast.get_promotable() == naive.get_promotable()
        elif kind == 'complete':
            fast.on_task_complete(tid, None)
            naive.on_task_complete(tid, None)
        elif kind == 'reload':  # the heaps are rebuilt from a state_dict
            state = fast.state_dict()
            fast = HyperbandPromotion(**params)
            fast.load_state_dict(state)
        else:
            result = {'training_epoch': time, 'accuracy': reward}
            assert fast.on_task_report(tid, result) == naive.on_task_report(tid, result)
        assert fast.paused_tasks() == naive.paused_tasks()
    assert dict(fast.state_dict(), kind=None) == dict(naive.state_dict(), kind=None)


def test_rungs_neither_sort_nor_call_numpy_per_decision(monkeypatch):
    from autogluon.scheduler.terminator import HyperbandStopping

    def forbidden(*args, **kwargs):
        raise AssertionError('a pass over the whole rung')

    monkeypatch.setattr(np, 'quantile', forbidden)
    monkeypatch.setattr(RungSystem, 'top_k', forbidden)
    stopping = HyperbandStopping(max_t=9, grace_period=1, reduction_factor=3)
    promotion = HyperbandPromotion(max_t=9, grace_period=1, reduction_factor=3)
    promoted = []
    for tid in range(300):
        for epoch in range(1, 10):
            result = {'training_epoch': epoch, 'accuracy': (tid * 7919 % 300) / 300 + epoch / 100}
            if not stopping.on_task_report(tid, result):
                break
        promotion.on_task_report(tid, {'training_epoch': 1, 'accuracy': (tid * 7919 % 300) / 300})
        promoted.append(promotion.get_promotable())
    assert sum(p is not None for p in promoted) >= 100  # at least floor(300 / 3) promoted from rung 1
