"""Terminators by name."""

import inspect
import logging

from ...core._validate import check_choice
from ._hyperband import HyperbandPromotion, HyperbandStopping
from ._median import MedianStoppingRule
from ._nostop import NoStop

logger = logging.getLogger(__name__)

__all__ = ['TERMINATORS', 'terminator_factory']

#: name -> terminator class
TERMINATORS = {
    'none': NoStop,
    'fifo': NoStop,
    'median': MedianStoppingRule,
    'hyperband': HyperbandStopping,
    'hyperband_stopping': HyperbandStopping,
    'hyperband_promotion': HyperbandPromotion,
}


def _accepted_kwargs(cls, kwargs):
    params = inspect.signature(cls.__init__).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return dict(kwargs)
    names = {
        p.name
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    names.discard('self')
    return {k: v for k, v in kwargs.items() if k in names}


def terminator_factory(name, **kwargs):
    """Build the terminator registered as ``name``, passing only the kwargs its ``__init__`` accepts.

    The others (e.g. a scheduler's ``num_trials``) are dropped, so a scheduler can pass all its options.

    Example::

        >>> terminator_factory('hyperband', max_t=9, grace_period=1, reduction_factor=3,
        ...                    num_trials=20)   # doctest: +ELLIPSIS
        HyperbandStopping(time_attr='training_epoch', ..., max_t=9, grace_period=1, ...)
    """
    key = check_choice('terminator name', name, tuple(sorted(TERMINATORS)))
    cls = TERMINATORS[key]
    accepted = _accepted_kwargs(cls, kwargs)
    dropped = sorted(set(kwargs) - set(accepted))
    if dropped:
        logger.debug('terminator %r ignores the arguments %s', key, dropped)
    return cls(**accepted)
