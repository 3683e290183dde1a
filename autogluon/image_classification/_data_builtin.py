"""Built-in datasets, read from local files only (nothing is downloaded).

* ``fashionmnist``: the idx files of Debian's ``dataset-fashion-mnist`` package
  (``/usr/share/datasets/fashion-mnist``), or MXNet's folder ``$MXNET_HOME/datasets/fashion-mnist``.
* ``mnist``: ``$MXNET_HOME/datasets/mnist`` (where ``mxnet.gluon.data.vision.MNIST`` keeps them).
* ``cifar10`` / ``cifar100``: the binary batches in ``$MXNET_HOME/datasets/cifar10`` / ``cifar100``.
* ``digits``: scikit-learn's bundled 8x8 digits.

``$MXNET_HOME`` defaults to ``~/.mxnet`` and is read at call time.
"""

import gzip
import os

import numpy as np

__all__ = [
    'BUILTIN_NAMES',
    'FASHION_MNIST_CLASSES',
    'normalize_name',
    'load_builtin',
    'read_idx',
    'fashion_mnist_files',
]

BUILTIN_NAMES = ('fashionmnist', 'mnist', 'cifar10', 'cifar100', 'digits')

#: Folder-safe names of the ten Fashion-MNIST classes, in label order.
FASHION_MNIST_CLASSES = (
    't-shirt_top',
    'trouser',
    'pullover',
    'dress',
    'coat',
    'sandal',
    'shirt',
    'sneaker',
    'bag',
    'ankle_boot',
)
_DIGIT_CLASSES = tuple(str(d) for d in range(10))
_CIFAR10_CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
_CIFAR100_CLASSES = tuple(
    """
apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly
camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup
dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower
leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange
orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit
raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel
streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip
turtle wardrobe whale willow_tree wolf woman worm""".split()
)

#: Where Debian's dataset-fashion-mnist package puts the idx files.
DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'

_IDX_FILES = {
    'train_images': 'train-images-idx3-ubyte',
    'train_labels': 'train-labels-idx1-ubyte',
    'test_images': 't10k-images-idx3-ubyte',
    'test_labels': 't10k-labels-idx1-ubyte',
}


def normalize_name(name):
    """Lower case without hyphens, underscores, dots or spaces.

    >>> normalize_name('Fashion-MNIST')
    'fashionmnist'
    """
    return ''.join(ch for ch in str(name).lower() if ch not in '-_ .')


def _mxnet_datasets_dir():
    home = os.environ.get('MXNET_HOME') or os.path.join(os.path.expanduser('~'), '.mxnet')
    return os.path.join(home, 'datasets')


def _fashion_mnist_dirs():
    return [DEBIAN_FASHION_MNIST_DIR, os.path.join(_mxnet_datasets_dir(), 'fashion-mnist')]


# ----------------------------------------------------------------------------------------------
# idx (MNIST-style) files


def read_idx(path):
    """Read an idx file (gzip-compressed or not) of unsigned bytes into a numpy array."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as fin:
        data = fin.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError('not an idx file (bad magic number): %s' % path)
    if data[2] != 0x08:
        raise ValueError(
            'idx file %s holds type 0x%02x; only unsigned bytes (0x08) are supported' % (path, data[2])
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], 'big') for k in range(ndim))
    count = int(np.prod(shape)) if shape else 0
    if len(data) - header != count:
        raise ValueError(
            'idx file %s is truncated or padded: header says %s (%d bytes), '
            'found %d bytes' % (path, shape, count, len(data) - header)
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _find_idx_dir(dirs):
    """First folder in ``dirs`` holding all four idx files: ``(dir, {key: path})``, else None."""
    for folder in dirs:
        found = {}
        for key, stem in _IDX_FILES.items():
            for candidate in (stem + '.gz', stem):
                path = os.path.join(folder, candidate)
                if os.path.isfile(path):
                    found[key] = path
                    break
        if len(found) == len(_IDX_FILES):
            return folder, found
    return None


def fashion_mnist_files():
    """``{key: path}`` of the four Fashion-MNIST idx files, or ``FileNotFoundError`` saying where
    it looked and how to install them."""
    dirs = _fashion_mnist_dirs()
    hit = _find_idx_dir(dirs)
    if hit is None:
        raise FileNotFoundError(
            'Fashion-MNIST not found: looked for %s (.gz or not) in %s. Nothing is downloaded at '
            'run time; install the Debian/Ubuntu package with `sudo apt-get install '
            'dataset-fashion-mnist` (it puts them in %s), or copy the four idx files into %s.'
            % (', '.join(_IDX_FILES.values()), ' and '.join(dirs), DEBIAN_FASHION_MNIST_DIR, dirs[-1])
        )
    return hit[1]


def _load_idx_dataset(files):
    train_x = read_idx(files['train_images'])
    train_y = read_idx(files['train_labels']).astype(np.int64)
    test_x = read_idx(files['test_images'])
    test_y = read_idx(files['test_labels']).astype(np.int64)
    for x, y, key in ((train_x, train_y, 'train'), (test_x, test_y, 'test')):
        if x.ndim != 3 or len(x) != len(y):
            raise ValueError(
                'idx files do not match: %s has shape %s, %s has %d labels'
                % (files[key + '_images'], x.shape, files[key + '_labels'], len(y))
            )
    return train_x[..., None], train_y, test_x[..., None], test_y


def _load_fashion_mnist():
    return _load_idx_dataset(fashion_mnist_files()) + (list(FASHION_MNIST_CLASSES),)


def _load_mnist():
    folder = os.path.join(_mxnet_datasets_dir(), 'mnist')
    hit = _find_idx_dir([folder])
    if hit is None:
        raise FileNotFoundError(
            'MNIST not found: looked for %s (.gz or not) in %s (MXNet/GluonCV\'s dataset folder, '
            '$MXNET_HOME/datasets/mnist). Nothing is downloaded at run time; on a machine with '
            'internet access run `python -c "import mxnet as mx; mx.gluon.data.vision.MNIST('
            'train=True); mx.gluon.data.vision.MNIST(train=False)"` and copy %s here, or set '
            'MXNET_HOME to a folder that holds datasets/mnist.'
            % (', '.join(_IDX_FILES.values()), folder, folder)
        )
    return _load_idx_dataset(hit[1]) + (list(_DIGIT_CLASSES),)


# ----------------------------------------------------------------------------------------------
# CIFAR binary batches


def _read_cifar_batches(paths, label_bytes, label_offset):
    images, labels = [], []
    record = label_bytes + 3072
    for path in paths:
        with open(path, 'rb') as fin:
            raw = np.frombuffer(fin.read(), dtype=np.uint8)
        if raw.size == 0 or raw.size % record:
            raise ValueError(
                'CIFAR batch file %s has %d bytes, not a multiple of the %d-byte '
                'record' % (path, raw.size, record)
            )
        raw = raw.reshape(-1, record)
        images.append(raw[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.append(raw[:, label_offset].astype(np.int64))
    return np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels)


def _find_cifar(name, subdir, train_files, test_files, how):
    root = os.path.join(_mxnet_datasets_dir(), name)
    folders = [root, os.path.join(root, subdir)]
    for folder in folders:
        if all(os.path.isfile(os.path.join(folder, f)) for f in train_files + test_files):
            return folder
    raise FileNotFoundError(
        '%s not found: looked for %s in %s (MXNet/GluonCV\'s dataset folder, '
        '$MXNET_HOME/datasets/%s). Nothing is downloaded at run time; on a machine with internet '
        'access run `python -c "import mxnet as mx; %s"` and copy %s here, or set MXNET_HOME to a '
        'folder that holds datasets/%s.'
        % (name.upper(), ', '.join(train_files + test_files), ' and '.join(folders), name, how, root, name)
    )


def _class_names_file(path, expected):
    if os.path.isfile(path):
        with open(path) as fin:
            names = [line.strip() for line in fin if line.strip()]
        if len(names) == expected:
            return names
    return None


def _load_cifar10():
    train_files = ['data_batch_%d.bin' % i for i in range(1, 6)]
    folder = _find_cifar(
        'cifar10', 'cifar-10-batches-bin', train_files, ['test_batch.bin'], 'mx.gluon.data.vision.CIFAR10()'
    )
    train_x, train_y = _read_cifar_batches([os.path.join(folder, f) for f in train_files], 1, 0)
    test_x, test_y = _read_cifar_batches([os.path.join(folder, 'test_batch.bin')], 1, 0)
    classes = _class_names_file(os.path.join(folder, 'batches.meta.txt'), 10) or list(_CIFAR10_CLASSES)
    return train_x, train_y, test_x, test_y, classes


def _load_cifar100():
    folder = _find_cifar(
        'cifar100',
        'cifar-100-binary',
        ['train.bin'],
        ['test.bin'],
        'mx.gluon.data.vision.CIFAR100(fine_label=True)',
    )
    # each record: coarse label byte, fine label byte, 3072 pixel bytes; we use the 100 fine labels
    train_x, train_y = _read_cifar_batches([os.path.join(folder, 'train.bin')], 2, 1)
    test_x, test_y = _read_cifar_batches([os.path.join(folder, 'test.bin')], 2, 1)
    classes = _class_names_file(os.path.join(folder, 'fine_label_names.txt'), 100) or list(_CIFAR100_CLASSES)
    return train_x, train_y, test_x, test_y, classes


# ----------------------------------------------------------------------------------------------
# scikit-learn digits


def _load_digits_arrays():
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError("the 'digits' dataset needs scikit-learn (pip install scikit-learn)") from exc
    bunch = load_digits()
    # values are 0..16; scale to the full uint8 range
    images = np.floor(bunch.images * (255.0 / 16.0) + 0.5).clip(0, 255).astype(np.uint8)
    return images[..., None], np.asarray(bunch.target, dtype=np.int64), list(_DIGIT_CLASSES)


# ----------------------------------------------------------------------------------------------

_LOADERS = {
    'fashionmnist': _load_fashion_mnist,
    'mnist': _load_mnist,
    'cifar10': _load_cifar10,
    'cifar100': _load_cifar100,
}


def load_builtin(key):
    """Raw arrays of a built-in dataset.

    Returns ``(train_x, train_y, test_x, test_y, classes)`` with images ``(N, H, W, C)`` uint8;
    for ``'digits'`` (which has no fixed test split) ``test_x``/``test_y`` are None.
    """
    if key == 'digits':
        images, labels, classes = _load_digits_arrays()
        return images, labels, None, None, classes
    if key not in _LOADERS:
        raise ValueError(
            'unknown built-in dataset %r; built-in names are %s' % (key, ', '.join(BUILTIN_NAMES))
        )
    return _LOADERS[key]()
