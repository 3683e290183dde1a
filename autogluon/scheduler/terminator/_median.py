"""The median stopping rule (Golovin et al., "Google Vizier", 2017)."""

import bisect
import logging
import math

import numpy as np

from ...core._validate import check_int, check_real
from ._base import BaseTerminator, _task_id_of

logger = logging.getLogger(__name__)

__all__ = ['MedianStoppingRule']

# At most this many distinct report times keep an index of the running means; reports at
# other times (e.g. wall-clock seconds, all different) use the direct pass over the history.
_MAX_INDEXED_TIMES = 64


class _MeansAt:
    """The reference set at one report time ``t``: each trial that has reported at a time ``>= t``
    and has a report at or before ``t``, with the mean of those rewards; means kept sorted."""

    __slots__ = ('means', 'ordered', 'nans')

    def __init__(self):
        self.means = {}  # task_id -> running mean at t
        self.ordered = []  # the non-NaN means, ascending
        self.nans = 0  # how many means are NaN (np.median of them is NaN)

    def put(self, task_id, mean):
        old = self.means.get(task_id, None)
        if task_id in self.means:
            if old != old:
                self.nans -= 1
            else:
                del self.ordered[bisect.bisect_left(self.ordered, old)]
        self.means[task_id] = mean
        if mean != mean:
            self.nans += 1
        else:
            bisect.insort(self.ordered, mean)

    def median_without(self, task_id):
        """``(number of means, np.median of them)`` over every trial but ``task_id``."""
        ordered, nans = self.ordered, self.nans
        skip = None
        if task_id in self.means:
            own = self.means[task_id]
            if own != own:
                nans -= 1
            else:
                skip = bisect.bisect_left(ordered, own)
        size = len(ordered) - (skip is not None)
        count = size + nans
        if nans or not count:
            return count, math.nan
        half = size // 2

        def at(k):
            return ordered[k + 1] if skip is not None and k >= skip else ordered[k]

        if size % 2:
            return count, float(at(half))
        # np.median of an even count: np.mean of the two middle values, i.e. (a + b) / 2
        return count, float((np.float64(at(half - 1)) + np.float64(at(half))) / 2.0)


def _mean_upto(history, time):
    """The mean of the rewards reported at times ``<= time`` (summed in report order), or None."""
    upto = [r for t, r in history if t <= time]
    return sum(upto) / len(upto) if upto else None


class MedianStoppingRule(BaseTerminator):
    """Stop a trial whose best reward so far is below the median of the other trials' running means.

    On a report at time ``t`` (``t > grace_period``; earlier reports never stop):
    the reference set is every *other* trial -- running, completed or stopped --
    that has reported at some time ``>= t``; for each, take the mean of its
    rewards reported at times ``<= t`` (a trial with no report at or before
    ``t`` has no such mean and is left out). When at least
    ``min_samples_required`` means exist and the trial's best reward so far is
    strictly below their median, the trial is stopped.

    A decision costs O(log n) in the number of trials n: the running means at each
    report time seen (up to 64 distinct times, e.g. epochs) are kept sorted and
    updated as reports arrive; other times take a pass over the whole history.

    Example::

        >>> rule = MedianStoppingRule(grace_period=1, min_samples_required=3)
        >>> rule.on_task_report(0, {'training_epoch': 1, 'accuracy': 0.5})
        True
    """

    rule = 'median'

    def __init__(
        self,
        time_attr='training_epoch',
        reward_attr='accuracy',
        mode='max',
        grace_period=1,
        min_samples_required=3,
    ):
        super().__init__(time_attr, reward_attr, mode)
        check_real('grace_period', grace_period, low=0)
        self.grace_period = grace_period
        self.min_samples_required = check_int('min_samples_required', min_samples_required, low=1)
        # task_id -> list of (time, normalized reward), in report order
        self._history = {}
        self._stopped = set()
        self._decisions = 0
        self._reset_index()
        self._delta = None  # journal tracking (see state_delta), off until asked for

    def _reset_index(self):
        # task_id -> [sum of rewards in report order, count, latest time, best reward]
        self._stats = {}
        self._at = {}  # time -> _MeansAt
        self._times = []  # the keys of _at, ascending

    def _params(self):
        params = super()._params()
        params.update(grace_period=self.grace_period, min_samples_required=self.min_samples_required)
        return params

    def _new_trial(self, task_id):
        history = self._history.get(task_id)
        if history is None:
            history = self._history[task_id] = []
            if self._delta is not None:
                self._delta['history'].setdefault(task_id, [])
        return history

    def on_task_add(self, task):
        self._new_trial(_task_id_of(task))

    def on_task_report(self, task, result):
        task_id = _task_id_of(task)
        time, reward_user, reward = self._read_result(result)
        self._append(task_id, time, reward)
        self._decisions += 1
        if not time > self.grace_period:
            return True
        count, median = self._median(task_id, time)
        if count < self.min_samples_required:
            return True
        best = self._stats[task_id][3]
        if best < median:
            self._stopped.add(task_id)
            if self._delta is not None:
                self._delta['stopped'].append(task_id)
            self.last_stop_info = {
                'task_id': task_id,
                'time': time,
                'reward': reward_user,
                'rule': self.rule,
                'median': self._to_user(median),
                'best': self._to_user(best),
                'num_samples': count,
            }
            logger.debug(
                'median rule stops task %d at %s=%r: best %r below median %r of %d trials',
                task_id,
                self.time_attr,
                time,
                self._to_user(best),
                self._to_user(median),
                count,
            )
            return False
        return True

    # ------------------------------------------------------------- the index
    def _append(self, task_id, time, reward):
        """Add a report to the history, the trial's running figures and the indexed means."""
        history = self._new_trial(task_id)
        history.append((time, reward))
        if self._delta is not None:
            self._delta['history'].setdefault(task_id, []).append((time, reward))
        stats = self._stats.get(task_id)
        if stats is None:
            stats = self._stats[task_id] = [0, 0, None, reward]
        elif reward > stats[3]:  # as max(): a later value replaces the best only when larger
            stats[3] = reward
        before_sum, before_count, latest = stats[0], stats[1], stats[2]
        stats[0] += reward
        stats[1] += 1
        if latest is None or time >= latest:
            stats[2] = time
            self._on_later_report(task_id, stats, time, latest, before_sum, before_count)
        else:
            self._on_earlier_report(task_id, history, time, latest)

    def _indexed_between(self, low, high, low_inclusive):
        """The indexed times in ``[low, high]`` (``(low, high]`` unless low_inclusive); low may be None."""
        times = self._times
        if low is None:
            start = 0
        elif low_inclusive:
            start = bisect.bisect_left(times, low)
        else:
            start = bisect.bisect_right(times, low)
        return times[start : bisect.bisect_right(times, high)]

    def _on_later_report(self, task_id, stats, time, latest, before_sum, before_count):
        # Every earlier report is at a time <= latest <= time. The trial joins the reference set
        # of each indexed t in (latest, time]; its mean there is that of all earlier rewards, and
        # at t == time that of all its rewards (which also updates it when time == latest).
        for t in self._indexed_between(latest, time, latest == time):
            if t == time:
                self._at[t].put(task_id, stats[0] / stats[1])
            elif before_count:
                self._at[t].put(task_id, before_sum / before_count)

    def _on_earlier_report(self, task_id, history, time, latest):
        # Out of order: the means at the indexed t in [time, latest] change; recompute them.
        for t in self._indexed_between(time, latest, True):
            self._at[t].put(task_id, _mean_upto(history, t))

    def _index_at(self, time):
        """The reference set at ``time`` (built from the history on first use); None if not indexed."""
        at = self._at.get(time)
        if at is not None or len(self._times) >= _MAX_INDEXED_TIMES:
            return at
        at = _MeansAt()
        for other, history in self._history.items():
            stats = self._stats.get(other)
            if stats is not None and stats[2] is not None and _reached(history, time):
                mean = _mean_upto(history, time)
                if mean is not None:
                    at.put(other, mean)
        self._at[time] = at
        bisect.insort(self._times, time)
        return at

    def _median(self, task_id, time):
        """``(number of reference means, their median)`` for a report of ``task_id`` at ``time``."""
        at = self._index_at(time)
        if at is not None:
            return at.median_without(task_id)
        means = self._running_means(task_id, time)
        return len(means), (float(np.median(means)) if means else math.nan)

    def _running_means(self, task_id, time):
        means = []
        for other, history in self._history.items():
            if other == task_id or not _reached(history, time):
                continue
            mean = _mean_upto(history, time)
            if mean is not None:
                means.append(mean)
        return means

    # ----------------------------------------------------------- the protocol
    def on_task_complete(self, task, result):
        # ``result`` normally repeats the last report, which is already in the history.
        task_id = _task_id_of(task)
        history = self._new_trial(task_id)
        if result:
            time, _, reward = self._read_result(result)
            if not history or history[-1] != (time, reward):
                self._append(task_id, time, reward)

    def on_task_remove(self, task):
        # Stopped and failed trials keep counting in the reference set.
        self._new_trial(_task_id_of(task))

    def rung_counts(self):
        return {'stopped': len(self._stopped), 'decisions': self._decisions}

    def _extra_state(self):
        return {
            # (time, reward) tuples, shared with the live history: no copy of every report
            'history': {tid: list(h) for tid, h in self._history.items()},
            'stopped': sorted(self._stopped),
            'decisions': self._decisions,
        }

    def _load_extra_state(self, state):
        self._history = {}
        self._reset_index()
        delta, self._delta = self._delta, None
        for tid, h in state['history'].items():
            self._new_trial(int(tid))
            for t, r in h:
                self._append(int(tid), t, r)
        self._stopped = set(state['stopped'])
        self._decisions = int(state['decisions'])
        if delta is not None:
            self.state_delta()  # the loaded state is the new mark

    def state_delta(self):
        """What changed since the previous call, as journal operations on :meth:`state_dict`.

        The first call starts the tracking and returns None (take the whole state_dict()).
        """
        delta, self._delta = self._delta, {'history': {}, 'stopped': []}
        if delta is None:
            return None
        ops = [('extend', ('history', tid), items) for tid, items in delta['history'].items()]
        if delta['stopped']:
            ops.append(('extend', ('stopped',), delta['stopped']))
        ops.append(('set', ('decisions',), self._decisions))
        ops.append(('set', ('last_stop_info',), dict(self.last_stop_info) if self.last_stop_info else None))
        return ops


def _reached(history, time):
    return any(t >= time for t, _ in history)
