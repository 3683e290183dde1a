"""Searchers: suggest configurations of a search space and learn from their rewards.

Example::

    >>> from autogluon.space import Real
    >>> from autogluon.searcher import get_searcher
    >>> searcher = get_searcher('random', {'lr': Real(1e-4, 1e-1, log=True)}, seed=0)
    >>> config = searcher.get_config()
    >>> searcher.update(config, reward=0.8)
"""

from ._base import BaseSearcher
from ._grid import GridSearcher
from ._random import RandomSampling, RandomSearcher
from ._registry import SEARCHERS, get_searcher, register_searcher, searcher_factory
from ._rl import RLSearcher as RLSearcher
from ._sample import Sample as Sample
from ._sample import sample_from as sample_from
from ._skopt import BayesOptSearcher, SKoptSearcher

__all__ = [
    'BaseSearcher',
    'RandomSampling',
    'RandomSearcher',
    'GridSearcher',
    'SKoptSearcher',
    'BayesOptSearcher',
    'SEARCHERS',
    'register_searcher',
    'searcher_factory',
    'get_searcher',
]
# sample_from (Aug 2019), Sample and RLSearcher (Dec 2019) are attributes, not in __all__: the star-import stays.
