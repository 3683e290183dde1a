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

from ._validate import check_callable, fail_type

__all__ = [
    "TrainFunction",
    "autogluon_method",
    "args",
    "autogluon_register_args",
    "call_train_fn",
    "merge_args",
    "parser_defaults",
    "as_namespace_or_dict",
    "call_user_fn",
]


def parser_defaults(parser):
    """The defaults of an ``argparse.ArgumentParser`` as a Namespace (2019 notebooks passed a parser as
    ``args``): ``parser.parse_args([])`` when that works, else each argument's default."""
    try:
        return parser.parse_args([])
    except SystemExit:  # a required argument: take the defaults one by one
        return argparse.Namespace(
            **{
                a.dest: a.default
                for a in parser._actions
                if a.dest is not argparse.SUPPRESS and a.default is not argparse.SUPPRESS
            }
        )


def as_namespace_or_dict(args):
    """``args`` as given, except that an ``argparse.ArgumentParser`` becomes the Namespace of its defaults."""
    return parser_defaults(args) if isinstance(args, argparse.ArgumentParser) else args


def _namespace_dict(args, name="args"):
    if args is None:
        return {}
    if isinstance(args, argparse.ArgumentParser):
        return dict(vars(parser_defaults(args)))
    if isinstance(args, argparse.Namespace):
        return dict(vars(args))
    if isinstance(args, dict):
        return dict(args)
    raise fail_type(name, "an argparse.Namespace, an argparse.ArgumentParser, a dict or None", args)


_logger = logging.getLogger(__name__)
_UNCOPYABLE_NOTED = set()


def _own_copy(key, value):
    """A deep copy of one argument, so that a trial that changes it leaves the next trial's alone."""
    try:
        return copy.deepcopy(value)
    except Exception as exc:  # a lock, a module, an open file...: shared, and said so once
        if key not in _UNCOPYABLE_NOTED:
            _UNCOPYABLE_NOTED.add(key)
            _logger.warning(
                "args.%s (%s) cannot be copied (%s: %s); every trial gets the same object, so "
                "a change one trial makes to it is seen by the next",
                key,
                type(value).__name__,
                type(exc).__name__,
                exc,
            )
        return value


def merge_args(defaults, args, config):
    """Namespace of ``defaults`` updated by ``args`` and then by the sampled ``config``.

    A search space left unsampled (no value in ``config``) takes its default. A nested space
    (``ag.space.Dict``, ``List`` of spaces, ``@ag.obj`` objects...) is built from the dotted entries
    of ``config`` under its name (``'g.key1'``), or from its defaults.
    Every value is a deep copy: a trial (or a debugging call) that appends to a
    list default, say, does not change the defaults the next trial gets.
    """
    from ..space import Space
    from ..space._nested import NestedSpace, strip_prefix

    merged = dict(defaults)
    merged.update(_namespace_dict(args))
    config = dict(config or {})
    for key in {k.split(".", 1)[0] for k in config if "." in k}:
        space = merged.get(key)
        if not isinstance(space, NestedSpace):
            space = defaults.get(key)
        if isinstance(space, NestedSpace):
            merged[key] = space.sample(**strip_prefix(config, key))
            config = {k: v for k, v in config.items() if not k.startswith(key + ".")}
    merged.update(config)
    for key, value in merged.items():
        merged[key] = _own_copy(key, value.default if isinstance(value, (Space, NestedSpace)) else value)
    return argparse.Namespace(**merged)


class TrainFunction:
    """A training function with default arguments and (optionally) search spaces.

    Attributes: ``fn`` (the undecorated function), ``defaults`` (dict, may hold
    :class:`autogluon.space.Space` values), ``search_space`` (the spaces among
    the defaults as a :class:`autogluon.space.SearchSpace`), ``args`` (a
    Namespace of the defaults with spaces replaced by their defaults).
    """

    def __init__(self, fn, defaults=None):
        check_callable("the decorated object", fn, allowed="callable (a training function)")
        self.fn = fn
        self.defaults = dict(defaults or {})
        functools.update_wrapper(self, fn)

    @property
    def search_space(self):
        from ..space import SearchSpace
        from ..space._nested import leaves_of

        spaces = {}
        for key, value in self.defaults.items():
            spaces.update(leaves_of(key, value))  # nested spaces by their leaves: 'g.key1', 'f.0'
        return SearchSpace(spaces)

    @property
    def kwspaces(self):
        """``{name: leaf space}``, nested spaces flattened (first public release's name)."""
        return dict(self.search_space.items())

    def update(self, **defaults):
        """Add or replace default arguments and search spaces."""
        self.defaults.update(defaults)

    def register_args(self, default=None, **kwvars):
        """Replace the defaults: ``default`` (a dict, Namespace or ArgumentParser) updated by ``kwvars``."""
        self.defaults = {**_namespace_dict(default, "default"), **kwvars}

    @property
    def cs(self):
        """The search space as a ``ConfigSpace.ConfigurationSpace`` (later-era name)."""
        return self.search_space.to_configspace()

    @property
    def args(self):
        return merge_args(self.defaults, None, None)

    def run_trial(self, args, config, reporter):
        return call_user_fn(self.fn, merge_args(self.defaults, args, config), reporter)

    def __call__(self, args=None, reporter=None, config=None, **overrides):
        """Run once outside any scheduler (for debugging).

        Also the 2019 spellings: ``train_fn(args, config)`` with a sampled ``config`` dict (e.g.
        ``train_fn(train_fn.args, searcher.get_config())``) and ``train_fn(args=parser, config={...})``,
        where search spaces in ``config`` (``ag.searcher.sample_from(fn)``) are drawn now.
        """
        from collections.abc import Mapping

        if isinstance(reporter, Mapping) and config is None:
            reporter, config = None, reporter
        if config is not None and not isinstance(config, Mapping):
            overrides["config"], config = config, None  # a hyperparameter that happens to be named config
        if reporter is None:
            from ..scheduler.reporter import LocalStatusReporter

            reporter = LocalStatusReporter()
        return self.run_trial(args, {**_draw_spaces(config), **overrides}, reporter)

    def __repr__(self):
        return "TrainFunction(%s, defaults=%r)" % (getattr(self.fn, "__name__", self.fn), self.defaults)


def autogluon_method(fn=None, **defaults):
    """Era-A decorator: ``@ag.autogluon_method`` or ``@ag.autogluon_method(epochs=10)``."""
    if fn is None:
        return lambda f: TrainFunction(f, defaults)
    if isinstance(fn, TrainFunction):
        return TrainFunction(fn.fn, {**fn.defaults, **defaults})
    return TrainFunction(fn, defaults)


def args(default=None, **defaults):
    """``@ag.args(lr=ag.space.Real(1e-3, 1e-1, log=True), epochs=10)``: defaults and search spaces.

    ``default`` (first public release) may give more defaults as a dict, Namespace or ArgumentParser;
    any other value is a default argument named ``default``.
    """
    if isinstance(default, (dict, argparse.Namespace, argparse.ArgumentParser)):
        defaults = {**_namespace_dict(default, "default"), **defaults}
    elif default is not None:
        defaults = {"default": default, **defaults}

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
    return call_user_fn(fn, merge_args({}, args, config), reporter)


def _takes_reporter(fn):
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: assume fn(args, reporter)
        return True
    positional = 0
    for p in params:
        if p.kind == p.VAR_POSITIONAL or p.name == "reporter":
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


def call_user_fn(fn, args, reporter):
    """``fn(args, reporter)``, or ``fn(args)`` for a function of one argument (Aug 2019's
    ``@autogluon_method def train_fn(args)``)."""
    if _takes_reporter(fn):
        return fn(args, reporter)
    return fn(args)


def _draw_spaces(config):
    """A copy of ``config`` with search spaces (e.g. ``sample_from``) replaced by one random draw."""
    if not config:
        return {}
    import numpy as np

    from ..space import Space

    rng = np.random.default_rng()
    return {k: v.sample(rng) if isinstance(v, Space) else v for k, v in dict(config).items()}
