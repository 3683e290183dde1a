"""Rung bookkeeping for one Hyperband bracket."""

import bisect
import math

from ...core._validate import check_int, check_real

__all__ = ['RungSystem']


class RungSystem:
    """The rewards recorded at each rung level of one bracket.

    Rewards are stored as given (the Hyperband terminators store them
    normalized, larger is better). Each task records at most once per level.

    Example::

        >>> rungs = RungSystem([1, 3, 9])
        >>> rungs.record(1, task_id=0, reward=0.5)
        >>> rungs.record(1, task_id=1, reward=0.7)
        >>> rungs.cutoff(1, 0.5)      # numpy.quantile([0.5, 0.7], 0.5)
        0.6
        >>> rungs.top_k(1, 1)
        [1]
    """

    def __init__(self, levels=()):
        levels = list(levels)
        for i, level in enumerate(levels):
            check_real('levels[%d]' % i, level)
        if len(set(levels)) != len(levels):
            raise ValueError(f'levels must be distinct, got {levels!r}')
        self._levels = sorted(levels)
        self._reset()

    def _reset(self):
        # level -> list of (task_id, reward) in record order; level -> {task_id: position}
        self._records = {level: [] for level in self._levels}
        self._where = {level: {} for level in self._levels}
        # Kept sorted as rewards arrive, so that a cutoff or a rank costs O(log n), not a sort:
        # level -> the rewards ascending (NaN is recorded as -inf); level -> (-reward, position)
        # ascending (best first, ties to the earlier record)
        self._ascending = {level: [] for level in self._levels}
        self._ranked = {level: [] for level in self._levels}

    @property
    def levels(self):
        """The rung levels, ascending."""
        return list(self._levels)

    def _entries(self, level):
        try:
            return self._records[level]
        except (KeyError, TypeError):
            raise ValueError(
                f'level must be one of the rung levels {self._levels!r}, got {level!r}'
            ) from None

    def has(self, level, task_id):
        """Whether ``task_id`` has recorded a reward at ``level``."""
        self._entries(level)
        return task_id in self._where[level]

    def record(self, level, task_id, reward):
        """Record ``reward`` for ``task_id`` at ``level`` (at most once per task and level)."""
        entries = self._entries(level)
        if task_id in self._where[level]:
            raise ValueError(f'task_id {task_id!r} has already recorded a reward at level {level!r}')
        position = len(entries)
        reward = float(reward)
        if math.isnan(reward):
            reward = float('-inf')  # NaN is the worst value: it must not poison the quantiles
        self._where[level][task_id] = position
        entries.append((task_id, reward))
        bisect.insort(self._ascending[level], reward)
        bisect.insort(self._ranked[level], (-reward, position))

    def reward_of(self, level, task_id):
        """The reward ``task_id`` recorded at ``level``, or ``None``."""
        entries = self._entries(level)
        pos = self._where[level].get(task_id)
        return None if pos is None else entries[pos][1]

    def num_recorded(self, level):
        return len(self._entries(level))

    def rewards(self, level):
        """The rewards recorded at ``level``, in record order."""
        return [r for _, r in self._entries(level)]

    def cutoff(self, level, quantile):
        """``numpy.quantile`` (linear interpolation) of the rewards at ``level``; ``-inf`` when none.

        Infinite rewards (``-inf``: a trial that reported NaN or an infinity) rank
        below (or above) every finite one but take the lowest (highest) finite value
        in the interpolation, so the cutoff is never NaN nor ``-inf`` while some
        reward at the level is finite.
        """
        quantile = check_real('quantile', quantile, low=0, high=1)
        entries = self._entries(level)
        if not entries:
            return float('-inf')
        ascending = self._ascending[level]
        lo = bisect.bisect_right(ascending, float('-inf'))  # the first finite reward
        hi = bisect.bisect_left(ascending, float('inf')) - 1  # the last finite reward
        if lo > hi:
            return float(ascending[0])
        if lo > 0 or hi < len(ascending) - 1:  # rare: clip the infinities to the finite range
            ascending = (
                [ascending[lo]] * lo + ascending[lo : hi + 1] + [ascending[hi]] * (len(ascending) - 1 - hi)
            )
        return _sorted_quantile(ascending, float(quantile))

    def top_k(self, level, k):
        """The ``k`` best task_ids at ``level``, best first; ties go to the earlier record."""
        k = check_int('k', k, low=0)
        entries = self._entries(level)
        return [entries[position][0] for _, position in self._ranked[level][: int(k)]]

    def rank(self, level, task_id):
        """How many records at ``level`` come before ``task_id``'s in :meth:`top_k` order (None if none).

        ``task_id`` is among ``top_k(level, k)`` exactly when its rank is below ``k``.
        """
        entries = self._entries(level)
        position = self._where[level].get(task_id)
        if position is None:
            return None
        return bisect.bisect_left(self._ranked[level], (-entries[position][1], position))

    def state_dict(self):
        return {
            'levels': list(self._levels),
            'records': [[level, [[tid, r] for tid, r in self._records[level]]] for level in self._levels],
        }

    def load_state_dict(self, state):
        self._levels = sorted(state['levels'])
        self._reset()
        for level, entries in state['records']:
            for task_id, reward in entries:
                self.record(level, task_id, reward)

    def __repr__(self):
        return f'RungSystem(levels={self._levels!r}, recorded={[len(self._records[level]) for level in self._levels]!r})'


def _sorted_quantile(ascending, quantile):
    """``numpy.quantile(values, quantile)`` (method 'linear', numpy 1.23's arithmetic, step by
    step) of ``values`` already sorted ascending, free of NaN and of infinities."""
    last = len(ascending) - 1
    virtual = last * quantile
    if virtual >= last:
        # numpy takes the last value for both neighbours, and its gamma is virtual - (-1)
        previous = following = last
        gamma = virtual + 1.0
    else:
        previous = math.floor(virtual)
        following = previous + 1
        gamma = virtual - previous
    a, b = ascending[previous], ascending[following]
    diff = b - a
    if gamma >= 0.5:
        return float(b - diff * (1.0 - gamma))
    return float(a + diff * gamma)
