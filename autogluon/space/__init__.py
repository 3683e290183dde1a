"""Search spaces: ``Categorical``, ``Real``, ``Int``, ``Bool`` (and era-A ``List``, ``Linear``, ``Log``),
collected by name in a ``SearchSpace`` that searchers sample from; the nested spaces of the first public
release (``Dict``, ``List`` of spaces, ``Categorical`` of spaces, ``@ag.obj``/``@ag.func`` objects).

Example::

    >>> import autogluon as ag
    >>> lr = ag.space.Log('lr', 1e-4, 1e-1)          # era A, named
    >>> wd = ag.space.Real(1e-6, 1e-3, log=True)     # later era, named by its key
    >>> space = ag.space.SearchSpace.from_any({'lr': lr, 'wd': wd, 'epochs': 10})
    >>> space.names
    ['lr', 'wd']
"""

from ._nested import AutoGluonObject as AutoGluonObject
from ._nested import Dict as Dict
from ._nested import List
from ._nested import NestedSpace as NestedSpace
from ._space import Bool, Categorical, Int, Linear, Log, Real, SearchSpace, Space

Choice = Categorical  # the first public release's older spelling

# (Dict, NestedSpace, AutoGluonObject and Choice are attributes, not in __all__: the star-import stays as it was.)
__all__ = ['Space', 'Categorical', 'Real', 'Int', 'Bool', 'List', 'Linear', 'Log', 'SearchSpace']
