"""Optimizers with their own search spaces: ``ag.optimizers.SGD/NAG/Adam/RMSProp``.

Each call returns an :class:`Optimizer`: a name plus hyperparameters, every one a fixed value or an
``ag.space`` (``lr``, ``wd``, and ``momentum`` for SGD and NAG; ``learning_rate`` is accepted as a
spelling of ``lr``). Put them in ``ag.Optimizers([...])`` and give that to ``task.fit``: the choice of
optimizer and each optimizer's spaces are searched together. No MXNet is imported here.

>>> import autogluon as ag
>>> sgd = ag.optimizers.SGD(lr=ag.space.Log('lr', 1e-4, 1e-1), momentum=0.9)
>>> sgd.name, sorted(sgd.hyper_params)
('sgd', ['lr', 'momentum'])
>>> ag.Optimizers([sgd, ag.optimizers.Adam()]).choices
('sgd', 'adam')
"""

import math

from ..core._validate import check_str, fail_type, fail_value, is_real

__all__ = ['Optimizer', 'get_optim', 'SGD', 'NAG', 'Adam', 'RMSProp', 'TRAINABLE']

#: Optimizers the image task trains with, and the hyperparameters each one takes.
TRAINABLE = {
    'sgd': ('lr', 'momentum', 'wd'),
    'nag': ('lr', 'momentum', 'wd'),
    'adam': ('lr', 'wd'),
    'rmsprop': ('lr', 'wd'),
}
_DISPLAY = {'sgd': 'SGD', 'nag': 'NAG', 'adam': 'Adam', 'rmsprop': 'RMSProp'}
# Optimizers of the 2019 list that the image task does not train with.
_NOT_TRAINABLE = (
    'adagrad',
    'adadelta',
    'adamax',
    'nadam',
    'dcasgd',
    'sgld',
    'signum',
    'ftml',
    'lbsgd',
    'ftrl',
)
_ALIASES = {'learning_rate': 'lr'}


def _check_param(opt, param, value):
    """A value of ``param`` (lr > 0, 0 <= wd < 1, 0 <= momentum < 1), or a space whose choices or
    bounds all are; returns a value as a float, a space as is."""
    from ..space import Categorical, Space

    name = '%s: %s' % (opt, param)
    allowed = 'a finite number > 0' if param == 'lr' else 'a finite number in [0, 1)'
    if isinstance(value, Categorical):
        values = value.choices
    elif isinstance(value, Space):
        values = (value.lower, value.upper) if hasattr(value, 'lower') else ()
    else:
        values = (value,)
    for one in values:
        if not is_real(one):
            raise fail_type(name, allowed + ' or an ag.space', one)
        if not (math.isfinite(one) and (one > 0 if param == 'lr' else 0 <= one < 1)):
            raise fail_value(name, allowed, one)
    return value if isinstance(value, Space) else float(value)


class Optimizer:
    """An optimizer of the image task by name, with its hyperparameters (values or spaces).

    ``Optimizer('sgd', lr=ag.space.Log('lr', 1e-3, 1e-1), wd=1e-4)``; hyperparameters not given
    keep the task's defaults (see ``task.fit``).
    """

    def __init__(self, name, **hyper_params):
        key = check_str('optimizer name', name).lower()
        if key not in TRAINABLE:
            extra = (
                ' (%r is a 2019 optimizer that the image task does not train with)' % name
                if key in _NOT_TRAINABLE
                else ''
            )
            raise ValueError('unknown optimizer %r%s; allowed: %s' % (name, extra, ', '.join(TRAINABLE)))
        self.name = key
        params = {}
        for param, value in hyper_params.items():
            canonical = _ALIASES.get(param, param)
            if canonical not in TRAINABLE[key]:
                raise TypeError(
                    '%s() got an unexpected hyperparameter %r; it takes %s'
                    % (_DISPLAY[key], param, ', '.join(TRAINABLE[key]))
                )
            if canonical in params:
                raise TypeError(
                    '%s(): %r given twice (lr and learning_rate are one hyperparameter)'
                    % (_DISPLAY[key], canonical)
                )
            params[canonical] = _check_param(_DISPLAY[key], canonical, value)
        self.hyper_params = params

    def get_hyper_params(self):
        """``{name: value or space}`` of the hyperparameters given."""
        return dict(self.hyper_params)

    def __eq__(self, other):
        if not isinstance(other, Optimizer):
            return NotImplemented
        return self.name == other.name and self.hyper_params == other.hyper_params

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.hyper_params))))

    def __repr__(self):
        args = ', '.join('%s=%r' % kv for kv in sorted(self.hyper_params.items()))
        return '%s(%s)' % (_DISPLAY[self.name], args)


def get_optim(name, **hyper_params):
    """The optimizer ``name`` (``'sgd'``, ``'nag'``, ``'adam'``, ``'rmsprop'``) with the task's
    default spaces, or with ``hyper_params``."""
    return Optimizer(name, **hyper_params)


def SGD(**hyper_params):
    """SGD with momentum: ``lr``, ``momentum``, ``wd`` (values or spaces)."""
    return Optimizer('sgd', **hyper_params)


def NAG(**hyper_params):
    """Nesterov accelerated SGD: ``lr``, ``momentum``, ``wd`` (values or spaces)."""
    return Optimizer('nag', **hyper_params)


def Adam(**hyper_params):
    """Adam: ``lr``, ``wd`` (values or spaces)."""
    return Optimizer('adam', **hyper_params)


def RMSProp(**hyper_params):
    """RMSProp: ``lr``, ``wd`` (values or spaces)."""
    return Optimizer('rmsprop', **hyper_params)
