"""Use your own dataset, as a script (docs/tutorials/own_dataset.md).

Fits on an image folder laid out as ``ROOT/train/<class>/<image>`` with optional ``ROOT/val/``
and ``ROOT/test/`` (same class folders): prints the images per split and class, fits within the
time budget (validating on ``val/`` when it exists, else on a stratified 10% of ``train/``), and
prints the validation accuracy, the test accuracy and the test accuracy per class.

Without ``--data`` it first builds such a folder under ``--out``: a copy of the sample shipped
with the package, with ``--val-per-class`` training images of each class moved to ``val/``.

    python examples/image_classification/own_dataset.py                      # builds from the sample
    python examples/image_classification/own_dataset.py --time 15 --epochs 1 # fast check (~30 s)
    python -m autogluon.image_classification.export --out ~/fashion --classes 0,1,7,8 \\
        --per-class-train 500 --per-class-test 100
    python examples/image_classification/own_dataset.py --data ~/fashion --time 300

With the defaults (120 s, 10 epochs per trial) it takes about 2.5 minutes on 2 CPU cores.
Everything it writes (the built folder, trials and checkpoint) goes under ``--out``
(default ``./exp/own_dataset``).
"""

import argparse
import logging
import os
import shutil
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--data',
        default=None,
        help='folder with train/ (and optionally val/ and test/); default: '
        'build one from the shipped sample under --out',
    )
    parser.add_argument(
        '--val-per-class',
        type=int,
        default=8,
        help='when building from the sample: training images per class moved '
        'to val/ (0: no val/ folder; default: %(default)s)',
    )
    parser.add_argument('--time', type=float, default=120, help='time_limits of the fit, seconds')
    parser.add_argument('--epochs', type=int, default=10, help='num_training_epochs per trial')
    parser.add_argument(
        '--image-size',
        type=int,
        default=None,
        help='decode every image to this side (default: the median side, at most 224)',
    )
    parser.add_argument(
        '--max-images-per-class',
        type=int,
        default=None,
        help='keep at most this many images per class and split',
    )
    parser.add_argument('--seed', type=int, default=0, help='seed of the split, search and trials')
    parser.add_argument(
        '--out', default=os.path.join('exp', 'own_dataset'), help='output folder (default: ./exp/own_dataset)'
    )
    return parser.parse_args(argv)


def build_from_sample(sample, target, val_per_class):
    """Copy the sample (train/, test/) to ``target`` and move images from train/ to val/."""
    if os.path.exists(target):
        shutil.rmtree(target)
    shutil.copytree(sample, target)
    if val_per_class > 0:
        for cls in sorted(os.listdir(os.path.join(target, 'train'))):
            names = sorted(os.listdir(os.path.join(target, 'train', cls)))
            if val_per_class >= len(names):
                raise SystemExit(
                    'error: --val-per-class %d leaves no training image of %s' % (val_per_class, cls)
                )
            os.makedirs(os.path.join(target, 'val', cls))
            for name in names[-val_per_class:]:
                shutil.move(os.path.join(target, 'train', cls, name), os.path.join(target, 'val', cls, name))
    return target


def describe(root):
    """Print the number of files per split and class folder."""
    for split in ('train', 'val', 'test'):
        folder = os.path.join(root, split)
        if not os.path.isdir(folder):
            print('%-5s (none)' % split)
            continue
        counts = {}
        for cls in sorted(os.listdir(folder)):
            if os.path.isdir(os.path.join(folder, cls)) and not cls.startswith('.'):
                counts[cls] = sum(len(files) for _, _, files in os.walk(os.path.join(folder, cls)))
        print('%-5s %s' % (split, counts))


def main(argv=None):
    opts = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')
    start = time.time()
    # Imported before fit, so that time_limits goes to training rather than to this import.
    import gluoncv  # noqa: F401
    import mxnet  # noqa: F401
    import numpy as np

    from autogluon import image_classification as task

    out = os.path.abspath(opts.out)
    os.makedirs(out, exist_ok=True)
    if opts.data:
        root = os.path.abspath(os.path.expanduser(opts.data))
    else:
        root = build_from_sample(task.sample_data_path(), os.path.join(out, 'data'), opts.val_per_class)
        print('built %s from the shipped sample' % root)
    describe(root)

    paths = {split: os.path.join(root, split) for split in ('train', 'val', 'test')}
    if not os.path.isdir(paths['train']):
        raise SystemExit('error: %s has no train/ folder (expected ROOT/train/<class>/<image>)' % root)
    try:
        dataset = task.Dataset(
            name=os.path.basename(root),
            train_path=paths['train'],
            val_path=paths['val'] if os.path.isdir(paths['val']) else None,
            test_path=paths['test'] if os.path.isdir(paths['test']) else None,
            image_size=opts.image_size,
            max_images_per_class=opts.max_images_per_class,
            seed=opts.seed,
        )
    except (FileNotFoundError, ValueError) as err:
        raise SystemExit('error: %s' % err) from None
    print(dataset)
    print(
        'validation: %s'
        % ('the val/ folder' if dataset.val_path else 'a stratified 10%% of train/ (no val/ folder)')
    )

    results = task.fit(
        dataset,
        time_limits=opts.time,
        num_training_epochs=opts.epochs,
        seed=opts.seed,
        savedir=os.path.join(out, 'checkpoint'),
    )
    print(
        'Top-1 val acc: %.3f on %d images (%s, %d trials)'
        % (results.metric, results.metadata['num_val'], results.config['net'], results.metadata['num_trials'])
    )

    test_acc = None
    if dataset.test is not None:
        test_acc = task.evaluate(dataset)
        print('Top-1 test acc: %.3f on %d images' % (test_acc, len(dataset.test)))
        probs = results.model.predict_proba(dataset.test.images)
        predicted = probs.argmax(axis=1)
        for index, cls in enumerate(dataset.classes):
            mask = dataset.test.labels == index
            if mask.any():
                print(
                    '  %-24s %.3f (%d images)'
                    % (cls, float(np.mean(predicted[mask] == index)), int(mask.sum()))
                )
    print(
        '\nsummary: val acc %.3f, test acc %s, fit %.1fs, total %.1fs'
        % (
            results.metric,
            'n/a' if test_acc is None else '%.3f' % test_acc,
            results.time,
            time.time() - start,
        )
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
