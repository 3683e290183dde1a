"""The optimizer part of the task's search space, and learning-rate schedules.

Optimizer hyperparameters live in one flat search space: ``lr``, ``wd`` and ``momentum`` are
shared by the optimizers that take them, and ``<optimizer>_<name>`` (``adam_lr``,
``sgd_momentum``, ...) holds a value or space of one optimizer only. A trial uses
``<optimizer>_<name>`` when it is set, else ``<name>`` (:func:`hyperparameter`). Optimizer
objects (``ag.optimizers.SGD(lr=..., ...)``) inside ``ag.Optimizers`` fill these keys: a
hyperparameter that every optimizer taking it gives with the same value or space is shared,
any other is per optimizer. No MXNet is imported here.
"""

from ..optimizer.optimizers import TRAINABLE
from ..space import Categorical, Space
from . import _hparams
from ._hparams import ADAPTIVE, LR_SCHEDULES

__all__ = [
    'optimizer_search_space',
    'hyperparameter',
    'model_config',
    'is_optimizer_key',
    'LR_SCHEDULES',
    'resolve_lr_scheduler',
    'ADAPTIVE',
]

_PARAMS = ('lr', 'momentum', 'wd')


def _searched_or_fixed(spaces, fixed, name, opts):
    """``name``'s default space when one of ``opts`` uses it, else its default value."""
    if any(_hparams.uses(name, o) for o in opts):
        spaces[name] = _hparams.default_space(name)
    else:
        fixed[name] = _hparams.default(name)


def _defaults(opts, given):
    """Default spaces and fixed values for the optimizer names ``opts`` (from ``_hparams``)."""
    spaces, fixed = {}, {}
    if 'lr' not in given:
        _searched_or_fixed(spaces, fixed, 'lr', opts)
        if 'lr' in fixed:  # adaptive optimizers only: the shared rate is theirs
            fixed['lr'] = _hparams.default(ADAPTIVE[0] + '_lr')
        for name in ADAPTIVE:
            key = name + '_lr'
            if name in opts and key not in given:
                spaces[key] = _hparams.default_space(key)
    _searched_or_fixed(spaces, fixed, 'wd', opts)
    _searched_or_fixed(spaces, fixed, 'momentum', opts)
    return spaces, fixed


def _put(spaces, fixed, key, value):
    if isinstance(value, Space):
        spaces[key] = value
        fixed.pop(key, None)
    else:
        fixed[key] = value
        spaces.pop(key, None)


def _same(values):
    first = values[0]
    return all(type(v) is type(first) and v == first for v in values[1:])


def _apply_objects(spaces, fixed, opts, objects):
    """Put the hyperparameters of optimizer objects into shared or per-optimizer keys."""
    for param in _PARAMS:
        takers = [o for o in opts if param in TRAINABLE[o]]
        givers = {
            o: objects[o].hyper_params[param]
            for o in takers
            if o in objects and param in objects[o].hyper_params
        }
        if not givers:
            continue
        values = list(givers.values())
        if len(givers) == len(takers) and _same(values):
            _put(spaces, fixed, param, values[0])
            for o in takers:  # a shared value replaces every per-optimizer one
                spaces.pop('%s_%s' % (o, param), None)
                fixed.pop('%s_%s' % (o, param), None)
        else:
            for o, value in givers.items():
                _put(spaces, fixed, '%s_%s' % (o, param), value)
        own = ['%s_%s' % (o, param) for o in takers]
        if takers and all(k in spaces or k in fixed for k in own):
            spaces.pop(param, None)  # no optimizer falls back to the shared space: not searched


def optimizer_search_space(optimizers, given):
    """``(spaces, fixed)`` of the optimizer hyperparameters.

    ``optimizers``: an ``ag.Optimizers`` (a Categorical of names, with ``objects`` for the
    optimizer objects it holds). ``given``: the training keywords of ``fit`` (values or spaces),
    which replace the defaults; optimizer objects' own hyperparameters replace both.
    Defaults: ``lr`` log-uniform in [0.01, 0.4] (default 0.1) for sgd/nag, ``adam_lr`` and
    ``rmsprop_lr`` in [1e-4, 1e-2] (default 1e-3) -- unless ``lr`` is given, which then applies to
    every optimizer --, ``wd`` in [1e-5, 1e-3] (default 5e-4), ``momentum`` in [0.85, 0.95]
    (default 0.9).
    """
    opts = list(optimizers.choices) if isinstance(optimizers, Categorical) else list(optimizers)
    spaces, fixed = _defaults(set(opts), given)
    for key, value in given.items():
        _put(spaces, fixed, key, value)
    _apply_objects(spaces, fixed, opts, getattr(optimizers, 'objects', {}) or {})
    return spaces, fixed


def hyperparameter(values, optimizer, param, default=None):
    """The value of ``param`` for ``optimizer`` in ``values`` (a dict or a Namespace):
    ``<optimizer>_<param>`` when set, else ``<param>``, else ``default``."""
    get = values.get if isinstance(values, dict) else (lambda k, d=None: getattr(values, k, d))
    value = get('%s_%s' % (optimizer, param))
    if value is None:
        value = get(param, default)
    return default if value is None else value


def is_optimizer_key(key):
    """True for a per-optimizer key such as ``adam_lr`` or ``sgd_momentum``."""
    name, _, param = key.partition('_')
    return name in TRAINABLE and param in _PARAMS


def model_config(config):
    """``config`` as the model was trained: the chosen optimizer's hyperparameters only.

    sgd/nag keep ``lr`` and ``momentum``; adam keeps ``adam_lr`` when it was searched (else
    ``lr``); any other per-optimizer key becomes the plain name for the chosen optimizer and is
    dropped for the others.
    """
    config = dict(config)
    chosen = config.get('optimizer')
    for param in _PARAMS:
        for name in TRAINABLE:
            key = '%s_%s' % (name, param)
            if key == 'adam_lr' or key not in config:
                continue
            value = config.pop(key)
            if name == chosen and value is not None:
                config[param] = value
    if chosen != 'adam':
        config.pop('adam_lr', None)
    elif config.get('adam_lr') is not None:
        config.pop('lr', None)
    if chosen in ADAPTIVE:
        config.pop('momentum', None)
    return config


def resolve_lr_scheduler(kwargs):
    """Move the era-A ``lr_scheduler`` keyword of ``fit`` to ``lr_schedule`` (in place).

    Returns True when ``lr_scheduler`` was given. Both at once is a TypeError.
    """
    if 'lr_scheduler' not in kwargs:
        return False
    if 'lr_schedule' in kwargs:
        raise TypeError(
            "fit() got both lr_scheduler and lr_schedule; they are one setting: "
            "give one ('%s' or a space of them)" % "', '".join(LR_SCHEDULES)
        )
    kwargs['lr_schedule'] = kwargs.pop('lr_scheduler')
    return True
