"""Searchers by name: ``searcher_factory('random', space, seed=0)``."""

import logging

from ..core._validate import check_str, fail_type
from ._base import BaseSearcher
from ._grid import GridSearcher
from ._random import RandomSampling
from ._skopt import SKoptSearcher

logger = logging.getLogger(__name__)

SEARCHERS = {
    'random': RandomSampling,
    'grid': GridSearcher,
    'bayesopt': SKoptSearcher,
    'skopt': SKoptSearcher,
}


def _is_searcher_like(obj):
    return callable(getattr(obj, 'get_config', None)) and callable(getattr(obj, 'update', None))


def register_searcher(name, cls):
    """Make ``cls`` (a searcher class) available as ``name`` to :func:`searcher_factory`.

    Example::

        >>> register_searcher('my_random', RandomSampling)  # doctest: +SKIP
    """
    check_str('name', name)
    if not isinstance(cls, type) or not _is_searcher_like(cls):
        raise fail_type('cls', 'a searcher class with get_config and update methods', cls)
    key = name.lower()
    if key in SEARCHERS and SEARCHERS[key] is not cls:
        logger.info("searcher %r now refers to %s (was %s)", key, cls.__name__, SEARCHERS[key].__name__)
    SEARCHERS[key] = cls


def searcher_factory(name, configspace, **kwargs):
    """Build the searcher registered as ``name`` on ``configspace``.

    Example::

        >>> from autogluon.space import Int
        >>> searcher_factory('random', {'units': Int(8, 64)}, seed=0)  # doctest: +ELLIPSIS
        RandomSampling(...)
    """
    cls = SEARCHERS.get(check_str('name', name, allow_empty=True).lower())
    if cls is None:
        raise ValueError(f"Unknown searcher {name!r}; valid names: {', '.join(sorted(SEARCHERS))}")
    return cls(configspace, **kwargs)


def get_searcher(searcher, configspace=None, **kwargs):
    """Return a searcher from a searcher object (as is), a registered name, or a searcher class.

    Example::

        >>> from autogluon.space import Int
        >>> get_searcher('grid', {'units': Int(8, 64)}, num_grid_points=3).get_config()
        {'units': 8}
    """
    if isinstance(searcher, type):
        if not _is_searcher_like(searcher):
            raise TypeError(f"searcher class {searcher.__name__} has no get_config/update methods")
        if configspace is None:
            raise ValueError(f"configspace is required to build a {searcher.__name__}, got None")
        return searcher(configspace, **kwargs)
    if isinstance(searcher, str):
        if configspace is None:
            raise ValueError(f"configspace is required to build searcher {searcher!r}, got None")
        return searcher_factory(searcher, configspace, **kwargs)
    if isinstance(searcher, BaseSearcher) or _is_searcher_like(searcher):
        if kwargs:
            logger.info(
                "searcher %s is already built; options %s are ignored",
                type(searcher).__name__,
                sorted(kwargs),
            )
        return searcher
    raise TypeError(
        f"searcher must be a searcher object (with get_config and update), a name "
        f"({', '.join(sorted(SEARCHERS))}) or a searcher class, got {searcher!r}"
    )
