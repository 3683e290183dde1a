"""The median stopping rule (Golovin et al., "Google Vizier", 2017)."""
import logging

import numpy as np

from ._base import BaseTerminator, _check_int, _check_real, _task_id_of

logger = logging.getLogger(__name__)

__all__ = ['MedianStoppingRule']


class MedianStoppingRule(BaseTerminator):
    """Stop a trial whose best reward so far is below the median of the other trials' running means.

    On a report at time ``t`` (``t > grace_period``; earlier reports never stop):
    the reference set is every *other* trial -- running, completed or stopped --
    that has reported at some time ``>= t``; for each, take the mean of its
    rewards reported at times ``<= t`` (a trial with no report at or before
    ``t`` has no such mean and is left out). When at least
    ``min_samples_required`` means exist and the trial's best reward so far is
    strictly below their median, the trial is stopped.

    Example::

        >>> rule = MedianStoppingRule(grace_period=1, min_samples_required=3)
        >>> rule.on_task_report(0, {'training_epoch': 1, 'accuracy': 0.5})
        True
    """

    rule = 'median'

    def __init__(self, time_attr='training_epoch', reward_attr='accuracy', mode='max',
                 grace_period=1, min_samples_required=3):
        super().__init__(time_attr, reward_attr, mode)
        self.grace_period = _check_real('grace_period', grace_period, 'allowed: a number >= 0')
        if grace_period < 0:
            raise ValueError('grace_period must be >= 0, got {!r}'.format(grace_period))
        self.min_samples_required = _check_int('min_samples_required', min_samples_required,
                                               'allowed: an int >= 1')
        if self.min_samples_required < 1:
            raise ValueError('min_samples_required must be an int >= 1, got {!r}'
                             .format(min_samples_required))
        # task_id -> list of (time, normalized reward), in report order
        self._history = {}
        self._stopped = set()
        self._decisions = 0

    def _params(self):
        params = super()._params()
        params.update(grace_period=self.grace_period, min_samples_required=self.min_samples_required)
        return params

    def on_task_add(self, task):
        self._history.setdefault(_task_id_of(task), [])

    def on_task_report(self, task, result):
        task_id = _task_id_of(task)
        time, reward_user, reward = self._read_result(result)
        history = self._history.setdefault(task_id, [])
        history.append((time, reward))
        self._decisions += 1
        if not time > self.grace_period:
            return True
        means = self._running_means(task_id, time)
        if len(means) < self.min_samples_required:
            return True
        median = float(np.median(means))
        best = max(r for _, r in history)
        if best < median:
            self._stopped.add(task_id)
            self.last_stop_info = {
                'task_id': task_id, 'time': time, 'reward': reward_user, 'rule': self.rule,
                'median': self._to_user(median), 'best': self._to_user(best),
                'num_samples': len(means),
            }
            logger.debug('median rule stops task %d at %s=%r: best %r below median %r of %d trials',
                         task_id, self.time_attr, time, self._to_user(best),
                         self._to_user(median), len(means))
            return False
        return True

    def _running_means(self, task_id, time):
        means = []
        for other, history in self._history.items():
            if other == task_id or not any(t >= time for t, _ in history):
                continue
            upto = [r for t, r in history if t <= time]
            if upto:
                means.append(sum(upto) / len(upto))
        return means

    def on_task_complete(self, task, result):
        # ``result`` normally repeats the last report, which is already in the history.
        task_id = _task_id_of(task)
        history = self._history.setdefault(task_id, [])
        if result:
            time, _, reward = self._read_result(result)
            if not history or history[-1] != (time, reward):
                history.append((time, reward))

    def on_task_remove(self, task):
        # Stopped and failed trials keep counting in the reference set.
        self._history.setdefault(_task_id_of(task), [])

    def rung_counts(self):
        return {'stopped': len(self._stopped), 'decisions': self._decisions}

    def _extra_state(self):
        return {
            'history': {tid: [[t, r] for t, r in h] for tid, h in self._history.items()},
            'stopped': sorted(self._stopped),
            'decisions': self._decisions,
        }

    def _load_extra_state(self, state):
        self._history = {int(tid): [(t, r) for t, r in h] for tid, h in state['history'].items()}
        self._stopped = set(state['stopped'])
        self._decisions = int(state['decisions'])
