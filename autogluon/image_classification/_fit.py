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

``_fit`` is these steps in order, each a function of its own. The training hyperparameters
(keywords, checks, defaults, default spaces) are the rows of ``_hparams``; which scheduler gets
which arguments is the table of ``_schedulers``; ``time_limits`` is one :class:`_Budget` that
every step asks; a trial's deadline travels beside its configuration (``_train.TrialFunction``).
"""

import argparse
import inspect
import logging
import os
import shutil
import tempfile
import time
import types

import numpy as np

from ..core._validate import (
    check_bool,
    check_choice,
    check_int,
    check_real,
    check_seconds,
    fail_type,
    fail_value,
)
from ..space import Categorical, Space
from . import _compat, _final_fit, _hparams, _nets, _schedulers
from ._data import Dataset, stratified_split
from ._optimizers import is_optimizer_key, model_config, optimizer_search_space
from ._results import FitResults
from ._spaces import OPTIMIZER_NAMES, Nets, Optimizers

logger = logging.getLogger('autogluon.image_classification')

__all__ = ['fit', 'evaluate', 'predict', 'predict_batch', 'load', 'save', 'get_model', 'default_search_space']

#: The last fitted (or loaded) model, used by ``evaluate``, ``predict`` and ``save``.
_LAST = {'model': None, 'results': None}

# Hyperparameters of the training function that fit accepts as keywords (a value or a space):
# the rows of _hparams.
_TRAIN_KEYS = _hparams.FIT_KEYWORDS
# Keywords that shape the data (fixed values only).
_DATA_KEYS = ('image_size',)
_STOP_KEYS = ('time_limits', 'max_metric', 'num_trials')
_RESOURCE_KEYS = {
    'num_cpus': 'num_cpus',
    'num_gpus': 'num_gpus',
    'num_training_epochs': 'num_training_epochs',
    # era-A spellings
    'max_num_cpus': 'num_cpus',
    'max_num_gpus': 'num_gpus',
    'max_training_epochs': 'num_training_epochs',
}
_VISUALIZERS = ('none', 'tensorboard')
#: Training resolution of large images (CPU, GPU).
LARGE_IMAGE_SIZE = (128, 224)
#: Seconds kept back from time_limits for stopping workers and saving the checkpoint.
_STOP_ALLOWANCE = 1.0
#: What fit gives every scheduler beside the user's ``scheduler_options`` (see ``_schedulers``).
_REPORT_KEYS = dict(time_attr='training_epoch', reward_attr='accuracy')
_RUNGS = dict(grace_period=1, reduction_factor=3)  # and max_t=num_training_epochs


def _check_train(name, value):
    """One training keyword of fit (a value or a space), checked by its row of ``_hparams``."""
    shown = 'lr_schedule (lr_scheduler)' if name == 'lr_schedule' else name
    if isinstance(value, Space):
        return _hparams.check_space(name, value, shown)
    return _hparams.check_value(name, value, shown)


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
    raise TypeError('nets must be ag.Nets([...]), a list of network names or one name, got %r' % (nets,))


def _as_optimizers(optimizers):
    if optimizers is None:
        return Optimizers(['nag', 'sgd', 'adam'])
    if isinstance(optimizers, Categorical):
        for choice in optimizers.choices:
            if choice not in OPTIMIZER_NAMES:
                raise ValueError(
                    'optimizers: unknown optimizer %r; allowed: %s' % (choice, ', '.join(OPTIMIZER_NAMES))
                )
        return optimizers
    if isinstance(optimizers, str) or hasattr(optimizers, 'get_hyper_params'):
        return Optimizers([optimizers])
    if isinstance(optimizers, (list, tuple)):
        return Optimizers(list(optimizers))
    raise TypeError(
        'optimizers must be ag.Optimizers([...]), a list of optimizer names or '
        'ag.optimizers.SGD(...)-style objects, or one of them, got %r' % (optimizers,)
    )


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


# ----------------------------------------------------------------------------------------------
# schedulers


def _trial_resources(num_gpus, resources, machine):
    """Per-trial ``(gpus, cpus)``, checked against ``machine`` where the trials run locally.

    ``machine`` is None for a Dask cluster: defaults of 0 GPUs and 1 CPU, checked by the scheduler
    against the cluster's workers.
    """
    gpus = num_gpus if num_gpus is not None else resources.get('num_gpus')
    if gpus is None:
        gpus = 1 if machine is not None and machine.num_gpus else 0
    gpus = check_int('num_gpus', gpus, low=0)
    cpus = resources.get('num_cpus')
    if machine is None:
        return gpus, check_int("resources_per_trial['num_cpus']", 1 if cpus is None else cpus, low=1)
    if gpus > machine.num_gpus:
        raise ValueError(
            'num_gpus=%d per trial, but this machine has %d GPU(s)%s'
            % (gpus, machine.num_gpus, '' if machine.num_gpus else '; use num_gpus=0')
        )
    if cpus is None:
        if gpus:
            cpus = max(1, machine.num_cpus // max(1, machine.num_gpus // gpus))
        else:
            cpus = 1 if machine.num_cpus <= 4 else machine.num_cpus // 4
    cpus = check_int("resources_per_trial['num_cpus']", cpus, low=1)
    if cpus > machine.num_cpus:
        raise ValueError(
            "resources_per_trial['num_cpus']=%d, but this machine has %d CPU(s)" % (cpus, machine.num_cpus)
        )
    return gpus, cpus


# The scheduler table and the max_metric wrapper live in _schedulers; these names are kept for
# callers of this module.
_scheduler_class = _schedulers.scheduler_class
_Goal = _schedulers.Goal
_GoalTerminator = _schedulers.GoalTerminator


def _instantiate_scheduler(cls, train_fn, args, resource, searcher, core, hyperband, extras, user_options):
    """``cls`` built with the arguments of ``core``, ``hyperband`` and ``extras`` it takes, and
    ``searcher`` (see ``_schedulers.instantiate_scheduler``)."""
    offered = dict(core, searcher=searcher)
    offered.update(hyperband)
    offered.update(extras)
    return _schedulers.instantiate_scheduler(cls, train_fn, args, resource, offered, user_options)


# ----------------------------------------------------------------------------------------------
# data


def _channel_stats(images):
    """Per-channel mean and std of uint8 ``(N, H, W, C)`` images scaled to [0, 1] (chunked)."""
    c = images.shape[3]
    total = np.zeros(c)
    total_sq = np.zeros(c)
    count = 0
    for start in range(0, len(images), 4096):
        chunk = images[start : start + 4096].reshape(-1, c).astype(np.float64)
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
        raise TypeError(
            'savedir must be a folder or a checkpoint file path (e.g. '
            "'checkpoint/exp1.ag'), got %r" % (savedir,)
        )
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
        logger.warning(
            'the default savedir %s is in use by another live run; this fit uses %s '
            'instead (pass savedir= to choose the folder)',
            checkpoint,
            alt_folder,
        )
        return alt_folder, alt_checkpoint
    raise busy


def _check_classes(dataset):
    present = np.unique(np.asarray(dataset.train.labels))
    if dataset.num_classes < 2 or len(present) < 2:
        where = dataset.train_path or dataset.name
        raise ValueError(
            'dataset %s has %s: classification needs at least 2 classes (one folder '
            'per class under train_path)'
            % (
                where,
                'a single class %r' % (dataset.classes[int(present[0])],)
                if len(present) == 1 and dataset.classes
                else 'fewer than 2 classes',
            )
        )


_FIT_DOC = '''Search networks and hyperparameters for ``dataset``; return the best model.

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
        A class is instantiated and really used. It gets the arguments of fit's table
        (``_schedulers.MEANT_FOR``) that it names as parameters or takes through ``**kwargs``;
        one meant for it that it cannot take is logged as a WARNING naming it (it keeps its own
        default), and ``dask_client`` it cannot take is a TypeError. The scheduler builds the
        searcher from ``searcher`` and ``searcher_options``.
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
        Stop the search once a trial's validation accuracy reaches it: no new trial starts
        (the scheduler's ``max_reward``), and with ``'fifo'``/``'hyperband'`` the running trials
        stop and nothing is promoted (a terminator wrapping theirs, passed at construction). A
        scheduler class of yours keeps its own terminator: its running trials finish.
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
    '''


def fit(
    dataset,
    nets=None,
    optimizers=None,
    searcher='random',
    trial_scheduler='fifo',
    resume=False,
    savedir=_DEFAULT_SAVEDIR,
    visualizer='none',
    time_limits=None,
    num_trials=None,
    num_training_epochs=None,
    num_gpus=None,
    max_metric=None,
    stop_criterion=None,
    resources_per_trial=None,
    searcher_options=None,
    batch_size=None,
    lr=None,
    scheduler_options=None,
    seed=None,
    dask_client=None,
    **kwargs,
):
    """Search networks and hyperparameters for ``dataset``; return the best model (the
    parameters are documented in ``_FIT_DOC``, which becomes ``fit.__doc__``)."""
    params = dict(locals())
    params.update(params.pop('kwargs'))
    claims = []  # the savedir lock, held until fit returns or raises
    try:
        return _fit(claims, params)
    finally:
        for lock in claims:
            lock.release()


fit.__doc__ = _FIT_DOC


def _fit(claims, params):
    """fit as a composition: check, claim the folder, data, time plan, scheduler, search, the
    best model, the results."""
    budget = _Budget(time.monotonic())
    run = _check_arguments(params, budget)
    run.folder, run.checkpoint = _claim_savedir(run.savedir, run.resume, claims)
    _prepare_data(run)
    _plan_time(run, budget)
    _pack_trial_arguments(run)
    scheduler = _build_scheduler(run, budget)
    search_time = _search(run, scheduler, budget)
    best = _best_model(run, scheduler, budget)
    return _results(run, scheduler, best, budget, search_time)


class _Budget:
    """fit's ``time_limits``: the one time value of a fit, started when ``fit`` is called. Each
    stage asks it what is left (``left``), where the search ends (``search_left``) and the
    deadline a trial gets (``trial_deadline``, on the wall clock the workers share)."""

    def __init__(self, start):
        self.start = start
        self.seconds = None  # time_limits (None: no limit)
        self.search_end = None  # time.monotonic() at which the search ends
        self.margin = 0.0  # kept back for loading the final model and stopping workers
        self.t_model = 0.0  # measured seconds to build and load the final model

    def left(self, keep=0.0):
        """Seconds left of ``time_limits`` less ``keep`` (None without a limit)."""
        if self.seconds is None:
            return None
        return self.start + self.seconds - time.monotonic() - keep

    def end_search_in(self, seconds):
        self.search_end = time.monotonic() + seconds

    def search_left(self):
        return None if self.search_end is None else self.search_end - time.monotonic()

    def trial_deadline(self):
        left = self.search_left()
        return None if left is None else time.time() + left


# -- 1. arguments ------------------------------------------------------------------------------


def _check_arguments(params, budget):
    """Every argument of fit, checked before any file is written; returns the run's settings."""
    kwargs = {k: v for k, v in params.items() if k not in _FIT_PARAMS}
    run = types.SimpleNamespace(**{k: params[k] for k in _FIT_PARAMS})
    run.arguments = dict({k: params[k] for k in _FIT_PARAMS}, kwargs=dict(kwargs))
    run.dataset = _check_dataset(run.dataset)
    run.resume = check_bool('resume', run.resume)
    run.visualizer = check_choice('visualizer', run.visualizer, _VISUALIZERS)
    run.seed = check_int('seed', run.seed, low=0, allow_none=True)
    _compat.check_positional(run.searcher, run.trial_scheduler)
    run.era = _compat.take_era_a_kwargs(kwargs)
    unknown = sorted(k for k in kwargs if k not in _TRAIN_KEYS + _DATA_KEYS)
    if unknown:
        raise TypeError(
            'fit() got unexpected keyword argument(s) %s; training hyperparameters '
            'it accepts (a value or an ag.space): %s; data: %s'
            % (', '.join(repr(k) for k in unknown), ', '.join(_TRAIN_KEYS), ', '.join(_DATA_KEYS))
        )
    _check_stop_and_resources(run)
    budget.seconds = run.time_limits
    _check_search_space(run, kwargs)
    _check_scheduler(run)
    if run.num_trials is None and run.time_limits is None:
        run.num_trials = 2
        logger.info('neither time_limits nor num_trials given: running %d trials', run.num_trials)
    return run


def _check_dataset(dataset):
    if isinstance(dataset, (str, os.PathLike)):
        dataset = Dataset(train_path=dataset)
    if not isinstance(dataset, Dataset):
        raise fail_type('dataset', 'a task.Dataset (e.g. task.Dataset(train_path=...))', dataset)
    if dataset.train is None or len(dataset.train) == 0:
        raise ValueError(
            'dataset has no training images (it was built from test_path only); give '
            'train_path to task.Dataset to fit on it'
        )
    _check_classes(dataset)
    return dataset


def _check_stop_and_resources(run):
    """The stop criteria (flat keywords win over ``stop_criterion``) and per-trial resources."""
    from ..scheduler import detect_resources

    stop = _dict_arg(run.stop_criterion, 'stop_criterion', _STOP_KEYS)
    resources = _dict_arg(run.resources_per_trial, 'resources_per_trial', tuple(_RESOURCE_KEYS))
    resources = {_RESOURCE_KEYS[k]: v for k, v in resources.items()}

    def flat_or_dict(name):
        value = getattr(run, name)
        return value if value is not None else stop.get(name)

    run.time_limits = check_seconds('time_limits', flat_or_dict('time_limits'))
    run.num_trials = check_int('num_trials', flat_or_dict('num_trials'), low=1, allow_none=True)
    run.max_metric = check_real('max_metric', flat_or_dict('max_metric'), allow_none=True)
    epochs = run.num_training_epochs
    run.epochs = check_int(
        'num_training_epochs',
        epochs if epochs is not None else resources.get('num_training_epochs', 10),
        low=1,
    )
    run.machine = detect_resources()
    # With a Dask cluster the trials run on its workers, and the scheduler checks the per-trial
    # resources against them; the driver builds and loads models itself, on its GPU if it has one.
    run.gpus, run.cpus = _trial_resources(
        run.num_gpus, resources, None if run.dask_client is not None else run.machine
    )
    run.driver_gpus = run.gpus if run.machine.num_gpus else 0


def _check_search_space(run, kwargs):
    """The training keywords (rows of ``_hparams``), the networks and the optimizers: sets
    ``spaces`` (searched) and ``fixed`` (given or default values of the optimizers)."""
    given = {}
    for key, value in (('batch_size', run.batch_size), ('lr', run.lr)) + tuple(
        (k, kwargs[k]) for k in _TRAIN_KEYS if k in kwargs
    ):
        if value is not None:
            given[key] = _check_train(key, value)
    image_size = kwargs.get('image_size')
    if image_size is not None:
        image_size = check_int('image_size', image_size, low=1)
    dataset = run.dataset
    run.train_size = image_size or (
        dataset.image_size
        if dataset.image_size <= _nets.SMALL_IMAGE_MAX
        else LARGE_IMAGE_SIZE[1 if run.gpus else 0]
    )
    run.channels = dataset.channels
    run.net_space = _as_nets(run.nets) or Nets(_nets.default_nets(run.train_size, run.gpus))
    run.net_names = [_nets.check_net_name(n) for n in run.net_space.choices]
    if given.get('pretrained') is True or isinstance(given.get('pretrained'), Space):
        for name in run.net_names:  # fail now, not in every trial
            if name in _nets.OWN_NETS:
                raise ValueError('pretrained=True: network %r has no pretrained weights' % name)
            _nets._pretrained_file(name)
    _compat.warn_untrained_imagenet_nets(run.net_names, given.get('pretrained'))
    run.opt_space = _as_optimizers(run.optimizers)
    run.spaces, run.fixed = default_search_space(run.net_space, run.opt_space, given)


def _check_scheduler(run):
    """The scheduler class, its options and the searcher (the scheduler builds the searcher)."""
    run.scheduler_cls = _schedulers.scheduler_class(run.trial_scheduler)
    if run.scheduler_options is not None and not isinstance(run.scheduler_options, dict):
        raise fail_type(
            'scheduler_options', 'a dict of scheduler constructor arguments', run.scheduler_options
        )
    run.scheduler_options = dict(run.scheduler_options or {})
    if run.searcher_options is not None and not isinstance(run.searcher_options, dict):
        raise fail_type('searcher_options', 'a dict', run.searcher_options)
    _check_searcher(run.searcher, run.searcher_options)
    if run.dask_client is not None:
        _schedulers.check_dask_client(run.scheduler_cls)


def _check_searcher(searcher, options):
    """A searcher name, class or object the scheduler can build or use (not built here)."""
    from ..searcher._registry import SEARCHERS

    allowed = 'one of %s, a searcher class or a searcher object' % ', '.join(
        repr(s) for s in sorted(SEARCHERS)
    )
    if searcher is None or isinstance(searcher, type):
        return
    if isinstance(searcher, str):
        if searcher.lower() not in SEARCHERS:
            raise fail_value('searcher', allowed, searcher)
        return
    if options:
        raise ValueError(
            'searcher_options only apply when searcher is a name or a class, not an object (%r)' % (searcher,)
        )
    if not (callable(getattr(searcher, 'get_config', None)) and callable(getattr(searcher, 'update', None))):
        raise fail_type('searcher', allowed, searcher)


# -- 2. data -------------------------------------------------------------------------------------


def _prepare_data(run):
    """Split, convert and write the images once (``<folder>/data``); their channel statistics."""
    start = time.monotonic()
    os.makedirs(run.folder, exist_ok=True)
    if not run.resume:
        shutil.rmtree(os.path.join(run.folder, 'trials'), ignore_errors=True)
    train, val = run.dataset.train, run.dataset.val
    if val is None or len(val) == 0:
        first, second = stratified_split(train.labels, 0.9, run.seed or 0)
        train, val = train.subset(first), train.subset(second)
    run.train = train.as_format(run.train_size, run.channels)
    run.val = val.as_format(run.train_size, run.channels)
    from ._train import write_split

    run.data_dir = os.path.join(run.folder, 'data')
    write_split(run.data_dir, 'train', run.train)
    write_split(run.data_dir, 'val', run.val)
    run.mean, run.std = _channel_stats(run.train.images)
    run.t_data = time.monotonic() - start
    logger.info(
        'data ready in %.2fs: %d training and %d validation images, %dx%d, %d channel(s), %d classes',
        run.t_data,
        len(run.train),
        len(run.val),
        run.train_size,
        run.train_size,
        run.channels,
        run.dataset.num_classes,
    )


# -- 3. time -------------------------------------------------------------------------------------


def _plan_time(run, budget):
    """Time building the final model (the margin kept back), and where the search ends: before
    the margin, and before the final fit's share when one follows (``_final_fit.plan``)."""
    budget.t_model = max(
        _time_model_build(name, run.dataset.num_classes, run.train_size, run.channels, run.driver_gpus)
        for name in run.net_names[:4]
    )
    budget.margin = _STOP_ALLOWANCE + 2.0 * budget.t_model
    run.do_final = _final_fit.DEFAULT_FINAL_FIT if run.era.final_fit is None else run.era.final_fit
    if budget.seconds is None:
        return
    budget.end_search_in(budget.left(keep=budget.margin))
    if run.do_final:
        slots = _parallel_slots(run.machine, run.cpus, run.gpus, run.dask_client)
        search_left, refit_time = _final_fit.plan(budget.search_left(), run.num_trials, slots)
        logger.info(
            'time_limits=%gs: %.1fs for the data, %.1fs for the search, %.1fs for the '
            'final fit on train+val, %.1fs kept for loading the model and stopping workers',
            budget.seconds,
            time.monotonic() - budget.start,
            search_left,
            refit_time,
            budget.margin,
        )
        budget.end_search_in(search_left)


# -- 4. the trials' arguments and the scheduler --------------------------------------------------


def _pack_trial_arguments(run):
    """``run.trial_args``: the configuration every trial starts from: the fixed values (given
    or the defaults of ``_hparams``), then the search spaces, then the data. No run control."""
    defaults = _hparams.fixed_defaults(num_train=len(run.train))
    for name, value in defaults.items():
        if name not in run.spaces:
            run.fixed.setdefault(name, value)
    args = {k: v for k, v in run.fixed.items() if k not in run.spaces}
    args.update(run.spaces)
    args.update(
        data_dir=run.data_dir,
        num_classes=run.dataset.num_classes,
        image_size=run.train_size,
        channels=run.channels,
        mean=run.mean,
        std=run.std,
        epochs=run.epochs,
        num_gpus=run.gpus,
        seed=0 if run.seed is None else run.seed,
        pad=_hparams.default('pad', image_size=run.train_size),
    )
    run.trial_args = args


def _scheduler_arguments(run):
    """What fit offers the scheduler (``_schedulers.MEANT_FOR`` says who takes what)."""
    offered = dict(
        searcher=run.searcher,
        checkpoint=run.checkpoint,
        resume=run.resume,
        num_trials=run.num_trials,
        visualizer=run.visualizer,
        max_t=run.epochs,
        seed=run.seed,
        progress=True,
        preload=['mxnet'],
        **_REPORT_KEYS,
    )
    offered.update(_RUNGS)
    if run.searcher_options:
        offered['searcher_options'] = dict(run.searcher_options)
    if run.dask_client is not None:
        offered['dask_client'] = run.dask_client
    if run.goal is not None:
        from ..scheduler import FIFO_Scheduler, Hyperband_Scheduler

        key = {FIFO_Scheduler: 'fifo', Hyperband_Scheduler: 'hyperband'}.get(run.scheduler_cls)
        offered.update(_schedulers.goal_arguments(key, run.goal, offered, run.scheduler_options))
    return offered


def _build_scheduler(run, budget):
    """The scheduler, given the training function with the trials' deadline beside their
    configuration (``_train.TrialFunction``)."""
    from ._train import TrialFunction

    run.goal = _schedulers.Goal(run.max_metric) if run.max_metric is not None else None
    offered = _scheduler_arguments(run)
    scheduler = _schedulers.instantiate_scheduler(
        run.scheduler_cls,
        TrialFunction(deadline=budget.trial_deadline()),
        argparse.Namespace(**run.trial_args),
        {'num_cpus': run.cpus, 'num_gpus': run.gpus},
        offered,
        run.scheduler_options,
    )
    if run.goal is not None:
        best = scheduler.get_best_reward() if hasattr(scheduler, 'get_best_reward') else None
        if best is not None and best >= run.max_metric:
            run.goal.reached = True  # a resumed search that had reached it
        wanted = offered.get('terminator')
        if wanted is not None and getattr(scheduler, 'terminator', None) is not wanted:
            logger.warning(
                '%s replaced the max_metric terminator after construction: trials '
                'already running finish; no new trial starts once max_metric is '
                'reached',
                type(scheduler).__name__,
            )
    return scheduler


# -- 5. search -----------------------------------------------------------------------------------


def _search(run, scheduler, budget):
    """Run the search until ``num_trials`` or the search's end; returns its time limit."""
    search_time = budget.search_left()
    if search_time is not None and search_time < 1.0:
        raise ValueError(
            'time_limits=%gs is too short: preparing the data took %.1fs and %.1fs '
            'are kept for stopping the trials and loading the best model'
            % (budget.seconds, time.monotonic() - budget.start, budget.margin)
        )
    searcher = getattr(scheduler, 'searcher', None)
    logger.info(
        'searching %s with %s, %s: %s per trial, %s',
        _space_text(run.spaces),
        type(scheduler).__name__,
        type(searcher).__name__,
        {'num_cpus': run.cpus, 'num_gpus': run.gpus},
        ('%.1fs' % search_time) if search_time else '%s trials' % run.num_trials,
    )
    start = time.monotonic()
    _run(scheduler, run.num_trials, search_time)
    run.t_search = time.monotonic() - start
    return search_time


# -- 6. the best model ---------------------------------------------------------------------------


def _best_model(run, scheduler, budget):
    """The best trial's model, or its refit on train+val (``final_fit``)."""
    start = time.monotonic()
    best = types.SimpleNamespace(final_info=None)
    best.model, best.task, best.metric, best.epoch = _load_best(
        scheduler,
        run.folder,
        run.dataset.classes,
        run.train_size,
        run.channels,
        run.mean,
        run.std,
        run.driver_gpus,
        budget.seconds,
    )
    best.config = _best_config(run.trial_args, best.task.config, run.epochs, run.era.lr_scheduler_given)
    refit_time = 0.0
    if run.do_final:
        t_refit = time.monotonic()
        best.model, best.final_info = _refit_model(
            best.model,
            best.task,
            run.trial_args,
            run.spaces,
            run.folder,
            budget.left(keep=_STOP_ALLOWANCE + budget.t_model),
            ((len(run.train) + len(run.val)) / float(len(run.train)), best.epoch),
            (run.dataset.classes, run.train_size, run.channels, run.mean, run.std, run.driver_gpus),
        )
        refit_time = time.monotonic() - t_refit  # the refit is not loading time
        best.final_info['total_time'] = refit_time
    best.model.config = dict(best.config)
    best.model.metric = best.metric
    best.t_load = time.monotonic() - start - refit_time
    return best


# -- 7. results ----------------------------------------------------------------------------------


def _results(run, scheduler, best, budget, search_time):
    """FitResults with the metadata of the run; the model becomes the module's last model."""
    total = time.monotonic() - budget.start
    metadata = _metadata(run, scheduler, best, budget, search_time, total)
    results = FitResults(best.metric, best.config, total, best.model, metadata, scheduler)
    _LAST['model'] = best.model
    _LAST['results'] = results
    logger.info(
        'fit done in %.1fs: %d trials, best trial %d (%s) val accuracy %.4f at epoch %s',
        total,
        len(scheduler.tasks),
        best.task.task_id,
        best.config.get('net'),
        best.metric,
        best.epoch,
    )
    return results


def _metadata(run, scheduler, best, budget, search_time, total):
    terminator = getattr(scheduler, 'terminator', None)
    goal = run.goal
    metadata = {
        'search_space': {k: repr(v) for k, v in run.spaces.items()},
        'fixed': dict(run.fixed),
        'scheduler': type(scheduler).__name__,
        'searcher_class': type(getattr(scheduler, 'searcher', None)).__name__,
        'terminator': type(getattr(terminator, 'inner', terminator)).__name__,
        'num_trials': len(scheduler.tasks),
        'trials': _trial_summary(scheduler),
        'best_task_id': best.task.task_id,
        'best_epoch': best.epoch,
        'time': total,
        'time_breakdown': {
            'data': run.t_data,
            'search': run.t_search,
            'load_model': best.t_load,
            'model_build_estimate': budget.t_model,
            'final_fit': (best.final_info or {}).get('total_time', 0.0),
        },
        'time_limits': run.time_limits,
        'search_time_limit': search_time,
        'max_metric': run.max_metric,
        'max_metric_reached': bool(goal and (goal.reached or best.metric >= goal.max_metric)),
        'num_training_epochs': run.epochs,
        'resources_per_trial': {
            'num_cpus': run.cpus,
            'num_gpus': run.gpus,
            'num_training_epochs': run.epochs,
        },
        'image_size': run.train_size,
        'channels': run.channels,
        'classes': list(run.dataset.classes),
        'num_train': len(run.train),
        'num_val': len(run.val),
        'normalization': {'mean': run.mean, 'std': run.std},
        'savedir': run.folder,
        'checkpoint': run.checkpoint,
        'resumed': run.resume,
        'final_fit': best.final_info,
    }
    metadata.update(
        _compat.era_a_metadata(
            dataset=run.dataset,
            nets=run.net_space,
            optimizers=run.opt_space,
            metrics=run.era.metrics,
            losses=run.era.losses,
            searcher=run.searcher,
            trial_scheduler=run.trial_scheduler,
            resume=run.resume,
            visualizer=run.visualizer,
            backend=run.era.backend,
            stop_criterion={
                'time_limits': run.time_limits,
                'max_metric': run.max_metric,
                'num_trials': run.num_trials,
            },
            kwargs=_compat.user_kwargs(fit, run.arguments),
        )
    )
    return metadata


_FIT_PARAMS = tuple(name for name, p in inspect.signature(fit).parameters.items() if p.kind != p.VAR_KEYWORD)


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
    keys = (
        'net',
        'optimizer',
        'lr',
        'adam_lr',
        'wd',
        'momentum',
        'batch_size',
        'label_smoothing',
        'warmup_epochs',
        'lr_schedule',
        'augment',
        'pretrained',
    )
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
    params, info = _final_fit.refit(
        task, trial_args, list(spaces), folder, seconds, data_ratio, min_epochs=int(best_epoch or 1)
    )
    if params is None:
        return model, info
    classes, size, channels, mean, std, gpus = model_args
    import mxnet as mx

    ctx = mx.gpu(0) if gpus else mx.cpu()
    refit = ImageClassifier.from_params(params, model.net_name, classes, size, channels, mean, std, ctx)
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
        model = ImageClassifier.from_params(
            path,
            net_name,
            [str(i) for i in range(num_classes)],
            image_size,
            channels,
            [0.5] * channels,
            [0.25] * channels,
            ctx,
        )
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
        logger.warning(
            '%s.run() takes no time_out: setting its time_out attribute instead', type(scheduler).__name__
        )
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
            logger.warning(
                'trial %d reported accuracy %.4f but its parameters are missing (%s); '
                'trying the next best trial',
                task.task_id,
                task.best_user_reward,
                params,
            )
            continue
        info = {}
        try:
            import json

            with open(os.path.join(trial_dir, 'best.json')) as f:
                info = json.load(f)
        except (OSError, ValueError):
            pass
        net_name = info.get('net') or task.config.get('net')
        model = ImageClassifier.from_params(params, net_name, classes, image_size, channels, mean, std, ctx)
        metric = float(info.get('accuracy', task.best_user_reward))
        return model, task, metric, info.get('epoch')
    errors = [t.error.strip().splitlines()[-1] for t in scheduler.tasks.values() if t.error]
    if errors:
        raise RuntimeError('every trial failed; the first error: %s (see the log for tracebacks)' % errors[0])
    raise RuntimeError(
        'no trial finished an epoch%s; give more time or fewer/smaller images'
        % (' within time_limits=%gs' % time_limits if time_limits else '')
    )


def _trial_summary(scheduler):
    rows = []
    for task in scheduler.tasks.values():
        last = task.last_result or {}
        rows.append(
            {
                'task_id': task.task_id,
                'status': task.status,
                'config': dict(task.config),
                'accuracy': task.best_user_reward,
                'epochs': last.get('training_epoch'),
                'reason': task.reason,
                'error': task.error.strip().splitlines()[-1] if task.error else None,
            }
        )
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
