"""``task.fit``: search networks and hyperparameters for an image dataset with a trial scheduler.

How one ``fit`` call runs:

1. Validate every argument (``ValueError``/``TypeError`` naming the parameter) before any
   file is written or any worker starts.
2. Convert the images once (small images keep their size, larger ones are resized to the
   training resolution) and write them to ``<savedir folder>/data/*.npy``; every trial
   memory-maps these files (see ``_train.py``), so images are decoded once per ``fit``.
3. Import MXNet in this process and time how long building and loading the final model takes:
   that, plus a fixed allowance for stopping the workers, is the margin kept back from
   ``time_limits``. The search gets what is left: ``scheduler.run(time_out=...)``, which stops
   running trials at the limit.
4. Load the best trial's best epoch from its trial folder (trials save it there; nothing is
   retrained) into an :class:`ImageClassifier`.
"""
import argparse
import inspect
import logging
import math
import numbers
import os
import shutil
import tempfile
import time

import numpy as np

from ..space import Categorical, SearchSpace, Space
from . import _compat, _final_fit, _nets
from ._data import Dataset, stratified_split
from ._optimizers import LR_SCHEDULES, is_optimizer_key, model_config, optimizer_search_space
from ._results import FitResults
from ._spaces import OPTIMIZER_NAMES, Nets, Optimizers

logger = logging.getLogger('autogluon.image_classification')

__all__ = ['fit', 'evaluate', 'predict', 'predict_batch', 'load', 'save', 'get_model',
           'default_search_space']

#: The last fitted (or loaded) model, used by ``evaluate``, ``predict`` and ``save``.
_LAST = {'model': None, 'results': None}

# Hyperparameters of the training function that fit accepts as keywords (a value or a space).
_TRAIN_KEYS = ('lr', 'adam_lr', 'rmsprop_lr', 'wd', 'momentum', 'batch_size', 'label_smoothing',
               'warmup_epochs', 'lr_schedule', 'augment', 'pretrained')
# Keywords that shape the data (fixed values only).
_DATA_KEYS = ('image_size',)
_LR_SCHEDULES = LR_SCHEDULES
_STOP_KEYS = ('time_limits', 'max_metric', 'num_trials')
_RESOURCE_KEYS = {'num_cpus': 'num_cpus', 'num_gpus': 'num_gpus',
                  'num_training_epochs': 'num_training_epochs',
                  # era-A spellings
                  'max_num_cpus': 'num_cpus', 'max_num_gpus': 'num_gpus',
                  'max_training_epochs': 'num_training_epochs'}
_SCHEDULERS = ('fifo', 'hyperband')
_VISUALIZERS = ('none', 'tensorboard')
#: Training resolution of large images (CPU, GPU).
LARGE_IMAGE_SIZE = (128, 224)
#: Seconds kept back from time_limits for stopping workers and saving the checkpoint.
_STOP_ALLOWANCE = 1.0


# ----------------------------------------------------------------------------------------------
# validation helpers

def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _positive_int(value, name, allow_none=True, low=1):
    if value is None and allow_none:
        return None
    if not _is_int(value) or value < low:
        raise ValueError('%s must be an integer >= %d%s, got %r'
                         % (name, low, ' or None' if allow_none else '', value))
    return int(value)


def _positive_real(value, name, allow_none=True):
    if value is None and allow_none:
        return None
    if not _is_real(value) or not math.isfinite(value) or value <= 0:
        raise ValueError('%s must be a positive number%s, got %r'
                         % (name, ' or None' if allow_none else '', value))
    return float(value)


def _check_train_value(name, value):
    """Check one fixed value of a training hyperparameter; returns it normalized."""
    if name in ('lr', 'adam_lr', 'rmsprop_lr'):
        return _positive_real(value, name, allow_none=False)
    if name == 'wd':
        if not _is_real(value) or not 0 <= value < 1:
            raise ValueError('wd must be a number in [0, 1), got %r' % (value,))
        return float(value)
    if name == 'momentum':
        if not _is_real(value) or not 0 <= value < 1:
            raise ValueError('momentum must be a number in [0, 1), got %r' % (value,))
        return float(value)
    if name == 'batch_size':
        return _positive_int(value, 'batch_size', allow_none=False)
    if name == 'label_smoothing':
        if not _is_real(value) or not 0 <= value < 1:
            raise ValueError('label_smoothing must be a number in [0, 1), got %r' % (value,))
        return float(value)
    if name == 'warmup_epochs':
        if not _is_real(value) or value < 0:
            raise ValueError('warmup_epochs must be a number >= 0, got %r' % (value,))
        return float(value)
    if name == 'lr_schedule':
        if value not in _LR_SCHEDULES:
            raise ValueError('lr_schedule (lr_scheduler) must be one of %s, got %r'
                             % (', '.join(_LR_SCHEDULES), value))
        return value
    if name in ('augment', 'pretrained'):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError('%s must be True or False, got %r' % (name, value))
        return bool(value)
    raise AssertionError(name)


def _check_train_space(name, space):
    """Check a search space given for a training hyperparameter (its values must be valid)."""
    if isinstance(space, Categorical):
        for choice in space.choices:
            _check_train_value(name, choice)
    elif hasattr(space, 'lower') and hasattr(space, 'upper'):
        _check_train_value(name, space.lower)
        _check_train_value(name, space.upper)
        if name == 'batch_size' and not _is_int(space.lower):
            raise ValueError('batch_size must be an integer space, got %r' % (space,))
    return space


# ----------------------------------------------------------------------------------------------
# search space

def _as_nets(nets):
    if nets is None:
        return None
    if isinstance(nets, Categorical):
        return nets
    if isinstance(nets, str):
        return Nets([nets])
    if isinstance(nets, (list, tuple)):
        return Nets(list(nets))
    raise TypeError('nets must be ag.Nets([...]), a list of network names or one name, got %r'
                    % (nets,))


def _as_optimizers(optimizers):
    if optimizers is None:
        return Optimizers(['nag', 'sgd', 'adam'])
    if isinstance(optimizers, Categorical):
        for choice in optimizers.choices:
            if choice not in OPTIMIZER_NAMES:
                raise ValueError('optimizers: unknown optimizer %r; allowed: %s'
                                 % (choice, ', '.join(OPTIMIZER_NAMES)))
        return optimizers
    if isinstance(optimizers, str) or hasattr(optimizers, 'get_hyper_params'):
        return Optimizers([optimizers])
    if isinstance(optimizers, (list, tuple)):
        return Optimizers(list(optimizers))
    raise TypeError('optimizers must be ag.Optimizers([...]), a list of optimizer names or '
                    'ag.optimizers.SGD(...)-style objects, or one of them, got %r' % (optimizers,))


def default_search_space(nets, optimizers, given):
    """The search space and fixed values of the training function.

    ``nets``/``optimizers`` are Categorical spaces (``ag.Nets``/``ag.Optimizers``, whose
    optimizer objects bring their own spaces); ``given`` holds the training keywords the user
    passed (values or spaces), which replace the defaults. Defaults: ``lr`` log-uniform in
    [0.01, 0.4] (default 0.1) for sgd/nag, ``adam_lr``/``rmsprop_lr`` in [1e-4, 1e-2] (default
    1e-3) for adam/rmsprop -- unless ``lr`` is given, which then applies to every optimizer --,
    ``wd`` in [1e-5, 1e-3] (default 5e-4), ``momentum`` in [0.85, 0.95] (default 0.9).
    Returns ``(spaces, fixed)`` dicts.
    """
    spaces, fixed = optimizer_search_space(optimizers, given)
    return dict({'net': nets, 'optimizer': optimizers}, **spaces), fixed


def _auto_batch_size(n):
    """128 for large training sets; smaller (a power of two >= 16) so a small set still gets
    about 8 or more steps per epoch."""
    size = 128
    while size > 16 and n < size * 8:
        size //= 2
    return max(1, min(size, n))


# ----------------------------------------------------------------------------------------------
# schedulers

def _scheduler_class(trial_scheduler):
    from ..scheduler import FIFO_Scheduler, Hyperband_Scheduler

    if isinstance(trial_scheduler, str):
        key = trial_scheduler.strip().lower()
        if key not in _SCHEDULERS:
            raise ValueError('trial_scheduler must be one of %s or a scheduler class, got %r'
                             % (', '.join(repr(s) for s in _SCHEDULERS), trial_scheduler))
        return FIFO_Scheduler if key == 'fifo' else Hyperband_Scheduler
    if isinstance(trial_scheduler, type):
        if not callable(getattr(trial_scheduler, 'run', None)):
            raise TypeError('trial_scheduler class %s has no run() method; subclass '
                            'autogluon.scheduler.FIFO_Scheduler or Hyperband_Scheduler'
                            % trial_scheduler.__name__)
        return trial_scheduler
    raise TypeError('trial_scheduler must be %s or a scheduler class (fit instantiates it), got %r'
                    % (' or '.join(repr(s) for s in _SCHEDULERS), trial_scheduler))


def _trial_resources(num_gpus, resources, machine):
    """Per-trial ``(gpus, cpus)``, checked against ``machine`` where the trials run locally.

    ``machine`` is None for a Dask cluster: defaults of 0 GPUs and 1 CPU, checked by the scheduler
    against the cluster's workers.
    """
    gpus = num_gpus if num_gpus is not None else resources.get('num_gpus')
    if gpus is None:
        gpus = 1 if machine is not None and machine.num_gpus else 0
    gpus = _positive_int(gpus, 'num_gpus', allow_none=False, low=0)
    cpus = resources.get('num_cpus')
    if machine is None:
        return gpus, _positive_int(1 if cpus is None else cpus, "resources_per_trial['num_cpus']",
                                   allow_none=False)
    if gpus > machine.num_gpus:
        raise ValueError('num_gpus=%d per trial, but this machine has %d GPU(s)%s'
                         % (gpus, machine.num_gpus, '' if machine.num_gpus else '; use num_gpus=0'))
    if cpus is None:
        if gpus:
            cpus = max(1, machine.num_cpus // max(1, machine.num_gpus // gpus))
        else:
            cpus = 1 if machine.num_cpus <= 4 else machine.num_cpus // 4
    cpus = _positive_int(cpus, "resources_per_trial['num_cpus']", allow_none=False)
    if cpus > machine.num_cpus:
        raise ValueError("resources_per_trial['num_cpus']=%d, but this machine has %d CPU(s)"
                         % (cpus, machine.num_cpus))
    return gpus, cpus


def _instantiate_scheduler(cls, train_fn, args, resource, searcher, core, hyperband, extras,
                           user_options):
    """Instantiate ``cls`` with the arguments its signature accepts.

    ``core`` (checkpoint, resume, ...) go to any parameter of that name or to ``**kwargs``;
    ``hyperband`` (max_t, grace_period, reduction_factor) to parameters of that name, or to
    ``**kwargs`` of a Hyperband_Scheduler subclass;
    ``extras`` (seed, progress, preload) to parameters of that name, or to ``**kwargs`` of a
    TaskScheduler subclass (which accepts them). ``user_options`` (fit's
    ``scheduler_options``) are passed as given.
    """
    from ..scheduler import Hyperband_Scheduler, RLScheduler, TaskScheduler

    sig = inspect.signature(cls)
    params = sig.parameters
    var_kw = any(p.kind == p.VAR_KEYWORD for p in params.values())
    named = {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    kwargs = {}
    for key, value in core.items():
        if key in named or var_kw:
            kwargs[key] = value
    for key, value in hyperband.items():
        if key in named or (var_kw and issubclass(cls, Hyperband_Scheduler)):
            kwargs[key] = value
    for key, value in extras.items():
        if key in named or (var_kw and issubclass(cls, TaskScheduler)):
            kwargs[key] = value
    kwargs.update(user_options)
    positional = [p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    try:
        if issubclass(cls, RLScheduler):
            # it picks its own configurations (an LSTM controller) and takes no searcher
            logger.info('%s chooses its own configurations: the searcher is not used', cls.__name__)
            scheduler = cls(train_fn=train_fn, args=args, resource=resource, **kwargs)
        elif len(positional) >= 4 or any(p.kind == p.VAR_POSITIONAL for p in params.values()):
            scheduler = cls(train_fn, args, resource, searcher, **kwargs)
        else:
            scheduler = cls(train_fn=train_fn, args=args, resource=resource, searcher=searcher,
                            **kwargs)
    except TypeError as exc:
        raise TypeError('cannot instantiate trial_scheduler %s with arguments %s: %s'
                        % (cls.__name__, sorted(['train_fn', 'args', 'resource', 'searcher'] + list(kwargs)),
                           exc)) from exc
    dropped = sorted((set(core) | set(hyperband) | set(extras)) - set(kwargs))
    if dropped:
        logger.debug('%s does not accept %s; left at its defaults', cls.__name__, dropped)
    return scheduler


class _Goal(object):
    def __init__(self, max_metric):
        self.max_metric = max_metric
        self.reached = False
        self.task_id = None


class _GoalSearcher(object):
    """Wraps a searcher: no new configurations once the goal (``max_metric``) is reached."""

    def __init__(self, inner, goal):
        self._inner = inner
        self._goal = goal

    def get_config(self, **kwargs):
        if self._goal.reached:
            return None
        return self._inner.get_config(**kwargs)

    def update(self, config, reward, **kwargs):
        return self._inner.update(config, reward, **kwargs)

    def __getattr__(self, name):
        if name.startswith('__') or name in ('_inner', '_goal'):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __repr__(self):
        return repr(self._inner)


class _GoalTerminator(object):
    """Wraps a terminator: once a report reaches ``max_metric`` every running trial stops and
    nothing is promoted. The wrapped terminator still sees every report first."""

    def __init__(self, inner, goal, reward_attr):
        self._inner = inner
        self._goal = goal
        self._reward_attr = reward_attr
        self._own_info = None

    @property
    def inner(self):
        return self._inner

    def on_task_report(self, task, result):
        keep = self._inner.on_task_report(task, result)
        reward = result.get(self._reward_attr)
        if not self._goal.reached and reward is not None and reward >= self._goal.max_metric:
            self._goal.reached = True
            self._goal.task_id = getattr(task, 'task_id', None)
            logger.info('trial %s reached max_metric=%g (%s=%.4f): stopping the search',
                        self._goal.task_id, self._goal.max_metric, self._reward_attr, reward)
        if self._goal.reached:
            self._own_info = {'reason': 'max_metric reached'}
            return False
        self._own_info = None
        return keep

    @property
    def last_stop_info(self):
        if self._own_info is not None:
            return self._own_info
        return getattr(self._inner, 'last_stop_info', None)

    def get_promotable(self):
        if self._goal.reached:
            return None
        return self._inner.get_promotable()

    def state_dict(self):
        """Its own state and the wrapped terminator's, separately (the scheduler restores the
        wrapped one by its class, with or without this wrapper around it on resume)."""
        fn = getattr(self._inner, 'state_dict', None)
        return {'wrapper': {'max_metric': self._goal.max_metric, 'reached': self._goal.reached,
                            'task_id': self._goal.task_id},
                'inner_class': type(self._inner).__name__,
                'inner': fn() if callable(fn) else None}

    def load_state_dict(self, state):
        if not (isinstance(state, dict) and set(state) == {'wrapper', 'inner_class', 'inner'}):
            # written before this wrapper saved itself: the wrapped terminator's state alone
            state = {'wrapper': {}, 'inner_class': type(self._inner).__name__, 'inner': state}
        if state['inner_class'] != type(self._inner).__name__:
            raise ValueError('cannot load the state of a %s into %s' % (state['inner_class'],
                                                                         type(self._inner).__name__))
        own = state['wrapper']
        if own.get('reached') and own.get('max_metric') == self._goal.max_metric:
            self._goal.reached = True
            self._goal.task_id = own.get('task_id')
        if state['inner'] is not None:
            self._inner.load_state_dict(state['inner'])

    def __getattr__(self, name):
        if name.startswith('__') or name in ('_inner', '_goal', '_reward_attr', '_own_info'):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __repr__(self):
        return repr(self._inner)


# ----------------------------------------------------------------------------------------------
# data

def _channel_stats(images):
    """Per-channel mean and std of uint8 ``(N, H, W, C)`` images scaled to [0, 1] (chunked)."""
    c = images.shape[3]
    total = np.zeros(c)
    total_sq = np.zeros(c)
    count = 0
    for start in range(0, len(images), 4096):
        chunk = images[start:start + 4096].reshape(-1, c).astype(np.float64)
        total += chunk.sum(axis=0)
        total_sq += (chunk * chunk).sum(axis=0)
        count += len(chunk)
    mean = total / max(1, count)
    var = np.maximum(total_sq / max(1, count) - mean * mean, 0.0)
    std = np.sqrt(var)
    std[std < 1e-3] = 1.0
    return (mean / 255.0).tolist(), (std / 255.0).tolist()


def _paths(savedir):
    """``(folder, checkpoint file)``: a path with an extension (``exp1.ag``) is the checkpoint
    file and its folder holds the trials; any other path is the folder."""
    if not isinstance(savedir, (str, os.PathLike)):
        raise TypeError('savedir must be a folder or a checkpoint file path (e.g. '
                        "'checkpoint/exp1.ag'), got %r" % (savedir,))
    path = os.path.abspath(os.path.expanduser(os.fspath(savedir)))
    if os.path.isdir(path) or not os.path.splitext(path)[1]:
        return path, os.path.join(path, 'checkpoint.ag')
    return os.path.dirname(path), path


# ----------------------------------------------------------------------------------------------
# fit

class _DefaultSavedir(str):
    """The default ``savedir``: told apart from the same path given explicitly (by identity)."""


_DEFAULT_SAVEDIR = _DefaultSavedir('checkpoint/exp1.ag')


def _claim_savedir(savedir, resume, claims):
    """Lock the savedir folder for this fit before anything in it is touched; ``(folder,
    checkpoint)``. The lock goes to ``claims`` (released when fit returns or raises).

    A folder in use by a live run (another notebook, another process) is refused with
    FolderInUseError; the default savedir moves on to the next free ``checkpoint/expN`` folder
    instead (with a warning), so two fits with default arguments do not collide.
    """
    from ..core._lock import FolderInUseError, lock_folder

    folder, checkpoint = _paths(savedir)
    try:
        claims.append(lock_folder(folder, 'savedir'))
        return folder, checkpoint
    except FolderInUseError as exc:
        if savedir is not _DEFAULT_SAVEDIR or resume:
            raise
        busy = exc
    for n in range(2, 1000):
        alt_folder, alt_checkpoint = _paths(os.path.join(folder, 'exp%d' % n))
        try:
            claims.append(lock_folder(alt_folder, 'savedir'))
        except FolderInUseError:
            continue
        logger.warning('the default savedir %s is in use by another live run; this fit uses %s '
                       'instead (pass savedir= to choose the folder)', checkpoint, alt_folder)
        return alt_folder, alt_checkpoint
    raise busy


def _check_classes(dataset):
    present = np.unique(np.asarray(dataset.train.labels))
    if dataset.num_classes < 2 or len(present) < 2:
        where = dataset.train_path or dataset.name
        raise ValueError('dataset %s has %s: classification needs at least 2 classes (one folder '
                         'per class under train_path)'
                         % (where, 'a single class %r' % (dataset.classes[int(present[0])],)
                            if len(present) == 1 and dataset.classes else 'fewer than 2 classes'))


def fit(dataset, nets=None, optimizers=None, searcher='random', trial_scheduler='fifo',
        resume=False, savedir=_DEFAULT_SAVEDIR, visualizer='none', time_limits=None,
        num_trials=None, num_training_epochs=None, num_gpus=None, max_metric=None,
        stop_criterion=None, resources_per_trial=None, searcher_options=None, batch_size=None,
        lr=None, scheduler_options=None, seed=None, dask_client=None, **kwargs):
    """Search networks and hyperparameters for ``dataset``; return the best model.

    Parameters
    ----------
    dataset : task.Dataset
        With a ``train`` split (and ``val``; ``Dataset(train_path=...)`` makes a stratified
        90/10 split). A folder path is read as ``Dataset(train_path=path)``.
    nets : ag.Nets, list of names or a name, optional
        Candidate networks. Default: for images <= 64 px our ``'compact_cnn'`` and GluonCV's
        ``'cifar_resnet20_v1'``; for larger images ``'mobilenet0.25'`` and ``'resnet18_v1'``
        (on a GPU ``'resnet18_v1'`` first), trained at 128 px on a CPU, 224 px on a GPU
        (``image_size=`` changes it).
    optimizers : ag.Optimizers, list of names or a name, optional
        Among ``'sgd'``, ``'nag'``, ``'adam'``, ``'rmsprop'``, as names or as
        ``ag.optimizers.SGD(lr=..., momentum=..., wd=...)``-style objects whose values or spaces
        are searched; default ``'nag'``, ``'sgd'``, ``'adam'``.
    searcher : str, searcher class or object
        ``'random'`` (default), ``'grid'``, ...; ``searcher_options`` are passed to it.
    trial_scheduler : ``'fifo'``, ``'hyperband'`` or a scheduler class
        A class is instantiated with the arguments its signature accepts and really used.
        Hyperband runs with ``max_t=num_training_epochs``, ``grace_period=1``,
        ``reduction_factor=3``; ``scheduler_options`` (dict) adds or overrides constructor
        arguments (e.g. ``{'type': 'promotion'}``).
    resume : bool
        Continue the search saved in ``savedir`` (finished trials are kept; interrupted ones
        continue from their last epoch). With ``resume=False`` old trials there are removed.
    savedir : str
        A checkpoint file (``'checkpoint/exp1.ag'``; trials go to its folder) or a folder.
        One search per folder.
    visualizer : ``'none'`` or ``'tensorboard'``
    time_limits : float, optional
        Seconds for the whole ``fit`` call (data preparation, search, loading the best model).
        Trials still running at the limit are stopped; a trial that measures it cannot finish
        its epochs in time shortens its learning-rate schedule so it still anneals.
    num_trials : int, optional
        Number of trials (including those restored by ``resume``). With neither
        ``time_limits`` nor ``num_trials``, 2 trials run.
    num_training_epochs : int
        Epochs per trial (default 10).
    num_gpus : int, optional
        GPUs per trial; default 1 when the machine has a GPU, else 0.
    max_metric : float, optional
        Stop the search once a trial's validation accuracy reaches it.
    stop_criterion : dict, optional
        ``{'time_limits': ..., 'max_metric': ..., 'num_trials': ...}``; flat keywords win.
    resources_per_trial : dict, optional
        ``{'num_cpus': ..., 'num_gpus': ..., 'num_training_epochs': ...}`` (the era-A
        ``max_num_cpus``/``max_num_gpus``/``max_training_epochs`` too); flat keywords win.
        Default ``num_cpus``: 1 on machines with up to 4 CPUs (so 2 trials run at once on 2
        cores), else a quarter of them (4 trials at once).
    batch_size : int or search space, optional
        Default 128, smaller (down to 16) for small training sets.
    lr : float or search space, optional
        Applies to every optimizer. Default: a search space, log-uniform in [0.01, 0.4]
        (default 0.1) for sgd/nag and ``adam_lr`` in [1e-4, 1e-2] (default 1e-3) for adam.
    seed : int, optional
        Seeds the searcher and the trials.
    dask_client : distributed.Client or str, optional
        Run the trials on a Dask cluster (see docs/guides/distributed.md). The decoded images are written
        under ``savedir``, which the workers must see at the same path (a shared filesystem).
    **kwargs
        Other training hyperparameters, each a value or an ``ag.space``: ``adam_lr``, ``wd``
        (default space log-uniform [1e-5, 1e-3], default 5e-4), ``momentum`` (uniform
        [0.85, 0.95], default 0.9), ``label_smoothing`` (default 0.1), ``warmup_epochs`` (0),
        ``lr_schedule`` (``'cosine'``, ``'poly'``, ``'step'``, ``'constant'``), ``augment``
        (True), ``pretrained`` (False; True reads GluonCV weights from the local model store
        only); and ``image_size`` (training resolution, a fixed int). The 2019 keywords:
        ``lr_scheduler`` (the same as ``lr_schedule``: ``'cosine'``, ``'poly'``, ``'step'``,
        ``'constant'`` or a space of them), ``metrics=ag.Metrics(['Accuracy'])`` and
        ``losses=ag.Losses(['SoftmaxCrossEntropyLoss'])`` (the only metric and loss the task
        uses; others are a ValueError), ``backend='default'``, and ``final_fit`` below.
    final_fit : bool, optional (keyword)
        After the search, retrain the best configuration on train+validation and return that
        model (the 2019 release always did). With ``time_limits`` the budget is split before the
        search (the log says how) and the refit stops at the limit; it is skipped, keeping the
        search's model, when fewer epochs than the best trial's fit in the time left.
        ``results.metric`` stays the best trial's validation accuracy; ``metadata['final_fit']``
        says what the refit did. Default False: at equal ``time_limits`` it did not raise test
        accuracy in our measurement; with ``num_trials`` and no limit it gained 0.001-0.019 for
        1.7-2.3x the time (docs/tutorials/advanced.md, "Retraining on train+validation").

    Returns
    -------
    FitResults
        ``.metric`` (validation top-1 of ``.model``), ``.config``, ``.time``, ``.model``,
        ``.metadata``, ``.scheduler``. ``.metadata`` also holds the 2019 keys with the values
        the run used: ``nets``, ``optimizers``, ``metrics``, ``losses``, ``searcher``,
        ``trial_scheduler``, ``resume``, ``savedir``, ``visualizer``, ``stop_criterion``,
        ``resources_per_trial``, ``backend``, ``kwargs`` (what was passed beyond those) and
        ``data``.

    Example
    -------
    >>> dataset = task.Dataset(name='shopeeiet', train_path='~/data/train')   # doctest: +SKIP
    >>> results = task.fit(dataset, time_limits=120, num_training_epochs=10)   # doctest: +SKIP
    """
    params = dict(locals())
    params.update(params.pop('kwargs'))
    claims = []   # the savedir lock, held until fit returns or raises
    try:
        return _fit(claims, **params)
    finally:
        for lock in claims:
            lock.release()


def _fit(claims, dataset, nets=None, optimizers=None, searcher='random', trial_scheduler='fifo',
         resume=False, savedir=_DEFAULT_SAVEDIR, visualizer='none', time_limits=None,
         num_trials=None, num_training_epochs=None, num_gpus=None, max_metric=None,
         stop_criterion=None, resources_per_trial=None, searcher_options=None, batch_size=None,
         lr=None, scheduler_options=None, seed=None, dask_client=None, **kwargs):
    arguments = dict(locals(), kwargs=dict(kwargs))
    t0 = time.monotonic()
    from ..scheduler import detect_resources
    from ..searcher import get_searcher

    # -- 1. arguments ------------------------------------------------------------------------
    if isinstance(dataset, (str, os.PathLike)):
        dataset = Dataset(train_path=dataset)
    if not isinstance(dataset, Dataset):
        raise TypeError('dataset must be a task.Dataset (e.g. task.Dataset(train_path=...)), got %r'
                        % (type(dataset).__name__,))
    if dataset.train is None or len(dataset.train) == 0:
        raise ValueError('dataset has no training images (it was built from test_path only); give '
                         'train_path to task.Dataset to fit on it')
    _check_classes(dataset)
    if not isinstance(resume, (bool, np.bool_)):
        raise ValueError('resume must be True or False, got %r' % (resume,))
    if not isinstance(visualizer, str) or visualizer.lower() not in _VISUALIZERS:
        raise ValueError('visualizer must be one of %s, got %r' % (', '.join(_VISUALIZERS), visualizer))
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise ValueError('seed must be a non-negative int or None, got %r' % (seed,))

    _compat.check_positional(searcher, trial_scheduler)
    era = _compat.take_era_a_kwargs(kwargs)
    unknown = sorted(k for k in kwargs if k not in _TRAIN_KEYS + _DATA_KEYS)
    if unknown:
        raise TypeError('fit() got unexpected keyword argument(s) %s; training hyperparameters '
                        'it accepts (a value or an ag.space): %s; data: %s'
                        % (', '.join(repr(k) for k in unknown), ', '.join(_TRAIN_KEYS),
                           ', '.join(_DATA_KEYS)))

    stop_criterion = _dict_arg(stop_criterion, 'stop_criterion', _STOP_KEYS)
    resources = _dict_arg(resources_per_trial, 'resources_per_trial', tuple(_RESOURCE_KEYS))
    resources = {_RESOURCE_KEYS[k]: v for k, v in resources.items()}
    time_limits = _positive_real(time_limits if time_limits is not None
                                 else stop_criterion.get('time_limits'), 'time_limits')
    num_trials = _positive_int(num_trials if num_trials is not None
                               else stop_criterion.get('num_trials'), 'num_trials')
    max_metric = max_metric if max_metric is not None else stop_criterion.get('max_metric')
    if max_metric is not None and (not _is_real(max_metric) or not math.isfinite(max_metric)):
        raise ValueError('max_metric must be a number (a validation accuracy to stop at), got %r'
                         % (max_metric,))
    epochs = _positive_int(num_training_epochs if num_training_epochs is not None
                           else resources.get('num_training_epochs', 10), 'num_training_epochs',
                           allow_none=False)

    machine = detect_resources()
    # With a Dask cluster the trials run on its workers, and the scheduler checks the per-trial
    # resources against them; the driver builds and loads models itself, on its GPU if it has one.
    gpus, cpus = _trial_resources(num_gpus, resources, None if dask_client is not None else machine)
    driver_gpus = gpus if machine.num_gpus else 0

    given = {}
    for key, value in (('batch_size', batch_size), ('lr', lr)) + tuple(
            (k, kwargs[k]) for k in _TRAIN_KEYS if k in kwargs):
        if value is None:
            continue
        given[key] = _check_train_space(key, value) if isinstance(value, Space) \
            else _check_train_value(key, value)
    image_size = kwargs.get('image_size')
    if image_size is not None:
        image_size = _positive_int(image_size, 'image_size', allow_none=False)

    train_size = image_size or (dataset.image_size if dataset.image_size <= _nets.SMALL_IMAGE_MAX
                                else LARGE_IMAGE_SIZE[1 if gpus else 0])
    channels = dataset.channels
    net_space = _as_nets(nets) or Nets(_nets.default_nets(train_size, gpus))
    net_names = [_nets.check_net_name(n) for n in net_space.choices]
    if given.get('pretrained') is True or (isinstance(given.get('pretrained'), Space)):
        for name in net_names:   # fail now, not in every trial
            if name in _nets.OWN_NETS:
                raise ValueError('pretrained=True: network %r has no pretrained weights' % name)
            _nets._pretrained_file(name)
    _compat.warn_untrained_imagenet_nets(net_names, given.get('pretrained'))
    opt_space = _as_optimizers(optimizers)
    spaces, fixed = default_search_space(net_space, opt_space, given)

    scheduler_cls = _scheduler_class(trial_scheduler)
    if scheduler_options is not None and not isinstance(scheduler_options, dict):
        raise TypeError('scheduler_options must be a dict of scheduler constructor arguments, got %r'
                        % (scheduler_options,))
    if searcher_options is not None and not isinstance(searcher_options, dict):
        raise TypeError('searcher_options must be a dict, got %r' % (searcher_options,))
    search_space = SearchSpace(spaces)
    if isinstance(searcher, (str, type)):
        searcher_obj = get_searcher(searcher, search_space, **dict({'seed': seed},
                                                                  **(searcher_options or {})))
    elif searcher is None:
        searcher_obj = get_searcher('random', search_space, seed=seed, **(searcher_options or {}))
    else:
        if searcher_options:
            raise ValueError('searcher_options only apply when searcher is a name or a class, not '
                             'an object (%r)' % (searcher,))
        searcher_obj = get_searcher(searcher)
    folder, checkpoint = _claim_savedir(savedir, resume, claims)
    if num_trials is None and time_limits is None:
        num_trials = 2
        logger.info('neither time_limits nor num_trials given: running %d trials', num_trials)

    # -- 2. data -------------------------------------------------------------------------------
    t_data = time.monotonic()
    os.makedirs(folder, exist_ok=True)
    if not resume:
        shutil.rmtree(os.path.join(folder, 'trials'), ignore_errors=True)
    train, val = dataset.train, dataset.val
    if val is None or len(val) == 0:
        first, second = stratified_split(train.labels, 0.9, seed or 0)
        train, val = train.subset(first), train.subset(second)
    train = train.as_format(train_size, channels)
    val = val.as_format(train_size, channels)
    from ._train import write_split

    data_dir = os.path.join(folder, 'data')
    write_split(data_dir, 'train', train)
    write_split(data_dir, 'val', val)
    mean, std = _channel_stats(train.images)
    if 'batch_size' not in given:
        fixed['batch_size'] = _auto_batch_size(len(train))
    fixed.setdefault('label_smoothing', 0.1)
    fixed.setdefault('warmup_epochs', 0.0)
    fixed.setdefault('lr_schedule', 'cosine')
    fixed.setdefault('augment', True)
    fixed.setdefault('pretrained', False)
    t_data = time.monotonic() - t_data
    logger.info('data ready in %.2fs: %d training and %d validation images, %dx%d, %d channel(s), '
                '%d classes', t_data, len(train), len(val), train_size, train_size, channels,
                dataset.num_classes)

    # -- 3. margin kept back for loading the final model -------------------------------------
    t_model = max(_time_model_build(name, dataset.num_classes, train_size, channels, driver_gpus)
                  for name in net_names[:4])
    margin = _STOP_ALLOWANCE + 2.0 * t_model
    search_end = None if time_limits is None else t0 + time_limits - margin
    do_final = _final_fit.DEFAULT_FINAL_FIT if era.final_fit is None else era.final_fit
    if do_final and search_end is not None:
        search_end = _split_budget(search_end, t0, time_limits, margin, num_trials,
                                   _parallel_slots(machine, cpus, gpus, dask_client))

    trial_args = dict(fixed)
    trial_args.update(spaces)
    trial_args.update(data_dir=data_dir, num_classes=dataset.num_classes, image_size=train_size,
                      channels=channels, mean=mean, std=std, epochs=epochs, num_gpus=gpus,
                      seed=0 if seed is None else seed, pad=max(1, train_size // 10),
                      deadline=None if search_end is None
                      else time.time() + (search_end - time.monotonic()))
    args = argparse.Namespace(**trial_args)
    from ._train import train_image_classification

    goal = _Goal(max_metric) if max_metric is not None else None
    if goal is not None:
        searcher_obj = _GoalSearcher(searcher_obj, goal)
    core = dict(checkpoint=checkpoint, resume=bool(resume), num_trials=num_trials,
                time_attr='training_epoch', reward_attr='accuracy', visualizer=visualizer.lower())
    hyperband = dict(max_t=epochs, grace_period=1, reduction_factor=3)
    extras = dict(seed=seed, progress=True, preload=['mxnet'])
    if dask_client is not None:
        extras['dask_client'] = dask_client
    scheduler = _instantiate_scheduler(scheduler_cls, train_image_classification, args,
                                       {'num_cpus': cpus, 'num_gpus': gpus}, searcher_obj, core,
                                       hyperband, extras, dict(scheduler_options or {}))
    if dask_client is not None and type(getattr(scheduler, '_executor_spec', None)).__name__ != 'DaskExecutor':
        raise TypeError('trial_scheduler %s does not accept dask_client (its __init__ has no **kwargs to '
                        'pass it on to Hyperband_Scheduler/FIFO_Scheduler)' % scheduler_cls.__name__)
    if goal is not None:
        best = scheduler.get_best_reward() if hasattr(scheduler, 'get_best_reward') else None
        if best is not None and best >= max_metric:
            goal.reached = True
        scheduler.terminator = _GoalTerminator(scheduler.terminator, goal, 'accuracy')

    # -- 4. search -----------------------------------------------------------------------------
    search_time = None
    if time_limits is not None:
        search_time = search_end - time.monotonic()
        if search_time < 1.0:
            raise ValueError('time_limits=%gs is too short: preparing the data took %.1fs and %.1fs '
                             'are kept for stopping the trials and loading the best model'
                             % (time_limits, time.monotonic() - t0, margin))
    logger.info('searching %s with %s, %s: %s per trial, %s', _space_text(spaces),
                type(scheduler).__name__, type(getattr(searcher_obj, '_inner', searcher_obj)).__name__,
                {'num_cpus': cpus, 'num_gpus': gpus},
                ('%.1fs' % search_time) if search_time else '%s trials' % num_trials)
    t_search = time.monotonic()
    _run(scheduler, num_trials, search_time)
    t_search = time.monotonic() - t_search

    # -- 5. the best model ---------------------------------------------------------------------
    t_load = time.monotonic()
    model, task, metric, best_epoch = _load_best(scheduler, folder, dataset.classes, train_size,
                                                 channels, mean, std, driver_gpus, time_limits)
    config = _best_config(trial_args, task.config, epochs, era.lr_scheduler_given)
    final_info = None
    if do_final:
        seconds = None if time_limits is None else \
            t0 + time_limits - time.monotonic() - _STOP_ALLOWANCE - t_model
        t_refit = time.monotonic()
        model, final_info = _refit_model(model, task, trial_args, spaces, folder, seconds,
                                         ((len(train) + len(val)) / float(len(train)), best_epoch),
                                         (dataset.classes, train_size, channels, mean, std,
                                          driver_gpus))
        t_load += time.monotonic() - t_refit   # the refit is not loading time
        final_info['total_time'] = time.monotonic() - t_refit
    model.config = dict(config)
    model.metric = metric
    t_load = time.monotonic() - t_load
    total = time.monotonic() - t0

    metadata = {
        'search_space': {k: repr(v) for k, v in spaces.items()},
        'fixed': {k: v for k, v in fixed.items()},
        'scheduler': type(scheduler).__name__,
        'searcher_class': type(getattr(searcher_obj, '_inner', searcher_obj)).__name__,
        'terminator': type(getattr(scheduler.terminator, 'inner', scheduler.terminator)).__name__,
        'num_trials': len(scheduler.tasks),
        'trials': _trial_summary(scheduler),
        'best_task_id': task.task_id,
        'best_epoch': best_epoch,
        'time': total,
        'time_breakdown': {'data': t_data, 'search': t_search, 'load_model': t_load,
                           'model_build_estimate': t_model,
                           'final_fit': (final_info or {}).get('total_time', 0.0)},
        'time_limits': time_limits,
        'search_time_limit': search_time,
        'max_metric': max_metric,
        'max_metric_reached': bool(goal and goal.reached),
        'num_training_epochs': epochs,
        'resources_per_trial': {'num_cpus': cpus, 'num_gpus': gpus,
                                'num_training_epochs': epochs},
        'image_size': train_size,
        'channels': channels,
        'classes': list(dataset.classes),
        'num_train': len(train),
        'num_val': len(val),
        'normalization': {'mean': mean, 'std': std},
        'savedir': folder,
        'checkpoint': checkpoint,
        'resumed': bool(resume),
        'final_fit': final_info,
    }
    metadata.update(_compat.era_a_metadata(
        dataset=dataset, nets=net_space, optimizers=opt_space, metrics=era.metrics,
        losses=era.losses, searcher=searcher, trial_scheduler=trial_scheduler, resume=bool(resume),
        visualizer=visualizer.lower(), backend=era.backend,
        stop_criterion={'time_limits': time_limits, 'max_metric': max_metric,
                        'num_trials': num_trials},
        kwargs=_compat.user_kwargs(fit, arguments)))
    results = FitResults(metric, config, total, model, metadata, scheduler)
    _LAST['model'] = model
    _LAST['results'] = results
    logger.info('fit done in %.1fs: %d trials, best trial %d (%s) val accuracy %.4f at epoch %s',
                total, len(scheduler.tasks), task.task_id, config.get('net'), metric, best_epoch)
    return results


def _split_budget(search_end, t0, time_limits, margin, num_trials, slots):
    """The end of the search when a final fit follows it (``_final_fit.plan``); logs the split."""
    search_left, refit_time = _final_fit.plan(search_end - time.monotonic(), num_trials, slots)
    logger.info('time_limits=%gs: %.1fs for the data, %.1fs for the search, %.1fs for the final '
                'fit on train+val, %.1fs kept for loading the model and stopping workers',
                time_limits, time.monotonic() - t0, search_left, refit_time, margin)
    return time.monotonic() + search_left


def _parallel_slots(machine, cpus, gpus, dask_client):
    """How many trials run at once on this machine (1 assumed for a Dask cluster)."""
    if dask_client is not None:
        return 1
    slots = machine.num_cpus // max(1, cpus)
    if gpus:
        slots = min(slots, machine.num_gpus // gpus)
    return max(1, slots)


def _best_config(trial_args, task_config, epochs, lr_scheduler_given):
    """What the best model was trained with (the chosen optimizer's hyperparameters only)."""
    keys = ('net', 'optimizer', 'lr', 'adam_lr', 'wd', 'momentum', 'batch_size', 'label_smoothing',
            'warmup_epochs', 'lr_schedule', 'augment', 'pretrained')
    config = {k: v for k, v in trial_args.items() if k in keys or is_optimizer_key(k)}
    config.update(task_config)
    config['epochs'] = epochs
    config = model_config(config)
    if lr_scheduler_given:
        config['lr_scheduler'] = config.get('lr_schedule')
    return config


def _refit_model(model, task, trial_args, spaces, folder, seconds, epochs_info, model_args):
    """The model retrained on train+val (``_final_fit.refit``), or ``model`` if that fails.
    ``epochs_info``: (images of train+val over train, epoch of the best trial's model)."""
    from ._model import ImageClassifier

    data_ratio, best_epoch = epochs_info
    params, info = _final_fit.refit(task, trial_args, list(spaces), folder, seconds, data_ratio,
                                    min_epochs=int(best_epoch or 1))
    if params is None:
        return model, info
    classes, size, channels, mean, std, gpus = model_args
    import mxnet as mx

    ctx = mx.gpu(0) if gpus else mx.cpu()
    refit = ImageClassifier.from_params(params, model.net_name, classes, size, channels, mean, std,
                                        ctx)
    return refit, info


def _dict_arg(value, name, allowed):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError('%s must be a dict with keys among %s, got %r' % (name, ', '.join(allowed), value))
    unknown = sorted(k for k in value if k not in allowed)
    if unknown:
        raise ValueError('%s has unknown key(s) %s; allowed: %s' % (name, unknown, ', '.join(allowed)))
    return dict(value)


def _space_text(spaces):
    return '{%s}' % ', '.join('%s: %r' % kv for kv in spaces.items())


def _time_model_build(net_name, num_classes, image_size, channels, gpus):
    """Seconds to build, load and run the final model here (imports MXNet first, untimed)."""
    import mxnet as mx

    from ._model import ImageClassifier

    ctx = mx.gpu(0) if gpus else mx.cpu()
    start = time.monotonic()
    net, _ = _nets.get_net(net_name, num_classes)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net(mx.nd.zeros((1, channels, image_size, image_size), ctx=ctx))
    with tempfile.TemporaryDirectory(prefix='ag-probe-') as tmp:
        path = os.path.join(tmp, 'probe.params')
        net.save_parameters(path)
        model = ImageClassifier.from_params(path, net_name, [str(i) for i in range(num_classes)],
                                            image_size, channels, [0.5] * channels, [0.25] * channels,
                                            ctx)
        model.predict_proba(np.zeros((1, image_size, image_size, channels), np.uint8))
    return time.monotonic() - start


def _run(scheduler, num_trials, search_time):
    run = scheduler.run
    try:
        params = inspect.signature(run).parameters
    except (TypeError, ValueError):
        params = {}
    accepts = 'time_out' in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
    if search_time is not None and not accepts:
        logger.warning('%s.run() takes no time_out: setting its time_out attribute instead',
                       type(scheduler).__name__)
        scheduler.time_out = search_time
        return run(num_trials=num_trials)
    if search_time is None:
        return run(num_trials=num_trials)
    return run(num_trials=num_trials, time_out=search_time)


def _load_best(scheduler, folder, classes, image_size, channels, mean, std, gpus, time_limits):
    import mxnet as mx

    from ._model import ImageClassifier

    ctx = mx.gpu(0) if gpus else mx.cpu()
    tasks = [t for t in scheduler.tasks.values() if t.history]
    tasks.sort(key=lambda t: t.best_reward, reverse=True)
    for task in tasks:
        trial_dir = os.path.join(folder, 'trials', 'trial_%d' % task.task_id)
        params = os.path.join(trial_dir, 'best.params')
        if not os.path.exists(params):
            logger.warning('trial %d reported accuracy %.4f but its parameters are missing (%s); '
                           'trying the next best trial', task.task_id, task.best_user_reward, params)
            continue
        info = {}
        try:
            import json

            with open(os.path.join(trial_dir, 'best.json')) as f:
                info = json.load(f)
        except (OSError, ValueError):
            pass
        net_name = info.get('net') or task.config.get('net')
        model = ImageClassifier.from_params(params, net_name, classes, image_size, channels, mean, std,
                                            ctx)
        metric = float(info.get('accuracy', task.best_user_reward))
        return model, task, metric, info.get('epoch')
    errors = [t.error.strip().splitlines()[-1] for t in scheduler.tasks.values() if t.error]
    if errors:
        raise RuntimeError('every trial failed; the first error: %s (see the log for tracebacks)'
                           % errors[0])
    raise RuntimeError('no trial finished an epoch%s; give more time or fewer/smaller images'
                       % (' within time_limits=%gs' % time_limits if time_limits else ''))


def _trial_summary(scheduler):
    rows = []
    for task in scheduler.tasks.values():
        last = task.last_result or {}
        rows.append({'task_id': task.task_id, 'status': task.status, 'config': dict(task.config),
                     'accuracy': task.best_user_reward, 'epochs': last.get('training_epoch'),
                     'reason': task.reason,
                     'error': task.error.strip().splitlines()[-1] if task.error else None})
    return rows


# ----------------------------------------------------------------------------------------------
# the last model

def get_model():
    """The last fitted or loaded model; RuntimeError before any ``fit``/``load``."""
    model = _LAST['model']
    if model is None:
        raise RuntimeError('no model yet: call task.fit(dataset, ...) or task.load(folder) first')
    return model


def evaluate(dataset):
    """Top-1 accuracy of the last fitted model on ``dataset``'s test split."""
    return get_model().evaluate(dataset)


def predict(inputs):
    """``(ind, prob)`` of an image, as in 2019: one-element MXNet NDArrays (``ind.asscalar()``,
    ``prob.asscalar()``; ``.class_name`` gives the name). A folder or a list of paths gives a list
    of them. Uses the last fitted model.

    >>> ind, prob = task.predict('~/data/test/BabyShirt/img.png')          # doctest: +SKIP
    >>> dataset.train.synsets[ind.asscalar()], prob.asscalar()             # doctest: +SKIP
    """
    return get_model().predict(inputs)


def predict_batch(folder_or_paths):
    """``inds, probs`` of every image in a folder (or of a list of image paths), as in 2019: two
    lists of one-element NDArrays, in the order of ``.paths`` of the result (a folder's files
    sorted by name; a folder of class folders: by class, then name).
    ``ag.utils.generate_csv(inds, path)`` writes a Kaggle submission from ``inds``.

    >>> inds, probs = task.predict_batch('~/data/test')                     # doctest: +SKIP
    """
    return get_model().predict_batch(folder_or_paths)


def save(folder):
    """Save the last fitted model to ``folder`` (``task.load(folder)`` reads it back)."""
    return get_model().save(folder)


def load(folder):
    """Load a model saved by ``results.model.save(folder)`` / ``task.save(folder)``; it becomes
    the model ``evaluate`` and ``predict`` use. Returns it."""
    from ._model import ImageClassifier

    model = ImageClassifier.load(folder)
    _LAST['model'] = model
    return model
