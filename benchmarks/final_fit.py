"""fit(final_fit=True) against final_fit=False: test accuracy of the returned model.

At equal ``time_limits`` (``--mode time``, the measurement behind the default, see
docs/tutorials/advanced.md) or at equal ``num_trials`` (``--mode trials``: the refit then adds
time to ``fit``). One JSON line per run: data, seed, final_fit, wall seconds, validation and
test accuracy, trials, and what the refit did.

    python benchmarks/final_fit.py --data sample --time 60 --seeds 0 1 2
    python benchmarks/final_fit.py --data fmnist --time 120 --seeds 0 1
    python benchmarks/final_fit.py --data fmnist --mode trials --trials 2 --epochs 3 --seeds 0 1

``--data fmnist`` reads 300 images per class of Fashion-MNIST from Debian's
``dataset-fashion-mnist`` package (2,700 training, 300 validation, 3,000 test images).
"""

import argparse
import json
import logging
import tempfile
import time


def _data(name):
    from autogluon import image_classification as task

    if name == 'sample':
        root = task.sample_data_path()
        return (
            task.Dataset(name='shopeeiet', train_path=root + '/train'),
            task.Dataset(name='shopeeiet', test_path=root + '/test'),
        )
    dataset = task.Dataset('fashionmnist', max_images_per_class=300)
    return dataset, dataset


def _one(dataset, test, seed, final, opts):
    from autogluon import image_classification as task

    budget = (
        {'time_limits': opts.time}
        if opts.mode == 'time'
        else {'num_trials': opts.trials, 'nets': ['compact_cnn']}
    )
    start = time.time()
    results = task.fit(
        dataset,
        num_training_epochs=opts.epochs,
        seed=seed,
        final_fit=final,
        savedir=tempfile.mkdtemp(prefix='ag-final-fit-') + '/exp.ag',
        **budget,
    )
    wall = time.time() - start
    info = results.metadata['final_fit'] or {}
    return dict(
        data=opts.data,
        seed=seed,
        final_fit=final,
        wall=round(wall, 1),
        val=round(results.metric, 4),
        test=round(task.evaluate(test), 4),
        trials=results.metadata['num_trials'],
        refit_epochs=info.get('epochs_trained'),
        refit_skipped=info.get('reason'),
        **budget,
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--data', choices=('sample', 'fmnist'), default='sample')
    p.add_argument('--mode', choices=('time', 'trials'), default='time')
    p.add_argument('--time', type=float, default=60.0, help='time_limits of each fit (--mode time)')
    p.add_argument('--trials', type=int, default=2, help='num_trials of each fit (--mode trials)')
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    opts = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    dataset, test = _data(opts.data)
    for seed in opts.seeds:
        for final in (False, True):
            print(json.dumps(_one(dataset, test, seed, final, opts)), flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
