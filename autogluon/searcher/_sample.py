"""``ag.searcher.sample_from(fn)``: a search space whose values come from calling ``fn()`` (Aug 2019).

Example::

    >>> import numpy as np
    >>> import autogluon as ag
    >>> lr = ag.searcher.sample_from(lambda: np.power(10.0, np.random.uniform(-4, -1)))
    >>> 1e-4 <= lr.sample(np.random.default_rng(0)) <= 1e-1
    True
"""

import math
import random

import numpy as np

from ..core._validate import check_callable, check_instance
from ..space._space import RNG_ALLOWED, Space

__all__ = ["Sample", "sample_from"]


class Sample(Space):
    """Base of spaces drawn by a user's function (Aug 2019's name)."""


class sample_from(Sample):  # noqa: N801 -- the 2019 spelling
    """A space drawn by calling ``func()`` (which may use ``numpy.random`` or ``random``).

    Each draw seeds NumPy's and Python's global random generators from the searcher's generator while
    ``func`` runs (and restores them afterwards), so a seeded search draws the same values again.
    The default is the draw with seed 0. It cannot be listed for grid search or converted to ConfigSpace.
    """

    def __init__(self, func, name=None):
        super().__init__(name)
        check_callable('func', func, allowed='a function taking no arguments')
        self.func = func

    def _draw(self, seed):
        np_state, py_state = np.random.get_state(), random.getstate()
        try:
            np.random.seed(seed)
            random.seed(seed)
            return self.func()
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)

    @property
    def default(self):
        return self._draw(0)

    def sample(self, rng):
        check_instance('rng', rng, np.random.Generator, RNG_ALLOWED)
        return self._draw(int(rng.integers(2**31)))

    def __call__(self):
        return self.func()

    def contains(self, value):
        return True

    @property
    def size(self):
        return math.inf

    def grid(self, num_points):
        raise ValueError(
            "sample_from(%r) cannot be listed for grid search; use a Categorical, Int or Real" % (self.func,)
        )

    def to_configspace(self, name):
        raise ValueError(
            "hyperparameter %r is a sample_from(fn) space, which ConfigSpace cannot express; "
            "use a Categorical, Int or Real space with this searcher" % (name,)
        )

    def _key(self, value):
        try:
            hash(value)
            return value
        except TypeError:
            return repr(value)

    def _params(self):
        return (self.func,)

    def __repr__(self):
        return "autogluon.sample_from(%r)" % (self.func,)
