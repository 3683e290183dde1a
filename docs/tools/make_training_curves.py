"""Draw docs/_static/training_curves.png from a real Hyperband run (the figure of docs/guides/schedulers.md).

The run: 27 trials of ``train_digits`` from examples/scheduler_demo.py, softmax regression trained
with minibatch SGD on scikit-learn's bundled digits (8x8 images, 10 classes; 80/20
train/validation split), searching the learning rate, the
weight decay and the batch size at random. Each trial trains up to 27 epochs and reports its
validation accuracy after every epoch to a ``Hyperband_Scheduler`` (stopping type,
``grace_period=1``, ``reduction_factor=3``, ``max_t=27``: rungs at epochs 1, 3 and 9). The
figure draws every trial's accuracy per epoch from ``scheduler.training_history``; trials that
Hyperband stopped are grey and end with a red x, the dotted lines are the rungs.

Regenerate (about 5-10 s on 2 cores; no network)::

    python docs/tools/make_training_curves.py            # writes docs/_static/training_curves.png
    python docs/tools/make_training_curves.py --out /tmp/curves.png --seed 1

Trials run two at a time, so which ones are stopped can differ a little between runs.
"""

import argparse
import logging
import os
import sys
import tempfile
import time

import numpy as np

from autogluon.scheduler import Hyperband_Scheduler

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(os.path.dirname(HERE), '_static', 'training_curves.png')
# The training function of examples/scheduler_demo.py; importable by name in the workers too
# (they get the driver's sys.path), so it travels by reference.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), 'examples'))
from scheduler_demo import train_digits  # noqa: E402


def run(num_trials, seed, folder):
    scheduler = Hyperband_Scheduler(
        train_digits,
        None,
        {'num_cpus': 1, 'num_gpus': 0},
        'random',
        checkpoint=os.path.join(folder, 'checkpoint.ag'),
        num_trials=num_trials,
        time_attr='training_epoch',
        reward_attr='accuracy',
        max_t=27,
        grace_period=1,
        reduction_factor=3,
        visualizer='none',
        seed=seed,
        progress=False,
    )
    scheduler.run()
    return scheduler


def draw(scheduler, out):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    history = scheduler.training_history
    status = {t.task_id: t.status for t in scheduler.tasks.values()}
    stopped = [tid for tid, s in status.items() if s == 'stopped' and history[tid]]
    completed = [tid for tid, s in status.items() if s == 'completed' and history[tid]]
    best = scheduler.get_best_task_id()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for level in scheduler.terminator.rung_levels():
        ax.axvline(level, color='0.6', linestyle=':', linewidth=1, zorder=0)
        ax.text(
            level,
            0.98,
            ' rung %g' % level,
            color='0.4',
            fontsize=8,
            va='top',
            transform=ax.get_xaxis_transform(),
        )
    for tid in stopped:
        xs = [r['training_epoch'] for r in history[tid]]
        ys = [r['accuracy'] for r in history[tid]]
        ax.plot(xs, ys, color='0.55', linewidth=1, marker='.', markersize=3)
        ax.plot(xs[-1:], ys[-1:], color='tab:red', marker='x', markersize=7, linestyle='none')
    colors = plt.get_cmap('viridis')(np.linspace(0.1, 0.85, max(1, len(completed))))
    for color, tid in zip(colors, completed):
        xs = [r['training_epoch'] for r in history[tid]]
        ys = [r['accuracy'] for r in history[tid]]
        ax.plot(xs, ys, color=color, linewidth=2 if tid == best else 1.3)
    ax.plot(
        [],
        [],
        color='0.55',
        marker='x',
        markeredgecolor='tab:red',
        label='stopped early by Hyperband, x = last report (%d trials)' % len(stopped),
    )
    ax.plot([], [], color=colors[0], label='trained to max_t=27 (%d trials)' % len(completed))
    ax.set_xscale('log', base=3)
    ax.set_xticks([1, 3, 9, 27])
    ax.set_xticklabels(['1', '3', '9', '27'])
    ax.set_xlabel('training_epoch (log scale)')
    ax.set_ylabel('validation accuracy')
    ax.set_title(
        'Hyperband (stopping) on digits: %d trials, best accuracy %.3f'
        % (len(history), scheduler.get_best_reward())
    )
    ax.set_ylim(0.5, 1)
    ax.grid(axis='y', alpha=0.3)
    ax.legend(loc='lower right')
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=DEFAULT_OUT, help='PNG to write (default: %(default)s)')
    parser.add_argument('--trials', type=int, default=27, help='number of trials (default: 27)')
    parser.add_argument('--seed', type=int, default=0, help='searcher and bracket seed (default: 0)')
    opts = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    start = time.time()
    with tempfile.TemporaryDirectory(prefix='ag-curves-') as folder:
        scheduler = run(opts.trials, opts.seed, folder)
        draw(scheduler, opts.out)
    trials = scheduler.get_trials()
    print(trials[['task_id', 'status', 'training_epoch', 'accuracy']].to_string(index=False))
    print('rung_counts:', scheduler.rung_counts())
    print('wrote %s (%d bytes) in %.1fs' % (opts.out, os.path.getsize(opts.out), time.time() - start))


if __name__ == '__main__':
    main()
