#!/usr/bin/env python
"""Write the small sample image folder shipped with the package.

It mirrors the 4-class Shopee-IET product subset used by the AutoGluon tutorials, with real
Fashion-MNIST pixels standing in for the product photos:

    BabyPants        <- trouser
    BabyShirt        <- shirt
    womencasualshoes <- sneaker
    womenchiffontop  <- t-shirt_top

Output: ``autogluon/image_classification/sample_data/shopee_sample/{train,test}/<class>/``,
80 training and 20 test images per class, deterministic (fixed seed). To exercise mixed inputs,
most images are 28x28 grayscale PNG, and some are padded to 32x32, tinted to RGB, or JPEG.

Run from anywhere:  python scripts/make_sample_data.py [--out DIR] [--seed S]
Reads the idx files of Debian's ``dataset-fashion-mnist`` package; downloads nothing.
"""

import argparse
import logging
import os
import shutil
import sys

import numpy as np
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from autogluon.image_classification import _data_builtin  # noqa: E402

logger = logging.getLogger('make_sample_data')

DEFAULT_OUT = os.path.join(REPO, 'autogluon', 'image_classification', 'sample_data', 'shopee_sample')
#: sample class -> Fashion-MNIST class
CLASS_MAP = (
    ('BabyPants', 'trouser'),
    ('BabyShirt', 'shirt'),
    ('womencasualshoes', 'sneaker'),
    ('womenchiffontop', 't-shirt_top'),
)
PER_CLASS = {'train': 80, 'test': 20}
SEED = 2019
# For every 20 images of a class: 14 plain 28x28 grayscale PNG, 2 grayscale padded to 32x32 PNG,
# 2 tinted RGB 28x28 PNG, 1 tinted RGB resized to 32x32 JPEG, 1 grayscale 28x28 JPEG.
PATTERN = ['gray'] * 14 + ['gray32'] * 2 + ['rgb'] * 2 + ['rgb32jpg'] + ['grayjpg']
TINTS = np.array(
    [[1.00, 0.80, 0.60], [0.60, 0.80, 1.00], [0.90, 0.50, 0.60], [0.55, 0.95, 0.65], [1.00, 1.00, 0.55]]
)


def _tint(gray, rng):
    color = TINTS[rng.integers(len(TINTS))]
    rgb = gray[:, :, None].astype(np.float64) * color[None, None, :]
    return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)


def write_image(pixels, variant, rng, stem):
    """Save one 28x28 uint8 Fashion-MNIST image as ``variant``; returns the file written."""
    if variant == 'gray':
        img, ext = Image.fromarray(pixels, 'L'), '.png'
    elif variant == 'gray32':
        img, ext = Image.fromarray(np.pad(pixels, 2), 'L'), '.png'  # black border, as the data
    elif variant == 'rgb':
        img, ext = Image.fromarray(_tint(pixels, rng), 'RGB'), '.png'
    elif variant == 'rgb32jpg':
        img = Image.fromarray(_tint(pixels, rng), 'RGB').resize((32, 32), Image.BILINEAR)
        ext = '.jpg'
    elif variant == 'grayjpg':
        img, ext = Image.fromarray(pixels, 'L'), '.jpg'
    else:
        raise ValueError('unknown variant %r' % variant)
    path = stem + ext
    if ext == '.jpg':
        img.save(path, quality=90)
    else:
        img.save(path, optimize=True)
    return path


def make_sample(out=DEFAULT_OUT, seed=SEED):
    files = _data_builtin.fashion_mnist_files()
    sources = {
        'train': (
            _data_builtin.read_idx(files['train_images']),
            _data_builtin.read_idx(files['train_labels']),
        ),
        'test': (_data_builtin.read_idx(files['test_images']), _data_builtin.read_idx(files['test_labels'])),
    }
    fmnist_index = {name: i for i, name in enumerate(_data_builtin.FASHION_MNIST_CLASSES)}
    rng = np.random.default_rng(seed)
    written = 0
    for split in ('train', 'test'):
        split_dir = os.path.join(out, split)
        if os.path.isdir(split_dir):
            shutil.rmtree(split_dir)
        images, labels = sources[split]
        for sample_class, fmnist_class in CLASS_MAP:
            n = PER_CLASS[split]
            members = np.flatnonzero(labels == fmnist_index[fmnist_class])
            chosen = np.sort(rng.choice(members, size=n, replace=False))
            variants = rng.permutation(PATTERN * (n // len(PATTERN)))
            class_dir = os.path.join(split_dir, sample_class)
            os.makedirs(class_dir)
            for idx, variant in zip(chosen, variants):
                stem = os.path.join(class_dir, 'fmnist-%s-%05d' % (split, idx))
                write_image(images[idx], variant, rng, stem)
                written += 1
            logger.info('%s/%s: %d images from Fashion-MNIST %s', split, sample_class, n, fmnist_class)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    logger.info('Wrote %d images (%.0f KB) under %s', written, total / 1024.0, out)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=DEFAULT_OUT, help='output folder (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=SEED, help='random seed (default: %(default)s)')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    make_sample(os.path.abspath(os.path.expanduser(args.out)), args.seed)


if __name__ == '__main__':
    main()
