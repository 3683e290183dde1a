"""What the 2019 hackathon release (era A) returned and accepted, kept for its notebooks.

- :func:`nd_scalar`: a one-element MXNet NDArray, as ``task.predict`` returned (``ind.asscalar()``);
  it also works where an int or a float did (``classes[ind]``, ``'%.2f' % prob``, ``int(ind)``).
- :func:`take_era_a_kwargs`: ``fit``'s era-A keywords (``metrics``, ``losses``, ``backend``,
  ``lr_scheduler``, ``final_fit``), checked.
- :func:`era_a_metadata`: the keys ``results.metadata`` had (``nets``, ``optimizers``, ``searcher``,
  ``trial_scheduler``, ``stop_criterion``, ``resources_per_trial``, ``kwargs``, ...).
- :func:`warn_untrained_imagenet_nets`: one WARNING when ImageNet networks train from scratch.
"""

import inspect
import logging
import os

import numpy as np

from ..core._validate import check_bool, check_choice, fail_type
from ..space._choices import Losses, Metrics
from ._optimizers import resolve_lr_scheduler

logger = logging.getLogger('autogluon.image_classification')

__all__ = [
    'nd_scalar',
    'check_positional',
    'take_era_a_kwargs',
    'EraAOptions',
    'user_kwargs',
    'era_a_metadata',
    'warn_untrained_imagenet_nets',
    'SUPPORTED_LOSS',
    'SUPPORTED_METRIC',
]

SUPPORTED_LOSS = 'SoftmaxCrossEntropyLoss'
SUPPORTED_METRIC = 'Accuracy'
# fit's parameters of the 2019 signature (the rest of what a user passes is ``metadata['kwargs']``).
_ERA_A_PARAMS = (
    'dataset',
    'nets',
    'optimizers',
    'metrics',
    'losses',
    'searcher',
    'trial_scheduler',
    'resume',
    'savedir',
    'visualizer',
    'stop_criterion',
    'resources_per_trial',
    'backend',
)
_ND_CLASS = {}


def _scalar_class():
    """A subclass of ``mx.nd.NDArray`` for one-element results (made once, on first use)."""
    cls = _ND_CLASS.get('cls')
    if cls is not None:
        return cls
    import mxnet as mx

    class ScalarNDArray(mx.nd.NDArray):
        """A one-element NDArray that also acts as the Python number it holds."""

        __slots__ = ()

        def _value(self):
            return self.asnumpy().reshape(-1)[0].item()

        def __index__(self):
            value = self._value()
            if not float(value).is_integer():
                raise TypeError('a probability (%r) cannot be used as an index' % (value,))
            return int(value)

        def __int__(self):
            return int(self._value())

        def __float__(self):
            return float(self._value())

        def __round__(self, ndigits=None):
            return round(self._value(), ndigits)

        def __array__(self, dtype=None, copy=None):
            out = self.asnumpy()
            return out if dtype is None else out.astype(dtype)

        def __format__(self, spec):
            return format(self._value(), spec) if spec else str(self)

        def __repr__(self):
            return super().__repr__().replace('<ScalarNDArray ', '<NDArray ', 1)

    _ND_CLASS['cls'] = ScalarNDArray
    return ScalarNDArray


def nd_scalar(value, dtype):
    """``value`` as a shape-(1,) MXNet NDArray of ``dtype`` on the CPU (what era A returned).

    ``ind.asscalar()`` gives the number; ``int(ind)``, ``float(prob)``, ``classes[ind]`` and
    ``'%.2f' % prob`` work too.
    """
    import mxnet as mx

    array = mx.nd.array(np.asarray([value]), dtype=dtype)
    array.__class__ = _scalar_class()
    return array


class EraAOptions:
    """``fit``'s era-A keywords after checking: ``metrics``, ``losses``, ``backend``,
    ``final_fit`` (None: the default), ``lr_scheduler_given``."""

    def __init__(self, metrics, losses, backend, final_fit, lr_scheduler_given):
        self.metrics = metrics
        self.losses = losses
        self.backend = backend
        self.final_fit = final_fit
        self.lr_scheduler_given = lr_scheduler_given


def _choice_list(value, cls, param, supported):
    if value is None:
        return cls([supported])
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)):
        value = cls(list(value))
    if not isinstance(value, cls):
        raise fail_type(param, 'ag.%s([...]) or a list of names' % cls.__name__, value)
    other = [c for c in value.choices if c != supported]
    if other:
        raise ValueError(
            '%s=%r: the image task trains with %r only (%s); %s are not supported'
            % (
                param,
                value,
                supported,
                'softmax cross-entropy with label smoothing'
                if cls is Losses
                else 'models are chosen by top-1 validation accuracy',
                ', '.join(repr(o) for o in other),
            )
        )
    return value


def check_positional(searcher, trial_scheduler):
    """The 2019 ``fit`` took ``metrics`` and ``losses`` 4th and 5th, where ``searcher`` and
    ``trial_scheduler`` are here: a TypeError that says to pass them by keyword."""
    for value, param in ((searcher, 'searcher'), (trial_scheduler, 'trial_scheduler')):
        if isinstance(value, (Metrics, Losses)):
            raise TypeError(
                'fit() got %r as %s: the 2019 fit took metrics and losses as its 4th and '
                '5th arguments; here give them by keyword (metrics=..., losses=...)' % (value, param)
            )


def take_era_a_kwargs(kwargs):
    """Pop and check ``metrics``, ``losses``, ``backend``, ``final_fit`` and ``lr_scheduler``
    (moved to ``lr_schedule``) from ``fit``'s ``kwargs``; returns :class:`EraAOptions`."""
    metrics = _choice_list(kwargs.pop('metrics', None), Metrics, 'metrics', SUPPORTED_METRIC)
    losses = _choice_list(kwargs.pop('losses', None), Losses, 'losses', SUPPORTED_LOSS)
    # 'default' is the only backend of the 2019 release
    backend = check_choice('backend', kwargs.pop('backend', 'default'), ('default',), ignore_case=False)
    final_fit = check_bool('final_fit', kwargs.pop('final_fit', None), allow_none=True)
    given = resolve_lr_scheduler(kwargs)
    return EraAOptions(metrics, losses, backend, final_fit, given)


def user_kwargs(fit_fn, arguments):
    """What the caller passed to ``fit`` beyond the 2019 signature: every parameter whose value
    differs from its default, plus ``**kwargs`` (``metadata['kwargs']`` of era A)."""
    params = inspect.signature(fit_fn).parameters
    out = {}
    for name, param in params.items():
        if name in _ERA_A_PARAMS or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        value = arguments.get(name, param.default)
        if value is not param.default:
            out[name] = value
    out.update((k, v) for k, v in (arguments.get('kwargs') or {}).items() if k not in _ERA_A_PARAMS)
    return out


def era_a_metadata(**values):
    """``results.metadata`` keys of the 2019 release, with the values the run used.

    Keywords: dataset, nets, optimizers, metrics, losses, searcher, trial_scheduler, resume,
    savedir, visualizer, stop_criterion, resources_per_trial, backend, kwargs.
    """
    out = dict(values)
    out['data'] = out.pop('dataset')
    return out


def _imagenet_names(net_names):
    from ._nets import OWN_NETS

    return [n for n in net_names if n not in OWN_NETS and not n.startswith('cifar')]


def warn_untrained_imagenet_nets(net_names, pretrained):
    """Log once (one WARNING) which ImageNet networks train from scratch because no pretrained
    weights are on this machine; returns their names. ``pretrained`` is fit's value (True when
    fine-tuning was asked for: then missing weights are an error raised elsewhere)."""
    from ._nets import _pretrained_file, model_store_root

    if pretrained is True:
        return []
    missing, present = [], []
    for name in _imagenet_names(net_names):
        try:
            _pretrained_file(name)
        except (FileNotFoundError, ValueError):
            missing.append(name)
        except Exception:  # a broken GluonCV model store: say so, and count the weights as missing
            logger.debug('cannot look up the pretrained weights of %s', name, exc_info=True)
            missing.append(name)
        else:
            present.append(name)
    if missing:
        logger.warning(
            '%s %s ImageNet network%s, but no pretrained weights for %s are on this machine '
            '(looked in %s): %s train%s from scratch (random initialization). The 2019 tutorials '
            'fine-tuned ImageNet weights; from scratch, expect clearly lower accuracy, most of all '
            'on small datasets and short budgets. Copy the GluonCV weights there and pass '
            'pretrained=True to fine-tune.',
            ', '.join(missing),
            'is an' if len(missing) == 1 else 'are',
            '' if len(missing) == 1 else 's',
            'it' if len(missing) == 1 else 'them',
            model_store_root(),
            'it' if len(missing) == 1 else 'they',
            's' if len(missing) == 1 else '',
        )
    if present and not pretrained:
        logger.info(
            'pretrained weights of %s are on this machine but pretrained=False: training '
            'from scratch (pass pretrained=True to fine-tune them)',
            ', '.join(present),
        )
    return missing


def predict_paths(folder_or_paths):
    """The image files ``predict_batch`` classifies, in a fixed order: a list as given; a folder's
    image files sorted by name, or, for a folder of class folders (a labelled test set), every
    image one level down, sorted by class folder then name."""
    from . import _data_folder as _folder

    if isinstance(folder_or_paths, (str, os.PathLike)):
        folder = _folder.expand_path(folder_or_paths, 'folder')
        if not os.path.isdir(folder):
            raise FileNotFoundError('predict_batch: no such folder: %s' % folder)
        names = sorted(os.listdir(folder))
        files = [
            os.path.join(folder, f)
            for f in names
            if _folder._is_image_name(f) and os.path.isfile(os.path.join(folder, f))
        ]
        if not files:
            for sub in names:
                path = os.path.join(folder, sub)
                if os.path.isdir(path) and not sub.startswith('.'):
                    files += [
                        os.path.join(path, f)
                        for f in sorted(os.listdir(path))
                        if _folder._is_image_name(f) and os.path.isfile(os.path.join(path, f))
                    ]
        if not files:
            raise ValueError(
                'predict_batch: %s has no image files (%s), neither directly nor in '
                'class folders' % (folder, ', '.join(_folder.IMAGE_EXTENSIONS))
            )
        return files
    if isinstance(folder_or_paths, (list, tuple)):
        return [os.fspath(p) for p in folder_or_paths]
    raise TypeError(
        'predict_batch takes a folder or a list of image paths, got %r' % (type(folder_or_paths).__name__,)
    )
