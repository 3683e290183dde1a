"""Nested search spaces of the first public release (Dec 2019): ``Dict``, ``List`` of spaces, a
``Categorical`` whose choices are spaces or searchable objects, and the objects made by ``@ag.obj`` /
``@ag.func``.

A nested space is not itself a leaf of the search: the searchers see its leaves, flattened under dotted
names (``'g.key1'``, ``'f.0'``, ``'h.choice'`` for the index of a nested categorical, ``'h.1.rank'``
for a leaf inside its second choice). :meth:`NestedSpace.sample` builds the nested value back from
such a flat configuration; leaves missing from it take their defaults.

Example::

    >>> import autogluon as ag
    >>> g = ag.space.Dict(key1=ag.space.Categorical('alpha', 'beta'), key2=ag.space.Int(0, 3), key3='c')
    >>> sorted(g.kwspaces)
    ['key1', 'key2']
    >>> g.sample(key1='beta', key2=1)
    {'key1': 'beta', 'key2': 1, 'key3': 'c'}
"""

import numpy as np

from ..core._validate import check_int
from ._space import Categorical, SearchSpace, Space

__all__ = [
    'NestedSpace',
    'Dict',
    'NestedList',
    'NestedCategorical',
    'AutoGluonObject',
    'leaves_of',
    'resolve',
    'strip_prefix',
    'is_nested',
]


def is_nested(value):
    return isinstance(value, NestedSpace)


def strip_prefix(config, prefix):
    """The entries of a flat ``config`` under ``prefix.``, with the prefix removed."""
    start = prefix + '.'
    return {k[len(start) :]: v for k, v in config.items() if k.startswith(start)}


def leaves_of(name, value):
    """``{flat name: leaf Space}`` for one named value: a leaf space, a nested space, or a constant."""
    if isinstance(value, Space):
        return {name: value}
    if isinstance(value, NestedSpace):
        return {name + '.' + key: leaf for key, leaf in value.kwspaces.items()}
    return {}


def resolve(name, value, config):
    """The value of ``name`` under the flat ``config``: sampled leaves, nested values built."""
    if isinstance(value, Space):
        return config[name] if name in config else value.default
    if isinstance(value, NestedSpace):
        return value.sample(**strip_prefix(config, name))
    return value


class NestedSpace:
    """Base of the nested spaces. Subclasses list their children with :meth:`_children`
    (``[(key, value)]``) and build their value with :meth:`_build`."""

    def _children(self):
        raise NotImplementedError

    def _build(self, config):
        raise NotImplementedError

    @property
    def kwspaces(self):
        """``{flat name: leaf Space}`` of every leaf inside, in order."""
        leaves = {}
        for key, value in self._children():
            leaves.update(leaves_of(key, value))
        return leaves

    @property
    def cs(self):
        """The leaves as a ``ConfigSpace.ConfigurationSpace``."""
        return SearchSpace(self.kwspaces).to_configspace()

    def sample(self, **config):
        """The value for a flat configuration of the leaves (missing leaves take their defaults)."""
        return self._build(config)

    @property
    def default(self):
        return self._build({})

    @property
    def rand(self):
        """One value with every leaf drawn at random."""
        rng = np.random.default_rng()
        return self._build({k: leaf.sample(rng) for k, leaf in self.kwspaces.items()})


class Dict(NestedSpace):
    """A dict whose values may be spaces (``ag.space.Dict(key1=ag.space.Int(0, 3), key2='constant')``)."""

    def __init__(self, **kwargs):
        self.data = dict(kwargs)

    def _children(self):
        return list(self.data.items())

    def _build(self, config):
        return {key: resolve(key, value, config) for key, value in self.data.items()}

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def __getattr__(self, key):
        data = self.__dict__.get('data')
        if data is not None and key in data:
            return data[key]
        raise AttributeError("%s has no attribute or key %r" % (type(self).__name__, key))

    def __repr__(self):
        return 'Dict%r' % (self.data,)


class _NestedSequence(NestedSpace):
    """A nested space over a list of values (``self.data``), one child per position."""

    def _children(self):
        return [(str(i), value) for i, value in enumerate(self.data)]

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        return iter(self.data)

    def __getitem__(self, index):
        return self.data[index]


class NestedList(_NestedSequence):
    """A list whose elements may be spaces (``ag.space.List(ag.space.Int(0, 3), ag.space.Categorical('a', 'b'))``):
    each sample is a list of the same length."""

    def __init__(self, *args):
        self.data = list(args)

    def _build(self, config):
        return [resolve(key, value, config) for key, value in self._children()]

    def __setitem__(self, index, value):
        self.data[index] = value

    def __repr__(self):
        return 'List%r' % (self.data,)


class NestedCategorical(_NestedSequence):
    """A choice among values some of which are spaces or searchable objects. Its leaves are
    ``'choice'`` (the index of the choice) and the leaves of each nested choice under its index."""

    def __init__(self, *data):
        if not data:
            raise ValueError("choices must not be empty: Categorical needs at least one value")
        self.data = list(data)

    @property
    def kwspaces(self):
        leaves = {'choice': Categorical(*range(len(self.data)))}
        leaves.update(super().kwspaces)
        return leaves

    def _build(self, config):
        index = check_int('choice', config.get('choice', 0), low=0, high=len(self.data) - 1)
        return resolve(str(index), self.data[index], config)

    def __repr__(self):
        return 'Categorical%r' % (self.data,)


def _rebuild_object(factory, args, kwargs):
    return factory(*args, **kwargs)


class AutoGluonObject(NestedSpace):
    """A searchable object made by a class decorated with ``@ag.obj(...)`` or a function decorated
    with ``@ag.func(...)``: it holds the arguments (some of them spaces) and creates the real object
    (or calls the function) only when a configuration is chosen (:meth:`sample`, :meth:`init`)."""

    _ag_target = None  # the decorated class or function (a staticmethod)
    _ag_kwvars = {}  # the arguments given to the decorator
    _ag_factory = None  # what users call to make this object (for pickling)

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs
        self._inited = False
        self._instance = None

    @property
    def kwvars(self):
        return {**type(self)._ag_kwvars, **self.kwargs}

    def _children(self):
        return list(self.kwvars.items())

    def _build(self, config):
        kwargs = {key: resolve(key, value, config) for key, value in self.kwvars.items()}
        return type(self)._ag_target(*self.args, **kwargs)

    def init(self):
        """The real object with every searchable argument at its default."""
        return self._build({})

    def __call__(self, *args, **kwargs):
        if not self._inited:
            self._instance = self.init()
            self._inited = True
        return self._instance(*args, **kwargs)

    def __reduce__(self):
        return _rebuild_object, (type(self)._ag_factory or type(self), self.args, self.kwargs)

    def __repr__(self):
        return 'AutoGluonObject -- %s' % getattr(type(self)._ag_target, '__name__', '?')


def List(*args, **kwargs):
    """``ag.space.List``, told apart by its arguments.

    - Era A: ``List(name, choices)``, a named categorical (see :func:`autogluon.space._space.List`).
    - First public release: ``List(space_or_value, ...)`` holding at least one search space, a
      :class:`NestedList` whose samples are lists.
    """
    from . import _space

    if not kwargs and any(isinstance(a, (Space, NestedSpace)) for a in args):
        return NestedList(*args)
    return _space.List(*args, **kwargs)
