"""Decorators that turn ``train_fn(args, reporter)`` into a searchable training function.

Era A::

    @ag.autogluon_method
    def train_fn(args, reporter):
        ...

Later era (search spaces declared on the function)::

    @ag.args(lr=ag.space.Real(1e-4, 1e-1, log=True), epochs=5)
    def train_fn(args, reporter):
        ...

Both run by themselves for debugging (``train_fn()`` or ``train_fn(args)``)
with a reporter that logs each report.
"""
import argparse
import copy
import functools
import logging

__all__ = ["TrainFunction", "autogluon_method", "args", "autogluon_register_args", "call_train_fn",
           "merge_args"]


def _namespace_dict(args, name="args"):
    if args is None:
        return {}
    if isinstance(args, argparse.Namespace):
        return dict(vars(args))
    if isinstance(args, dict):
        return dict(args)
    raise TypeError("%s must be an argparse.Namespace, a dict or None, got %s" % (name, type(args).__name__))


_logger = logging.getLogger(__name__)
_UNCOPYABLE_NOTED = set()


def _own_copy(key, value):
    """A deep copy of one argument, so that a trial that changes it leaves the next trial's alone."""
    try:
        return copy.deepcopy(value)
    except Exception as exc:  # a lock, a module, an open file...: shared, and said so once
        if key not in _UNCOPYABLE_NOTED:
            _UNCOPYABLE_NOTED.add(key)
            _logger.warning("args.%s (%s) cannot be copied (%s: %s); every trial gets the same object, so "
                            "a change one trial makes to it is seen by the next", key, type(value).__name__,
                            type(exc).__name__, exc)
        return value


def merge_args(defaults, args, config):
    """Namespace of ``defaults`` updated by ``args`` and then by the sampled ``config``.

    A search space left unsampled (no value in ``config``) takes its default.
    Every value is a deep copy: a trial (or a debugging call) that appends to a
    list default, say, does not change the defaults the next trial gets.
    """
    from ..space import Space

    merged = dict(defaults)
    merged.update(_namespace_dict(args))
    merged.update(config or {})
    for key, value in merged.items():
        merged[key] = _own_copy(key, value.default if isinstance(value, Space) else value)
    return argparse.Namespace(**merged)


class TrainFunction:
    """A training function with default arguments and (optionally) search spaces.

    Attributes: ``fn`` (the undecorated function), ``defaults`` (dict, may hold
    :class:`autogluon.space.Space` values), ``search_space`` (the spaces among
    the defaults as a :class:`autogluon.space.SearchSpace`), ``args`` (a
    Namespace of the defaults with spaces replaced by their defaults).
    """

    def __init__(self, fn, defaults=None):
        if not callable(fn):
            raise TypeError("the decorated object must be callable, got %r" % (fn,))
        self.fn = fn
        self.defaults = dict(defaults or {})
        functools.update_wrapper(self, fn)

    @property
    def search_space(self):
        from ..space import SearchSpace, Space

        return SearchSpace({k: v for k, v in self.defaults.items() if isinstance(v, Space)})

    @property
    def cs(self):
        """The search space as a ``ConfigSpace.ConfigurationSpace`` (later-era name)."""
        return self.search_space.to_configspace()

    @property
    def args(self):
        return merge_args(self.defaults, None, None)

    def run_trial(self, args, config, reporter):
        return self.fn(merge_args(self.defaults, args, config), reporter)

    def __call__(self, args=None, reporter=None, **overrides):
        """Run once outside any scheduler (for debugging)."""
        if reporter is None:
            from ..scheduler.reporter import LocalStatusReporter

            reporter = LocalStatusReporter()
        return self.run_trial(args, overrides, reporter)

    def __repr__(self):
        return "TrainFunction(%s, defaults=%r)" % (getattr(self.fn, "__name__", self.fn), self.defaults)


def autogluon_method(fn=None, **defaults):
    """Era-A decorator: ``@ag.autogluon_method`` or ``@ag.autogluon_method(epochs=10)``."""
    if fn is None:
        return lambda f: TrainFunction(f, defaults)
    if isinstance(fn, TrainFunction):
        return TrainFunction(fn.fn, {**fn.defaults, **defaults})
    return TrainFunction(fn, defaults)


def args(**defaults):
    """``@ag.args(lr=ag.space.Real(1e-3, 1e-1, log=True), epochs=10)``: defaults and search spaces."""

    def decorate(fn):
        if isinstance(fn, TrainFunction):
            return TrainFunction(fn.fn, {**fn.defaults, **defaults})
        return TrainFunction(fn, defaults)

    return decorate


autogluon_register_args = args


def call_train_fn(fn, args, config, reporter):
    """How the scheduler calls a training function: decorated or plain ``fn(args, reporter)``."""
    if isinstance(fn, TrainFunction):
        return fn.run_trial(args, config, reporter)
    return fn(merge_args({}, args, config), reporter)
