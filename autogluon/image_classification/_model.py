"""The fitted classifier: predict, evaluate, save and load.

>>> model = results.model                                 # doctest: +SKIP
>>> ind, prob = model.predict('~/data/test/BabyShirt/1.jpg')          # doctest: +SKIP
>>> model.save('my_model'); same = ImageClassifier.load('my_model')   # doctest: +SKIP
"""

import json
import logging
import os

import numpy as np

from ..core._validate import check_instance

logger = logging.getLogger(__name__)

__all__ = ['ImageClassifier', 'Prediction', 'PredictionBatch']

MODEL_FORMAT = 'autogluon.image_classification.model'
MODEL_VERSION = 1
_PARAMS = 'model.params'
_JSON = 'model.json'


class Prediction(tuple):
    """``(ind, prob)`` of one image, as the 2019 ``task.predict`` returned it: two one-element
    MXNet NDArrays (``ind.asscalar()`` is the class index, ``prob.asscalar()`` its probability).

    They also act as numbers (``classes[ind]``, ``int(ind)``, ``'%.2f' % prob``), and the
    prediction carries ``.index`` (int), ``.probability`` (float), ``.class_name``, ``.path`` and
    ``.probabilities`` (every class, a numpy array).

    >>> p = Prediction(2, 0.9, 'shoes', 'a.png')
    >>> ind, prob = p
    >>> ind.asscalar(), round(float(prob.asscalar()), 3), p.class_name
    (2, 0.9, 'shoes')
    >>> ['a', 'b', 'c'][ind], '%.2f' % prob, p.index
    ('c', '0.90', 2)
    """

    def __new__(cls, index, probability, class_name=None, path=None, probabilities=None):
        from ._compat import nd_scalar

        self = super().__new__(
            cls, (nd_scalar(int(index), 'int32'), nd_scalar(float(probability), 'float32'))
        )
        self.index = int(index)
        self.probability = float(probability)
        self.class_name = class_name
        self.path = path
        self.probabilities = probabilities
        return self

    def __getnewargs__(self):
        return (self.index, self.probability, self.class_name, self.path, self.probabilities)

    def __getstate__(self):
        return None

    def __repr__(self):
        where = ', path=%r' % self.path if self.path else ''
        return 'Prediction(index=%d, probability=%.4f, class_name=%r%s)' % (
            self.index,
            self.probability,
            self.class_name,
            where,
        )


class PredictionBatch(tuple):
    """``(inds, probs)`` of several images, as the 2019 ``task.predict_batch`` returned them: two
    lists of one-element NDArrays, in the order of ``.paths``. ``.predictions`` holds one
    :class:`Prediction` per image (with ``.class_name``); ``ag.utils.generate_csv(inds, path)``
    writes a Kaggle-style submission from ``inds``."""

    def __new__(cls, predictions):
        predictions = list(predictions)
        self = super().__new__(cls, ([p[0] for p in predictions], [p[1] for p in predictions]))
        self.predictions = predictions
        self.paths = [p.path for p in predictions]
        return self

    def __getnewargs__(self):
        return (self.predictions,)

    def __getstate__(self):
        return None

    def __repr__(self):
        return 'PredictionBatch(%d images)' % len(self.predictions)


def _default_ctx():
    import mxnet as mx

    return mx.cpu()


class ImageClassifier:
    """A trained network with everything needed to classify new images.

    Attributes: ``net`` (a hybridized Gluon block), ``net_name``, ``classes``,
    ``image_size``, ``channels``, ``mean``/``std`` (per-channel normalization of [0, 1]
    pixels), ``config`` (hyperparameters it was trained with), ``metric`` (validation top-1).
    """

    def __init__(
        self, net, net_name, classes, image_size, channels, mean, std, ctx=None, config=None, metric=None
    ):
        self.net = net
        self.net_name = net_name
        self.classes = [str(c) for c in classes]
        self.image_size = int(image_size)
        self.channels = int(channels)
        self.mean = [float(m) for m in mean]
        self.std = [float(s) for s in std]
        self.ctx = ctx or _default_ctx()
        self.config = dict(config or {})
        self.metric = metric

    @property
    def num_classes(self):
        return len(self.classes)

    # -- building --------------------------------------------------------------------------
    @classmethod
    def from_params(
        cls,
        params_file,
        net_name,
        classes,
        image_size,
        channels,
        mean,
        std,
        ctx=None,
        config=None,
        metric=None,
    ):
        """Build ``net_name`` for ``len(classes)`` outputs and load ``params_file`` into it."""
        from ._nets import get_net

        ctx = ctx or _default_ctx()
        net, _ = get_net(net_name, len(classes), pretrained=False)
        net.load_parameters(params_file, ctx=ctx)
        net.hybridize(static_alloc=True, static_shape=True)
        return cls(net, net_name, classes, image_size, channels, mean, std, ctx, config, metric)

    # -- predicting --------------------------------------------------------------------------
    def _format(self, images):
        from ._data import ImageArrays

        if isinstance(images, ImageArrays):
            arrays = images
        else:
            images = np.asarray(images)
            if images.ndim == 3:
                images = images[None]
            if images.ndim == 4 and images.shape[-1] not in (1, 3) and images.shape[1] in (1, 3):
                images = images.transpose(0, 2, 3, 1)
            if images.dtype != np.uint8:
                raise ValueError(
                    'images must be uint8 arrays (H, W, C) or (N, H, W, C) with values '
                    '0-255, got %s %s' % (images.dtype, images.shape)
                )
            arrays = ImageArrays(images, np.zeros(len(images), np.int64))
        return arrays.as_format(self.image_size, self.channels).images

    def predict_proba(self, images):
        """Class probabilities ``(N, num_classes)`` of uint8 images (any size; converted)."""
        from ._train import predict_proba

        return predict_proba(self.net, self._format(images), self.mean, self.std, self.ctx)

    def _predictions(self, images, paths):
        probs = self.predict_proba(images)
        index = probs.argmax(axis=1)
        return [
            Prediction(i, probs[k, i], self.classes[i], None if paths is None else paths[k], probs[k])
            for k, i in enumerate(index)
        ]

    def predict(self, inputs):
        """Classify images.

        ``inputs``: an image file path -> one :class:`Prediction` ``(class index, probability)``
        (also ``.class_name``); a folder or a list of paths -> a list of them (one per readable
        image file, each with ``.path``); a uint8 array ``(H, W, C)`` -> one,
        ``(N, H, W, C)`` -> a list. A missing file raises FileNotFoundError naming it.
        """
        from ._data import load_image, load_images
        from ._data_folder import expand_path

        if isinstance(inputs, (str, os.PathLike)):
            path = expand_path(inputs, 'path')
            if not os.path.exists(path):
                raise FileNotFoundError('no such image file or folder: %s' % path)
            if os.path.isdir(path):
                images, paths = load_images(path, self.image_size, self.channels)
                return self._predictions(images, paths)
            image = load_image(path, self.image_size, self.channels)
            return self._predictions(image[None], [path])[0]
        if isinstance(inputs, np.ndarray):
            single = inputs.ndim == 3
            preds = self._predictions(inputs, None)
            return preds[0] if single else preds
        if isinstance(inputs, (list, tuple)):
            paths = [expand_path(p, 'path') for p in inputs]
            for p in paths:
                if os.path.isdir(p):
                    raise ValueError('a list given to predict() holds image files, not folders: %s' % p)
                if not os.path.isfile(p):
                    raise FileNotFoundError('no such image file: %s' % p)
            if not paths:
                return []
            images, read = load_images(paths, self.image_size, self.channels)
            return self._predictions(images, read)
        raise TypeError(
            'predict() takes an image path, a folder, a list of paths or a uint8 '
            'array, got %r' % (type(inputs).__name__,)
        )

    def predict_batch(self, folder_or_paths):
        """``(inds, probs)`` of a folder's images or a list of image paths (a
        :class:`PredictionBatch`; ``.paths`` says which image each entry is).

        A folder's image files are taken sorted by name; a folder of class folders (a labelled
        test set) gives every image one level down, sorted by class then name. Unreadable files
        are skipped with a warning naming them (``.paths`` lists the images predicted).
        """
        from ._compat import predict_paths
        from ._data import load_images

        paths = predict_paths(folder_or_paths)
        if not paths:
            return PredictionBatch([])
        for p in paths:
            if not os.path.isfile(os.path.expanduser(p)):
                raise FileNotFoundError('predict_batch: no such image file: %s' % p)
        images, read = load_images(paths, self.image_size, self.channels)
        return PredictionBatch(self._predictions(images, read))

    # -- evaluating ----------------------------------------------------------------------------
    def evaluate(self, dataset):
        """Top-1 accuracy on a Dataset's ``test`` split (or an ImageArrays / an image folder).

        Labels are matched by class name, so a test folder may hold a subset of the classes.
        """
        from ._data import Dataset, ImageArrays
        from ._train import evaluate_accuracy

        classes = self.classes
        if isinstance(dataset, (str, os.PathLike)):
            dataset = Dataset(test_path=dataset, image_size=self.image_size, channels=self.channels)
        if isinstance(dataset, Dataset):
            if dataset.test is None:
                raise ValueError(
                    'the dataset has no test split: build it with '
                    'task.Dataset(test_path=...) (or give test_path with train_path)'
                )
            arrays, classes = dataset.test, list(dataset.classes)
        elif isinstance(dataset, ImageArrays):
            arrays = dataset
        else:
            raise TypeError(
                'evaluate() takes a task.Dataset with a test split, an ImageArrays or a '
                'folder path, got %r' % (type(dataset).__name__,)
            )
        labels = np.asarray(arrays.labels)
        if list(classes) != self.classes:
            unknown = [c for c in classes if c not in self.classes]
            if unknown:
                raise ValueError(
                    'the test data has classes %s that the model does not know '
                    '(model classes: %s)' % (unknown, self.classes)
                )
            mapping = np.asarray([self.classes.index(c) for c in classes], np.int64)
            labels = mapping[labels]
        images = arrays.as_format(self.image_size, self.channels).images
        return evaluate_accuracy(self.net, images, labels, self.mean, self.std, self.ctx)

    # -- saving ----------------------------------------------------------------------------------
    def to_json(self):
        return {
            'format': MODEL_FORMAT,
            'version': MODEL_VERSION,
            'net': self.net_name,
            'classes': self.classes,
            'num_classes': self.num_classes,
            'image_size': self.image_size,
            'channels': self.channels,
            'normalization': {'mean': self.mean, 'std': self.std, 'scale': 1.0 / 255},
            'config': _jsonable(self.config),
            'metric': self.metric,
        }

    def save(self, folder):
        """Write ``model.params`` and ``model.json`` into ``folder`` (created if needed)."""
        check_instance('folder', folder, (str, os.PathLike), 'a folder path (a str or os.PathLike)')
        folder = os.path.abspath(os.path.expanduser(os.fspath(folder)))
        os.makedirs(folder, exist_ok=True)
        params = os.path.join(folder, _PARAMS)
        tmp = params + '.tmp.%d' % os.getpid()
        self.net.save_parameters(tmp)
        os.replace(tmp, params)
        tmp = os.path.join(folder, _JSON + '.tmp.%d' % os.getpid())
        with open(tmp, 'w') as f:
            json.dump(self.to_json(), f, indent=1, sort_keys=True)
        os.replace(tmp, os.path.join(folder, _JSON))
        logger.info('saved the model (%s, %d classes) to %s', self.net_name, self.num_classes, folder)
        return folder

    @classmethod
    def load(cls, folder, ctx=None):
        """Load a model saved by :meth:`save` (in any process)."""
        check_instance('folder', folder, (str, os.PathLike), 'a folder path (a str or os.PathLike)')
        folder = os.path.abspath(os.path.expanduser(os.fspath(folder)))
        meta_path = os.path.join(folder, _JSON)
        params = os.path.join(folder, _PARAMS)
        if not os.path.isdir(folder):
            raise FileNotFoundError('no such model folder: %s' % folder)
        for path in (meta_path, params):
            if not os.path.exists(path):
                raise FileNotFoundError(
                    '%s is not a saved model folder: %s is missing' % (folder, os.path.basename(path))
                )
        with open(meta_path) as f:
            try:
                meta = json.load(f)
            except ValueError as exc:
                raise ValueError('%s is not valid JSON (%s)' % (meta_path, exc)) from exc
        if meta.get('format') != MODEL_FORMAT:
            raise ValueError('%s was not written by ImageClassifier.save' % meta_path)
        if meta.get('version') != MODEL_VERSION:
            raise ValueError(
                '%s has version %r; this library reads version %d'
                % (meta_path, meta.get('version'), MODEL_VERSION)
            )
        norm = meta['normalization']
        return cls.from_params(
            params,
            meta['net'],
            meta['classes'],
            meta['image_size'],
            meta['channels'],
            norm['mean'],
            norm['std'],
            ctx,
            meta.get('config'),
            meta.get('metric'),
        )

    def __repr__(self):
        return 'ImageClassifier(net=%r, classes=%d, image_size=%d, channels=%d%s)' % (
            self.net_name,
            self.num_classes,
            self.image_size,
            self.channels,
            '' if self.metric is None else ', val_accuracy=%.4f' % self.metric,
        )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)
