"""BaseSearcher: the bookkeeping every searcher shares (results, best config, exhaustion, state)."""

import copy
import logging
import math

import numpy as np

from ..core._validate import check_choice, check_instance, check_int, fail_type, is_real
from ..space import SearchSpace

logger = logging.getLogger(__name__)

_STATE_VERSION = 1
_MODES = ('max', 'min')


class BaseSearcher:
    """Base class of searchers: suggests configs with :meth:`get_config`, learns from :meth:`update`.

    ``configspace`` is anything :meth:`SearchSpace.from_any` accepts. ``seed`` (None or int) seeds
    ``self.rng``, a ``numpy.random.Generator``. Rewards given to :meth:`update` are always "larger is
    better": the scheduler turns a minimized metric around before it gets here, so ``mode`` is only
    recorded. Subclasses implement :meth:`_next_config` (return a config, or None when the space is used
    up) and extend :meth:`state_dict` / :meth:`load_state_dict` with their own state.

    Example::

        >>> from autogluon.space import Int
        >>> from autogluon.searcher import RandomSampling
        >>> searcher = RandomSampling({'units': Int(8, 64)}, seed=0)
        >>> config = searcher.get_config()
        >>> searcher.update(config, reward=0.9)
        >>> searcher.get_best_reward()
        0.9
    """

    def __init__(self, configspace, seed=None, mode=None, **kwargs):
        self.configspace = SearchSpace.from_any(configspace, name='configspace')
        self.seed = check_int('seed', seed, low=0, allow_none=True)
        self.mode = check_choice('mode', mode, _MODES, allow_none=True)
        if kwargs:
            logger.info("%s ignores unknown options: %s", type(self).__name__, sorted(kwargs))
        self.rng = np.random.default_rng(self.seed)
        self._results = []  # [(config, reward)] in the order they came
        self._failed = []  # configs whose trials failed
        self._num_suggested = 0  # configs handed out by get_config
        self._exhausted = False
        self._journal_mark = None  # where state_delta() last left off (None: not tracking)

    # -- to override -------------------------------------------------------------
    def _next_config(self):
        """Return the next config (a dict), or None when the space is used up."""
        raise NotImplementedError

    # -- public API ---------------------------------------------------------------
    def get_config(self, **kwargs):
        """Return a new config ``{name: value}``, or None once the search space is used up."""
        if self._exhausted:
            return None
        config = self._next_config()
        if config is None:
            self._exhausted = True
            logger.info("search space exhausted after %d configurations", self._num_suggested)
            return None
        self._num_suggested += 1
        return config

    def update(self, config, reward, **kwargs):
        """Record a finished trial: ``config`` got ``reward`` (larger is better)."""
        check_instance('config', config, dict, 'a dict {name: value}')
        if not is_real(reward):
            raise fail_type('reward', 'a real number', reward)
        reward = float(reward)
        if math.isnan(reward):
            logger.warning("reward for config %s is NaN; it is recorded but never counts as the best", config)
        self._results.append((dict(config), reward))

    def register_pending(self, config, **kwargs):
        """``config`` was handed to a trial that is now running (nothing to do here)."""

    def evaluation_failed(self, config, **kwargs):
        """The trial running ``config`` failed without a result."""
        self._failed.append(dict(config))
        logger.debug("%s: evaluation failed for config %s", type(self).__name__, config)

    def get_best_config(self):
        """The config with the largest reward so far (the first one on ties), or None."""
        best = self._best()
        return None if best is None else dict(best[0])

    def get_best_reward(self):
        """The largest reward so far, or ``-inf`` when nothing has been reported."""
        best = self._best()
        return -math.inf if best is None else best[1]

    def get_best_config_reward(self):
        """``(best config, best reward)``; ``(None, -inf)`` when nothing has been reported."""
        return self.get_best_config(), self.get_best_reward()

    def _best(self):
        best = None
        for config, reward in self._results:
            if not math.isnan(reward) and (best is None or reward > best[1]):
                best = (config, reward)
        return best

    @property
    def results(self):
        """Copy of every ``(config, reward)`` recorded by :meth:`update`, in order."""
        return [(dict(config), reward) for config, reward in self._results]

    # -- state ----------------------------------------------------------------------
    def state_dict(self):
        """Plain picklable data from which :meth:`load_state_dict` restores this searcher."""
        return {
            'version': _STATE_VERSION,
            'searcher': type(self).__name__,
            'rng_state': copy.deepcopy(self.rng.bit_generator.state),
            'results': [[dict(config), reward] for config, reward in self._results],
            'failed': [dict(config) for config in self._failed],
            'num_suggested': self._num_suggested,
            'exhausted': self._exhausted,
        }

    def state_delta(self):
        """The change since the previous call, as operations on :meth:`state_dict` for a checkpoint journal.

        Returns None on the first call (and after :meth:`load_state_dict`, or for a subclass whose
        :meth:`state_dict` is not one this class knows): the caller then takes the whole state_dict().
        Each call costs what changed since the last one, not the size of the history.
        """
        mark, self._journal_mark = self._journal_mark, self._delta_mark()
        if mark is None or type(self).state_dict not in _DELTA_AWARE:
            return None
        return self._delta_ops(mark)

    def _delta_mark(self):
        return {'results': len(self._results), 'failed': len(self._failed)}

    def _delta_ops(self, mark):
        return [
            (
                'extend',
                ('results',),
                [[dict(config), reward] for config, reward in self._results[mark['results'] :]],
            ),
            ('extend', ('failed',), [dict(config) for config in self._failed[mark['failed'] :]]),
            ('set', ('rng_state',), self.rng.bit_generator.state),  # a fresh dict per call
            ('set', ('num_suggested',), self._num_suggested),
            ('set', ('exhausted',), self._exhausted),
        ]

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned; the next suggestions are then the same as the original's."""
        self._journal_mark = None
        check_instance('state', state, dict, 'a dict from state_dict()')
        missing = [
            k
            for k in ('version', 'rng_state', 'results', 'failed', 'num_suggested', 'exhausted')
            if k not in state
        ]
        if missing:
            raise ValueError(
                f"state is missing keys {missing}; pass what {type(self).__name__}.state_dict() returned"
            )
        if state['version'] != _STATE_VERSION:
            raise ValueError(
                f"state version {state['version']!r} is not supported (expected {_STATE_VERSION})"
            )
        if state.get('searcher', type(self).__name__) != type(self).__name__:
            logger.warning("loading state of a %s into a %s", state['searcher'], type(self).__name__)
        rng_state = copy.deepcopy(state['rng_state'])
        bit_generator = getattr(np.random, rng_state.get('bit_generator', ''), None)
        if bit_generator is None:
            raise ValueError(
                f"state['rng_state'] names an unknown bit generator {rng_state.get('bit_generator')!r}"
            )
        if type(self.rng.bit_generator).__name__ != rng_state['bit_generator']:
            self.rng = np.random.Generator(bit_generator())
        self.rng.bit_generator.state = rng_state
        self._results = [(dict(config), float(reward)) for config, reward in state['results']]
        self._failed = [dict(config) for config in state['failed']]
        self._num_suggested = int(state['num_suggested'])
        self._exhausted = bool(state['exhausted'])

    def __repr__(self):
        best = self.get_best_reward()
        return (
            f"{type(self).__name__}(configspace={self.configspace!r}, num_suggested={self._num_suggested}, "
            f"num_results={len(self._results)}, best_reward={best!r})"
        )


# state_dict implementations whose every change state_delta() describes (see register_delta_aware)
_DELTA_AWARE = {BaseSearcher.state_dict}


def register_delta_aware(state_dict):
    """Declare that ``state_delta`` (with the class's ``_delta_mark``/``_delta_ops``) covers ``state_dict``."""
    _DELTA_AWARE.add(state_dict)
    return state_dict
