"""state_dict/load_state_dict round trips mid-run (also through pickle) give identical decisions."""

import copy
import logging
import pickle

import numpy as np
import pytest

from autogluon.scheduler.terminator import HyperbandPromotion, HyperbandStopping, MedianStoppingRule, NoStop


class FakeTask:
    def __init__(self, task_id, config=None):
        self.task_id = task_id
        self.config = config or {}


def make_script(seed, n_events=400, max_tasks=30, max_epoch=30):
    """A fixed, realistic event sequence: trials start, report rising noisy curves, restart, end."""
    rng = np.random.default_rng(seed)
    script, epoch, quality, next_id = [], {}, {}, 0
    for _ in range(n_events):
        u = rng.random()
        if (u < 0.15 or not epoch) and next_id < max_tasks:
            epoch[next_id], quality[next_id] = 0, rng.random()
            script.append(('add', next_id))
            next_id += 1
        elif not epoch:
            break
        elif u < 0.2:
            tid = int(rng.choice(sorted(epoch)))
            del epoch[tid]
            script.append(('remove', tid) if rng.random() < 0.5 else ('complete', tid))
        else:
            tid = int(rng.choice(sorted(epoch)))
            if rng.random() < 0.05:
                epoch[tid] = 0  # the trial restarts from scratch
            epoch[tid] += int(rng.integers(1, 3))  # sometimes skips an epoch
            if epoch[tid] > max_epoch:
                del epoch[tid]
                continue
            acc = quality[tid] * (1 - np.exp(-epoch[tid] / 5.0)) + 0.05 * rng.normal()
            script.append(('report', tid, epoch[tid], float(acc)))
        if rng.random() < 0.3:
            script.append(('promote',))
    return script


def play(term, script, tasks, mode='max', lasts=None):
    """Feed script to term; return everything observable about its decisions.

    ``tasks`` maps task_id -> task object (pass a fresh dict to get new objects); ``lasts`` maps
    task_id -> its last reported result, which on_task_complete receives (what a scheduler knows).
    """
    lasts = {} if lasts is None else lasts
    sign = 1.0 if mode == 'max' else -1.0
    out = []
    for event in script:
        kind = event[0]
        if kind == 'promote':
            if getattr(term, 'pauses_trials', False):
                out.append(('promote', term.get_promotable(), term.paused_tasks()))
            continue
        tid = event[1]
        if tid not in tasks:
            tasks[tid] = FakeTask(tid, {'x': tid})
        task = tasks[tid]
        if kind == 'add':
            term.on_task_add(task)
        elif kind == 'report':
            result = {'epoch': event[2], 'training_epoch': event[2], 'accuracy': sign * event[3]}
            decision = term.on_task_report(task, result)
            out.append(
                ('report', tid, decision, copy.deepcopy(term.last_stop_info) if not decision else None)
            )
            lasts[tid] = result
        elif kind == 'complete':
            term.on_task_complete(task, lasts.get(tid, {}))
        else:
            term.on_task_remove(task)
    out.append(('counts', term.rung_counts()))
    return out


FACTORIES = {
    'nostop': lambda seed=None: NoStop(),
    'median': lambda seed=None: MedianStoppingRule(grace_period=2, min_samples_required=3),
    'median-min': lambda seed=None: MedianStoppingRule(grace_period=2, mode='min'),
    'hb-stop': lambda seed=None: HyperbandStopping(max_t=27, grace_period=1, reduction_factor=3),
    'hb-stop-3': lambda seed=0: HyperbandStopping(
        max_t=27, grace_period=1, reduction_factor=3, brackets=3, seed=seed
    ),
    'hb-stop-min': lambda seed=0: HyperbandStopping(
        max_t=30, grace_period=2, reduction_factor=2, brackets=2, mode='min', seed=seed
    ),
    'hb-promo': lambda seed=None: HyperbandPromotion(max_t=27, grace_period=1, reduction_factor=3),
    'hb-promo-2': lambda seed=0: HyperbandPromotion(
        max_t=30, grace_period=1, reduction_factor=2, brackets=3, seed=seed
    ),
}


def _is_plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_is_plain(k) and _is_plain(v) for k, v in value.items())
    return False


@pytest.mark.parametrize('name', sorted(FACTORIES))
@pytest.mark.parametrize('seed', [0, 1])
def test_round_trip_mid_run_same_decisions(name, seed):
    factory = FACTORIES[name]
    mode = 'min' if name.endswith('-min') else 'max'
    script = make_script(seed)
    half = len(script) // 2
    twin, restored_src = factory(), factory()
    twin_tasks, twin_lasts, src_lasts = {}, {}, {}
    assert play(twin, script[:half], twin_tasks, mode, twin_lasts) == play(
        restored_src, script[:half], {}, mode, src_lasts
    )
    state = restored_src.state_dict()
    assert _is_plain(state), state
    state = pickle.loads(pickle.dumps(state))
    restored = factory()
    restored.load_state_dict(state)
    assert restored.last_stop_info == restored_src.last_stop_info
    # after a restore the scheduler hands over new task objects
    rest_twin = play(twin, script[half:], twin_tasks, mode, twin_lasts)
    rest_restored = play(restored, script[half:], {}, mode, dict(src_lasts))
    assert rest_twin == rest_restored
    twin_state, restored_state = twin.state_dict(), restored.state_dict()
    if getattr(twin, 'seed', 0) is None:  # unseeded twins differ only in the (unused) generator
        twin_state.pop('rng'), restored_state.pop('rng')
    assert twin_state == restored_state
    if name.startswith('hb'):  # the script does exercise the rules
        assert any(e[0] == 'report' and e[2] is False for e in rest_twin)
    if name.startswith('hb-promo'):
        assert any(e[0] == 'promote' and e[1] is not None for e in rest_twin)


def test_restore_into_a_differently_seeded_instance_uses_saved_state(caplog):
    script = make_script(5)
    half = len(script) // 2
    src = FACTORIES['hb-stop-3'](seed=11)
    twin = FACTORIES['hb-stop-3'](seed=11)
    src_lasts, twin_lasts = {}, {}
    play(src, script[:half], {}, lasts=src_lasts)
    play(twin, script[:half], {}, lasts=twin_lasts)
    other = FACTORIES['hb-stop-3'](seed=99)
    with caplog.at_level(logging.WARNING, logger='autogluon.scheduler.terminator'):
        other.load_state_dict(pickle.loads(pickle.dumps(src.state_dict())))
    assert any('saved parameters' in r.getMessage() for r in caplog.records)
    assert other.seed == 11
    assert play(other, script[half:], {}, lasts=src_lasts) == play(twin, script[half:], {}, lasts=twin_lasts)


def test_state_of_another_kind_is_refused():
    with pytest.raises(ValueError, match='MedianStoppingRule'):
        HyperbandStopping().load_state_dict(MedianStoppingRule().state_dict())
    with pytest.raises(TypeError, match='state'):
        NoStop().load_state_dict(None)
