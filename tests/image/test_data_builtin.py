"""Built-in datasets: Fashion-MNIST (Debian package), digits (scikit-learn), and MNIST/CIFAR read
from MXNet's dataset folder (exercised with small files in the real formats under a temporary
MXNET_HOME)."""

import gzip
import os
import re
import struct

import numpy as np
import pytest

from autogluon.image_classification import _data_builtin
from autogluon.image_classification._data import Dataset

FMNIST_DIR = _data_builtin.DEBIAN_FASHION_MNIST_DIR
HAVE_FMNIST = all(
    os.path.isfile(os.path.join(FMNIST_DIR, f + '.gz')) for f in _data_builtin._IDX_FILES.values()
)
needs_fmnist = pytest.mark.skipif(
    not HAVE_FMNIST,
    reason='Fashion-MNIST idx files absent from %s (Debian package '
    'dataset-fashion-mnist not installed)' % FMNIST_DIR,
)


def _write_idx(path, array, compress=True):
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(struct.pack('>I', d) for d in array.shape)
    opener = gzip.open if compress else open
    with opener(path + ('.gz' if compress else ''), 'wb') as f:
        f.write(header + array.tobytes())


def _fake_idx_dataset(folder, n_train=40, n_test=20, side=6, compress=True):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(1)
    arrays = {}
    for split, n in (('train', n_train), ('t10k', n_test)):
        images = rng.integers(0, 256, (n, side, side))
        labels = np.arange(n) % 10
        _write_idx(os.path.join(folder, split + '-images-idx3-ubyte'), images, compress)
        _write_idx(os.path.join(folder, split + '-labels-idx1-ubyte'), labels, compress)
        arrays[split] = (images.astype(np.uint8), labels)
    return arrays


@pytest.fixture
def mxnet_home(tmp_path, monkeypatch):
    home = tmp_path / 'mxhome'
    monkeypatch.setenv('MXNET_HOME', str(home))
    return home


@pytest.fixture
def no_debian_fmnist(tmp_path, monkeypatch):
    monkeypatch.setattr(_data_builtin, 'DEBIAN_FASHION_MNIST_DIR', str(tmp_path / 'no-debian'))


# ---------------------------------------------------------------------------------------------
# Fashion-MNIST from the Debian package


@pytest.fixture(scope='module')
def fmnist():
    return Dataset('FashionMNIST')


@needs_fmnist
def test_fashionmnist_splits(fmnist):
    ds = fmnist
    assert ds.name == 'fashionmnist'
    assert ds.classes == [
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
    ]
    assert (len(ds.train), len(ds.val), len(ds.test)) == (54000, 6000, 10000)
    assert np.bincount(ds.val.labels).tolist() == [600] * 10
    assert np.bincount(ds.test.labels).tolist() == [1000] * 10
    assert ds.train.images.shape == (54000, 28, 28, 1) and ds.train.images.dtype == np.uint8
    assert ds.train.labels.dtype == np.int64 and ds.train.paths is None
    assert (ds.image_size, ds.channels) == (28, 1)
    assert repr(ds) == (
        "Dataset('fashionmnist', classes=10, train=54000, val=6000, test=10000, image_size=28, channels=1)"
    )


@needs_fmnist
def test_fashionmnist_matches_idx_files(fmnist):
    files = _data_builtin.fashion_mnist_files()
    test_x = _data_builtin.read_idx(files['test_images'])
    assert np.array_equal(fmnist.test.images[:, :, :, 0], test_x)
    train_x = _data_builtin.read_idx(files['train_images'])
    # train and val together are the 60,000 training images, each exactly once
    assert len(train_x) == len(fmnist.train) + len(fmnist.val)
    assert int(fmnist.train.images.sum(dtype=np.int64) + fmnist.val.images.sum(dtype=np.int64)) == int(
        train_x.sum(dtype=np.int64)
    )


@pytest.mark.parametrize('spelling', ['fashionmnist', 'Fashion-MNIST', 'fashion_mnist', 'FASHIONMNIST'])
def test_name_normalization(spelling):
    assert _data_builtin.normalize_name(spelling) == 'fashionmnist'


@needs_fmnist
def test_fashionmnist_subsampled_and_converted():
    ds = Dataset('fashion-mnist', max_images_per_class=20, image_size=32, channels=3, seed=5)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (180, 20, 200)
    assert ds.train.images.shape == (180, 32, 32, 3) and ds.test.images.shape == (200, 32, 32, 3)


def test_fashionmnist_missing_says_where_and_how(tmp_path, mxnet_home, no_debian_fmnist):
    with pytest.raises(FileNotFoundError) as info:
        Dataset('fashionmnist')
    message = str(info.value)
    assert 'apt-get install dataset-fashion-mnist' in message
    assert str(tmp_path / 'no-debian') in message
    assert os.path.join(str(mxnet_home), 'datasets', 'fashion-mnist') in message


def test_fashionmnist_from_mxnet_folder(mxnet_home, no_debian_fmnist):
    arrays = _fake_idx_dataset(os.path.join(str(mxnet_home), 'datasets', 'fashion-mnist'), compress=False)
    ds = Dataset('fashionmnist')
    assert (len(ds.train), len(ds.val), len(ds.test)) == (30, 10, 20)
    assert np.array_equal(ds.test.images[..., 0], arrays['t10k'][0])


# ---------------------------------------------------------------------------------------------
# digits


def test_digits():
    ds = Dataset('digits')
    assert ds.classes == [str(d) for d in range(10)]
    total = len(ds.train) + len(ds.val) + len(ds.test)
    assert total == 1797
    assert abs(len(ds.test) - 0.2 * total) < 10 and abs(len(ds.val) - 0.08 * total) < 10
    assert ds.train.images.shape[1:] == (8, 8, 1) and ds.train.images.dtype == np.uint8
    assert ds.train.images.max() == 255 and ds.train.images.min() == 0
    for split in (ds.train, ds.val, ds.test):
        assert np.bincount(split.labels, minlength=10).min() > 0
    again = Dataset('Digits')
    assert np.array_equal(again.test.images, ds.test.images)
    other = Dataset('digits', seed=1)
    assert not np.array_equal(other.test.images, ds.test.images)


def test_digits_resized():
    ds = Dataset('digits', image_size=16, channels=3, max_images_per_class=10)
    assert ds.train.images.shape[1:] == (16, 16, 3)
    assert (ds.image_size, ds.channels) == (16, 3)


# ---------------------------------------------------------------------------------------------
# MNIST and CIFAR from MXNet's dataset folder


def test_mnist_from_mxnet_folder(mxnet_home):
    arrays = _fake_idx_dataset(os.path.join(str(mxnet_home), 'datasets', 'mnist'))
    ds = Dataset('MNIST')
    assert ds.classes == [str(d) for d in range(10)]
    assert (len(ds.train), len(ds.val), len(ds.test)) == (30, 10, 20)
    assert np.array_equal(ds.test.images[..., 0], arrays['t10k'][0])
    assert np.array_equal(ds.test.labels, arrays['t10k'][1])


def test_mnist_missing_says_where(mxnet_home):
    with pytest.raises(
        FileNotFoundError, match=re.escape(os.path.join(str(mxnet_home), 'datasets', 'mnist'))
    ):
        Dataset('mnist')


def _cifar_records(n, label_bytes, rng):
    labels = np.arange(n) % 10
    pixels = rng.integers(0, 256, (n, 3, 32, 32)).astype(np.uint8)
    head = np.stack([labels] * label_bytes, axis=1).astype(np.uint8)
    if label_bytes == 2:
        head[:, 1] = (np.arange(n) * 7) % 100  # fine labels
    raw = np.concatenate([head, pixels.reshape(n, -1)], axis=1)
    return raw.tobytes(), pixels.transpose(0, 2, 3, 1), head[:, label_bytes - 1]


def test_cifar10_from_mxnet_folder(mxnet_home):
    folder = os.path.join(str(mxnet_home), 'datasets', 'cifar10', 'cifar-10-batches-bin')
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    for i in range(1, 6):
        with open(os.path.join(folder, 'data_batch_%d.bin' % i), 'wb') as f:
            f.write(_cifar_records(10, 1, rng)[0])
    raw, test_pixels, test_labels = _cifar_records(10, 1, rng)
    with open(os.path.join(folder, 'test_batch.bin'), 'wb') as f:
        f.write(raw)
    ds = Dataset('cifar10')
    assert ds.classes[:3] == ['airplane', 'automobile', 'bird'] and ds.num_classes == 10
    assert (len(ds.train), len(ds.val), len(ds.test)) == (40, 10, 10)
    assert np.array_equal(ds.test.images, test_pixels)
    assert np.array_equal(ds.test.labels, test_labels)
    assert (ds.image_size, ds.channels) == (32, 3)


def test_cifar100_uses_fine_labels(mxnet_home):
    folder = os.path.join(str(mxnet_home), 'datasets', 'cifar100')
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    with open(os.path.join(folder, 'train.bin'), 'wb') as f:
        f.write(_cifar_records(200, 2, rng)[0])
    raw, test_pixels, fine = _cifar_records(20, 2, rng)
    with open(os.path.join(folder, 'test.bin'), 'wb') as f:
        f.write(raw)
    ds = Dataset('cifar-100')
    assert ds.num_classes == 100 and ds.classes[0] == 'apple' and ds.classes[-1] == 'worm'
    assert np.array_equal(ds.test.labels, fine) and np.array_equal(ds.test.images, test_pixels)


@pytest.mark.parametrize('name, folder', [('cifar10', 'cifar10'), ('cifar100', 'cifar100')])
def test_cifar_missing_says_where(mxnet_home, name, folder):
    with pytest.raises(FileNotFoundError, match=re.escape(os.path.join(str(mxnet_home), 'datasets', folder))):
        Dataset(name)


# ---------------------------------------------------------------------------------------------
# the idx reader


def test_read_idx_rejects_bad_files(tmp_path):
    bad = tmp_path / 'bad-idx'
    bad.write_bytes(b'\x01\x02\x03\x04rest')
    with pytest.raises(ValueError, match='bad magic.*bad-idx'):
        _data_builtin.read_idx(str(bad))
    short = tmp_path / 'short-idx'
    short.write_bytes(bytes([0, 0, 8, 1]) + struct.pack('>I', 10) + b'abc')
    with pytest.raises(ValueError, match='short-idx is truncated'):
        _data_builtin.read_idx(str(short))
