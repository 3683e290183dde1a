"""Hyperparameter spaces: value objects that sample with a caller-supplied RNG.

Example::

    >>> import numpy as np
    >>> from autogluon.space import Real, Int, Categorical, SearchSpace
    >>> space = SearchSpace({'lr': Real(1e-4, 1e-1, log=True),
    ...                      'layers': Int(1, 4),
    ...                      'act': Categorical('relu', 'tanh')})
    >>> config = space.sample(np.random.default_rng(0))
    >>> space.contains(config)
    True
"""

import contextlib
import itertools
import logging
import math
from collections.abc import Mapping

import numpy as np

from ..core._validate import (
    check_bool,
    check_instance,
    check_int,
    check_str,
    fail_type,
    fail_value,
    is_int,
    is_real,
)

logger = logging.getLogger(__name__)

__all__ = ['Space', 'Categorical', 'Real', 'Int', 'Bool', 'List', 'Linear', 'Log', 'SearchSpace']

_MISSING = object()
RNG_ALLOWED = 'a numpy.random.Generator (numpy.random.default_rng(seed))'
_INT_MIN, _INT_MAX = -(2**62), 2**62  # keeps upper + 1 and lower * upper sampling-safe


# ---------------------------------------------------------------------------
# small validation helpers
# ---------------------------------------------------------------------------


def _to_python(value):
    """Turn a numpy scalar into the equal plain Python scalar; leave anything else alone."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _same_value(a, b):
    """Equality that keeps True apart from 1 and 1.0 (but lets 1 match 1.0)."""
    if _is_bool(a) != _is_bool(b):
        return False
    try:
        result = a == b
        return bool(result)
    except Exception:  # e.g. numpy arrays as choices: compare by identity
        return a is b


# ---------------------------------------------------------------------------
# spaces
# ---------------------------------------------------------------------------


class Space:
    """Base class of every hyperparameter space.

    A space knows its default, samples one value from a ``numpy.random.Generator``, tests membership, lists
    values for grid search and converts itself to a ConfigSpace hyperparameter. ``name`` is optional: the
    era-A constructors (``List``, ``Linear``, ``Log``) carry one, later spaces get it from the key they are
    stored under in a :class:`SearchSpace`. Equality compares the type and the parameters, not the name.
    """

    def __init__(self, name=None):
        self.name = check_str('name', name, allow_none=True)

    # -- interface -----------------------------------------------------------
    @property
    def default(self):
        raise NotImplementedError

    def sample(self, rng):
        """Return one value drawn with ``rng`` (a ``numpy.random.Generator``)."""
        raise NotImplementedError

    def contains(self, value):
        raise NotImplementedError

    @property
    def size(self):
        """Number of distinct values (an int), or ``math.inf`` for a continuous space."""
        raise NotImplementedError

    def grid(self, num_points):
        raise NotImplementedError

    def to_configspace(self, name):
        raise NotImplementedError

    @property
    def rand(self):
        """One value drawn at random (first public release's spelling, for interactive use)."""
        return self.sample(np.random.default_rng())

    # -- private hooks used by SearchSpace and the searchers --------------------
    def _params(self):
        """Tuple of the parameters that define equality."""
        raise NotImplementedError

    def _key(self, value):
        """A hashable, picklable canonical form of ``value`` (used to spot duplicate configs)."""
        return _to_python(value)

    def _all_values(self):
        """Every value of a finite space, in order."""
        return self.grid(self.size)

    # -- dunder -------------------------------------------------------------
    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return self._params() == other._params()

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        try:
            return hash((type(self).__name__, self._params()))
        except TypeError:  # unhashable choices
            return hash(type(self).__name__)

    def _name_suffix(self):
        return f", name={self.name!r}" if self.name is not None else ''


def _has_nested(values):
    from ._nested import NestedSpace

    return any(isinstance(v, NestedSpace) for v in values)


@contextlib.contextmanager
def _naming(name):
    """Errors raised inside name the hyperparameter (when the space has a name)."""
    try:
        yield
    except (TypeError, ValueError) as exc:
        if name is None:
            raise
        raise type(exc)(f"hyperparameter {name!r}: {exc}") from None


class Categorical(Space):
    """A choice among fixed values; the default is the first choice.

    ``default`` (keyword only) may name another choice as the default; it is used by :class:`Bool` and when
    a ConfigSpace categorical with a non-first default is converted.

    Example::

        >>> Categorical('sgd', 'adam').default
        'sgd'
    """

    def __new__(cls, *choices, **kwargs):
        # A choice among nested spaces or searchable objects (first public release) is a NestedCategorical.
        if cls is Categorical and _has_nested(choices):
            from ._nested import NestedCategorical

            return NestedCategorical(*choices, **kwargs)
        return super().__new__(cls)

    def __init__(self, *choices, name=None, default=_MISSING):
        super().__init__(name)
        with _naming(self.name):
            self._init(choices, default)

    def _init(self, choices, default):
        if not choices:
            raise ValueError(
                "choices must not be empty: Categorical needs at least one value, e.g. Categorical('a', 'b')"
            )
        normalized = []
        for i, choice in enumerate(choices):
            if isinstance(choice, Space):
                raise TypeError(
                    f"choices must be plain values; choice #{i} is a nested search space "
                    f"{choice!r}, which is not supported"
                )
            choice = _to_python(choice)
            for j, earlier in enumerate(normalized):
                if _same_value(earlier, choice):
                    raise ValueError(f"choices must be distinct; choice #{i} {choice!r} repeats choice #{j}")
            normalized.append(choice)
        self.choices = tuple(normalized)
        if default is _MISSING:
            self._default_index = 0
        else:
            index = self._index(default)
            if index is None:
                raise ValueError(
                    f"default must be one of the choices {list(self.choices)!r}, got {default!r}"
                )
            self._default_index = index

    def _index(self, value):
        value = _to_python(value)
        for i, choice in enumerate(self.choices):
            if _same_value(choice, value):
                return i
        return None

    @property
    def default(self):
        return self.choices[self._default_index]

    def sample(self, rng):
        check_instance('rng', rng, np.random.Generator, RNG_ALLOWED)
        return self.choices[int(rng.integers(len(self.choices)))]

    def contains(self, value):
        return self._index(value) is not None

    @property
    def size(self):
        return len(self.choices)

    def grid(self, num_points):
        check_int('num_points', num_points, low=1)
        return list(self.choices)

    def _all_values(self):
        return list(self.choices)

    def _key(self, value):
        index = self._index(value)
        if index is None:
            raise ValueError(f"value {value!r} is not one of the choices {list(self.choices)!r}")
        return index

    def to_configspace(self, name):
        import warnings

        import ConfigSpace as CS

        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                return CS.CategoricalHyperparameter(name, list(self.choices), default_value=self.default)
        except Exception as exc:
            raise ValueError(
                f"choices {list(self.choices)!r} of hyperparameter {name!r} cannot be "
                f"expressed in ConfigSpace: {exc}"
            ) from exc

    def _params(self):
        return (
            tuple((type(c).__name__ if _is_bool(c) else '', c) for c in self.choices),
            self._default_index,
        )

    def __repr__(self):
        args = ', '.join(repr(c) for c in self.choices)
        if self._default_index:
            args += f", default={self.default!r}"
        return f"Categorical({args}{self._name_suffix()})"


class Bool(Categorical):
    """``Categorical(False, True)`` that yields Python bools; ``default`` picks the default value."""

    def __init__(self, default=False, name=None):
        if not _is_bool(default):
            with _naming(check_str('name', name, allow_none=True)):
                check_bool('default', default)
        super().__init__(False, True, name=name, default=bool(default))

    def __repr__(self):
        default = f"default={self.default!r}" if self.default else ''
        sep = ', ' if default and self.name is not None else ''
        name = f"name={self.name!r}" if self.name is not None else ''
        return f"Bool({default}{sep}{name})"


class _Numeric(Space):
    """Shared validation for Real and Int."""

    _integer = False

    def __init__(self, lower, upper, default=None, log=False, name=None):
        super().__init__(name)
        with _naming(self.name):
            self._init(lower, upper, default, log)

    def _init(self, lower, upper, default, log):
        kind = 'Int' if self._integer else 'Real'
        lower = self._check_bound('lower', lower)
        upper = self._check_bound('upper', upper)
        self.log = check_bool('log', log)
        if lower >= upper:
            raise ValueError(f"lower must be < upper for {kind}, got lower={lower!r}, upper={upper!r}")
        if self.log and lower <= 0:
            raise ValueError(f"lower must be > 0 when log=True, got lower={lower!r}")
        self.lower, self.upper = lower, upper
        if default is None:
            default = self._midpoint()
        else:
            default = self._check_bound('default', default)
            if not lower <= default <= upper:
                raise ValueError(
                    f"default must lie within [lower, upper] = [{lower!r}, {upper!r}], got {default!r}"
                )
        self._default = default

    def _check_bound(self, param, value):
        kind = 'Int' if self._integer else 'Real'
        if not is_real(value):
            raise fail_type(param, f"a number for {kind}", value)
        value = _to_python(value)
        if not math.isfinite(value):
            raise fail_value(param, "finite", value)
        if self._integer:
            if not is_int(value) and not float(value).is_integer():
                raise fail_value(param, "an integer for Int", value)
            value = int(value)
            if not _INT_MIN <= value <= _INT_MAX:
                raise fail_value(param, f"within [{_INT_MIN}, {_INT_MAX}] (64-bit)", value)
            return value
        return float(value)

    @property
    def default(self):
        return self._default

    @property
    def _bounds_log(self):
        return math.log(self.lower), math.log(self.upper)

    def _params(self):
        return (self.lower, self.upper, self._default, self.log)

    def __repr__(self):
        extra = ''
        if self._default != self._midpoint():
            extra += f", default={self._default!r}"
        if self.log:
            extra += ", log=True"
        return f"{type(self).__name__}({self.lower!r}, {self.upper!r}{extra}{self._name_suffix()})"


class Real(_Numeric):
    """A float in ``[lower, upper]``, uniform or (``log=True``) log-uniform.

    The default is the midpoint (the geometric mean if ``log``).

    Example::

        >>> Real(1e-4, 1e-2, log=True).default
        0.001
    """

    _integer = False

    def _midpoint(self):
        if self.log:
            value = math.sqrt(self.lower * self.upper)
            if not 0.0 < value < math.inf:  # the product under- or overflowed
                value = math.exp((math.log(self.lower) + math.log(self.upper)) / 2.0)
        else:
            value = (self.lower + self.upper) / 2.0
            if not math.isfinite(value):
                value = self.lower / 2.0 + self.upper / 2.0
        return min(max(value, self.lower), self.upper)

    def sample(self, rng):
        check_instance('rng', rng, np.random.Generator, RNG_ALLOWED)
        if self.log:
            lo, hi = self._bounds_log
            value = math.exp(float(rng.uniform(lo, hi)))
        else:
            u = float(rng.random())
            value = self.lower * (1.0 - u) + self.upper * u  # no overflow even for huge ranges
        return min(max(value, self.lower), self.upper)

    def contains(self, value):
        if not is_real(value):
            return False
        value = float(value)
        return math.isfinite(value) and self.lower <= value <= self.upper

    @property
    def size(self):
        return math.inf

    def grid(self, num_points):
        num_points = check_int('num_points', num_points, low=1)
        if num_points == 1:
            return [self._default]
        if self.log:
            values = np.geomspace(self.lower, self.upper, num_points)
        else:
            values = np.linspace(self.lower, self.upper, num_points)
        values = [float(v) for v in values]
        values[0], values[-1] = self.lower, self.upper
        return values

    def _key(self, value):
        return float(value)

    def to_configspace(self, name):
        import ConfigSpace as CS

        return CS.UniformFloatHyperparameter(
            name, self.lower, self.upper, default_value=self._default, log=self.log
        )


class Int(_Numeric):
    """An integer in ``[lower, upper]`` (both inclusive), uniform or (``log=True``) log-uniform.

    The default is the rounded midpoint (rounded geometric mean if ``log``).

    Example::

        >>> Int(1, 9).default
        5
    """

    _integer = True

    def _midpoint(self):
        if self.log:
            product = self.lower * self.upper
            middle = math.isqrt(product)
            if product - middle * middle > middle:  # sqrt(product) >= middle + 0.5: round up
                middle += 1
        else:
            middle = (self.lower + self.upper + 1) // 2  # (lower + upper) / 2 rounded half up
        return min(max(middle, self.lower), self.upper)

    def sample(self, rng):
        check_instance('rng', rng, np.random.Generator, RNG_ALLOWED)
        if self.log:
            # Log-uniform over the continuous range [lower - 0.5, upper + 0.5], rounded to the nearest int:
            # every integer owns the bin around it, so the bounds are as likely as their neighbours.
            lo = math.log(self.lower - 0.5)
            hi = math.log(self.upper + 0.5)
            value = int(round(math.exp(float(rng.uniform(lo, hi)))))
        else:
            value = int(rng.integers(self.lower, self.upper + 1))
        return min(max(value, self.lower), self.upper)

    def contains(self, value):
        return is_int(value) and self.lower <= int(value) <= self.upper

    @property
    def size(self):
        return self.upper - self.lower + 1

    def grid(self, num_points):
        num_points = check_int('num_points', num_points, low=1)
        if self.size <= num_points:
            return list(range(self.lower, self.upper + 1))
        if num_points == 1:
            return [self._default]
        if self.log:
            raw = np.geomspace(self.lower, self.upper, num_points)
        else:
            raw = np.linspace(self.lower, self.upper, num_points)
        values = []
        for v in raw:
            v = min(max(int(math.floor(float(v) + 0.5)), self.lower), self.upper)
            if v not in values:
                values.append(v)
        values[0], values[-1] = self.lower, self.upper
        return values

    def _all_values(self):
        return range(self.lower, self.upper + 1)

    def _key(self, value):
        return int(value)

    def to_configspace(self, name):
        import ConfigSpace as CS

        return CS.UniformIntegerHyperparameter(
            name, self.lower, self.upper, default_value=self._default, log=self.log
        )


# ---------------------------------------------------------------------------
# era-A spellings
# ---------------------------------------------------------------------------


def List(name, choices):
    """Era-A categorical: ``List('optimizer', ['sgd', 'adam'])`` is ``Categorical('sgd', 'adam', name=...)``."""
    check_str('name', name)
    if isinstance(choices, (str, bytes, Mapping)) or not hasattr(choices, '__iter__'):
        raise TypeError(
            f"hyperparameter {name!r}: choices must be a list or tuple of values, got {choices!r}"
        )
    return Categorical(*choices, name=name)


def Linear(name, lower, upper, default=None):
    """Era-A uniform space: an :class:`Int` if both bounds are ints, otherwise a :class:`Real`."""
    check_str('name', name)
    cls = Int if is_int(lower) and is_int(upper) else Real
    return cls(lower, upper, default=default, log=False, name=name)


def Log(name, lower, upper, default=None):
    """Era-A log-uniform space: an :class:`Int` (``log=True``) if both bounds are ints, else a :class:`Real`."""
    check_str('name', name)
    cls = Int if is_int(lower) and is_int(upper) else Real
    return cls(lower, upper, default=default, log=True, name=name)


# ---------------------------------------------------------------------------
# SearchSpace
# ---------------------------------------------------------------------------

_ACCEPTED = (
    "a SearchSpace, a dict {name: Space or constant}, a list/tuple of named Spaces, "
    "a single named Space, or a ConfigSpace.ConfigurationSpace"
)


class SearchSpace(Mapping):
    """An ordered mapping ``name -> Space``: the object searchers work on.

    Equality compares the names and spaces, not their order.

    Example::

        >>> space = SearchSpace({'lr': Real(0.01, 0.1), 'act': Categorical('relu', 'tanh')})
        >>> space.default()
        {'lr': 0.055, 'act': 'relu'}
    """

    def __init__(self, spaces):
        if isinstance(spaces, SearchSpace):
            spaces = dict(spaces.items())
        if not isinstance(spaces, Mapping):
            raise fail_type('spaces', 'a dict {name: Space}', spaces)
        self._spaces = {}
        for key, space in spaces.items():
            check_str('spaces keys', key)
            if not isinstance(space, Space):
                raise fail_type(f"spaces[{key!r}]", 'a Space (Categorical, Real, Int, Bool)', space)
            self._spaces[key] = space

    # -- construction ----------------------------------------------------------
    @classmethod
    def from_any(cls, obj, name='configspace'):
        """Build a SearchSpace from anything users pass as a search space.

        Accepts a SearchSpace (returned as is), a dict ``{name: Space or constant}`` (constants are dropped),
        a list/tuple of named Spaces, one named Space, or a ``ConfigSpace.ConfigurationSpace``. ``name`` is
        the parameter name used in error messages.
        """
        if isinstance(obj, SearchSpace):
            return obj
        if isinstance(obj, Space):
            if obj.name is None:
                raise ValueError(
                    f"{name} is a Space without a name ({obj!r}); give it a name or put it "
                    f"in a dict {{name: space}}"
                )
            return cls({obj.name: obj})
        # (checked before Mapping: a ConfigurationSpace is itself a Mapping in ConfigSpace >= 1.0)
        if type(obj).__module__.split('.')[0] == 'ConfigSpace':
            from ._configspace import from_configspace

            return cls(from_configspace(obj, name))
        if isinstance(obj, Mapping):
            spaces = {}
            dropped = []
            for key, value in obj.items():
                check_str(f"{name} keys", key)
                if isinstance(value, Space):
                    spaces[key] = value
                else:
                    dropped.append(key)
            if dropped:
                logger.debug("%s: %s are constants, not search spaces; left out of the search", name, dropped)
            return cls(spaces)
        if isinstance(obj, (list, tuple)):
            spaces = {}
            for i, space in enumerate(obj):
                if not isinstance(space, Space):
                    raise fail_type(f"{name}[{i}]", 'a named Space', space)
                if space.name is None:
                    raise ValueError(
                        f"{name}[{i}] is a Space without a name ({space!r}); every Space in "
                        f"a list needs a name"
                    )
                if space.name in spaces:
                    raise ValueError(f"{name}[{i}]: duplicate hyperparameter name {space.name!r}")
                spaces[space.name] = space
            return cls(spaces)
        raise fail_type(name, _ACCEPTED, obj)

    # -- mapping ----------------------------------------------------------------
    @property
    def names(self):
        return list(self._spaces)

    def __len__(self):
        return len(self._spaces)

    def __iter__(self):
        return iter(self._spaces)

    def __getitem__(self, key):
        return self._spaces[key]

    def __contains__(self, key):
        return key in self._spaces

    # -- search-space behaviour ---------------------------------------------------
    def sample(self, rng):
        """One config ``{name: value}``, drawn with ``rng`` in name order."""
        check_instance('rng', rng, np.random.Generator, RNG_ALLOWED)
        return {key: space.sample(rng) for key, space in self._spaces.items()}

    def default(self):
        return {key: space.default for key, space in self._spaces.items()}

    @property
    def size(self):
        total = 1
        for space in self._spaces.values():
            size = space.size
            if size == math.inf:
                return math.inf
            total *= size
        return total

    def grid(self, num_points):
        """Iterate the cartesian product of every space's grid; the first name varies slowest."""
        check_int('num_points', num_points, low=1)
        keys = list(self._spaces)
        axes = [self._spaces[k].grid(num_points) for k in keys]
        for values in itertools.product(*axes):
            yield dict(zip(keys, values))

    def contains(self, config):
        if not isinstance(config, Mapping) or set(config) != set(self._spaces):
            return False
        return all(space.contains(config[key]) for key, space in self._spaces.items())

    def _key(self, config):
        """Canonical hashable form of a config (raises ValueError/KeyError if it does not fit)."""
        return tuple(space._key(config[key]) for key, space in self._spaces.items())

    def _all_keys_and_configs(self):
        """Every config of a finite space with its key, in grid order."""
        keys = list(self._spaces)
        axes = [list(self._spaces[k]._all_values()) for k in keys]
        for values in itertools.product(*axes):
            config = dict(zip(keys, values))
            yield self._key(config), config

    def to_configspace(self):
        from ._configspace import to_configspace

        return to_configspace(self)

    def __eq__(self, other):
        if not isinstance(other, SearchSpace):
            return NotImplemented
        return self._spaces == other._spaces

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None

    def __repr__(self):
        inner = ', '.join(f"{k!r}: {v!r}" for k, v in self._spaces.items())
        return f"SearchSpace({{{inner}}})"
