"""``python -m autogluon.image_classification.export``: Fashion-MNIST subset -> image folder."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from autogluon.image_classification import _data_builtin
from autogluon.image_classification._data import Dataset
from autogluon.image_classification.export import export_fashion_mnist, main, parse_classes

HAVE_FMNIST = all(
    os.path.isfile(os.path.join(_data_builtin.DEBIAN_FASHION_MNIST_DIR, f + '.gz'))
    for f in _data_builtin._IDX_FILES.values()
)
needs_fmnist = pytest.mark.skipif(
    not HAVE_FMNIST,
    reason='Fashion-MNIST idx files absent from %s (Debian package '
    'dataset-fashion-mnist not installed)' % _data_builtin.DEBIAN_FASHION_MNIST_DIR,
)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


@needs_fmnist
def test_round_trip_two_classes(tmp_path):
    out = tmp_path / 'data'
    main(
        [
            '--out',
            str(out),
            '--classes',
            'sneaker,1',
            '--per-class-train',
            '5',
            '--per-class-test',
            '3',
            '--seed',
            '4',
        ]
    )
    files = _files(str(out))
    assert len(files) == 16
    assert sorted(os.listdir(out / 'train')) == ['sneaker', 'trouser']
    ds = Dataset('fmnist-subset', train_path=str(out / 'train'), test_path=str(out / 'test'))
    assert ds.classes == ['sneaker', 'trouser']
    assert (len(ds.train), len(ds.val), len(ds.test)) == (8, 2, 6)
    assert (ds.image_size, ds.channels) == (28, 1)
    # the pixels are the Fashion-MNIST images named in the file names
    source = _data_builtin.read_idx(_data_builtin.fashion_mnist_files()['test_images'])
    for path, image in zip(ds.test.paths, ds.test.images):
        idx = int(re.search(r'fmnist-test-(\d+)\.png$', path).group(1))
        assert np.array_equal(image[..., 0], source[idx])
    # deterministic for a seed
    again = tmp_path / 'again'
    main(
        [
            '--out',
            str(again),
            '--classes',
            '7,1',
            '--per-class-train',
            '5',
            '--per-class-test',
            '3',
            '--seed',
            '4',
        ]
    )
    assert _files(str(again)) == files


@needs_fmnist
def test_size_format_and_overwrite(tmp_path):
    out = tmp_path / 'o'
    args = [
        '--out',
        str(out),
        '--classes',
        'bag',
        '--per-class-train',
        '2',
        '--per-class-test',
        '1',
        '--size',
        '32',
        '--format',
        'jpg',
    ]
    main(args)
    for rel in _files(str(out)):
        assert rel.endswith('.jpg')
        with Image.open(out / rel) as img:
            assert img.size == (32, 32) and img.mode == 'L'
    with pytest.raises(SystemExit) as info:  # refuses to mix with existing files
        main(args)
    assert info.value.code == 1
    main(args + ['--overwrite', '--format', 'png'])
    assert all(rel.endswith('.png') for rel in _files(str(out)))


@pytest.mark.parametrize(
    'argv',
    [
        [],  # --out is required
        ['--out', 'x', '--classes', '10'],
        ['--out', 'x', '--classes', 'hat'],
        ['--out', 'x', '--classes', ','],
        ['--out', 'x', '--per-class-train', '0'],
        ['--out', 'x', '--per-class-train', '6001'],
        ['--out', 'x', '--per-class-test', 'many'],
        ['--out', 'x', '--size', '0'],
        ['--out', 'x', '--seed', '-3'],
        ['--out', 'x', '--format', 'gif'],
    ],
)
def test_argparse_errors(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert 'error:' in capsys.readouterr().err


def test_parse_classes():
    assert parse_classes('0,2,5') == [0, 2, 5]
    assert parse_classes('Ankle boot, T-shirt/top,trouser,1') == [0, 1, 9]


def test_missing_source_dir_is_reported(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(['--out', str(tmp_path / 'o'), '--source-dir', str(tmp_path / 'nowhere')])
    assert info.value.code == 1
    assert str(tmp_path / 'nowhere') in capsys.readouterr().err


@needs_fmnist
def test_runs_as_module(tmp_path):
    out = tmp_path / 'm'
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'autogluon.image_classification.export',
            '--out',
            str(out),
            '--classes',
            '0',
            '--per-class-train',
            '1',
            '--per-class-test',
            '1',
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert 'Exported 1 train and 1 test images' in proc.stderr
    assert _files(str(out))[0].startswith(os.path.join('test', 't-shirt_top'))


@pytest.mark.parametrize(
    'kwargs, error, message',
    [
        (dict(fmt='gif'), ValueError, r"^fmt must be one of 'png', 'jpg', got 'gif'$"),
        (dict(fmt=None), TypeError, r"^fmt must be one of 'png', 'jpg', got None of type NoneType$"),
        (dict(classes=[1, 10]), ValueError, r'^classes\[1\] must be an int between 0 and 9, got 10$'),
        (dict(per_class_train='5'), TypeError, r"^per_class_train must be an int >= 1, got '5' of type str$"),
        (dict(per_class_test=0), ValueError, r'^per_class_test must be an int >= 1, got 0$'),
        (dict(size=2.5), TypeError, r'^size must be an int >= 1, got 2.5 of type float$'),
        (dict(seed=-1), ValueError, r'^seed must be an int >= 0, got -1$'),
    ],
)
def test_export_arguments_are_checked_before_any_work(tmp_path, kwargs, error, message):
    # checked up front (before the idx files are read), so this needs no Fashion-MNIST files
    with pytest.raises(error, match=message):
        export_fashion_mnist(str(tmp_path / 'o'), source_dir=str(tmp_path / 'nowhere'), **kwargs)
    assert not (tmp_path / 'o').exists()
