"""Export a Fashion-MNIST subset as an image folder (``DIR/{train,test}/<class>/*.png``).

Useful to fill ``~/data`` for the tutorials, which read ``~/data/train`` and ``~/data/test``::

    python -m autogluon.image_classification.export --out ~/data --classes 1,6,7,0 \\
        --per-class-train 200 --per-class-test 50

Classes are given by index (0-9) or name: t-shirt_top, trouser, pullover, dress, coat, sandal,
shirt, sneaker, bag, ankle_boot. Reads the idx files of Debian's ``dataset-fashion-mnist``
package (or ``--source-dir``); nothing is downloaded.
"""

import argparse
import logging
import os
import shutil
import sys
import time

import numpy as np
from PIL import Image

from ..core._validate import check_choice, check_instance, check_int
from . import _data_builtin

logger = logging.getLogger(__name__)

__all__ = ['export_fashion_mnist', 'parse_classes', 'main']

CLASSES = _data_builtin.FASHION_MNIST_CLASSES
_FORMATS = {'png': '.png', 'jpg': '.jpg'}
_BILINEAR = getattr(Image, 'Resampling', Image).BILINEAR


def _key(name):
    return ''.join(ch for ch in name.lower() if ch.isalnum())


def parse_classes(text):
    """``'0,2,sneaker'`` -> sorted unique class indices; ``ValueError`` naming a bad item."""
    by_name = {_key(name): i for i, name in enumerate(CLASSES)}
    by_name.update({'tshirt': 0, 'top': 0, 'boot': 9})
    chosen = []
    for item in str(text).split(','):
        item = item.strip()
        if not item:
            continue
        if item.isdigit():
            index = int(item)
            if index >= len(CLASSES):
                raise ValueError('class index %d is out of range 0-%d' % (index, len(CLASSES) - 1))
        elif _key(item) in by_name:
            index = by_name[_key(item)]
        else:
            raise ValueError('unknown class %r; use an index 0-9 or one of %s' % (item, ', '.join(CLASSES)))
        if index not in chosen:
            chosen.append(index)
    if not chosen:
        raise ValueError('no classes given in %r' % (text,))
    return sorted(chosen)


def _load(source_dir):
    if source_dir is None:
        files = _data_builtin.fashion_mnist_files()
    else:
        folder = os.path.abspath(os.path.expanduser(source_dir))
        hit = _data_builtin._find_idx_dir([folder])
        if hit is None:
            raise FileNotFoundError(
                'no Fashion-MNIST idx files in --source-dir %s (expected %s, '
                '.gz or not)' % (folder, ', '.join(_data_builtin._IDX_FILES.values()))
            )
        files = hit[1]
    read = _data_builtin.read_idx
    return {
        'train': (read(files['train_images']), read(files['train_labels'])),
        'test': (read(files['test_images']), read(files['test_labels'])),
    }


def export_fashion_mnist(
    out,
    classes=None,
    per_class_train=100,
    per_class_test=20,
    seed=0,
    size=28,
    fmt='png',
    overwrite=False,
    source_dir=None,
):
    """Write ``out/train/<class>/*`` and ``out/test/<class>/*`` from Fashion-MNIST.

    ``classes``: indices (default: all ten). Images per class are a seeded random choice; file
    names hold the source index (``fmnist-train-01234.png``). Returns ``{split: count}``.
    """
    out = os.path.abspath(
        os.path.expanduser(os.fspath(check_instance('out', out, (str, os.PathLike), 'a folder path')))
    )
    classes = (
        list(range(len(CLASSES)))
        if classes is None
        else sorted(
            {check_int('classes[%d]' % i, c, low=0, high=len(CLASSES) - 1) for i, c in enumerate(classes)}
        )
    )
    fmt = check_choice('fmt', fmt, tuple(_FORMATS))
    counts = {
        'train': check_int('per_class_train', per_class_train, low=1),
        'test': check_int('per_class_test', per_class_test, low=1),
    }
    seed, size = check_int('seed', seed, low=0), check_int('size', size, low=1)
    for split in ('train', 'test'):
        target = os.path.join(out, split)
        if os.path.isdir(target) and os.listdir(target):
            if not overwrite:
                raise FileExistsError(
                    '%s is not empty; choose another --out or pass --overwrite '
                    '(which deletes %s and %s first)' % (target, target, os.path.join(out, 'test'))
                )
    if overwrite:
        for split in ('train', 'test'):
            shutil.rmtree(os.path.join(out, split), ignore_errors=True)
    data = _load(source_dir)
    for split, n in counts.items():
        labels = data[split][1]
        for c in classes:
            available = int(np.sum(labels == c))
            if n > available:
                raise ValueError(
                    'Fashion-MNIST %s has %d images of class %s; asked for %d'
                    % (split, available, CLASSES[c], n)
                )
    rng = np.random.default_rng(seed)
    written = {}
    start = time.time()
    for split in ('train', 'test'):
        images, labels = data[split]
        written[split] = 0
        for c in classes:
            chosen = np.sort(rng.choice(np.flatnonzero(labels == c), size=counts[split], replace=False))
            folder = os.path.join(out, split, CLASSES[c])
            os.makedirs(folder, exist_ok=True)
            for idx in chosen:
                img = Image.fromarray(images[idx], 'L')
                if size != img.size[0]:
                    img = img.resize((size, size), _BILINEAR)
                path = os.path.join(folder, 'fmnist-%s-%05d%s' % (split, idx, _FORMATS[fmt]))
                img.save(path, **({'quality': 95} if fmt == 'jpg' else {}))
            written[split] += len(chosen)
            logger.info('%s/%s: wrote %d images', split, CLASSES[c], len(chosen))
    logger.info(
        'Exported %d train and %d test images of %d classes to %s in %.1f s',
        written['train'],
        written['test'],
        len(classes),
        out,
        time.time() - start,
    )
    return written


def _int_between(low, high):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError('expected an integer, got %r' % text) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError('must be between %d and %d, got %d' % (low, high, value))
        return value

    return parse


def _classes_arg(text):
    try:
        return parse_classes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _build_parser():
    parser = argparse.ArgumentParser(
        prog='python -m autogluon.image_classification.export',
        description='Export Fashion-MNIST images as an image folder: OUT/train/<class>/ and '
        'OUT/test/<class>/.',
    )
    parser.add_argument('--out', required=True, help='output folder (created if needed)')
    parser.add_argument(
        '--classes',
        type=_classes_arg,
        default=None,
        help='comma-separated class indices or names (default: all ten: %s)' % ','.join(CLASSES),
    )
    parser.add_argument(
        '--per-class-train',
        type=_int_between(1, 6000),
        default=100,
        help='training images per class, 1-6000 (default: %(default)s)',
    )
    parser.add_argument(
        '--per-class-test',
        type=_int_between(1, 1000),
        default=20,
        help='test images per class, 1-1000 (default: %(default)s)',
    )
    parser.add_argument(
        '--seed', type=_int_between(0, 2**32 - 1), default=0, help='random seed (default: %(default)s)'
    )
    parser.add_argument(
        '--size',
        type=_int_between(1, 1024),
        default=28,
        help='image side in pixels, resized bilinearly (default: %(default)s)',
    )
    parser.add_argument(
        '--format', choices=sorted(_FORMATS), default='png', help='image file format (default: %(default)s)'
    )
    parser.add_argument(
        '--overwrite', action='store_true', help='delete OUT/train and OUT/test first if they are not empty'
    )
    parser.add_argument(
        '--source-dir',
        default=None,
        help='folder with the Fashion-MNIST idx files (default: the Debian '
        'package folder %s)' % _data_builtin.DEBIAN_FASHION_MNIST_DIR,
    )
    return parser


def main(argv=None):
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format='%(message)s')
    try:
        export_fashion_mnist(
            args.out,
            args.classes,
            args.per_class_train,
            args.per_class_test,
            args.seed,
            args.size,
            args.format,
            args.overwrite,
            args.source_dir,
        )
    except (OSError, ValueError) as exc:
        parser.exit(1, 'error: %s\n' % exc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
