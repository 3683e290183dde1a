"""Property tests: random report sequences never crash, decisions follow the rules, and repeat."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autogluon.scheduler.terminator import HyperbandPromotion, HyperbandStopping, MedianStoppingRule, NoStop


class FakeTask:
    def __init__(self, task_id):
        self.task_id = task_id
        self.config = {}


SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

times = st.one_of(st.integers(0, 40), st.floats(0, 40, allow_nan=False))
rewards = st.floats(-100, 100, allow_nan=False, allow_infinity=False)
events = st.lists(
    st.one_of(
        st.tuples(st.just('report'), st.integers(0, 7), times, rewards),
        st.tuples(st.just('report'), st.integers(0, 7), times, rewards),
        st.tuples(st.just('report'), st.integers(0, 7), times, st.sampled_from([0.0, 0.5, 1.0])),  # ties
        st.tuples(st.just('add'), st.integers(0, 7)),
        st.tuples(st.just('complete'), st.integers(0, 7)),
        st.tuples(st.just('remove'), st.integers(0, 7)),
        st.tuples(st.just('promote')),
    ),
    max_size=60,
)

hb_params = st.sampled_from(
    [
        dict(max_t=9, grace_period=1, reduction_factor=3),
        dict(max_t=8, grace_period=1, reduction_factor=2),
        dict(max_t=20, grace_period=2, reduction_factor=1.5),
        dict(max_t=30, grace_period=1, reduction_factor=2, brackets=3, seed=4),
        dict(max_t=5, grace_period=5, reduction_factor=4),
    ]
)
modes = st.sampled_from(['max', 'min'])


def drive(term, script):
    out = []
    last = {}
    for event in script:
        if event[0] == 'promote':
            if term.pauses_trials:
                out.append(term.get_promotable())
            continue
        task = FakeTask(event[1])  # new objects every time: state is keyed by task_id
        if event[0] == 'report':
            result = {'training_epoch': event[2], 'accuracy': event[3]}
            last[event[1]] = result
            decision = term.on_task_report(task, result)
            assert decision in (True, False)
            out.append((decision, dict(term.last_stop_info) if not decision else None))
        elif event[0] == 'add':
            term.on_task_add(task)
        elif event[0] == 'complete':
            term.on_task_complete(task, last.get(event[1], {'training_epoch': 0, 'accuracy': 0.0}))
        else:
            term.on_task_remove(task)
    return out


@SETTINGS
@given(script=events, params=hb_params, mode=modes)
def test_every_terminator_survives_and_is_deterministic(script, params, mode):
    for make in (
        lambda: NoStop(mode=mode),
        lambda: MedianStoppingRule(mode=mode, grace_period=1, min_samples_required=2),
        lambda: HyperbandStopping(mode=mode, **params),
        lambda: HyperbandPromotion(mode=mode, **params),
    ):
        a, b = make(), make()
        assert drive(a, script) == drive(b, script)
        state_a, state_b = a.state_dict(), b.state_dict()
        if params.get('seed') is None:  # unseeded generators differ, and are unused with 1 bracket
            state_a.pop('rng', None), state_b.pop('rng', None)
        assert state_a == state_b
        a.rung_counts()
        repr(a)


@SETTINGS
@given(script=events, params=hb_params, mode=modes)
def test_hyperband_stopping_matches_an_independent_oracle(script, params, mode):
    hb = HyperbandStopping(mode=mode, **params)
    sign = 1.0 if mode == 'max' else -1.0
    eta, grace, max_t = params['reduction_factor'], params['grace_period'], params['max_t']
    recorded = {}  # (bracket, level) -> list of normalized rewards
    seen = set()  # (bracket, level, task_id)
    for event in script:
        if event[0] != 'report':
            continue
        _, tid, time, reward = event
        decision = hb.on_task_report(FakeTask(tid), {'training_epoch': time, 'accuracy': reward})
        bracket = hb.bracket_of(tid)
        expected = True
        k = 0
        while grace * eta ** (k + bracket) < max_t:
            level = grace * eta ** (k + bracket)
            k += 1
            if time >= level and (bracket, level, tid) not in seen:
                seen.add((bracket, level, tid))
                recorded.setdefault((bracket, level), []).append(sign * reward)
                if sign * reward < np.quantile(recorded[(bracket, level)], 1 - 1 / eta):
                    expected = False
        assert decision is expected
        if not decision:
            info = hb.last_stop_info
            assert info['task_id'] == tid and info['bracket'] == bracket
            cutoff = np.quantile(hb._rungs[bracket].rewards(info['rung']), 1 - 1 / eta)
            # the reward really is below the recomputed cutoff (both in normalized units)
            assert sign * reward < cutoff
            assert info['cutoff'] == sign * cutoff and info['reward'] == reward
            assert time >= info['rung']


@SETTINGS
@given(script=events, mode=modes, grace=st.sampled_from([0, 1, 2.5]), min_samples=st.integers(1, 3))
def test_median_rule_matches_an_independent_oracle(script, mode, grace, min_samples):
    rule = MedianStoppingRule(mode=mode, grace_period=grace, min_samples_required=min_samples)
    sign = 1.0 if mode == 'max' else -1.0
    history = {}
    for event in script:
        if event[0] != 'report':
            continue
        _, tid, time, reward = event
        decision = rule.on_task_report(FakeTask(tid), {'training_epoch': time, 'accuracy': reward})
        history.setdefault(tid, []).append((time, sign * reward))
        means = []
        for other, h in history.items():
            upto = [r for t, r in h if t <= time]
            if other != tid and upto and any(t >= time for t, _ in h):
                means.append(sum(upto) / len(upto))
        expected = not (
            time > grace and len(means) >= min_samples and max(r for _, r in history[tid]) < np.median(means)
        )
        assert decision is expected
        if not decision:
            assert sign * rule.last_stop_info['median'] == np.median(means)
            assert rule.last_stop_info['task_id'] == tid and rule.last_stop_info['time'] == time


@SETTINGS
@given(script=events, params=hb_params, mode=modes)
def test_promotion_invariants(script, params, mode):
    asha = HyperbandPromotion(mode=mode, **params)
    eta = params['reduction_factor']
    for event in script:
        if event[0] == 'promote':
            before = asha.paused_tasks()
            tid = asha.get_promotable()
            if tid is not None:
                assert tid in before and tid not in asha.paused_tasks()
                bracket = asha.bracket_of(tid)
                levels = asha.rung_levels(bracket)
                promoted_from = asha._tasks[tid]['promoted_from']
                rungs = asha._rungs[bracket]
                k = int(rungs.num_recorded(promoted_from) // eta)
                assert tid in rungs.top_k(promoted_from, k)
                assert asha.milestone(tid) > promoted_from
                assert asha.milestone(tid) in levels + [params['max_t']]
            continue
        task = FakeTask(event[1])
        if event[0] == 'report':
            was_paused = event[1] in asha.paused_tasks()
            decision = asha.on_task_report(task, {'training_epoch': event[2], 'accuracy': event[3]})
            if not decision:
                assert event[1] in asha.paused_tasks()
                assert asha.last_stop_info['paused'] is True
                # a new pause happens at the milestone; a paused trial that reports again stays paused
                assert was_paused or event[2] >= asha.last_stop_info['rung']
                rung = asha.last_stop_info['rung']
                assert asha._rungs[asha.bracket_of(event[1])].has(rung, event[1])
        elif event[0] == 'add':
            asha.on_task_add(task)
        elif event[0] == 'complete':
            asha.on_task_complete(task, {'training_epoch': 0, 'accuracy': 0.0})
            assert event[1] not in asha.paused_tasks()
        else:
            asha.on_task_remove(task)
            assert event[1] not in asha.paused_tasks()
