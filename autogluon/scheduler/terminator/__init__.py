"""Terminators: small pure objects that decide, on every report, whether a trial goes on.

The scheduler calls ``on_task_add``, ``on_task_report`` (``True`` = continue),
``on_task_complete`` and ``on_task_remove``; see :class:`BaseTerminator`. Only ``on_task_report``
is required. A terminator may instead answer each report with ``decide(task, result)`` returning a
:class:`Decision` (continue, stop, pause or complete, with the reason).

Example::

    >>> from autogluon.scheduler.terminator import terminator_factory
    >>> hb = terminator_factory('hyperband', max_t=27, grace_period=1, reduction_factor=3)
    >>> hb.rung_levels()
    [1, 3, 9]
"""

from .._protocol import Decision
from ._base import BaseTerminator
from ._hyperband import HyperbandPromotion, HyperbandStopping, bracket_weights, rung_levels
from ._median import MedianStoppingRule
from ._nostop import NoStop
from ._registry import TERMINATORS, terminator_factory
from ._rungs import RungSystem

__all__ = [
    'BaseTerminator',
    'Decision',
    'NoStop',
    'MedianStoppingRule',
    'RungSystem',
    'HyperbandStopping',
    'HyperbandPromotion',
    'rung_levels',
    'bracket_weights',
    'TERMINATORS',
    'terminator_factory',
]
