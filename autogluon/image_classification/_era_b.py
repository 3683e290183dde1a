"""The image task of the first public release (Dec 2019): ``from autogluon import
ImageClassification as task``.

>>> from autogluon import ImageClassification as task                        # doctest: +SKIP
>>> dataset = task.Dataset('data/train')                                      # doctest: +SKIP
>>> classifier = task.fit(dataset, epochs=10, ngpus_per_trial=1)              # doctest: +SKIP
>>> ind, prob = classifier.predict('data/test/BabyShirt/BabyShirt_323.jpg')   # doctest: +SKIP
>>> dataset.init().classes[ind.asscalar()], classifier.results['best_reward']  # doctest: +SKIP
>>> classifier.evaluate(task.Dataset('data/test', train=False))               # doctest: +SKIP

``task.fit`` maps that release's arguments onto :func:`autogluon.image_classification.fit` and
returns a :class:`Classifier`. Importing this module does not import MXNet.
"""

import copy
import logging
import os

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
from ..space import Categorical
from . import _data_builtin as _builtin
from . import _data_folder as _folder
from ._data import Dataset as _Dataset
from ._data import ImageArrays, stratified_split

logger = logging.getLogger('autogluon.image_classification')

__all__ = ['ImageClassification', 'Classifier', 'EraBDataset', 'SEARCH_STRATEGIES']

#: ``search_strategy`` names: searcher and trial scheduler each one runs with.
SEARCH_STRATEGIES = {
    'random': ('random', 'fifo'),
    'grid': ('grid', 'fifo'),
    'skopt': ('bayesopt', 'fifo'),
    'bayesopt': ('bayesopt', 'fifo'),
    'hyperband': ('random', 'hyperband'),
    'rl': (None, 'rl'),
}
# built-in names of that release -> ours; 'imagenet' needed a prepared record file on a ramdisk.
_BUILTIN_ALIASES = {'cifar': 'cifar10'}
_NOT_BUILTIN = {
    'imagenet': 'ImageNet (the 2019 release read a prepared RecordIO file from '
    '/media/ramdisk/rec); convert it to an image folder and pass its path'
}
_RL_OPTIONS = (
    'controller_lr',
    'ema_baseline_decay',
    'controller_batch_size',
    'hidden_size',
    'softmax_temperature',
    'num_bins',
    'sync',
)
_MX_OPTIMIZERS = ('NAG', 'SGD', 'Adam', 'RMSProp')  # subclass order: NAG derives from SGD
REWARD_ATTR = 'classification_reward'


# ----------------------------------------------------------------------------------------------
# Dataset


def _concat(first, second):
    """Two ImageArrays of one format as one (``first`` then ``second``)."""
    if second is None or len(second) == 0:
        return first
    paths = None if first.paths is None or second.paths is None else first.paths + second.paths
    out = ImageArrays(
        np.concatenate([first.images, second.images]), np.concatenate([first.labels, second.labels]), paths
    )
    out.synsets = first.synsets
    return out


def _flat_image_files(path):
    """The image files directly in ``path`` when it has no sub-folders (an unlabelled test
    folder), else None."""
    names = sorted(e for e in os.listdir(path) if not e.startswith('.'))
    if any(os.path.isdir(os.path.join(path, e)) for e in names):
        return None
    files = [
        os.path.join(path, e)
        for e in names
        if _folder._is_image_name(e) and os.path.isfile(os.path.join(path, e))
    ]
    return files or None


class EraBDataset:
    """What ``task.Dataset(...)`` returns: all images of one folder (or one built-in split).

    ``init()`` returns the dataset itself (the 2019 object was built lazily there). Attributes:
    ``classes`` (also ``synsets``), ``num_classes``, ``train`` (the flag it was made with),
    ``path``, ``name``, ``arrays`` (the decoded images, an :class:`ImageArrays`; None for a folder
    of unlabelled images, whose files are in ``paths``). ``len()`` and ``dataset[i] -> (image,
    label)`` work as on the 2019 dataset (images are uint8 ``(H, W, C)`` arrays here).
    """

    def __init__(self, data, path, name, train, paths=None):
        self.data = data  # a task.Dataset whose ``test`` holds every image, or None
        self.path = path
        self.name = name
        self.train = bool(train)
        self.arrays = None if data is None else data.test
        if paths is None and self.arrays is not None:
            paths = self.arrays.paths
        self.paths = paths
        self.classes = [] if data is None else list(data.classes)

    def init(self):
        """The dataset itself (``dataset.init().classes`` of the 2019 tutorials)."""
        return self

    @property
    def synsets(self):
        return self.classes

    @property
    def num_classes(self):
        return len(self.classes)

    @property
    def labelled(self):
        return self.arrays is not None

    def __len__(self):
        return len(self.arrays) if self.arrays is not None else len(self.paths)

    def __getitem__(self, index):
        if self.arrays is None:  # an unlabelled image, at its own size
            from PIL import Image

            with Image.open(self.paths[index]) as img:
                return np.asarray(img.convert('RGB')), None
        return self.arrays.images[index], int(self.arrays.labels[index])

    def __repr__(self):
        where = self.path if self.path else self.name
        return 'ImageClassification.Dataset(%r, train=%s, images=%d, classes=%d)' % (
            where,
            self.train,
            len(self),
            self.num_classes,
        )


def _builtin_dataset(name, train, kwargs):
    key = _builtin.normalize_name(name)
    key = _BUILTIN_ALIASES.get(key, key)
    if key in _NOT_BUILTIN:
        raise ValueError('Dataset(name=%r): %s is not available in this library' % (name, _NOT_BUILTIN[key]))
    if key not in _builtin.BUILTIN_NAMES:
        return None
    data = _Dataset(key, **kwargs)  # local files only: a clear FileNotFoundError names where it looked
    data = copy.copy(data)
    if train:
        data.test = _concat(data.train, data.val)
    data.train = data.val = None
    return EraBDataset(data, None, key, train)


def dataset(path=None, train=True, name=None, input_size=None, crop_ratio=0.875, jitter_param=0.4, **kwargs):
    """``task.Dataset(path)``: a folder of class folders (``<path>/<class>/<image>``); with
    ``name='FashionMNIST'`` (or ``'MNIST'``, ``'CIFAR10'``, ``'CIFAR100'``, ``'digits'``) a
    built-in read from local files (``train=False``: its test split). A folder of images without
    class folders (an unlabelled test set) can be predicted on, not fitted or evaluated.

    ``input_size``, ``crop_ratio`` and ``jitter_param`` set the 2019 data transforms; here
    ``fit(input_size=...)`` sets the training resolution and augmentation is fit's own.
    ``image_size``, ``channels``, ``max_images_per_class`` and ``seed`` go to
    :class:`autogluon.image_classification.Dataset`.
    """
    allowed = ('image_size', 'channels', 'max_images_per_class', 'seed')
    unknown = sorted(k for k in kwargs if k not in allowed)
    if unknown:
        raise TypeError(
            'Dataset() got unexpected keyword argument(s) %s; it takes path, train, name, '
            'input_size, crop_ratio, jitter_param and %s' % (unknown, ', '.join(allowed))
        )
    check_bool('Dataset(train=...)', train)
    check_str('Dataset(name=...)', name, allow_none=True)
    if name is not None:
        out = _builtin_dataset(name, train, kwargs)
        if out is not None:
            return out
    if path is None:
        raise ValueError(
            'Dataset needs a folder path (<path>/<class>/<image>) or a built-in name '
            '(name=%s), got name=%r'
            % ('|'.join(('FashionMNIST', 'MNIST', 'CIFAR10', 'CIFAR100', 'digits')), name)
        )
    check_instance('Dataset(path)', path, (str, os.PathLike), 'a folder path')
    folder = _folder.expand_path(path, 'path')
    if os.path.isdir(folder):
        files = _flat_image_files(folder)
        if files is not None:
            return EraBDataset(None, folder, name, train, paths=files)
    data = _Dataset(name, test_path=folder, **kwargs)
    return EraBDataset(data, folder, name, train)


def _fit_dataset(ds, split_ratio, seed):
    """A task.Dataset with ``ds``'s images split into train and val (stratified, seeded)."""
    if isinstance(ds, (str, os.PathLike)):
        ds = dataset(ds)
    if isinstance(ds, _Dataset):
        return ds  # an era-A dataset: already split
    if not isinstance(ds, EraBDataset):
        raise TypeError(
            'fit(dataset) takes task.Dataset(path) or task.Dataset(name=...), got %r' % (type(ds).__name__,)
        )
    if not ds.labelled:
        raise ValueError(
            'fit: %s holds images without class folders; fit needs <path>/<class>/<image>' % ds.path
        )
    allowed = 'a number strictly between 0 and 1 (the share of each class used for training)'
    if not is_real(split_ratio):
        raise fail_type('split_ratio', allowed, split_ratio)
    if not 0 < split_ratio < 1:
        raise fail_value('split_ratio', allowed, split_ratio)
    data = copy.copy(ds.data)
    first, second = stratified_split(ds.arrays.labels, float(split_ratio), seed)
    if len(second) == 0:
        raise ValueError(
            'fit: %s has too few images for a validation split (each class needs at '
            'least 2 images)' % (ds.path or ds.name)
        )
    data.train, data.val, data.test = ds.arrays.subset(first), ds.arrays.subset(second), None
    data.train_path, data.test_path = ds.path, None
    data.split_ratio = float(split_ratio)
    return data


# ----------------------------------------------------------------------------------------------
# fit's arguments


def _map_search_strategy(search_strategy, search_options, grace_period, epochs):
    """``(searcher, trial_scheduler, searcher_options, scheduler_options, name)`` for fit."""
    from ..scheduler import RLScheduler

    options = dict(check_instance('search_options', search_options, dict, 'a dict', allow_none=True) or {})
    if isinstance(search_strategy, type):  # a scheduler class, run with a random searcher
        return 'random', search_strategy, options, {}, search_strategy.__name__
    allowed = 'one of %s or a scheduler class' % ', '.join(repr(s) for s in SEARCH_STRATEGIES)
    if not isinstance(search_strategy, str):
        raise fail_type('search_strategy', allowed, search_strategy)
    key = search_strategy.lower()
    if key not in SEARCH_STRATEGIES:
        raise fail_value('search_strategy', allowed, search_strategy)
    searcher, scheduler = SEARCH_STRATEGIES[key]
    if scheduler == 'rl':
        unknown = sorted(k for k in options if k not in _RL_OPTIONS)
        if unknown:
            raise ValueError(
                "search_strategy='rl': search_options %s are not options of its "
                "controller; allowed: %s" % (unknown, ', '.join(_RL_OPTIONS))
            )
        return None, RLScheduler, {}, options, key
    sched_options = {}
    if scheduler == 'hyperband':
        if grace_period is None:
            grace_period = max(1, epochs // 4)
        allowed = 'an int between 1 and epochs (%d)' % epochs
        if not is_int(grace_period):
            raise fail_type('grace_period', allowed, grace_period)
        if not 1 <= grace_period <= epochs:
            raise fail_value('grace_period', allowed, grace_period)
        sched_options['grace_period'] = int(grace_period)
    elif grace_period is not None:
        logger.info("grace_period=%r applies to search_strategy='hyperband' only; ignored", grace_period)
    return searcher, scheduler, options, sched_options, key


def _map_resources(nthreads_per_trial, ngpus_per_trial):
    """``(num_gpus, resources_per_trial)``: given values capped at what this machine has (more
    GPUs than it has: one WARNING, then the trials run with what there is, CPU only without)."""
    from ..scheduler import detect_resources

    machine = detect_resources()
    resources = {}
    if nthreads_per_trial is not None:
        nthreads_per_trial = check_int('nthreads_per_trial', nthreads_per_trial, low=1)
        if nthreads_per_trial > machine.num_cpus:
            logger.info(
                'nthreads_per_trial=%d: this machine has %d CPU(s); each trial gets %d',
                nthreads_per_trial,
                machine.num_cpus,
                machine.num_cpus,
            )
        resources['num_cpus'] = int(min(nthreads_per_trial, machine.num_cpus))
    gpus = check_int('ngpus_per_trial', ngpus_per_trial, low=0, allow_none=True)
    if gpus is not None:
        if gpus > machine.num_gpus:
            logger.warning(
                'ngpus_per_trial=%d, but this machine has %d GPU(s): each trial runs on %s',
                gpus,
                machine.num_gpus,
                '%d GPU(s)' % machine.num_gpus if machine.num_gpus else 'the CPU',
            )
            gpus = machine.num_gpus
        gpus = int(gpus)
    return gpus, resources


def _mx_optimizer_name(target):
    """The optimizer name of a subclass of an MXNet optimizer (the 2019 ``@ag.obj class
    NAG(optim.NAG)``), or None when ``target`` is not one."""
    if not isinstance(target, type):
        return None
    import mxnet as mx

    for name in _MX_OPTIMIZERS:
        if issubclass(target, getattr(mx.optimizer, name)):
            own = [k for k in vars(target) if not (k.startswith('__') and k.endswith('__'))]
            if own:
                raise ValueError(
                    'optimizer: %s subclasses mxnet.optimizer.%s with its own code (%s); '
                    'trials train with the built-in %s, so only its hyperparameters '
                    'may be searched (learning_rate, wd, momentum)'
                    % (target.__name__, name, ', '.join(sorted(own)), name)
                )
            return name.lower()
    return None


def _map_optimizer(optimizer):
    """fit's ``optimizers`` from the 2019 ``optimizer``: ``ag.optimizer.SGD(...)``-style objects,
    names, a Categorical of them, or an ``@ag.obj`` subclass of an MXNet optimizer."""
    from ..optimizer import Optimizer
    from ..space import AutoGluonObject

    if optimizer is None:
        return None
    if isinstance(optimizer, Categorical):
        return [_one_optimizer(o, Optimizer, AutoGluonObject) for o in optimizer.choices]
    return [_one_optimizer(optimizer, Optimizer, AutoGluonObject)]


def _one_optimizer(opt, optimizer_cls, ag_object_cls):
    if isinstance(opt, (str, optimizer_cls)):
        return opt
    if isinstance(opt, ag_object_cls):
        name = _mx_optimizer_name(getattr(opt, '_ag_target', None))
        if name is not None:
            params = dict(opt.kwvars)
            params.update(opt.kwargs)
            return optimizer_cls(name, **params)
    raise fail_type(
        'optimizer',
        'ag.optimizer.SGD/NAG/Adam/RMSProp(...), an optimizer name, an @ag.obj '
        'subclass of an MXNet SGD/NAG/Adam/RMSProp, or a Categorical of them',
        opt,
    )


def _map_net(net):
    """fit's ``nets`` from the 2019 ``net`` (a name or a Categorical of names)."""
    if net is None or isinstance(net, str):
        return net
    choices = net.choices if isinstance(net, Categorical) else net
    if not isinstance(choices, (list, tuple)):
        raise fail_type('net', 'a network name or ag.space.Categorical of names', net)
    for choice in choices:
        if not isinstance(choice, str):
            raise TypeError(
                'net: %r is not a network name. Networks are given by name here (see '
                'autogluon.image_classification.list_nets()); networks built by an '
                '@ag.func or a Gluon block are not supported' % (choice,)
            )
    return [c.lower() for c in choices]


def _check_metric_and_loss(metric, loss):
    """The one metric and the one loss every trial trains with (the 2019 arguments took others)."""
    allowed = "'accuracy' (models are chosen by top-1 validation accuracy)"
    if not isinstance(metric, str):
        raise fail_type('metric', allowed, metric)
    if metric.lower() not in ('accuracy', 'acc'):
        raise fail_value('metric', allowed, metric)
    allowed = (
        'SoftmaxCrossEntropyLoss (an instance of mxnet.gluon.loss.SoftmaxCrossEntropyLoss or '
        'its name), the loss every trial trains with'
    )
    if loss is None or type(loss).__name__ == 'SoftmaxCrossEntropyLoss':
        return
    if not isinstance(loss, str):
        raise fail_type('loss', allowed, loss)
    if loss.lower() not in ('softmaxcrossentropyloss', 'softmax_cross_entropy'):
        raise fail_value('loss', allowed, loss)


# ----------------------------------------------------------------------------------------------
# fit


def _check_fit_arguments(dist_ip_addrs, metric, loss, **flags):
    """The checks of era-B ``fit``'s arguments that are not mapped onto the task's ``fit``."""
    if dist_ip_addrs:
        raise ValueError(
            'dist_ip_addrs=%r is not supported: this library runs trials on other '
            'machines through Dask; pass dask_client=<a distributed.Client or a '
            'scheduler address> instead' % (dist_ip_addrs,)
        )
    _check_metric_and_loss(metric, loss)
    for key, value in flags.items():
        check_bool(key, value)


def fit(
    dataset,
    net=None,
    optimizer=None,
    lr_scheduler='cosine',
    loss=None,
    split_ratio=0.8,
    batch_size=None,
    input_size=None,
    epochs=20,
    metric='accuracy',
    nthreads_per_trial=None,
    ngpus_per_trial=None,
    hybridize=True,
    search_strategy='random',
    plot_results=False,
    verbose=False,
    search_options=None,
    time_limits=None,
    resume=False,
    checkpoint=None,
    visualizer='none',
    num_trials=2,
    dist_ip_addrs=None,
    grace_period=None,
    auto_search=True,
    *,
    dask_client=None,
    seed=None,
):
    # The parameters are documented in _FIT_DOC (assigned below).
    from . import _fit

    _check_fit_arguments(
        dist_ip_addrs,
        metric,
        loss,
        hybridize=hybridize,
        plot_results=plot_results,
        verbose=verbose,
        auto_search=auto_search,
        resume=resume,
    )
    epochs = check_int('epochs', epochs, low=1)
    searcher, scheduler, searcher_options, scheduler_options, strategy = _map_search_strategy(
        search_strategy, search_options, grace_period, int(epochs)
    )
    gpus, resources = _map_resources(nthreads_per_trial, ngpus_per_trial)
    kwargs = dict(
        nets=_map_net(net),
        optimizers=_map_optimizer(optimizer),
        searcher=searcher,
        trial_scheduler=scheduler,
        resume=bool(resume),
        visualizer=visualizer,
        time_limits=time_limits,
        num_trials=num_trials,
        num_training_epochs=int(epochs),
        num_gpus=gpus,
        resources_per_trial=resources or None,
        searcher_options=searcher_options or None,
        scheduler_options=scheduler_options or None,
        batch_size=batch_size,
        dask_client=dask_client,
        seed=seed,
        final_fit=True,
        lr_scheduler=lr_scheduler,
        savedir=_fit._DEFAULT_SAVEDIR if checkpoint is None else checkpoint,
    )
    if input_size is not None:
        kwargs['image_size'] = input_size
    if not hybridize:
        logger.info('hybridize=False: networks are hybridized here in any case (same results, faster)')
    data = _fit_dataset(dataset, split_ratio, 0 if seed is None else seed)
    results = _run_fit(data, kwargs, verbose)
    if plot_results:
        _plot(results)
    return Classifier(results.model, _results_dict(results, strategy), results)


_FIT_DOC = """Search networks and hyperparameters on ``dataset``; the best configuration is retrained on
train+val; returns a :class:`Classifier`.

The 2019 arguments: ``net`` (a name or ``ag.space.Categorical`` of names; default: networks
suited to the image size), ``optimizer`` (``ag.optimizer.SGD(learning_rate=..., wd=...)`` and
the like, an ``@ag.obj`` subclass of an MXNet optimizer, or a Categorical of them; default:
NAG/SGD/Adam with the task's spaces), ``lr_scheduler`` (``'cosine'``, ``'poly'``, ``'step'``,
``'constant'`` or a Categorical of them), ``loss`` (softmax cross-entropy only),
``split_ratio`` (share of each class for training), ``batch_size`` (a value or a space;
default chosen from the data size), ``input_size`` (training resolution; default: the images'
own size up to 64 px, else 128 on a CPU, 224 on a GPU), ``epochs``, ``metric`` (``'accuracy'``
only), ``nthreads_per_trial``/``ngpus_per_trial`` (CPUs/GPUs per trial, capped at what the
machine has; asking for GPUs on a machine without one logs a warning and trains on the CPU),
``hybridize`` (networks are always hybridized), ``search_strategy`` (%s, or a scheduler
class), ``search_options`` (the searcher's options; the RL controller's for ``'rl'``),
``grace_period`` (Hyperband's minimum epochs, default ``epochs // 4``), ``time_limits``
(seconds for the whole call), ``num_trials``, ``checkpoint`` (``'checkpoint/exp1.ag'``: trials
are saved in its folder), ``resume``, ``visualizer``, ``plot_results`` (saves the training
curves as ``training_curves.png`` in the checkpoint folder, and shows them in a notebook),
``verbose`` (INFO logs of the search). ``dist_ip_addrs`` is not supported: pass
``dask_client`` for a cluster.
"""
fit.__doc__ = _FIT_DOC % ', '.join(repr(s) for s in SEARCH_STRATEGIES)


def _run_fit(data, kwargs, verbose):
    from ._fit import fit as task_fit

    log = logging.getLogger('autogluon')
    level = log.level
    if verbose and log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        return task_fit(data, **kwargs)
    finally:
        log.setLevel(level)


def _plot(results):
    import sys

    path = os.path.join(results.metadata['savedir'], 'training_curves.png')
    try:
        results.get_training_curves(filename=path, plot='ipykernel' in sys.modules, use_legend=False)
        logger.info('training curves saved to %s', path)
    except Exception:  # a plot must not lose a finished fit
        logger.warning('plot_results: could not plot the training curves', exc_info=True)


def _results_dict(results, strategy):
    """``classifier.results`` with the 2019 keys."""
    meta = results.metadata
    trial_info = {}
    for task in results.scheduler.tasks.values():
        history = [dict(r) for r in task.history]
        info = {'config': dict(task.config), 'history': history, 'metadata': {}}
        if history:
            info[REWARD_ATTR] = history[-1].get('accuracy')
            info['metadata'] = {k: v for k, v in history[-1].items() if k != 'accuracy'}
        trial_info[task.task_id] = info
    return {
        'best_reward': results.metric,
        'best_config': dict(results.config),
        'total_time': results.time,
        'metadata': meta,
        'reward_attr': REWARD_ATTR,
        REWARD_ATTR: results.metric,
        'num_classes': len(meta['classes']),
        'trial_info': trial_info,
        'search_space': meta['search_space'],
        'search_strategy': strategy,
    }


# ----------------------------------------------------------------------------------------------
# Classifier


class Classifier:
    """What ``task.fit`` returns: the best model, retrained on train+val.

    ``results`` (``'best_reward'``: validation top-1 of the best trial, ``'best_config'``,
    ``'total_time'``, ``'metadata'``, ``'trial_info'``, ``'reward_attr'``, ...), ``model`` (the
    Gluon network), ``classes``, ``fit_results`` (the :class:`FitResults` of the search; None
    after ``load``), ``predict``, ``predict_proba``, ``evaluate``, ``save``, ``Classifier.load``.
    """

    def __init__(self, image_classifier, results, fit_results=None):
        self.image_classifier = image_classifier
        self.results = results
        self.fit_results = fit_results

    @property
    def model(self):
        return self.image_classifier.net

    @property
    def classes(self):
        return list(self.image_classifier.classes)

    def predict(self, X, input_size=None, plot=False):
        """``ind, prob = classifier.predict('image.jpg')``: one-element NDArrays
        (``ind.asscalar()``); a task.Dataset, a folder or a list of paths gives ``inds, probs``,
        two lists in the dataset's order (``ag.utils.generate_csv(inds, path)`` takes ``inds``).
        ``input_size`` and ``plot`` are accepted for the 2019 signature: the model knows its
        input size, and nothing is plotted."""
        model = self.image_classifier
        if isinstance(X, EraBDataset):
            if X.paths is not None:
                return model.predict_batch(list(X.paths))
            from ._model import PredictionBatch

            return PredictionBatch(model._predictions(X.arrays, None))
        if isinstance(X, (str, os.PathLike)) and os.path.isdir(os.path.expanduser(os.fspath(X))):
            return model.predict_batch(X)
        if isinstance(X, (list, tuple)):
            return model.predict_batch(list(X))
        return model.predict(X)

    def predict_proba(self, X):
        """Class probabilities ``(N, num_classes)`` (numpy) of an image path, a uint8 array or a
        task.Dataset."""
        from ._data import load_image

        model = self.image_classifier
        if isinstance(X, EraBDataset):
            return model.predict_proba(X.arrays if X.labelled else self._images(X.paths))
        if isinstance(X, (str, os.PathLike)):
            return model.predict_proba(load_image(X, model.image_size, model.channels)[None])
        return model.predict_proba(X)

    def _images(self, paths):
        from ._data import load_images

        return load_images(list(paths), self.image_classifier.image_size, self.image_classifier.channels)[0]

    def evaluate(self, dataset, input_size=None, ctx=None):
        """Top-1 accuracy on every image of ``dataset`` (a task.Dataset, labelled by class
        folders; class names are matched to the model's)."""
        if isinstance(dataset, EraBDataset):
            if not dataset.labelled:
                raise ValueError(
                    'evaluate: %s holds images without class folders, so there are no '
                    'labels to compare with' % dataset.path
                )
            dataset = dataset.data
        return self.image_classifier.evaluate(dataset)

    # -- saving --------------------------------------------------------------------------------
    def save(self, checkpoint):
        """Write the model and ``results`` to one file (``classifier.save('classifier.ag')``)."""
        from ._era_b_io import save_classifier

        return save_classifier(self, checkpoint)

    @classmethod
    def load(cls, checkpoint):
        """A Classifier saved by :meth:`save` (in any process)."""
        from ._era_b_io import load_classifier

        model, results = load_classifier(checkpoint)
        return cls(model, results)

    def __repr__(self):
        return 'Classifier(net=%r, classes=%d, best_reward=%.4f)' % (
            self.image_classifier.net_name,
            len(self.classes),
            self.results.get('best_reward') or 0.0,
        )


class ImageClassification:
    """The image task of the first public release: ``from autogluon import ImageClassification as
    task``; ``task.Dataset(...)``, ``task.fit(...)``, ``task.load(checkpoint)``."""

    Dataset = staticmethod(dataset)
    fit = staticmethod(fit)
    load = staticmethod(Classifier.load)
