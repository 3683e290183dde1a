"""The shipped sample folder, folder decoding, the stratified split and format conversions."""

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from autogluon.image_classification import _data_builtin
from autogluon.image_classification._data import (
    Dataset,
    ImageArrays,
    load_image,
    load_image_folder,
    load_images,
    sample_data_path,
    stratified_split,
)

SAMPLE_CLASSES = ['BabyPants', 'BabyShirt', 'womencasualshoes', 'womenchiffontop']
FMNIST_OF = {
    'BabyPants': 'trouser',
    'BabyShirt': 'shirt',
    'womencasualshoes': 'sneaker',
    'womenchiffontop': 't-shirt_top',
}
HAVE_FMNIST = os.path.isfile(
    os.path.join(_data_builtin.DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')
)


def _save(path, array, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode).save(path)
    return path


@pytest.fixture(scope='module')
def sample_ds():
    root = sample_data_path()
    return Dataset('shopeeiet', train_path=os.path.join(root, 'train'), test_path=os.path.join(root, 'test'))


# ---------------------------------------------------------------------------------------------
# the shipped sample


def test_sample_files_are_mixed_and_small():
    root = sample_data_path()
    assert os.path.isabs(root)
    sizes, modes, exts, total = set(), set(), set(), 0
    for split, per_class in (('train', 80), ('test', 20)):
        assert sorted(os.listdir(os.path.join(root, split))) == SAMPLE_CLASSES
        for cls in SAMPLE_CLASSES:
            files = os.listdir(os.path.join(root, split, cls))
            assert len(files) == per_class
            for f in files:
                path = os.path.join(root, split, cls, f)
                total += os.path.getsize(path)
                exts.add(os.path.splitext(f)[1])
                with Image.open(path) as img:
                    sizes.add(img.size)
                    modes.add(img.mode)
    assert exts == {'.png', '.jpg'}
    assert sizes == {(28, 28), (32, 32)}
    assert modes == {'L', 'RGB'}
    assert total < 1024 * 1024


def test_sample_dataset_counts_classes_and_arrays(sample_ds):
    ds = sample_ds
    assert ds.classes == SAMPLE_CLASSES and ds.num_classes == 4
    assert (len(ds.train), len(ds.val), len(ds.test)) == (288, 32, 80)
    assert ds.image_size == 28 and ds.channels == 3  # some files are RGB -> 3 channels
    for split in (ds.train, ds.val, ds.test):
        assert split.images.dtype == np.uint8 and split.images.shape[1:] == (28, 28, 3)
        assert split.labels.dtype == np.int64
        assert len(split.paths) == len(split)
        for path, label in zip(split.paths, split.labels):
            assert os.path.basename(os.path.dirname(path)) == ds.classes[label]
    assert np.bincount(ds.test.labels).tolist() == [20] * 4
    assert ds.train_path == os.path.join(sample_data_path(), 'train')
    assert repr(ds) == (
        "Dataset('shopeeiet', classes=4, train=288, val=32, test=80, image_size=28, channels=3)"
    )


def test_sample_images_normalized_from_mixed_inputs(sample_ds):
    """32x32 files are resized to 28, grayscale files become 3 equal channels."""
    ds = sample_ds
    all_paths = ds.train.paths + ds.val.paths
    images = np.concatenate([ds.train.images, ds.val.images])
    seen_gray = seen_rgb = seen_32 = False
    for path, img in zip(all_paths, images):
        with Image.open(path) as src:
            if src.mode == 'L':
                assert np.array_equal(img[..., 0], img[..., 1])
                assert np.array_equal(img[..., 0], img[..., 2])
                seen_gray = True
                if src.size == (28, 28) and path.endswith('.png'):
                    assert np.array_equal(img[..., 0], np.asarray(src))
            else:
                seen_rgb = True
            seen_32 |= src.size == (32, 32)
    assert seen_gray and seen_rgb and seen_32


@pytest.mark.skipif(
    not HAVE_FMNIST,
    reason='Debian package dataset-fashion-mnist not installed (/usr/share/datasets/fashion-mnist)',
)
def test_sample_pixels_are_the_named_fashion_mnist_images():
    files = _data_builtin.fashion_mnist_files()
    source = {
        'train': (
            _data_builtin.read_idx(files['train_images']),
            _data_builtin.read_idx(files['train_labels']),
        ),
        'test': (_data_builtin.read_idx(files['test_images']), _data_builtin.read_idx(files['test_labels'])),
    }
    names = list(_data_builtin.FASHION_MNIST_CLASSES)
    root = sample_data_path()
    checked = 0
    for split in ('train', 'test'):
        for cls in SAMPLE_CLASSES:
            for f in sorted(os.listdir(os.path.join(root, split, cls))):
                m = re.match(r'fmnist-(train|test)-(\d{5})\.(png|jpg)$', f)
                assert m and m.group(1) == split
                idx = int(m.group(2))
                images, labels = source[split]
                assert names[labels[idx]] == FMNIST_OF[cls]
                with Image.open(os.path.join(root, split, cls, f)) as img:
                    if img.mode == 'L' and img.size == (28, 28) and f.endswith('.png'):
                        assert np.array_equal(np.asarray(img), images[idx])
                        checked += 1
    assert checked > 200


def test_sample_decodes_fast():
    start = time.time()
    arrays, classes = load_image_folder(os.path.join(sample_data_path(), 'train'))
    load_image_folder(os.path.join(sample_data_path(), 'test'), class_names=classes)
    assert time.time() - start < 2.0
    assert len(arrays) == 320


def test_tilde_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    os.makedirs(tmp_path / 'data')
    os.symlink(os.path.join(sample_data_path(), 'test'), tmp_path / 'data' / 'test')
    ds = Dataset(name='shopeeiet', test_path='~/data/test')
    assert ds.test_path == str(tmp_path / 'data' / 'test')
    assert ds.train is None and ds.val is None
    assert len(ds.test) == 80 and ds.classes == SAMPLE_CLASSES
    assert (ds.image_size, ds.channels) == (ds.test.image_size, ds.test.channels)
    assert 'train=None' in repr(ds)


def test_explicit_size_channels_and_val_path():
    root = sample_data_path()
    ds = Dataset(
        train_path=os.path.join(root, 'train'), val_path=os.path.join(root, 'test'), image_size=16, channels=1
    )
    assert ds.train.images.shape == (320, 16, 16, 1)
    assert ds.val.images.shape == (80, 16, 16, 1)
    assert ds.test is None and ds.name is None


def test_max_images_per_class():
    root = sample_data_path()
    ds = Dataset(train_path=os.path.join(root, 'train'), max_images_per_class=10, seed=3)
    assert np.bincount(np.concatenate([ds.train.labels, ds.val.labels])).tolist() == [10] * 4
    assert np.bincount(ds.val.labels).tolist() == [1] * 4


# ---------------------------------------------------------------------------------------------
# the split


def test_split_is_stratified_seeded_and_not_a_block(sample_ds):
    ds = sample_ds
    assert np.bincount(ds.train.labels).tolist() == [72] * 4
    assert np.bincount(ds.val.labels).tolist() == [8] * 4
    assert not set(ds.train.paths) & set(ds.val.paths)
    root = os.path.join(sample_data_path(), 'train')
    again = Dataset('x', train_path=root)
    assert again.val.paths == ds.val.paths
    assert np.array_equal(again.val.images, ds.val.images)
    other = Dataset('x', train_path=root, seed=1)
    assert set(other.val.paths) != set(ds.val.paths)
    for cls in ds.classes:  # validation images are not the last (or first) files of a class
        files = sorted(os.path.join(root, cls, f) for f in os.listdir(os.path.join(root, cls)))
        val = sorted(p for p in ds.val.paths if os.path.dirname(p) == os.path.join(root, cls))
        assert val != files[-8:] and val != files[:8]
        positions = sorted(files.index(p) for p in val)
        assert positions[-1] - positions[0] > 8


def test_split_ratio_parameter():
    ds = Dataset(train_path=os.path.join(sample_data_path(), 'train'), split_ratio=0.75)
    assert np.bincount(ds.train.labels).tolist() == [60] * 4
    assert np.bincount(ds.val.labels).tolist() == [20] * 4


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    ratio=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_split_properties(counts, ratio, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    labels = np.random.default_rng(0).permutation(labels)
    first, second = stratified_split(labels, ratio, seed)
    assert sorted(np.concatenate([first, second]).tolist()) == list(range(len(labels)))
    for cls, n in enumerate(counts):
        n_first = int(np.sum(labels[first] == cls))
        expected = n if n == 1 else min(max(int(np.floor(ratio * n + 0.5)), 1), n - 1)
        assert n_first == expected
    again = stratified_split(labels, ratio, seed)
    assert np.array_equal(again[0], first) and np.array_equal(again[1], second)


# ---------------------------------------------------------------------------------------------
# decoding rules


def test_common_size_is_median_and_capped(tmp_path):
    for i, (w, h) in enumerate([(20, 20), (30, 30), (40, 40), (30, 50)]):
        _save(str(tmp_path / 'a' / 'a' / ('%d.png' % i)), np.full((h, w), 7 * i))
    arrays, classes = load_image_folder(tmp_path / 'a')
    assert classes == ['a'] and arrays.image_size == 30 and arrays.channels == 1
    _save(str(tmp_path / 'b' / 'b' / 'big.png'), np.zeros((300, 300)))
    arrays, _ = load_image_folder(str(tmp_path / 'b'))
    assert arrays.images.shape == (1, 224, 224, 1)


def test_modes_are_converted(tmp_path):
    root = tmp_path / 'r'
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:, :5, 3] = 255  # left half opaque red, right half transparent
    _save(str(root / 'c' / 'rgba.png'), rgba, 'RGBA')
    _save(str(root / 'c' / 'bits.png'), np.eye(10) * 255, 'L')
    Image.fromarray((np.arange(100).reshape(10, 10) * 600).astype(np.uint16)).save(
        str(root / 'c' / 'deep.png')
    )
    pal = Image.fromarray(np.arange(100, dtype=np.uint8).reshape(10, 10), 'L').convert('P')
    pal.save(str(root / 'c' / 'pal.png'))
    arrays, _ = load_image_folder(root, channels=3)
    by_name = {os.path.basename(p): img for p, img in zip(arrays.paths, arrays.images)}
    assert by_name['rgba.png'][0, 0].tolist() == [200, 0, 0]
    assert by_name['rgba.png'][0, 9].tolist() == [255, 255, 255]  # transparent -> white
    deep = by_name['deep.png'][..., 0].astype(int)
    assert deep.max() > 200 and np.all(np.diff(deep.reshape(-1)) >= 0)  # scaled, not clipped
    arrays1, _ = load_image_folder(root)
    assert arrays1.channels == 3  # the RGBA file is colour
    gray_only = tmp_path / 'g'
    _save(str(gray_only / 'c' / 'bits.png'), np.eye(10) * 255, 'L')
    pal.save(str(gray_only / 'c' / 'pal.png'))  # palette of grays counts as grayscale
    assert load_image_folder(gray_only)[0].channels == 1


def test_load_image_matches_folder_decoding(tmp_path):
    path = _save(
        str(tmp_path / 'r' / 'c' / 'x.png'), np.random.default_rng(0).integers(0, 255, (28, 28, 3)), 'RGB'
    )
    arrays, _ = load_image_folder(tmp_path / 'r', image_size=20, channels=1)
    assert np.array_equal(load_image(path, 20, 1), arrays.images[0])
    images, paths = load_images(str(tmp_path / 'r' / 'c'), 20, 1)
    assert images.shape == (1, 20, 20, 1) and paths == [path]
    with pytest.raises(FileNotFoundError, match='nope.png'):
        load_image(str(tmp_path / 'nope.png'), 20, 1)
    bad = tmp_path / 'bad.jpg'
    bad.write_bytes(b'not an image')
    with pytest.raises(ValueError, match='bad.jpg'):
        load_image(str(bad), 20, 1)


# ---------------------------------------------------------------------------------------------
# as_format


def test_as_format_conversions():
    rng = np.random.default_rng(0)
    rgb = ImageArrays(rng.integers(0, 256, (5, 12, 12, 3)).astype(np.uint8), np.arange(5))
    assert rgb.as_format(12, 3) is rgb
    gray = rgb.as_format(12, 1)
    assert gray.images.shape == (5, 12, 12, 1) and gray.images.dtype == np.uint8
    expected = np.stack([np.asarray(Image.fromarray(im, 'RGB').convert('L')) for im in rgb.images])
    assert np.abs(gray.images[..., 0].astype(int) - expected).max() <= 1
    back = gray.as_format(12, 3)
    assert np.array_equal(back.images[..., 0], back.images[..., 2])
    small = rgb.as_format(6, 3)
    assert small.images.shape == (5, 6, 6, 3)
    ref = np.asarray(Image.fromarray(rgb.images[2], 'RGB').resize((6, 6), Image.BILINEAR))
    assert np.array_equal(small.images[2], ref)
    big_gray = gray.as_format(24, 3)
    assert big_gray.images.shape == (5, 24, 24, 3)
    assert np.array_equal(big_gray.labels, rgb.labels)
    for size, channels in ((0, 3), (12, 2), ('12', 3), (12, None)):
        with pytest.raises((ValueError, TypeError)):
            rgb.as_format(size, channels)


def test_test_set_converted_to_model_format():
    root = sample_data_path()
    test = Dataset('shopeeiet', test_path=os.path.join(root, 'test'))
    converted = test.test.as_format(32, 1)
    assert converted.images.shape == (80, 32, 32, 1)
    assert converted.paths == test.test.paths


def test_image_arrays_validation():
    with pytest.raises(ValueError, match='uint8'):
        ImageArrays(np.zeros((2, 4, 4, 1), np.float32), [0, 1])
    with pytest.raises(ValueError, match='C 1 or 3'):
        ImageArrays(np.zeros((2, 4, 4, 2), np.uint8), [0, 1])
    with pytest.raises(ValueError, match='labels'):
        ImageArrays(np.zeros((2, 4, 4, 1), np.uint8), [0])


def test_importing_the_task_imports_no_mxnet_gluoncv_or_sklearn():
    # The task, its data modules and its search spaces are light; MXNet loads in fit/evaluate/predict.
    code = (
        'import sys; import autogluon as ag; from autogluon import image_classification as task; '
        'import autogluon.image_classification.export; '
        'task.Nets(["compact_cnn"]); task.Optimizers(["sgd"]); '
        'print(sorted(m for m in ("mxnet", "gluoncv", "sklearn") if m in sys.modules))'
    )
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, '-c', code], cwd=repo, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '[]'
