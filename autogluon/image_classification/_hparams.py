"""The training hyperparameters of the image task: one table, read by ``fit`` and by the training
function alike.

Each row says how a value is checked, its default, its default search space (if ``fit`` searches it
unless told otherwise) and where it goes: the optimizers that use it, or the part of training it
shapes. ``fit`` takes its keywords, validation and defaults from here (``fit(label_smoothing=...)``
exists because the row does); ``train_image_classification`` fills whatever its ``args`` lack from
the same rows, so a direct call trains as ``fit`` would. Adding a hyperparameter is one row here
plus the line in ``_train.py`` that uses its value.

Run control (the deadline of a trial) is not a hyperparameter: it travels beside the
configuration (``train_image_classification(args, reporter, deadline=...)``).

No MXNet is imported here.
"""

import collections

from ..core._validate import check_bool, check_choice, check_int, fail_type, fail_value, is_real
from ..space import Categorical, Real, Space

__all__ = [
    'HParam',
    'HPARAMS',
    'FIT_KEYWORDS',
    'LR_SCHEDULES',
    'OPTIMIZER_NAMES',
    'ADAPTIVE',
    'check_value',
    'check_space',
    'default',
    'default_space',
    'uses',
    'fixed_defaults',
    'training_value',
]

#: Learning-rate schedules a trial can follow (``fit(lr_schedule=...)``; era A: ``lr_scheduler``).
LR_SCHEDULES = ('cosine', 'poly', 'step', 'constant')
#: Optimizers the task trains with.
OPTIMIZER_NAMES = ('sgd', 'nag', 'adam', 'rmsprop')


def _positive(name, value):
    if not is_real(value):
        raise fail_type(name, 'a positive number', value)
    if not 0 < float(value) < float('inf'):
        raise fail_value(name, 'a positive number', value)
    return float(value)


def _fraction(name, value):
    if not is_real(value):
        raise fail_type(name, 'a number in [0, 1)', value)
    if not 0 <= float(value) < 1:
        raise fail_value(name, 'a number in [0, 1)', value)
    return float(value)


def _non_negative(name, value):
    if not is_real(value):
        raise fail_type(name, 'a number >= 0', value)
    if not 0 <= float(value) < float('inf'):
        raise fail_value(name, 'a number >= 0', value)
    return float(value)


def _positive_int(name, value):
    return check_int(name, value, low=1)


def _pad(name, value):
    return check_int(name, value, low=0)


def _schedule(name, value):
    return check_choice(name, value, LR_SCHEDULES, ignore_case=False)


def _bool(name, value):
    return check_bool(name, value)


def _auto_batch_size(num_train=None, **_):
    """128 for large training sets; smaller (a power of two >= 16) so a small set still gets
    about 8 or more steps per epoch."""
    if not num_train:
        return 128
    size = 128
    while size > 16 and num_train < size * 8:
        size //= 2
    return max(1, min(size, num_train))


def _auto_pad(image_size=None, **_):
    """Zero padding of the random crop: a tenth of the image side, at least 1 pixel."""
    return max(1, int(image_size) // 10) if image_size else 2


#: One row of the table. ``default``: a value, or a function of the data (``num_train``,
#: ``image_size``); ``space``: the default search space, built fresh on each call, or None;
#: ``goes_to``: a tuple of optimizer names, or the part of training the value shapes;
#: ``fit_keyword``: False for a value ``fit`` derives itself (not a keyword of ``fit``).
HParam = collections.namedtuple('HParam', 'name check default space goes_to fit_keyword')


def _log_real(low, high, default_value):
    return lambda: Real(low, high, log=True, default=default_value)


HPARAMS = collections.OrderedDict(
    (row.name, row)
    for row in (
        HParam('lr', _positive, 0.1, _log_real(0.01, 0.4, 0.1), ('sgd', 'nag'), True),
        HParam('adam_lr', _positive, 1e-3, _log_real(1e-4, 1e-2, 1e-3), ('adam',), True),
        HParam('rmsprop_lr', _positive, 1e-3, _log_real(1e-4, 1e-2, 1e-3), ('rmsprop',), True),
        HParam('wd', _fraction, 5e-4, _log_real(1e-5, 1e-3, 5e-4), OPTIMIZER_NAMES, True),
        HParam('momentum', _fraction, 0.9, lambda: Real(0.85, 0.95, default=0.9), ('sgd', 'nag'), True),
        HParam('batch_size', _positive_int, _auto_batch_size, None, 'batches', True),
        HParam('label_smoothing', _fraction, 0.1, None, 'loss', True),
        HParam('warmup_epochs', _non_negative, 0.0, None, 'lr schedule', True),
        HParam('lr_schedule', _schedule, 'cosine', None, 'lr schedule', True),
        HParam('augment', _bool, True, None, 'augmentation', True),
        HParam('pretrained', _bool, False, None, 'network', True),
        HParam('pad', _pad, _auto_pad, None, 'augmentation', False),
    )
)

#: The training keywords of ``fit`` (each a value or an ``ag.space``).
FIT_KEYWORDS = tuple(name for name, row in HPARAMS.items() if row.fit_keyword)
#: Optimizers with their own learning-rate row (``adam_lr``, ...): they want a small rate.
ADAPTIVE = tuple(name for name in OPTIMIZER_NAMES if name + '_lr' in HPARAMS)


def check_value(name, value, shown=None):
    """``value`` checked by its row and normalised (TypeError: wrong type, ValueError: wrong
    value); ``shown`` is the name the message uses (default ``name``)."""
    return HPARAMS[name].check(shown or name, value)


def check_space(name, space, shown=None):
    """A search space given for ``name``: every choice, or both bounds, must be valid values."""
    if isinstance(space, Categorical):
        for choice in space.choices:
            check_value(name, choice, shown)
    elif hasattr(space, 'lower') and hasattr(space, 'upper'):
        check_value(name, space.lower, shown)
        check_value(name, space.upper, shown)
    return space


def default(name, **data):
    """The default value of ``name``; ``data`` (``num_train``, ``image_size``) for the rows whose
    default depends on it."""
    value = HPARAMS[name].default
    return value(**data) if callable(value) else value


def default_space(name):
    """A fresh default search space of ``name``, or None when it is not searched by default."""
    make = HPARAMS[name].space
    return make() if make is not None else None


def uses(name, optimizer):
    """True when ``optimizer`` trains with the row ``name``."""
    return optimizer in HPARAMS[name].goes_to


def fixed_defaults(**data):
    """``{name: default}`` of every ``fit`` keyword that has no default search space and is not
    an optimizer's (batch size, loss, schedule, augmentation, network)."""
    return {
        name: default(name, **data) for name, row in HPARAMS.items() if row.fit_keyword and row.space is None
    }


def training_value(args, name, optimizer=None, **data):
    """The value the training function uses for ``name``: ``<optimizer>_<name>`` when ``args``
    sets it, else ``name``, else the table's default (of ``<optimizer>_<name>`` when that row
    exists: an adaptive optimizer's own learning rate). Given values are checked by the row."""
    get = args.get if isinstance(args, dict) else (lambda key: getattr(args, key, None))
    own = '%s_%s' % (optimizer, name) if optimizer else None
    for key in (own, name):
        if key is None:
            continue
        value = get(key)
        if value is not None and not isinstance(value, Space):
            return check_value(name if key not in HPARAMS else key, value)
    if own in HPARAMS:
        return default(own, **data)
    return default(name, **data)
