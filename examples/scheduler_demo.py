"""Scheduler demo: FIFO vs asynchronous Hyperband on a real, cheap training function.

A logistic-regression model trained epoch by epoch with SGD on scikit-learn's
bundled digits (1,797 8x8 images). The search space covers the learning rate,
the regularization and the batch size; each trial reports validation accuracy
every epoch, and Hyperband stops the trials that fall behind at its rungs.

    python examples/scheduler_demo.py [--trials 16] [--epochs 27] [--time 120] [--out exp/demo]

``--time`` bounds each scheduler's run in seconds (``time_out``); with the defaults both runs
end long before it (about 5 s each on 2 cores).
"""

import argparse
import logging
import os
import time

import numpy as np

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler


@ag.args(
    lr=ag.space.Real(1e-4, 1.0, log=True),
    wd=ag.space.Real(1e-6, 1e-1, log=True),
    batch_size=ag.space.Categorical(8, 32, 128),
    epochs=27,
)
def train_digits(args, reporter):
    """Softmax regression on digits with minibatch SGD; reports validation accuracy per epoch."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    x, y = x[order], y[order]
    split = int(0.8 * len(y))
    x_train, y_train, x_val, y_val = x[:split], y[:split], x[split:], y[split:]
    weights = np.zeros((x.shape[1], 10))
    bias = np.zeros(10)
    trial_rng = np.random.default_rng(1)
    for epoch in range(1, args.epochs + 1):
        perm = trial_rng.permutation(len(y_train))
        for start in range(0, len(perm), args.batch_size):
            idx = perm[start : start + args.batch_size]
            logits = x_train[idx] @ weights + bias
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            prob[np.arange(len(idx)), y_train[idx]] -= 1.0
            weights -= args.lr * (x_train[idx].T @ prob / len(idx) + args.wd * weights)
            bias -= args.lr * prob.mean(axis=0)
        accuracy = float(((x_val @ weights + bias).argmax(axis=1) == y_val).mean())
        reporter(epoch=epoch, training_epoch=epoch, accuracy=accuracy)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=27)
    parser.add_argument("--out", default=os.path.join("exp", "demo"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time", type=float, default=120.0, help="seconds per scheduler run at most")
    opts = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    resource = {"num_cpus": 1, "num_gpus": 0}
    args = {"epochs": opts.epochs}
    summary = []
    for name, cls, extra in [
        ("FIFO", FIFO_Scheduler, {}),
        (
            "Hyperband",
            Hyperband_Scheduler,
            {
                "max_t": opts.epochs,
                "grace_period": 1,
                "reduction_factor": 3,
                "time_attr": "training_epoch",
                "visualizer": "none",
            },
        ),
    ]:
        start = time.time()
        scheduler = cls(
            train_digits,
            args,
            resource,
            "random",
            num_trials=opts.trials,
            seed=opts.seed,
            time_out=opts.time,
            checkpoint=os.path.join(opts.out, name.lower(), "checkpoint.ag"),
            **extra,
        )
        scheduler.run()
        elapsed = time.time() - start
        epochs = sum(len(t.history) for t in scheduler.tasks.values())
        figure = os.path.join(opts.out, "%s_curves.png" % name.lower())
        scheduler.get_training_curves(filename=figure)
        summary.append(
            (name, scheduler.get_best_reward(), epochs, elapsed, figure, scheduler.get_best_config())
        )
    print("\n%-10s %10s %8s %8s" % ("scheduler", "best acc", "epochs", "time"))
    for name, best, epochs, elapsed, figure, _ in summary:
        print("%-10s %10.4f %8d %7.1fs   curves: %s" % (name, best, epochs, elapsed, figure))
    for name, *_, config in summary:
        print("%s best config: %s" % (name, config))


if __name__ == "__main__":
    main()
