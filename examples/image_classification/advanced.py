"""Image Classification - networks, optimizers and search spaces, as a script
(docs/tutorials/advanced.md).

Fits with the candidate networks, optimizers and hyperparameter ranges given on the command
line (weight decay log-uniform, a choice of batch sizes and label smoothing), then prints the
best configuration, every trial's configuration and accuracy, and the test accuracy.

    python examples/image_classification/advanced.py                       # the shipped sample
    python examples/image_classification/advanced.py --time 15 --epochs 1  # fast check (~30 s)
    python examples/image_classification/advanced.py --nets compact_cnn,cifar_resnet20_v1 \\
        --optimizers sgd,nag,adam --lr 0.01,0.4 --time 300
    python examples/image_classification/advanced.py --data fashionmnist --time 1800

``--data`` is a folder holding ``train/`` (and optionally ``val/`` and ``test/``), each laid out
as ``<class>/<image>``, or the name of a built-in dataset read from local files
(``fashionmnist``, ``mnist``, ``cifar10``, ``cifar100``, ``digits``); default: the 4-class
sample shipped with the package. With the defaults (120 s, 10 epochs per trial) it takes about
2.5 minutes on 2 CPU cores. Trials and the checkpoint go under ``--out``
(default ``./exp/advanced``).
"""

import argparse
import logging
import os
import sys
import time


def _names(text):
    return [name.strip() for name in text.split(',') if name.strip()]


def _range(text):
    try:
        low, high = (float(v) for v in text.split(','))
    except ValueError:
        raise argparse.ArgumentTypeError('expected LOW,HIGH, got %r' % text) from None
    if not 0 < low < high:
        raise argparse.ArgumentTypeError('expected 0 < LOW < HIGH, got %r' % text)
    return low, high


def _ints(text):
    try:
        return [int(v) for v in _names(text)]
    except ValueError:
        raise argparse.ArgumentTypeError('expected comma-separated integers, got %r' % text) from None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--data',
        default=None,
        help='folder with train/ (val/, test/), or a built-in dataset name (default: the shipped sample)',
    )
    parser.add_argument(
        '--max-images-per-class',
        type=int,
        default=None,
        help='keep at most this many images per class (a seeded random choice)',
    )
    parser.add_argument('--time', type=float, default=120, help='time_limits of the fit, seconds')
    parser.add_argument('--epochs', type=int, default=10, help='num_training_epochs per trial')
    parser.add_argument(
        '--nets',
        type=_names,
        default=['compact_cnn', 'compact_cnn_small'],
        help='candidate networks, comma-separated (default: %(default)s)',
    )
    parser.add_argument(
        '--optimizers',
        type=_names,
        default=['nag', 'adam'],
        help='candidate optimizers among sgd, nag, adam (default: %(default)s)',
    )
    parser.add_argument(
        '--lr',
        type=_range,
        default=None,
        help='LOW,HIGH: log-uniform learning rate for every optimizer '
        '(default: the task default, separate ranges for sgd/nag and adam)',
    )
    parser.add_argument(
        '--wd',
        type=_range,
        default=(1e-5, 1e-3),
        help='LOW,HIGH: log-uniform weight decay (default: 1e-5,1e-3)',
    )
    parser.add_argument(
        '--batch-sizes',
        type=_ints,
        default=None,
        help='candidate batch sizes, comma-separated (default: chosen from the '
        'training-set size, and twice and half of it)',
    )
    parser.add_argument(
        '--num-trials',
        type=int,
        default=None,
        help='stop after this many trials (default: only the time limit)',
    )
    parser.add_argument(
        '--cpus-per-trial',
        type=int,
        default=None,
        help="resources_per_trial['num_cpus'] (default: 1 on up to 4 cores)",
    )
    parser.add_argument('--seed', type=int, default=0, help='seed of the search and the trials')
    parser.add_argument(
        '--out', default=os.path.join('exp', 'advanced'), help='output folder (default: ./exp/advanced)'
    )
    return parser.parse_args(argv)


def load_dataset(task, data, max_images_per_class):
    """A Dataset from a built-in name, a folder with train/ (val/, test/), or the sample."""
    common = dict(max_images_per_class=max_images_per_class)
    if data is not None and not os.path.exists(os.path.expanduser(data)):
        try:
            return task.Dataset(data, **common)  # a built-in name
        except ValueError as err:
            raise SystemExit(
                'error: --data %r is neither a folder nor a built-in dataset: %s' % (data, err)
            ) from None
    root = os.path.abspath(os.path.expanduser(data)) if data else task.sample_data_path()
    paths = {split: os.path.join(root, split) for split in ('train', 'val', 'test')}
    if not os.path.isdir(paths['train']):
        raise SystemExit('error: %s has no train/ folder' % root)
    return task.Dataset(
        name=os.path.basename(root),
        train_path=paths['train'],
        val_path=paths['val'] if os.path.isdir(paths['val']) else None,
        test_path=paths['test'] if os.path.isdir(paths['test']) else None,
        **common,
    )


def main(argv=None):
    opts = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')
    start = time.time()
    # Imported before fit, so that time_limits goes to training rather than to this import.
    import gluoncv  # noqa: F401
    import mxnet  # noqa: F401

    import autogluon as ag
    from autogluon import image_classification as task

    dataset = load_dataset(task, opts.data, opts.max_images_per_class)
    print(dataset)

    searched = {
        'wd': ag.space.Real(opts.wd[0], opts.wd[1], log=True),
        'label_smoothing': ag.space.Categorical(0.1, 0.0),
    }
    if opts.lr is not None:
        searched['lr'] = ag.space.Real(opts.lr[0], opts.lr[1], log=True)
    if opts.batch_sizes:
        searched['batch_size'] = ag.space.Categorical(*opts.batch_sizes)
    else:
        n = len(dataset.train)
        size = 128
        while size > 16 and n < size * 8:  # the task's own default, then half and twice it
            size //= 2
        searched['batch_size'] = ag.space.Categorical(size, max(8, size // 2), size * 2)
    resources = {} if opts.cpus_per_trial is None else {'num_cpus': opts.cpus_per_trial}

    results = task.fit(
        dataset,
        nets=ag.Nets(opts.nets),
        optimizers=ag.Optimizers(opts.optimizers),
        num_trials=opts.num_trials,
        time_limits=opts.time,
        num_training_epochs=opts.epochs,
        resources_per_trial=resources,
        seed=opts.seed,
        savedir=os.path.join(os.path.abspath(opts.out), 'checkpoint'),
        **searched,
    )

    print('search space:')
    for name, space in results.metadata['search_space'].items():
        print('  %-16s %s' % (name, space))
    print('Top-1 val acc: %.3f' % results.metric)
    print('best configuration: %s' % results.config)
    columns = ['task_id', 'status', 'accuracy', 'training_epoch'] + [
        'config.' + name
        for name in ('net', 'optimizer', 'lr', 'adam_lr', 'wd', 'batch_size', 'label_smoothing')
    ]
    trials = results.scheduler.get_trials()
    print(trials[[c for c in columns if c in trials.columns]].to_string(index=False))

    test_acc = None
    if dataset.test is not None:
        test_acc = task.evaluate(dataset)
        print('Top-1 test acc: %.3f' % test_acc)
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
