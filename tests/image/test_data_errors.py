"""Bad input to Dataset / load_image_folder: clear errors that name the path or parameter."""

import os
import re
import warnings

import numpy as np
import pytest
from PIL import Image

from autogluon.image_classification._data import (
    Dataset,
    ImageSkippedWarning,
    load_image_folder,
    sample_data_path,
)


def _img(path, value=0, size=(8, 8), fmt=None):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    Image.fromarray(np.full(size, value, np.uint8), 'L').save(str(path), fmt)
    return str(path)


def _folder(root, spec):
    """spec: {class: number of images}; returns root as str."""
    for cls, n in spec.items():
        os.makedirs(os.path.join(str(root), cls), exist_ok=True)
        for i in range(n):
            _img(os.path.join(str(root), cls, '%d.png' % i), value=10 * i)
    return str(root)


# ---------------------------------------------------------------------------------------------
# folder layout errors: (build the folder, expected exception, regex on the message)


def _missing(tmp):
    return str(tmp / 'does_not_exist')


def _a_file(tmp):
    return _img(tmp / 'single.png')


def _empty(tmp):
    os.makedirs(tmp / 'empty')
    return str(tmp / 'empty')


def _only_hidden(tmp):
    os.makedirs(tmp / 'r' / '.ipynb_checkpoints')
    return str(tmp / 'r')


def _flat_images(tmp):
    _img(tmp / 'flat' / 'a.png')
    _img(tmp / 'flat' / 'b.png')
    return str(tmp / 'flat')


def _one_flat_image(tmp):
    _img(tmp / 'one' / 'a.png')
    return str(tmp / 'one')


def _only_text_files(tmp):
    os.makedirs(tmp / 'r')
    (tmp / 'r' / 'notes.txt').write_text('hello')
    return str(tmp / 'r')


def _class_without_images(tmp):
    root = _folder(tmp / 'r', {'cat': 3})
    os.makedirs(os.path.join(root, 'dog'))
    with open(os.path.join(root, 'dog', 'readme.txt'), 'w') as f:
        f.write('no pictures here')
    return root


def _class_all_corrupt(tmp):
    root = _folder(tmp / 'r', {'cat': 3})
    os.makedirs(os.path.join(root, 'dog'))
    for i in range(2):
        with open(os.path.join(root, 'dog', '%d.jpg' % i), 'wb') as f:
            f.write(b'garbage bytes')
    return root


LAYOUT_CASES = [
    (_missing, FileNotFoundError, r'train_path does not exist: .*does_not_exist'),
    (_a_file, ValueError, r'train_path is a file, not a folder: .*single\.png'),
    (_empty, ValueError, r'train_path is an empty folder: .*empty'),
    (_only_hidden, ValueError, r'train_path is an empty folder'),
    (_flat_images, ValueError, r'holds 2 image files but no class sub-folders: .*flat'),
    (_one_flat_image, ValueError, r'holds 1 image file but no class sub-folders: .*one'),
    (_only_text_files, ValueError, r'has no class folders: .*r'),
    (_class_without_images, ValueError, r"class folder 'dog' has no images .*[/\\]r[/\\]dog"),
    (_class_all_corrupt, ValueError, r"class folder 'dog' has no readable images.*[/\\]dog"),
]


@pytest.mark.filterwarnings('ignore::UserWarning')
@pytest.mark.parametrize(
    'make, exc, pattern', LAYOUT_CASES, ids=[case[0].__name__.strip('_') for case in LAYOUT_CASES]
)
def test_layout_errors_name_the_path(tmp_path, make, exc, pattern):
    path = make(tmp_path)
    with pytest.raises(exc, match=pattern):
        Dataset('x', train_path=path)


def test_missing_test_path_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='test_path does not exist: .*nothing_here'):
        Dataset('shopeeiet', test_path=str(tmp_path / 'nothing_here'))


# ---------------------------------------------------------------------------------------------
# unreadable images are skipped with a warning naming the file


def _check_skipped(tmp_path, bad_name, bad_bytes):
    root = _folder(tmp_path / 'r', {'a': 4, 'b': 4})
    bad = os.path.join(root, 'b', bad_name)
    with open(bad, 'wb') as f:
        f.write(bad_bytes)
    with pytest.warns(ImageSkippedWarning, match=re.escape(bad)):
        arrays, classes = load_image_folder(root)
    assert classes == ['a', 'b'] and len(arrays) == 8 and bad not in arrays.paths
    with pytest.warns(ImageSkippedWarning, match=re.escape(bad)):
        ds = Dataset('x', train_path=root)
    assert len(ds.train) + len(ds.val) == 8


def test_corrupt_file_is_skipped_with_warning(tmp_path):
    _check_skipped(tmp_path, 'broken.jpg', b'\xff\xd8 this is not really a jpeg')


def test_empty_file_is_skipped_with_warning(tmp_path):
    _check_skipped(tmp_path, 'zero.png', b'')


def test_truncated_file_is_skipped_even_after_gluoncv_turned_on_truncated_loading(tmp_path, monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, 'LOAD_TRUNCATED_IMAGES', True)  # what `import gluoncv` does
    src = _img(tmp_path / 'full.png', size=(64, 64))
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64)).astype(np.uint8)).save(src)
    data = open(src, 'rb').read()
    _check_skipped(tmp_path, 'cut.png', data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored afterwards


def test_truncated_file_fails_at_decode_and_is_skipped(tmp_path):
    """The header is fine (so the size probe passes) but the pixel data is cut off."""
    src = _img(tmp_path / 'full.png', size=(64, 64))
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64)).astype(np.uint8)).save(src)
    data = open(src, 'rb').read()
    _check_skipped(tmp_path, 'cut.png', data[: len(data) // 2])


def test_unrelated_files_and_hidden_folders_are_ignored(tmp_path):
    root = _folder(tmp_path / 'r', {'a': 2, 'b': 2})
    (tmp_path / 'r' / 'a' / 'notes.txt').write_text('x')
    (tmp_path / 'r' / 'a' / '.DS_Store').write_bytes(b'\0')
    os.makedirs(tmp_path / 'r' / '.ipynb_checkpoints')
    _img(tmp_path / 'r' / 'b' / 'nested' / 'deep.png')  # sub-folders of a class count
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        arrays, classes = load_image_folder(root)
    assert classes == ['a', 'b'] and len(arrays) == 5
    assert np.bincount(arrays.labels).tolist() == [2, 3]


# ---------------------------------------------------------------------------------------------
# class mapping between splits


def test_test_classes_must_be_subset_of_train(tmp_path):
    train = _folder(tmp_path / 'train', {'cat': 3, 'dog': 3})
    test = _folder(tmp_path / 'test', {'cat': 1, 'bird': 1})
    with pytest.raises(ValueError) as info:
        Dataset('x', train_path=train, test_path=test)
    message = str(info.value)
    assert train in message and test in message and 'bird' in message


def test_val_classes_must_be_subset_of_train(tmp_path):
    train = _folder(tmp_path / 'train', {'cat': 3, 'dog': 3})
    val = _folder(tmp_path / 'val', {'emu': 1})
    with pytest.raises(ValueError, match=re.escape(val) + '.*emu.*' + re.escape(train)):
        Dataset('x', train_path=train, val_path=val)


def test_test_subset_uses_train_label_indices_and_format(tmp_path):
    train = _folder(tmp_path / 'train', {'cat': 3, 'dog': 3, 'emu': 3})
    test = _folder(tmp_path / 'test', {'dog': 2})
    Image.fromarray(np.zeros((20, 20, 3), np.uint8), 'RGB').save(
        str(tmp_path / 'test' / 'dog' / 'colour.png')
    )
    ds = Dataset('x', train_path=train, test_path=test)
    assert ds.classes == ['cat', 'dog', 'emu']
    assert ds.test.labels.tolist() == [1, 1, 1]
    assert ds.test.images.shape == (3, 8, 8, 1)  # the train folder's size and channels


def test_single_image_classes(tmp_path):
    root = _folder(tmp_path / 'r', {'a': 1, 'b': 3})
    ds = Dataset('x', train_path=root)
    assert np.bincount(ds.train.labels).tolist() == [1, 2]
    assert np.bincount(ds.val.labels, minlength=2).tolist() == [0, 1]
    only_singles = _folder(tmp_path / 's', {'a': 1, 'b': 1})
    with pytest.raises(ValueError, match=re.escape(only_singles) + ' has too few images'):
        Dataset('x', train_path=only_singles)


# ---------------------------------------------------------------------------------------------
# arguments

ARGUMENT_CASES = [
    (dict(), ValueError, r'built-in name .*fashionmnist.*train_path'),
    (
        dict(name='shopeeiet'),
        ValueError,
        r"unknown built-in dataset name 'shopeeiet'.*fashionmnist, mnist, cifar10, cifar100, digits",
    ),
    (dict(name=5), TypeError, r'^name must be a non-empty str or None, got 5 of type int$'),
    (dict(name='x', train_path=3), TypeError, r'train_path must be a str'),
    (dict(name='digits', split_ratio=0), ValueError, r'split_ratio'),
    (dict(name='digits', split_ratio=1.0), ValueError, r'split_ratio'),
    # a wrong type is a TypeError (bool split_ratio, str channels, str split_ratio were ValueError before the
    # checks were shared)
    (
        dict(name='digits', split_ratio=True),
        TypeError,
        r'^split_ratio must be a finite number, got True of type bool$',
    ),
    (dict(name='digits', split_ratio='0.5'), TypeError, r'^split_ratio must be .*, got .0.5. of type str$'),
    (
        dict(name='digits', image_size=0),
        ValueError,
        r'^image_size must be an int between 1 and 4096 or None, got 0$',
    ),
    (dict(name='digits', image_size='28'), TypeError, r'image_size must be an int'),
    (dict(name='digits', channels=2), ValueError, r'channels must be 1 .* or 3'),
    (dict(name='digits', channels='3'), TypeError, r"^channels must be 1 .* or 3 .*, got '3' of type str$"),
    (dict(name='digits', seed=-1), ValueError, r'^seed must be an int >= 0 or None, got -1$'),
    (dict(name='digits', max_images_per_class=0), ValueError, r'max_images_per_class'),
    (
        dict(name=''),
        ValueError,
        r"^name must be a non-empty str or None, got ''$",
    ),  # was the 'built-in name' error
    (dict(name='digits', shuffle=True), TypeError, r'unexpected keyword.*shuffle'),
]


@pytest.mark.parametrize('kwargs, exc, pattern', ARGUMENT_CASES)
def test_argument_errors(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        Dataset(**kwargs)


def test_val_path_needs_train_path(tmp_path):
    val = _folder(tmp_path / 'val', {'a': 1})
    with pytest.raises(ValueError, match='val_path .*without train_path'):
        Dataset('x', val_path=val)


def test_legacy_loader_arguments_are_accepted():
    ds = Dataset('x', test_path=os.path.join(sample_data_path(), 'test'), batch_size=32, num_workers=2)
    assert (ds.batch_size, ds.num_workers) == (32, 2)


# ---------------------------------------------------------------------------------------------
# links and classes


def test_a_symlink_loop_in_a_class_folder_reads_each_image_once(tmp_path, caplog):
    root = _folder(tmp_path / 'loops', {'cat': 3, 'dog': 4})
    os.symlink('..', os.path.join(root, 'cat', 'back_to_root'))  # a loop through the root
    os.symlink('.', os.path.join(root, 'dog', 'self'))  # a loop onto itself
    os.makedirs(os.path.join(root, 'dog', 'sub'))
    _img(os.path.join(root, 'dog', 'sub', 'x.png'), value=200)
    os.symlink(os.path.join('..', 'sub'), os.path.join(root, 'dog', 'sub', 'again'))
    os.symlink('0.png', os.path.join(root, 'cat', 'same_as_0.png'))  # a second name for one file
    with caplog.at_level('WARNING'):
        ds = Dataset(train_path=root, split_ratio=0.5)
    counts = np.bincount(np.concatenate([ds.train.labels, ds.val.labels]), minlength=2)
    assert ds.classes == ['cat', 'dog'] and counts.tolist() == [3, 5]
    paths = list(ds.train.paths) + list(ds.val.paths)
    assert len({os.path.realpath(p) for p in paths}) == len(paths) == 8
    assert 'back_to_root' in caplog.text and 'self' in caplog.text and 'loop' in caplog.text


def test_a_linked_class_folder_outside_the_root_is_still_read(tmp_path):
    elsewhere = _folder(tmp_path / 'elsewhere', {'bird': 2})
    root = _folder(tmp_path / 'root', {'cat': 2})
    os.symlink(os.path.join(elsewhere, 'bird'), os.path.join(root, 'bird'))
    ds = Dataset(train_path=root, split_ratio=0.5)
    assert ds.classes == ['bird', 'cat'] and len(ds.train) + len(ds.val) == 4


def test_a_single_class_training_folder_is_a_clear_error(tmp_path):
    root = _folder(tmp_path / 'one', {'only': 5})
    with pytest.raises(ValueError) as info:
        Dataset(train_path=root)
    message = str(info.value)
    assert root in message and "'only'" in message and 'at least 2 classes' in message
    test_only = Dataset(test_path=root)  # a test split of one class is fine
    assert test_only.classes == ['only'] and len(test_only.test) == 5


def test_sample_data_path_split_is_checked():
    from autogluon.image_classification._data import sample_data_path

    with pytest.raises(ValueError, match=r"^split must be one of 'train', 'test' or None, got 'val'$"):
        sample_data_path('val')
    # a wrong type is a TypeError (was ValueError before the checks were shared)
    with pytest.raises(TypeError, match=r"^split must be one of 'train', 'test' or None, got 1 of type int$"):
        sample_data_path(1)
