"""Image Classification - Configure Your Trial Scheduler (How to Stop Early), as a script.

The tutorial ``trial_scheduler.md`` cell by cell: fit with the FIFO scheduler, with Hyperband,
and with a custom Median Stopping scheduler (a ``Hyperband_Scheduler`` subclass with its own
stopping rule), printing the validation and test top-1 accuracy of each.

    python examples/image_classification/trial_scheduler.py                 # the shipped sample
    python examples/image_classification/trial_scheduler.py --data ~/data --time 120 --epochs 10

``--data`` is a folder holding ``train/<class>/<image>`` and ``test/<class>/<image>`` (default:
the sample shipped with the package, 4 classes of Fashion-MNIST-like product images). With the
defaults (60 s per fit, 5 epochs per trial) it finishes in about 3-4 minutes on 2 CPU cores;
``--time 15 --epochs 1`` is a quick check (under a minute). Checkpoints and trials go to
``--savedir`` (default ``exp/trial_scheduler/exp1.ag`` under the current directory); each fit
replaces the previous one's trials there.
"""

import argparse
import logging
import os
import time

# ---- the tutorial's first cell ----------------------------------------------------------------
from autogluon import image_classification as task

logging.basicConfig(level=logging.INFO)

# ---- the tutorial's custom scheduler (verbatim) -----------------------------------------------
import collections
import multiprocessing as mp

import numpy as np

from autogluon.scheduler import Hyperband_Scheduler


class MedianStopping_Scheduler(Hyperband_Scheduler):
    def __init__(
        self,
        train_fn,
        args,
        resource,
        searcher,
        checkpoint='./exp/checkerpoint.ag',
        resume=False,
        num_trials=None,
        time_attr="training_epoch",
        reward_attr="accuracy",
        visualizer='tensorboard',
        mode="max",
        grace_period=1.0,
        min_samples_required=3,
    ):
        super().__init__(
            train_fn,
            args,
            resource,
            searcher,
            checkpoint,
            resume,
            num_trials,
            time_attr,
            reward_attr,
            visualizer=visualizer,
        )
        self.terminator = MediamStoppingRule(time_attr, reward_attr, mode, grace_period, min_samples_required)

    def state_dict(self, destination=None):
        pass


class MediamStoppingRule:
    LOCK = mp.Lock()

    def __init__(
        self,
        time_attr="training_epoch",
        reward_attr="accuracy",
        mode="max",
        grace_period=1,
        min_samples_required=3,
    ):
        self._time_attr = time_attr
        self._reward_attr = reward_attr
        self._stopped_tasks = set()
        self._completed_tasks = set()
        self._results = collections.defaultdict(list)
        self._grace_period = grace_period
        self._min_samples_required = min_samples_required
        self._metric = reward_attr
        if mode == "max":
            self._metric_op = 1.0
        elif mode == "min":
            self._metric_op = -1.0

    def on_task_add(self, task):
        pass

    def on_task_report(self, task, result):
        # return True/False, which indicates whether we want to continue
        time = result[self._time_attr]
        self._results[task].append(result)
        median_result = self._get_median_result(time)
        best_result = self._best_result(task)

        if best_result < median_result and time > self._grace_period:
            self._stopped_tasks.add(task)
            return False
        else:
            return True

    def on_task_complete(self, task, result):
        self._results[task].append(result)
        self._completed_tasks.add(task)

    def on_task_remove(self, task):
        if task in self._results:
            self._completed_tasks.add(task)

    def _get_median_result(self, time):
        scores = []
        for task in self._completed_tasks:
            scores.append(self._running_result(task, time))
        if len(scores) >= self._min_samples_required:
            return np.median(scores)
        else:
            return float("-inf")

    def _running_result(self, task, t_max=float("inf")):
        results = self._results[task]
        return np.max([self._metric_op * r[self._metric] for r in results if r[self._time_attr] <= t_max])

    def _best_result(self, task):
        results = self._results[task]
        return max(self._metric_op * r[self._metric] for r in results)

    def __repr__(self):
        return f"MedianStoppingRule: num_stopped={len(self._stopped_tasks)}."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--data',
        default=None,
        help='folder with train/ and test/ image folders (default: the shipped sample)',
    )
    parser.add_argument(
        '--time', type=float, default=60, help='time_limits of each fit, seconds (tutorial: 120; default: 60)'
    )
    parser.add_argument(
        '--epochs', type=int, default=5, help='num_training_epochs (tutorial: 10; default: 5)'
    )
    parser.add_argument(
        '--savedir',
        default=os.path.join('exp', 'trial_scheduler', 'exp1.ag'),
        help='checkpoint file; the trials of each fit are saved in its folder '
        '(default: %(default)s, under the current directory)',
    )
    opts = parser.parse_args(argv)
    root = os.path.expanduser(opts.data) if opts.data else task.sample_data_path()
    train_path, test_path = os.path.join(root, 'train'), os.path.join(root, 'test')
    start = time.time()
    summary = []

    # ---- Use fifo trial scheduler --------------------------------------------------------------
    dataset = task.Dataset(name='shopeeiet', train_path=train_path)

    time_limits = opts.time
    num_training_epochs = opts.epochs

    results = task.fit(
        dataset, time_limits=time_limits, num_training_epochs=num_training_epochs, savedir=opts.savedir
    )

    print('Top-1 val acc: %.3f' % results.metric)
    test_dataset = task.Dataset(name='shopeeiet', test_path=test_path)
    test_acc = task.evaluate(test_dataset)
    print('Top-1 test acc: %.3f' % test_acc)
    summary.append(('fifo', results, test_acc))

    # ---- Use an early stopping trial scheduler - Hyperband -------------------------------------
    trial_scheduler = 'hyperband'

    results = task.fit(
        dataset,
        trial_scheduler=trial_scheduler,
        time_limits=time_limits,
        num_training_epochs=num_training_epochs,
        savedir=opts.savedir,
    )

    print('Top-1 val acc: %.3f' % results.metric)
    test_acc = task.evaluate(test_dataset)
    print('Top-1 test acc: %.3f' % test_acc)
    summary.append(('hyperband', results, test_acc))

    # ---- Create your own trial scheduler -------------------------------------------------------
    results = task.fit(
        dataset,
        trial_scheduler=MedianStopping_Scheduler,
        time_limits=time_limits,
        num_training_epochs=num_training_epochs,
        savedir=opts.savedir,
    )

    print('Top-1 val acc: %.3f' % results.metric)
    test_acc = task.evaluate(test_dataset)
    print('Top-1 test acc: %.3f' % test_acc)
    summary.append(('median stopping', results, test_acc))
    print(results.scheduler.terminator)

    print(
        '\n%-16s %-26s %7s %7s %9s %8s %7s'
        % ('scheduler', 'class', 'trials', 'early', 'val acc', 'test acc', 'time')
    )
    for name, res, acc in summary:
        stopped = sum(1 for t in res.metadata['trials'] if 'stopped by' in (t['reason'] or ''))
        print(
            '%-16s %-26s %7d %7d %9.3f %8.3f %6.1fs'
            % (
                name,
                res.metadata['scheduler'],
                res.metadata['num_trials'],
                stopped,
                res.metric,
                acc,
                res.time,
            )
        )
    print('total %.1fs' % (time.time() - start))


if __name__ == '__main__':
    main()
