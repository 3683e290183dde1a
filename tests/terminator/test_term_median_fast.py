"""The indexed median rule against a naive reference (the pass over every trial's history it
replaced) on random report sequences: ties, out-of-order and fractional times, -inf rewards."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autogluon.scheduler.terminator import MedianStoppingRule, _median


class NaiveMedianRule:
    """The rule as written before the index: one pass over every trial's history per report."""

    def __init__(self, grace_period, min_samples_required, sign):
        self.grace, self.min_samples, self.sign = grace_period, min_samples_required, sign
        self.history = {}

    def add(self, tid, time, reward):
        # A non-finite reward counts as the worst possible value, in either mode.
        value = self.sign * reward if math.isfinite(reward) else -math.inf
        self.history.setdefault(tid, []).append((time, value))

    def report(self, tid, time, reward):
        self.add(tid, time, reward)
        if not time > self.grace:
            return True, None
        means = []
        for other, h in self.history.items():
            if other == tid or not any(t >= time for t, _ in h):
                continue
            upto = [r for t, r in h if t <= time]
            if upto:
                means.append(sum(upto) / len(upto))
        if len(means) < self.min_samples:
            return True, None
        median = float(np.median(means))
        best = max(r for _, r in self.history[tid])
        return not best < median, (median, best, len(means))


TIMES = st.one_of(st.sampled_from([0.5, 1, 1, 2, 2, 3, 3, 4, 5]), st.floats(0, 6, allow_nan=False))
REWARDS = st.one_of(
    st.sampled_from([0.0, 0.25, 0.5, 0.5, 1.0, -math.inf, -0.0]), st.floats(-10, 10, allow_nan=False)
)
EVENTS = st.lists(
    st.tuples(st.sampled_from(['report'] * 6 + ['complete']), st.integers(0, 6), TIMES, REWARDS),
    min_size=1,
    max_size=80,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=EVENTS,
    grace=st.sampled_from([0, 1, 1.5]),
    min_samples=st.integers(1, 4),
    mode=st.sampled_from(['max', 'min']),
    indexed=st.sampled_from([64, 2, 0]),
)
def test_fast_rule_matches_the_naive_reference(events, grace, min_samples, mode, indexed):
    # indexed=2 or 0: few or no times indexed, so the direct pass over the history is checked too
    saved, _median._MAX_INDEXED_TIMES = _median._MAX_INDEXED_TIMES, indexed
    try:
        _compare(events, grace, min_samples, mode)
    finally:
        _median._MAX_INDEXED_TIMES = saved


def _compare(events, grace, min_samples, mode):
    sign = 1.0 if mode == 'max' else -1.0
    rule = MedianStoppingRule(mode=mode, grace_period=grace, min_samples_required=min_samples)
    naive = NaiveMedianRule(grace, min_samples, sign)
    for kind, tid, time, reward in events:
        result = {'training_epoch': time, 'accuracy': reward}
        if kind == 'complete':
            history = naive.history.get(tid, [])
            if not history or history[-1] != (time, sign * reward):
                naive.add(tid, time, reward)
            rule.on_task_complete(tid, result)
            continue
        expected, figures = naive.report(tid, time, reward)
        assert rule.on_task_report(tid, result) is expected
        if not expected:
            median, best, count = figures
            info = rule.last_stop_info
            assert info['median'] == sign * median and info['best'] == sign * best
            assert info['num_samples'] == count and info['task_id'] == tid


@settings(max_examples=100, deadline=None)
@given(events=EVENTS)
def test_a_reloaded_rule_decides_as_the_original(events):
    rule = MedianStoppingRule(grace_period=1, min_samples_required=2)
    half = len(events) // 2
    for _, tid, time, reward in events[:half]:
        rule.on_task_report(tid, {'training_epoch': time, 'accuracy': reward})
    copy = MedianStoppingRule(grace_period=1, min_samples_required=2)
    copy.load_state_dict(rule.state_dict())
    for _, tid, time, reward in events[half:]:
        result = {'training_epoch': time, 'accuracy': reward}
        assert copy.on_task_report(tid, result) is rule.on_task_report(tid, result)
        assert copy.last_stop_info == rule.last_stop_info


class CountingDict(dict):
    """A dict that counts the passes over its items."""

    passes = 0

    def items(self):
        CountingDict.passes += 1
        return super().items()


def test_a_decision_does_not_pass_over_every_trial():
    rule = MedianStoppingRule(grace_period=1, min_samples_required=3)
    rule._history = CountingDict()
    for tid in range(300):
        for epoch in (1, 2, 3):
            rule.on_task_report(tid, {'training_epoch': epoch, 'accuracy': tid / 300})
    # one pass per distinct report time (to index it), not one per report
    assert CountingDict.passes <= 3
    assert rule.on_task_report(5001, {'training_epoch': 2, 'accuracy': 0.1}) is False
