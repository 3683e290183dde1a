"""The data layer of the image-classification task: decoded uint8 arrays, made once.

``Dataset`` reads an image folder (``<root>/<class>/<image>``) or a local built-in dataset and
holds its splits as :class:`ImageArrays`. Only numpy and PIL are imported here (scikit-learn
lazily, for ``'digits'``); MXNet is never needed to build a dataset.

>>> from autogluon.image_classification._data import Dataset, sample_data_path
>>> ds = Dataset('shopeeiet', train_path=sample_data_path() + '/train')     # doctest: +SKIP
>>> ds                                                                      # doctest: +SKIP
Dataset('shopeeiet', classes=4, train=288, val=32, test=None, image_size=28, channels=3)
"""

import logging
import os
import time

import numpy as np
from PIL import Image

from ..core._validate import check_choice, check_int, check_real, check_str, fail_type, fail_value, is_int
from . import _data_builtin as _builtin
from . import _data_folder as _folder
from ._data_folder import ImageSkippedWarning, decode_image

logger = logging.getLogger(__name__)

__all__ = [
    'ImageArrays',
    'Dataset',
    'load_image_folder',
    'load_image',
    'load_images',
    'sample_data_path',
    'stratified_split',
    'ImageSkippedWarning',
    'BUILTIN_NAMES',
]

BUILTIN_NAMES = _builtin.BUILTIN_NAMES
#: The largest common side chosen automatically (a larger ``image_size`` may be given explicitly).
MAX_AUTO_SIZE = 224
_MAX_IMAGE_SIZE = 4096
_BILINEAR = getattr(Image, 'Resampling', Image).BILINEAR
# legacy keyword arguments of the 2019 Dataset (they configured MXNet data loaders there)
_LEGACY_STORED = ('batch_size', 'num_workers')
_LEGACY_IGNORED = (
    'transform_train_fn',
    'transform_val_fn',
    'transform_train_list',
    'transform_val_list',
    'batchify_train_fn',
    'batchify_val_fn',
)


# ----------------------------------------------------------------------------------------------
# validation helpers


def _check_channels(channels, allow_none=True):
    """1 (grayscale) or 3 (RGB), or None (inferred) where allowed."""
    if channels is None and allow_none:
        return None
    allowed = '1 (grayscale) or 3 (RGB)' + (' or None (inferred)' if allow_none else '')
    if not is_int(channels):
        raise fail_type('channels', allowed, channels)
    if channels not in (1, 3):
        raise fail_value('channels', allowed, channels)
    return int(channels)


# ----------------------------------------------------------------------------------------------
# ImageArrays


class ImageArrays:
    """Decoded images of one split, all of one square size and channel count.

    Attributes: ``images`` uint8 ``(N, H, W, C)`` with C 1 or 3, ``labels`` int64 ``(N,)``,
    ``paths`` (source file per image, or None for built-in arrays), ``synsets`` (the class names
    in label order, as the 2019 ``dataset.train.synsets``; set by :class:`Dataset`).

    >>> a = ImageArrays(np.zeros((2, 8, 8, 1), np.uint8), [0, 1])
    >>> len(a), a.image_size, a.channels
    (2, 8, 1)
    >>> a.as_format(16, 3).images.shape
    (2, 16, 16, 3)
    """

    def __init__(self, images, labels, paths=None):
        images = np.asarray(images)
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] not in (1, 3):
            raise ValueError(
                'images must be a uint8 array of shape (N, H, W, C) with C 1 or 3, '
                'got %s %s' % (images.dtype, images.shape)
            )
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        if len(labels) != len(images):
            raise ValueError('labels has %d entries but there are %d images' % (len(labels), len(images)))
        if paths is not None:
            paths = [str(p) for p in paths]
            if len(paths) != len(images):
                raise ValueError('paths has %d entries but there are %d images' % (len(paths), len(images)))
        self.images = images
        self.labels = labels
        self.paths = paths
        self.synsets = None

    def _with_synsets(self, other):
        other.synsets = self.synsets
        return other

    def __len__(self):
        return len(self.labels)

    @property
    def image_size(self):
        """Side of the (square) images."""
        return int(self.images.shape[1])

    @property
    def channels(self):
        """1 (grayscale) or 3 (RGB)."""
        return int(self.images.shape[3])

    def subset(self, indices):
        """The images at ``indices`` (an index array or boolean mask), as new ImageArrays."""
        indices = np.asarray(indices)
        if indices.dtype == bool:
            indices = np.flatnonzero(indices)
        paths = None if self.paths is None else [self.paths[i] for i in indices]
        return self._with_synsets(ImageArrays(self.images[indices], self.labels[indices], paths))

    def as_format(self, image_size, channels):
        """These images resized to ``image_size`` squared (PIL bilinear) with ``channels`` channels.

        Grayscale -> RGB copies the channel; RGB -> grayscale uses the ITU-R 601 luma weights
        (as PIL's ``convert('L')``). Returns ``self`` when nothing changes (arrays are shared,
        never modified).
        """
        image_size = check_int('image_size', image_size, low=1, high=_MAX_IMAGE_SIZE)
        channels = _check_channels(channels, allow_none=False)
        if image_size == self.image_size and channels == self.channels:
            return self
        images = self.images
        if channels < images.shape[3]:  # fewer pixels to resize after the conversion
            images = _rgb_to_gray(images)
        if image_size != images.shape[1] or image_size != images.shape[2]:
            images = _resize_all(images, image_size)
        if channels > images.shape[3]:
            images = np.repeat(images, 3, axis=3)
        return self._with_synsets(ImageArrays(images, self.labels, self.paths))

    def __repr__(self):
        return 'ImageArrays(n=%d, image_size=%d, channels=%d)' % (
            len(self),
            self.images.shape[1],
            self.channels,
        )


def _rgb_to_gray(images):
    weights = np.asarray([299, 587, 114], dtype=np.uint32)
    gray = (images.astype(np.uint32) @ weights + 500) // 1000
    return gray.astype(np.uint8)[..., None]


def _resize_all(images, image_size):
    out = np.empty((len(images), image_size, image_size, images.shape[3]), dtype=np.uint8)
    gray = images.shape[3] == 1
    for i, img in enumerate(images):
        pil = Image.fromarray(img[:, :, 0] if gray else img, 'L' if gray else 'RGB')
        arr = np.asarray(pil.resize((image_size, image_size), _BILINEAR), dtype=np.uint8)
        out[i] = arr[:, :, None] if gray else arr
    return out


# ----------------------------------------------------------------------------------------------
# splitting and sub-sampling


def stratified_split(labels, ratio, seed):
    """Seeded stratified split of indices: ``(first, second)`` sorted index arrays.

    Per class (in label order) the indices are shuffled by one ``numpy.random.Generator(seed)``
    and ``round(ratio * n)`` go to ``first``; ``second`` gets the rest, at least one when the
    class has two or more members (and ``first`` keeps at least one).

    >>> stratified_split(np.array([0, 0, 0, 0, 1, 1]), 0.5, seed=0)[1].size
    3
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    first, second = [], []
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n = len(members)
        n_first = int(np.floor(ratio * n + 0.5))
        if n >= 2:
            n_first = min(max(n_first, 1), n - 1)
        else:
            n_first = n
        first.append(members[:n_first])
        second.append(members[n_first:])
    first = np.sort(np.concatenate(first)) if first else np.zeros(0, np.int64)
    second = np.sort(np.concatenate(second)) if second else np.zeros(0, np.int64)
    return first.astype(np.int64), second.astype(np.int64)


def _cap_per_class(labels, max_per_class, seed):
    """Sorted indices keeping at most ``max_per_class`` of each label (seeded random choice)."""
    labels = np.asarray(labels)
    if max_per_class is None:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    keep = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        if len(members) > max_per_class:
            members = rng.choice(members, size=max_per_class, replace=False)
        keep.append(members)
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, np.int64)


# ----------------------------------------------------------------------------------------------
# image folders


def load_image_folder(
    root, image_size=None, channels=None, class_names=None, *, max_images_per_class=None, seed=0, what='path'
):
    """Read ``root/<class>/<image>`` into ImageArrays. Returns ``(arrays, classes)``.

    ``image_size=None`` takes the median image side of this folder (rounded, at most 224);
    ``channels=None`` gives 1 when every image is grayscale, else 3. With ``class_names`` the
    labels index into that list and the folder's classes must be a subset of it; otherwise the
    classes are the sorted folder names. Unreadable files are skipped with an
    :class:`ImageSkippedWarning` naming each one.

    >>> arrays, classes = load_image_folder('~/data/train')        # doctest: +SKIP
    """
    image_size = check_int('image_size', image_size, low=1, high=_MAX_IMAGE_SIZE, allow_none=True)
    channels = _check_channels(channels)
    max_images_per_class = check_int('max_images_per_class', max_images_per_class, low=1, allow_none=True)
    start = time.time()
    root, folder_classes = _folder.list_class_folders(root, what)
    if class_names is None:
        classes = list(folder_classes)
    else:
        classes = [str(c) for c in class_names]
        unknown = [c for c in folder_classes if c not in classes]
        if unknown:
            raise ValueError(
                '%s %s has class folders %s that are not among the known classes %s'
                % (what, root, unknown, classes)
            )
    index = {c: i for i, c in enumerate(classes)}
    paths, labels = _folder.scan_image_files(root, folder_classes, [index[c] for c in folder_classes])
    if max_images_per_class is not None:
        keep = _cap_per_class(labels, max_images_per_class, seed)
        paths, labels = [paths[i] for i in keep], labels[keep]

    if image_size is None or channels is None:
        sizes, grays, ok = _folder.probe_images(paths)
        paths, labels = _drop_failed(paths, labels, ok, root, folder_classes, index)
        sizes, grays = sizes[ok], grays[ok]
        if image_size is None:
            image_size = _folder.common_size(sizes, MAX_AUTO_SIZE)
        if channels is None:
            channels = 1 if bool(np.all(grays)) else 3
    images, ok = _folder.decode_images(paths, image_size, channels)
    paths, labels = _drop_failed(paths, labels, ok, root, folder_classes, index)
    logger.info(
        'Read %d images of %d classes from %s in %.2f s (%dx%d, %d channel%s)',
        len(paths),
        len(folder_classes),
        root,
        time.time() - start,
        image_size,
        image_size,
        channels,
        '' if channels == 1 else 's',
    )
    return ImageArrays(images, labels, paths), classes


def _drop_failed(paths, labels, ok, root, folder_classes, index):
    if ok.all():
        return paths, labels
    paths = [p for p, good in zip(paths, ok) if good]
    labels = labels[ok]
    present = set(labels.tolist())
    for cls in folder_classes:
        if index[cls] not in present:
            raise ValueError(
                'class folder %r has no readable images (every image file failed '
                'to decode; see the warnings): %s' % (cls, os.path.join(root, cls))
            )
    return paths, labels


def load_image(path, image_size, channels):
    """One image file as a ``(image_size, image_size, channels)`` uint8 array, decoded exactly as
    ``Dataset`` decodes folder images (for ``predict``). Errors name the file."""
    image_size = check_int('image_size', image_size, low=1, high=_MAX_IMAGE_SIZE)
    channels = _check_channels(channels, allow_none=False)
    path = _folder.expand_path(path, 'image path')
    if not os.path.exists(path):
        raise FileNotFoundError('image file does not exist: %s' % path)
    if os.path.isdir(path):
        raise ValueError('expected an image file, got a folder: %s' % path)
    try:
        return decode_image(path, image_size, channels)
    except Exception as exc:
        raise ValueError('cannot read image %s (%s: %s)' % (path, type(exc).__name__, exc)) from exc


def load_images(paths, image_size, channels):
    """Several image files (or every image file directly in one folder) as one array.

    Returns ``(images, paths_read)``; unreadable files are skipped with a warning naming them.
    """
    image_size = check_int('image_size', image_size, low=1, high=_MAX_IMAGE_SIZE)
    channels = _check_channels(channels, allow_none=False)
    if isinstance(paths, (str, os.PathLike)):
        folder = _folder.expand_path(paths, 'path')
        if not os.path.isdir(folder):
            raise FileNotFoundError('no such folder: %s' % folder)
        paths = [
            os.path.join(folder, f)
            for f in sorted(os.listdir(folder))
            if _folder._is_image_name(f) and os.path.isfile(os.path.join(folder, f))
        ]
        if not paths:
            raise ValueError(
                'folder has no image files (looked for %s): %s'
                % (', '.join(_folder.IMAGE_EXTENSIONS), folder)
            )
    else:
        paths = [_folder.expand_path(p, 'image path') for p in paths]
    images, ok = _folder.decode_images(paths, image_size, channels)
    return images, [p for p, good in zip(paths, ok) if good]


def sample_data_path(split=None):
    """Absolute path of the shipped sample image folder (holds ``train/`` and ``test/``).

    Four product-like classes made from Fashion-MNIST by ``scripts/make_sample_data.py``.
    With ``split='train'`` or ``split='test'``, the path of that subfolder.

    >>> from autogluon import image_classification as task
    >>> dataset = task.Dataset(train_path=task.sample_data_path('train'))  # doctest: +SKIP
    """
    split = check_choice('split', split, ('train', 'test'), allow_none=True, ignore_case=False)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sample_data', 'shopee_sample')
    if not os.path.isdir(os.path.join(path, 'train')):
        raise FileNotFoundError(
            'the sample image folder is missing: %s; regenerate it with '
            '`python scripts/make_sample_data.py` from the source tree' % path
        )
    return path if split is None else os.path.join(path, split)


# ----------------------------------------------------------------------------------------------
# Dataset


class Dataset:
    """An image-classification dataset with decoded ``train``, ``val`` and ``test`` splits.

    Parameters
    ----------
    name : str, optional
        A label for a folder dataset (e.g. ``'shopeeiet'``), or, without any path, a built-in:
        ``'fashionmnist'``, ``'mnist'``, ``'cifar10'``, ``'cifar100'``, ``'digits'`` (local
        files only; case, hyphens and underscores are ignored).
    train_path, val_path, test_path : str, optional
        Image folders laid out as ``<root>/<class>/<image>``; ``~`` is expanded. With only
        ``train_path`` a seeded stratified split keeps ``split_ratio`` of each class for
        training and the rest for validation. ``test_path`` alone gives a test-only dataset.
    split_ratio : float
        Share of each class kept for training when a validation split is made (default 0.9).
    seed : int
        Seed of the split (and of ``max_images_per_class`` sub-sampling).
    image_size : int, optional
        Side of the square images; default: median image side of the training folder, at most
        224 (the native size for built-ins).
    channels : 1 or 3, optional
        Default: 1 if every training image is grayscale, else 3.
    max_images_per_class : int, optional
        Keep at most this many images per class of each source (seeded random choice).

    Attributes
    ----------
    name, classes, num_classes
        The label, the class names (sorted folder names) and their number. ``synsets`` (and
        ``train.synsets``, ``val.synsets``, ``test.synsets``) is ``classes``, the 2019 spelling.
    train, val, test : ImageArrays or None
        The decoded splits.
    image_size, channels
        The shape every image was resized to.
    train_path, val_path, test_path : str or None
        Expanded absolute paths.

    Examples
    --------
    >>> ds = Dataset('shopeeiet', train_path='~/data/train')           # doctest: +SKIP
    >>> test_ds = Dataset('shopeeiet', test_path='~/data/test')        # doctest: +SKIP
    >>> Dataset('fashionmnist')                                         # doctest: +SKIP
    Dataset('fashionmnist', classes=10, train=54000, val=6000, test=10000, image_size=28, channels=1)
    """

    def __init__(
        self,
        name=None,
        train_path=None,
        val_path=None,
        test_path=None,
        *,
        split_ratio=0.9,
        seed=0,
        image_size=None,
        channels=None,
        max_images_per_class=None,
        **legacy,
    ):
        check_str('name', name, allow_none=True)
        if not 0.0 < check_real('split_ratio', split_ratio) < 1.0:
            raise fail_value('split_ratio', 'a number strictly between 0 and 1', split_ratio)
        self._set_legacy(legacy)
        self.name = name
        self.split_ratio = float(split_ratio)
        self.seed = check_int('seed', seed, low=0, allow_none=True)
        image_size = check_int('image_size', image_size, low=1, high=_MAX_IMAGE_SIZE, allow_none=True)
        channels = _check_channels(channels)
        self.max_images_per_class = check_int(
            'max_images_per_class', max_images_per_class, low=1, allow_none=True
        )
        self.train_path = None if train_path is None else _folder.expand_path(train_path, 'train_path')
        self.val_path = None if val_path is None else _folder.expand_path(val_path, 'val_path')
        self.test_path = None if test_path is None else _folder.expand_path(test_path, 'test_path')
        self.train = self.val = self.test = None

        if self.train_path or self.val_path or self.test_path:
            self._load_folders(image_size, channels)
        elif name is None:
            raise ValueError(
                'Dataset needs a built-in name (%s) or an image folder: give '
                'train_path and/or test_path' % ', '.join(BUILTIN_NAMES)
            )
        else:
            key = _builtin.normalize_name(name)
            if key not in BUILTIN_NAMES:
                raise ValueError(
                    'unknown built-in dataset name %r and no train_path/val_path/test_path given;'
                    ' built-in names are %s. For an image folder, pass train_path= and/or '
                    'test_path= (e.g. the shipped sample: train_path=sample_data_path() + '
                    '"/train").' % (name, ', '.join(BUILTIN_NAMES))
                )
            self.name = key
            self._load_builtin(key, image_size, channels)
        self.num_classes = len(self.classes)
        for split in (self.train, self.val, self.test):
            if split is not None:
                split.synsets = list(self.classes)

    @property
    def synsets(self):
        """The class names in label order (``classes``; the 2019 name)."""
        return self.classes

    # -- construction ------------------------------------------------------------------------

    def _set_legacy(self, legacy):
        unknown = sorted(k for k in legacy if k not in _LEGACY_STORED + _LEGACY_IGNORED)
        if unknown:
            raise TypeError('Dataset() got unexpected keyword argument(s) %s' % ', '.join(unknown))
        self.batch_size = legacy.get('batch_size')
        self.num_workers = legacy.get('num_workers')
        ignored = sorted(k for k in legacy if k in _LEGACY_IGNORED and legacy[k] is not None)
        if ignored:
            logger.warning('Dataset(): %s ignored (data augmentation is chosen by fit)', ', '.join(ignored))

    def _load_folders(self, image_size, channels):
        if self.val_path and not self.train_path:
            raise ValueError('val_path (%s) was given without train_path' % self.val_path)
        common = dict(max_images_per_class=self.max_images_per_class, seed=self.seed)
        if self.train_path:
            _, folder_classes = _folder.list_class_folders(self.train_path, 'train_path')
            if len(folder_classes) < 2:  # checked before any image is decoded
                raise ValueError(
                    'train_path %s has a single class folder %r: classification needs '
                    'at least 2 classes (one folder per class, <root>/<class>/<image>)'
                    % (self.train_path, folder_classes[0])
                )
            self.train, self.classes = load_image_folder(
                self.train_path, image_size, channels, what='train_path', **common
            )
            self.image_size, self.channels = self.train.image_size, self.train.channels
            fixed = dict(
                image_size=self.image_size, channels=self.channels, class_names=self.classes, **common
            )
            if self.val_path:
                self._check_subset(self.val_path, 'val_path')
                self.val, _ = load_image_folder(self.val_path, what='val_path', **fixed)
            else:
                first, second = stratified_split(self.train.labels, self.split_ratio, self.seed)
                if len(second) == 0:
                    raise ValueError(
                        'train_path %s has too few images for a validation split '
                        '(every class has a single image); add images or give '
                        'val_path' % self.train_path
                    )
                full = self.train
                self.train, self.val = full.subset(first), full.subset(second)
            if self.test_path:
                self._check_subset(self.test_path, 'test_path')
                self.test, _ = load_image_folder(self.test_path, what='test_path', **fixed)
        else:
            self.test, self.classes = load_image_folder(
                self.test_path, image_size, channels, what='test_path', **common
            )
            self.image_size, self.channels = self.test.image_size, self.test.channels

    def _check_subset(self, path, what):
        _, folder_classes = _folder.list_class_folders(path, what)
        unknown = [c for c in folder_classes if c not in self.classes]
        if unknown:
            raise ValueError(
                '%s %s has classes %s that train_path %s does not have (train '
                'classes: %s)' % (what, path, unknown, self.train_path, self.classes)
            )

    def _load_builtin(self, key, image_size, channels):
        start = time.time()
        train_x, train_y, test_x, test_y, classes = _builtin.load_builtin(key)
        self.classes = list(classes)
        pool = ImageArrays(train_x, train_y)
        if test_x is None:  # digits: carve a seeded stratified 20% test split first
            first, second = stratified_split(pool.labels, 0.8, self.seed)
            pool, test = pool.subset(first), pool.subset(second)
        else:
            test = ImageArrays(test_x, test_y)
        if self.max_images_per_class is not None:
            pool = pool.subset(_cap_per_class(pool.labels, self.max_images_per_class, self.seed))
            test = test.subset(_cap_per_class(test.labels, self.max_images_per_class, self.seed))
        first, second = stratified_split(pool.labels, self.split_ratio, self.seed)
        self.train, self.val, self.test = pool.subset(first), pool.subset(second), test
        size = image_size or self.train.image_size
        chans = channels or self.train.channels
        if (size, chans) != (self.train.image_size, self.train.channels):
            self.train, self.val, self.test = (
                a.as_format(size, chans) for a in (self.train, self.val, self.test)
            )
        self.image_size, self.channels = size, chans
        logger.info('Loaded built-in %s in %.2f s: %r', key, time.time() - start, self)

    # -- presentation --------------------------------------------------------------------------

    def __repr__(self):
        def n(split):
            return None if split is None else len(split)

        return 'Dataset(%r, classes=%d, train=%s, val=%s, test=%s, image_size=%d, channels=%d)' % (
            self.name,
            len(self.classes),
            n(self.train),
            n(self.val),
            n(self.test),
            self.image_size,
            self.channels,
        )
