"""Random search without repeats."""

import logging
import math

from ..core._validate import check_bool, check_int
from ._base import BaseSearcher, register_delta_aware

logger = logging.getLogger(__name__)


class RandomSampling(BaseSearcher):
    """Sample configs uniformly at random, never the same config twice.

    The first config is the space's defaults (if ``first_is_default``). A finite space is used up once all
    its ``size`` configs were handed out; in an infinite one, ``max_retries`` duplicate samples in a row
    count as used up. Either way :meth:`get_config` then returns None.

    Example::

        >>> from autogluon.space import Categorical
        >>> searcher = RandomSampling({'act': Categorical('relu', 'tanh')}, seed=1)
        >>> sorted(searcher.get_config()['act'] for _ in range(2))
        ['relu', 'tanh']
        >>> searcher.get_config() is None
        True
    """

    def __init__(self, configspace, seed=None, first_is_default=True, max_retries=100, **kwargs):
        super().__init__(configspace, seed=seed, **kwargs)
        self.first_is_default = check_bool('first_is_default', first_is_default)
        self.max_retries = check_int('max_retries', max_retries, low=1)
        self._size = self.configspace.size
        self._seen = set()
        self._seen_log = []  # the keys of _seen in the order they were added (for state_delta)
        self._default_done = not self.first_is_default

    def _key(self, config):
        try:
            return self.configspace._key(config)
        except (KeyError, ValueError, TypeError):
            return None  # not a config of this space: cannot collide with one we hand out

    def _mark_seen(self, config):
        key = self._key(config)
        if key is not None:
            add_seen(self, key)

    def _next_config(self):
        if self._size != math.inf and len(self._seen) >= self._size:
            return None
        return draw_unseen(self)

    def update(self, config, reward, **kwargs):
        super().update(config, reward, **kwargs)
        self._mark_seen(config)

    def register_pending(self, config, **kwargs):
        self._mark_seen(config)

    @register_delta_aware
    def state_dict(self):
        state = super().state_dict()
        state['seen'] = [list(key) for key in self._seen]
        state['default_done'] = self._default_done
        return state

    def _delta_mark(self):
        mark = super()._delta_mark()
        mark['seen'] = len(self._seen_log)
        return mark

    def _delta_ops(self, mark):
        ops = super()._delta_ops(mark)
        ops.append(('extend', ('seen',), [list(key) for key in self._seen_log[mark['seen'] :]]))
        ops.append(('set', ('default_done',), self._default_done))
        return ops

    def load_state_dict(self, state):
        super().load_state_dict(state)
        if 'seen' not in state or 'default_done' not in state:
            raise ValueError(
                "state is missing keys ['seen', 'default_done']; pass what "
                "RandomSampling.state_dict() returned"
            )
        self._seen = {tuple(key) for key in state['seen']}
        self._seen_log = list(self._seen)
        self._default_done = bool(state['default_done'])


RandomSearcher = RandomSampling


def draw_unseen(searcher):
    """The space's defaults first, then random configurations the searcher has not seen.

    Used by every searcher that samples at random (``RandomSampling``, and ``SKoptSearcher``
    before its model has enough data). Needs ``_default_done``, ``_seen``, ``_key``, ``_size``,
    ``max_retries``, ``rng`` and ``configspace`` on the searcher. None when the space is used up.
    """
    if not searcher._default_done:
        searcher._default_done = True
        config = searcher.configspace.default()
        key = searcher._key(config)
        if key not in searcher._seen:
            add_seen(searcher, key)
            return config
    for _ in range(searcher.max_retries):
        config = searcher.configspace.sample(searcher.rng)
        key = searcher._key(config)
        if key not in searcher._seen:
            add_seen(searcher, key)
            return config
    if searcher._size == math.inf:
        logger.debug(
            "%d samples in a row were duplicates: treating the space as used up", searcher.max_retries
        )
        return None
    # A finite space that is nearly used up (so small enough to list): pick among the configs left.
    left = [
        (key, config)
        for key, config in searcher.configspace._all_keys_and_configs()
        if key not in searcher._seen
    ]
    if not left:
        return None
    key, config = left[int(searcher.rng.integers(len(left)))]
    add_seen(searcher, key)
    return config


def add_seen(searcher, key):
    """Add ``key`` to ``searcher._seen``, and to its ``_seen_log`` (if it keeps one) when new."""
    log = getattr(searcher, '_seen_log', None)
    if log is not None and key not in searcher._seen:
        log.append(key)
    searcher._seen.add(key)
