"""Image Classification - Quick Start, as a script (docs/tutorials/quick_start.md).

Builds a dataset from an image folder (a stratified 90/10 train/validation split of ``train/``),
fits with ``task.fit`` within a time budget, prints the validation accuracy, the chosen
configuration and the trials table, evaluates on ``test/``, classifies one test image, and saves
the model and loads it back.

    python examples/image_classification/quick_start.py                      # the shipped sample
    python examples/image_classification/quick_start.py --time 15 --epochs 1 # fast check (~40 s)
    python examples/image_classification/quick_start.py --data ~/data --time 300 --epochs 20

``--data`` is a folder holding ``train/<class>/<image>`` and ``test/<class>/<image>`` (default:
the 4-class sample shipped with the package). With the defaults (120 s, 10 epochs per trial) it
takes about 2.5 minutes on 2 CPU cores. Everything it writes (trials, checkpoint, the saved model,
the training curves) goes under ``--out`` (default ``./exp/quick_start``).
"""

import argparse
import glob
import logging
import os
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--data',
        default=None,
        help='folder with train/ and test/ image folders (default: the shipped sample)',
    )
    parser.add_argument('--time', type=float, default=120, help='time_limits of the fit, seconds')
    parser.add_argument('--epochs', type=int, default=10, help='num_training_epochs per trial')
    parser.add_argument(
        '--out', default=os.path.join('exp', 'quick_start'), help='output folder (default: ./exp/quick_start)'
    )
    parser.add_argument('--seed', type=int, default=0, help='seed of the search and the trials')
    return parser.parse_args(argv)


def main(argv=None):
    opts = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')
    start = time.time()
    # MXNet and GluonCV are imported on first use, inside fit, and time_limits counts that
    # one-time import (several seconds): import them first so the budget goes to training.
    import gluoncv  # noqa: F401
    import mxnet  # noqa: F401

    from autogluon import image_classification as task

    root = os.path.abspath(os.path.expanduser(opts.data)) if opts.data else task.sample_data_path()
    train_path, test_path = os.path.join(root, 'train'), os.path.join(root, 'test')
    out = os.path.abspath(opts.out)
    os.makedirs(out, exist_ok=True)

    dataset = task.Dataset(name='shopeeiet', train_path=train_path)
    print(dataset)

    results = task.fit(
        dataset,
        time_limits=opts.time,
        num_training_epochs=opts.epochs,
        savedir=os.path.join(out, 'checkpoint', 'exp1.ag'),
        seed=opts.seed,
    )
    print('Top-1 val acc: %.3f' % results.metric)
    print('best configuration: %s' % results.config)

    trials = results.scheduler.get_trials()
    print(
        trials[
            ['task_id', 'status', 'accuracy', 'training_epoch', 'config.net', 'config.optimizer']
        ].to_string(index=False)
    )
    results.get_training_curves(filename=os.path.join(out, 'curves.png'))

    test_acc = None
    if os.path.isdir(test_path):
        test_dataset = task.Dataset(name='shopeeiet', test_path=test_path)
        test_acc = task.evaluate(test_dataset)
        print('Top-1 test acc: %.3f' % test_acc)
        images = sorted(glob.glob(os.path.join(test_path, '*', '*')))
        image = images[0]
        ind, prob = task.predict(image)
        print(
            '%s is classified as [%s] (index %d), with probability %.2f; its folder says %s'
            % (
                os.path.basename(image),
                dataset.classes[ind],
                ind,
                prob,
                os.path.basename(os.path.dirname(image)),
            )
        )
    else:
        print('no test folder at %s: skipping evaluate and predict' % test_path)
        image = None

    model_dir = task.save(os.path.join(out, 'model'))
    model = task.load(model_dir)
    print('saved and loaded %r from %s' % (model, model_dir))
    if image is not None:
        again = model.predict(image)
        print('the loaded model predicts %s' % (again,))

    print(
        '\nsummary: %d trials, val acc %.3f, test acc %s, fit %.1fs, total %.1fs'
        % (
            results.metadata['num_trials'],
            results.metric,
            'n/a' if test_acc is None else '%.3f' % test_acc,
            results.time,
            time.time() - start,
        )
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
