"""Configure your searcher, as a script (docs/tutorials/searcher.md).

Part 1 compares searchers on a cheap training function (softmax regression on scikit-learn's
bundled digits, a fraction of a second per trial, learning rate and weight decay searched over
wide log ranges): random search, grid search, Bayesian optimization (``'bayesopt'``, random
forest + expected improvement) and a custom local-search searcher (a ``BaseSearcher``
subclass), each run by a ``FIFO_Scheduler``. It prints, per searcher, the best validation
accuracy, the mean accuracy of the last 10 trials and the time taken.

Part 2 runs ``task.fit`` on an image folder with ``searcher='bayesopt'`` and prints the
validation and test accuracy.

    python examples/image_classification/searcher.py                       # ~3 minutes on 2 cores
    python examples/image_classification/searcher.py --time 15 --epochs 1  # fast check (~1 minute)
    python examples/image_classification/searcher.py --trials 40 --seed 3 --data ~/data

``--data`` is a folder holding ``train/<class>/<image>`` and ``test/<class>/<image>`` (default:
the sample shipped with the package); ``--time`` and ``--epochs`` are the budget of the image
fit. The comparison table (JSON) and the fit's trials go under ``--out``
(default ``./exp/searcher``).
"""

import argparse
import json
import logging
import math
import os
import sys
import time

import numpy as np

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler
from autogluon.searcher import BaseSearcher

BAYESOPT_OPTIONS = {'base_estimator': 'RF', 'acq_func': 'EI', 'n_initial_points': 5}


@ag.args(
    lr=ag.space.Real(1e-3, 100.0, log=True), wd=ag.space.Real(1e-6, 1.0, log=True), epochs=3, batch_size=64
)
def train_digits(args, reporter):
    """Softmax regression on digits with minibatch SGD; reports the validation accuracy."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x / 16.0, y, test_size=0.5, stratify=y, random_state=0)
    weights, bias = np.zeros((64, 10)), np.zeros(10)
    rng = np.random.default_rng(0)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(y_train))
        for start in range(0, len(order), args.batch_size):
            idx = order[start : start + args.batch_size]
            logits = x_train[idx] @ weights + bias
            prob = np.exp(logits - logits.max(axis=1, keepdims=True))
            prob /= prob.sum(axis=1, keepdims=True)
            prob[np.arange(len(idx)), y_train[idx]] -= 1.0
            grad = prob / len(idx)
            weights -= args.lr * (x_train[idx].T @ grad + args.wd * weights)
            bias -= args.lr * grad.sum(axis=0)
        accuracy = float(np.mean(np.argmax(x_val @ weights + bias, axis=1) == y_val))
        reporter(epoch=epoch, accuracy=accuracy)


class LocalSearcher(BaseSearcher):
    """Random configurations first, then perturbations of the best one so far."""

    def __init__(self, configspace, num_random=5, scale=0.5, **kwargs):
        super().__init__(configspace, **kwargs)
        self.num_random = num_random
        self.scale = scale

    def _next_config(self):
        best = self.get_best_config()
        if best is None or len(self.results) < self.num_random:
            return self.configspace.sample(self.rng)
        config = {}
        for name, space in self.configspace.items():
            value = best[name]
            if isinstance(space, ag.space.Categorical):
                if self.rng.random() < 0.3:
                    value = space.sample(self.rng)
            elif space.log:
                value = value * math.exp(self.scale * self.rng.normal())
            else:
                value = value + self.scale * (space.upper - space.lower) * self.rng.normal() / 4
            if isinstance(space, ag.space.Int):
                value = int(round(value))
            if not isinstance(space, ag.space.Categorical):
                value = min(max(value, space.lower), space.upper)
            config[name] = value
        return config


SEARCHERS = {
    'random': ('random', {}),
    'grid': ('grid', {'num_grid_points': 4}),
    'bayesopt': ('bayesopt', BAYESOPT_OPTIONS),
    'local': (LocalSearcher, {'num_random': 5, 'scale': 0.5}),
}


def compare(names, num_trials, seed):
    """Run each searcher on train_digits; returns one summary dict per searcher."""
    rows = []
    for name in names:
        searcher, options = SEARCHERS[name]
        scheduler = FIFO_Scheduler(
            train_digits,
            resource={'num_cpus': 1, 'num_gpus': 0},
            searcher=searcher,
            searcher_options=options,
            num_trials=num_trials,
            seed=seed,
            checkpoint=None,
            progress=False,
        )
        start = time.time()
        scheduler.run()
        elapsed = time.time() - start
        accuracy = scheduler.get_trials().sort_values('task_id')['accuracy'].to_numpy()
        rows.append(
            {
                'searcher': name,
                'trials': int(len(accuracy)),
                'best': float(np.nanmax(accuracy)),
                'mean_last_10': float(np.nanmean(accuracy[-10:])),
                'best_config': scheduler.get_best_config(),
                'time_s': elapsed,
            }
        )
        print(
            '%-9s %6d %9.3f %14.3f %7.1fs'
            % (name, rows[-1]['trials'], rows[-1]['best'], rows[-1]['mean_last_10'], elapsed),
            flush=True,
        )
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--data',
        default=None,
        help='folder with train/ and test/ image folders (default: the shipped sample)',
    )
    parser.add_argument('--time', type=float, default=120, help='time_limits of the image fit, seconds')
    parser.add_argument(
        '--epochs', type=int, default=10, help='num_training_epochs per trial of the image fit'
    )
    parser.add_argument(
        '--trials', type=int, default=20, help='trials per searcher in the digits comparison (default: 20)'
    )
    parser.add_argument(
        '--searchers',
        default='random,grid,bayesopt,local',
        help='searchers to compare, among %s' % ','.join(SEARCHERS),
    )
    parser.add_argument('--seed', type=int, default=1, help='seed of every search')
    parser.add_argument('--skip-fit', action='store_true', help='only the digits comparison')
    parser.add_argument(
        '--out', default=os.path.join('exp', 'searcher'), help='output folder (default: ./exp/searcher)'
    )
    opts = parser.parse_args(argv)
    opts.searchers = [s.strip() for s in opts.searchers.split(',') if s.strip()]
    unknown = [s for s in opts.searchers if s not in SEARCHERS]
    if unknown:
        parser.error('unknown searcher(s) %s; choose among %s' % (unknown, ', '.join(SEARCHERS)))
    return opts


def main(argv=None):
    opts = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')
    start = time.time()
    out = os.path.abspath(opts.out)
    os.makedirs(out, exist_ok=True)

    print(
        'part 1: searchers on digits softmax regression, %d trials each, seed %d' % (opts.trials, opts.seed)
    )
    print('%-9s %6s %9s %14s %8s' % ('searcher', 'trials', 'best', 'mean last 10', 'time'))
    rows = compare(opts.searchers, opts.trials, opts.seed)
    report = {'digits': rows}

    if not opts.skip_fit:
        # Imported before fit, so that time_limits goes to training rather than to this import.
        import gluoncv  # noqa: F401
        import mxnet  # noqa: F401

        from autogluon import image_classification as task

        root = os.path.abspath(os.path.expanduser(opts.data)) if opts.data else task.sample_data_path()
        print('\npart 2: task.fit with searcher=bayesopt on %s' % root)
        dataset = task.Dataset(name='shopeeiet', train_path=os.path.join(root, 'train'))
        results = task.fit(
            dataset,
            searcher='bayesopt',
            searcher_options={'base_estimator': 'RF', 'acq_func': 'EI', 'n_initial_points': 4},
            time_limits=opts.time,
            num_training_epochs=opts.epochs,
            seed=opts.seed,
            savedir=os.path.join(out, 'checkpoint'),
        )
        print('searcher: %s, %d trials' % (results.metadata['searcher'], results.metadata['num_trials']))
        print('Top-1 val acc: %.3f, config %s' % (results.metric, results.config))
        test_acc = None
        if os.path.isdir(os.path.join(root, 'test')):
            test_acc = task.evaluate(task.Dataset(name='shopeeiet', test_path=os.path.join(root, 'test')))
            print('Top-1 test acc: %.3f' % test_acc)
        report['fit'] = {
            'val_accuracy': results.metric,
            'test_accuracy': test_acc,
            'num_trials': results.metadata['num_trials'],
            'time_s': results.time,
            'config': results.config,
        }

    path = os.path.join(out, 'searchers.json')
    with open(path, 'w') as f:
        json.dump(report, f, indent=1, default=str)
    print('\nwrote %s; total %.1fs' % (path, time.time() - start))
    return 0


if __name__ == '__main__':
    sys.exit(main())
