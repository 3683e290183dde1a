"""Asynchronous Hyperband / successive halving (Li et al., "A System for Massively
Parallel Hyperparameter Tuning", 2018): the stopping and the promotion types."""

import copy
import heapq
import logging
import math
from fractions import Fraction

import numpy as np

from ...core._validate import check_int, check_real, fail_type, fail_value, is_int, is_real
from ._base import BaseTerminator, _task_id_of
from ._rungs import RungSystem

logger = logging.getLogger(__name__)

__all__ = ['HyperbandStopping', 'HyperbandPromotion', 'rung_levels', 'bracket_weights']


def rung_levels(grace_period, reduction_factor, max_t, bracket=0):
    """Rung levels of ``bracket``: ``grace_period * reduction_factor**(k + bracket)`` below ``max_t``.

    Example::

        >>> rung_levels(1, 3, 81)
        [1, 3, 9, 27]
        >>> rung_levels(1, 3, 81, bracket=2)
        [9, 27]
    """
    levels = []
    k = 0
    while True:
        level = grace_period * reduction_factor ** (k + bracket)
        if not level < max_t:
            return levels
        levels.append(level)
        k += 1


def bracket_weights(s_max, reduction_factor, brackets):
    """Synchronous Hyperband's bracket sizes ``ceil((s_max + 1) / (s + 1) * eta**s)``, ``s = s_max - b``.

    Computed exactly (with fractions) for ``b = 0 .. brackets - 1``.

    Example::

        >>> bracket_weights(4, 3, 4)      # s = 4, 3, 2, 1
        [81, 34, 15, 8]
    """
    eta = Fraction(reduction_factor)
    weights = []
    for b in range(brackets):
        s = s_max - b
        weights.append(math.ceil(Fraction(s_max + 1, s + 1) * eta**s))
    return weights


def _check_reduction_factor(value):
    """An int >= 2 or a float > 1 (the int and the float spelling of the same rule)."""
    allowed = 'an int >= 2 or a float > 1'
    if not is_real(value):
        raise fail_type('reduction_factor', allowed, value)
    if value < 2 if is_int(value) else not (math.isfinite(value) and value > 1):
        raise fail_value('reduction_factor', allowed, value)


class _Hyperband(BaseTerminator):
    """Shared parameters, rungs and bracket assignment of the two Hyperband types."""

    def __init__(
        self,
        time_attr='training_epoch',
        reward_attr='accuracy',
        max_t=100,
        grace_period=10,
        reduction_factor=4,
        brackets=1,
        mode='max',
        seed=None,
    ):
        super().__init__(time_attr, reward_attr, mode)
        check_real('max_t', max_t, low=0, low_open=True)
        if not 0 < check_real('grace_period', grace_period) <= max_t:
            raise fail_value(
                'grace_period', 'a number with 0 < grace_period <= max_t (max_t=%r)' % max_t, grace_period
            )
        _check_reduction_factor(reduction_factor)
        brackets = check_int('brackets', brackets, low=1)
        seed = check_int('seed', seed, low=0, allow_none=True)
        self.max_t = max_t
        self.grace_period = grace_period
        self.reduction_factor = reduction_factor
        self.seed = seed
        self._requested_brackets = brackets
        s_max = len(rung_levels(grace_period, reduction_factor, max_t))
        if brackets > max(1, s_max):
            logger.warning(
                'brackets=%d is more than the %d rung(s) of bracket 0 (max_t=%r, grace_period=%r, '
                'reduction_factor=%r); using brackets=%d',
                brackets,
                s_max,
                max_t,
                grace_period,
                reduction_factor,
                max(1, s_max),
            )
            brackets = max(1, s_max)
        self.brackets = brackets
        self.s_max = s_max
        self._levels = [rung_levels(grace_period, reduction_factor, max_t, b) for b in range(brackets)]
        self._rungs = [RungSystem(levels) for levels in self._levels]
        self._quantile = 1.0 - 1.0 / reduction_factor
        weights = bracket_weights(s_max, reduction_factor, brackets) if s_max else [1]
        self._bracket_probs = np.asarray(weights, dtype=float) / float(sum(weights))
        self._rng = np.random.default_rng(seed)
        # task_id -> per-task state (a dict of plain values); 'bracket' always present
        self._tasks = {}
        self._delta = None  # journal tracking (see state_delta), off until asked for

    def _params(self):
        params = super()._params()
        params.update(
            max_t=self.max_t,
            grace_period=self.grace_period,
            reduction_factor=self.reduction_factor,
            brackets=self._requested_brackets,
            seed=self.seed,
        )
        return params

    # ----------------------------------------------------------------- brackets
    def bracket_probabilities(self):
        """The probability of each bracket for a new task."""
        return [float(p) for p in self._bracket_probs]

    def rung_levels(self, bracket=0):
        """The rung levels of ``bracket`` (0-based)."""
        return list(self._levels[bracket])

    def bracket_of(self, task_id):
        """The bracket a task was assigned to, or ``None`` for an unseen task."""
        state = self._tasks.get(task_id)
        return None if state is None else state['bracket']

    def _new_task_state(self, bracket):
        return {'bracket': bracket}

    def _ensure_task(self, task_id):
        state = self._tasks.get(task_id)
        if state is None:
            if self.brackets == 1:
                bracket = 0
            else:
                bracket = int(self._rng.choice(self.brackets, p=self._bracket_probs))
            state = self._tasks[task_id] = self._new_task_state(bracket)
            self._touch(task_id)
            logger.debug('task %d gets bracket %d with levels %r', task_id, bracket, self._levels[bracket])
        return state

    def on_task_add(self, task):
        self._ensure_task(_task_id_of(task))

    def _record(self, bracket, level, task_id, reward):
        self._rungs[bracket].record(level, task_id, reward)
        if self._delta is not None:
            index = self._levels[bracket].index(level)
            self._delta['records'].setdefault((bracket, index), []).append([task_id, float(reward)])

    def _touch(self, task_id):
        if self._delta is not None:
            self._delta['tasks'].add(task_id)

    # -------------------------------------------------------------------- state
    def state_delta(self):
        """What changed since the previous call, as journal operations on :meth:`state_dict`.

        The first call starts the tracking and returns None (take the whole state_dict()).
        """
        delta, self._delta = self._delta, {'records': {}, 'tasks': set(), 'paused': []}
        if delta is None:
            return None
        ops = [
            ('extend', ('rungs', bracket, 'records', index, 1), items)
            for (bracket, index), items in delta['records'].items()
        ]
        ops += [('set', ('tasks', tid), dict(self._tasks[tid])) for tid in sorted(delta['tasks'])]
        if delta['tasks'] and self.brackets > 1:
            ops.append(('set', ('rng',), self._rng.bit_generator.state))  # a fresh dict per call
        ops += delta['paused']
        ops += self._counter_ops()
        ops.append(('set', ('last_stop_info',), copy.deepcopy(self.last_stop_info)))
        return ops

    def _counter_ops(self):
        return []

    def _extra_state(self):
        return {
            'rng': self._rng.bit_generator.state,
            'rungs': [rungs.state_dict() for rungs in self._rungs],
            'tasks': {tid: dict(state) for tid, state in self._tasks.items()},
        }

    def _load_extra_state(self, state):
        self._rng.bit_generator.state = state['rng']
        for rungs, rungs_state in zip(self._rungs, state['rungs']):
            rungs.load_state_dict(rungs_state)
        self._tasks = {int(tid): dict(task_state) for tid, task_state in state['tasks'].items()}
        if self._delta is not None:
            self._delta = None
            self.state_delta()  # the loaded state is the new mark


class HyperbandStopping(_Hyperband):
    """Asynchronous successive halving, stopping type.

    Bracket ``b`` has rungs at ``grace_period * reduction_factor**(k + b)`` below
    ``max_t``. When a trial's reported time first reaches a rung level of its
    bracket, its reward is recorded there and the trial continues only if the
    reward is at least the ``1 - 1/reduction_factor`` quantile of all rewards
    recorded at that level (its own included). A report that passes several
    levels at once records at each and must pass all of them. Reports between
    rungs, and at ``max_t``, always continue.

    Example::

        >>> hb = HyperbandStopping(max_t=8, grace_period=1, reduction_factor=2)
        >>> hb.rung_levels()
        [1, 2, 4]
        >>> hb.on_task_report(0, {'training_epoch': 1, 'accuracy': 0.5})
        True
        >>> hb.on_task_report(1, {'training_epoch': 1, 'accuracy': 0.4})   # median of [0.5, 0.4] is 0.45
        False
    """

    rule = 'hyperband-stopping'

    def __init__(
        self,
        time_attr='training_epoch',
        reward_attr='accuracy',
        max_t=100,
        grace_period=10,
        reduction_factor=4,
        brackets=1,
        mode='max',
        seed=None,
    ):
        super().__init__(time_attr, reward_attr, max_t, grace_period, reduction_factor, brackets, mode, seed)
        # stops per bracket and rung index
        self._stopped = [[0] * len(levels) for levels in self._levels]

    def on_task_report(self, task, result):
        task_id = _task_id_of(task)
        time, reward_user, reward = self._read_result(result)
        bracket = self._ensure_task(task_id)['bracket']
        rungs = self._rungs[bracket]
        info = None
        for index, level in enumerate(self._levels[bracket]):
            if not time >= level:
                break
            if rungs.has(level, task_id):
                continue
            self._record(bracket, level, task_id, reward)
            cutoff = rungs.cutoff(level, self._quantile)
            if info is None and reward < cutoff:
                self._stopped[bracket][index] += 1
                info = {
                    'task_id': task_id,
                    'time': time,
                    'reward': reward_user,
                    'rule': self.rule,
                    'rung': level,
                    'cutoff': self._to_user(cutoff),
                    'bracket': bracket,
                }
        if info is None:
            return True
        self.last_stop_info = info
        logger.debug(
            'hyperband stops task %d at %s=%r (rung %r of bracket %d): %s=%r, cutoff %r',
            task_id,
            self.time_attr,
            time,
            info['rung'],
            bracket,
            self.reward_attr,
            reward_user,
            info['cutoff'],
        )
        return False

    def rung_counts(self):
        return {
            b: {
                level: {'recorded': self._rungs[b].num_recorded(level), 'stopped': self._stopped[b][i]}
                for i, level in enumerate(self._levels[b])
            }
            for b in range(self.brackets)
        }

    def _extra_state(self):
        state = super()._extra_state()
        state['stopped'] = [list(counts) for counts in self._stopped]
        return state

    def _counter_ops(self):
        return [('set', ('stopped',), [list(counts) for counts in self._stopped])]

    def _load_extra_state(self, state):
        super()._load_extra_state(state)
        self._stopped = [list(counts) for counts in state['stopped']]


class HyperbandPromotion(_Hyperband):
    """Asynchronous successive halving, promotion type (ASHA, Algorithm 2).

    A trial *pauses* (``on_task_report`` returns ``False``) when it reaches its
    current milestone, the next rung level of its bracket, and its reward is
    recorded there. :meth:`get_promotable` picks a paused trial that is in the
    top ``1/reduction_factor`` of its rung (highest rungs first) and moves its
    milestone up; the scheduler then resumes it. Reports at or before the level
    a trial was last promoted from are ignored (the training function may
    restart and re-report earlier epochs). Past the last rung the milestone is
    ``max_t`` and the trial runs to the end.

    Example::

        >>> asha = HyperbandPromotion(max_t=4, grace_period=1, reduction_factor=2)
        >>> asha.on_task_report(0, {'training_epoch': 1, 'accuracy': 0.5})   # pause at rung 1
        False
        >>> asha.get_promotable() is None      # floor(1 / 2) == 0 promotable
        True
        >>> asha.on_task_report(1, {'training_epoch': 1, 'accuracy': 0.7})
        False
        >>> asha.get_promotable()              # floor(2 / 2) == 1: the best one
        1
    """

    pauses_trials = True
    rule = 'hyperband-promotion'

    def __init__(
        self,
        time_attr='training_epoch',
        reward_attr='accuracy',
        max_t=100,
        grace_period=10,
        reduction_factor=4,
        brackets=1,
        mode='max',
        seed=None,
    ):
        super().__init__(time_attr, reward_attr, max_t, grace_period, reduction_factor, brackets, mode, seed)
        # promotions per bracket and rung index
        self._promoted = [[0] * len(levels) for levels in self._levels]
        # paused task_ids, in the order they paused (dict used as an ordered set)
        self._paused = {}
        # (bracket, milestone index) -> heap of (-reward, record position, task_id) of the trials
        # paused there, best first; entries of trials no longer paused there are dropped lazily
        self._waiting = {}
        self._order = sorted(
            ((level, b, i) for b, levels in enumerate(self._levels) for i, level in enumerate(levels)),
            key=lambda x: (-x[0], x[1]),
        )

    def _new_task_state(self, bracket):
        # milestone: index into the bracket's levels (len(levels) means max_t)
        return {'bracket': bracket, 'milestone': 0, 'promoted_from': None, 'paused': False}

    def milestone(self, task_id):
        """The time at which ``task_id`` pauses next (``max_t`` past the last rung), or ``None``."""
        state = self._tasks.get(task_id)
        if state is None:
            return None
        levels = self._levels[state['bracket']]
        return levels[state['milestone']] if state['milestone'] < len(levels) else self.max_t

    def on_task_report(self, task, result):
        task_id = _task_id_of(task)
        time, reward_user, reward = self._read_result(result)
        state = self._ensure_task(task_id)
        promoted_from = state['promoted_from']
        if promoted_from is not None and not time > promoted_from:
            return True  # a re-report of an epoch before the promotion: ignored
        bracket = state['bracket']
        levels = self._levels[bracket]
        index = state['milestone']
        if index >= len(levels):
            return True  # the milestone is max_t: the scheduler completes the trial
        level = levels[index]
        if not state['paused']:
            if not time >= level:
                return True
            rungs = self._rungs[bracket]
            if not rungs.has(level, task_id):
                self._record(bracket, level, task_id, reward)
            self._pause(task_id, state)
            logger.debug(
                'hyperband pauses task %d at %s=%r (rung %r of bracket %d), %s=%r',
                task_id,
                self.time_attr,
                time,
                level,
                bracket,
                self.reward_attr,
                reward_user,
            )
        # a paused trial that reports again stays paused
        self.last_stop_info = {
            'task_id': task_id,
            'time': time,
            'reward': reward_user,
            'rule': self.rule,
            'rung': level,
            'paused': True,
            'bracket': bracket,
        }
        return False

    def _pause(self, task_id, state):
        state['paused'] = True
        self._paused[task_id] = None
        self._touch(task_id)
        if self._delta is not None:
            self._delta['paused'].append(('add', ('paused',), task_id))
        self._wait(task_id, state)

    def _wait(self, task_id, state):
        bracket, index = state['bracket'], state['milestone']
        rungs = self._rungs[bracket]
        level = self._levels[bracket][index]
        if rungs.has(level, task_id):
            key = (-rungs.reward_of(level, task_id), rungs._where[level][task_id], task_id)
            heapq.heappush(self._waiting.setdefault((bracket, index), []), key)

    def _unpause(self, task_id):
        self._paused.pop(task_id, None)
        self._touch(task_id)
        if self._delta is not None:
            self._delta['paused'].append(('discard', ('paused',), task_id))

    def _best_waiting(self, bracket, index):
        """The best trial paused at milestone ``index`` of ``bracket`` (by its reward there), or None."""
        heap = self._waiting.get((bracket, index))
        while heap:
            if self._is_waiting(heap[0][2], bracket, index):
                return heap[0][2]
            heapq.heappop(heap)
        return None

    def _is_waiting(self, task_id, bracket, index):
        state = self._tasks.get(task_id)
        return (
            state is not None
            and state['paused']
            and state['bracket'] == bracket
            and state['milestone'] == index
        )

    def get_promotable(self):
        """The task_id of the best paused trial that may be promoted, marked promoted; else ``None``.

        That is the best trial paused at the highest rung where it is in the top
        ``1/reduction_factor`` of every reward recorded there.
        """
        for level, bracket, index in self._order:
            rungs = self._rungs[bracket]
            k = int(rungs.num_recorded(level) // self.reduction_factor)
            if k < 1:
                continue
            task_id = self._best_waiting(bracket, index)
            # Among the paused trials it has the best rank: if it is not in the top k, none is.
            if task_id is not None and not rungs.rank(level, task_id) < k:
                task_id = None
            if task_id is None:
                continue
            state = self._tasks[task_id]
            state['paused'] = False
            state['promoted_from'] = level
            state['milestone'] = index + 1
            self._unpause(task_id)
            self._promoted[bracket][index] += 1
            logger.debug(
                'hyperband promotes task %d from rung %r of bracket %d to %r',
                task_id,
                level,
                bracket,
                self.milestone(task_id),
            )
            return task_id
        return None

    def paused_tasks(self):
        """The task_ids now paused, in the order they paused."""
        return list(self._paused)

    def _forget(self, task):
        task_id = _task_id_of(task)
        state = self._tasks.get(task_id)
        if state is not None:
            state['paused'] = False
        if task_id in self._paused or state is not None:
            self._unpause(task_id)

    def on_task_complete(self, task, result):
        self._forget(task)

    def on_task_remove(self, task):
        # its recorded rewards stay: they still count for the rungs
        self._forget(task)

    def rung_counts(self):
        counts = {
            b: {
                level: {
                    'recorded': self._rungs[b].num_recorded(level),
                    'paused': 0,
                    'promoted': self._promoted[b][i],
                }
                for i, level in enumerate(self._levels[b])
            }
            for b in range(self.brackets)
        }
        for task_id in self._paused:
            state = self._tasks[task_id]
            counts[state['bracket']][self._levels[state['bracket']][state['milestone']]]['paused'] += 1
        return counts

    def _extra_state(self):
        state = super()._extra_state()
        state['promoted'] = [list(counts) for counts in self._promoted]
        state['paused'] = list(self._paused)
        return state

    def _counter_ops(self):
        return [('set', ('promoted',), [list(counts) for counts in self._promoted])]

    def _load_extra_state(self, state):
        super()._load_extra_state(state)
        self._promoted = [list(counts) for counts in state['promoted']]
        self._paused = {int(tid): None for tid in state['paused']}
        self._waiting = {}
        for task_id, task_state in self._tasks.items():
            if task_state.get('paused'):
                self._wait(task_id, task_state)
