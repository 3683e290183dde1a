"""Searchers on a real, cheap objective: random vs bayesopt, and both under Hyperband.

The objective is the validation accuracy of a linear classifier (scikit-learn's ``SGDClassifier``) on
scikit-learn's bundled ``digits`` (1,797 8x8 images; a fixed stratified split of 899 training and 898
validation images, standardized). The search space has 6 hyperparameters of mixed kinds: ``alpha``
(log scale, 1e-7..1), ``loss`` (5 choices), ``penalty`` (3), ``l1_ratio`` (0..1), ``learning_rate``
schedule (4 choices) and ``eta0`` (log scale, 1e-5..1). Training is seeded, so the objective is
deterministic; most random configurations score 0.90-0.95, the best about 0.96.

Two parts, each over ``--seeds`` seeds (default 10) and ``--trials`` trials per run (default 40):

1. **random vs bayesopt, evaluated directly.** To keep it cheap, the searchers are driven by hand
   (``get_config`` -> train for 20 epochs -> ``update``), one trial at a time, no scheduler and no
   worker processes. ``bayesopt`` is ``searcher='bayesopt'`` with the tutorial's options
   ``{'base_estimator': 'RF', 'acq_func': 'EI'}`` (and the default 10 initial points). For a given seed
   both searchers start from the same 10 configurations (the defaults, then the same random draws), so
   the comparison is paired.
2. **under Hyperband, through the scheduler.** ``Hyperband_Scheduler`` (stopping type, rungs at 1, 3
   and 9 epochs up to ``max_t`` = 27, reduction factor 3, 2 trials at once in worker processes) with
   ``searcher='random'``, ``'bayesopt'`` (which learns from every rung result through ``on_report``) and
   ``'bayesopt'`` with ``rung_evidence=False`` (learns only from finished or stopped trials' best
   rewards). The training function runs ``partial_fit`` one epoch at a time and reports the validation
   accuracy after each epoch. The score of a trial is the best accuracy it reported (at whatever epoch
   it was stopped); the table also gives the epochs trained in all.

For each searcher it prints the median over seeds of the best score after 10, 20 and 40 trials (and the
mean, the number of seeds where bayesopt is strictly above random, and the searchers' own time), and
writes everything to JSON. Target: bayesopt's median best is above random's at 20 and 40 trials.

    python benchmarks/searchers.py [--seeds 10] [--trials 40] [--quick] [--no-hyperband]
                                   [--out benchmarks/results/searchers.json]

The defaults take about 5.5 minutes on a busy 2-core machine; ``--quick`` (3 seeds, 20 trials, a smaller
Hyperband) takes about a minute and only checks that everything runs.
"""
import argparse
import json
import logging
import os
import platform
import statistics
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import autogluon as ag  # noqa: E402
from autogluon.scheduler import Hyperband_Scheduler  # noqa: E402
from autogluon.searcher import get_searcher  # noqa: E402

BAYESOPT_OPTIONS = {'base_estimator': 'RF', 'acq_func': 'EI'}
CHECKPOINTS = (10, 20, 40)
EPOCHS = 20          # part 1: epochs per trial
MAX_T = 27           # part 2: Hyperband's maximum epochs
CLASSES = np.arange(10)
HP_NAMES = ('alpha', 'loss', 'penalty', 'l1_ratio', 'learning_rate', 'eta0')


def search_space():
    return {
        'alpha': ag.space.Real(1e-7, 1.0, log=True),
        'loss': ag.space.Categorical('hinge', 'log_loss', 'modified_huber', 'squared_hinge', 'perceptron'),
        'penalty': ag.space.Categorical('l2', 'l1', 'elasticnet'),
        'l1_ratio': ag.space.Real(0.0, 1.0),
        'learning_rate': ag.space.Categorical('optimal', 'constant', 'invscaling', 'adaptive'),
        'eta0': ag.space.Real(1e-5, 1.0, log=True),
    }


_DATA = None


def load_data():
    """The fixed standardized split of scikit-learn's digits (cached per process)."""
    global _DATA
    if _DATA is None:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        x, y = load_digits(return_X_y=True)
        x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.5, random_state=0, stratify=y)
        scaler = StandardScaler().fit(x_train)
        _DATA = scaler.transform(x_train), y_train, scaler.transform(x_val), y_val
    return _DATA


def make_model(config):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(alpha=config['alpha'], loss=config['loss'], penalty=config['penalty'],
                         l1_ratio=config['l1_ratio'], learning_rate=config['learning_rate'], eta0=config['eta0'],
                         max_iter=EPOCHS, tol=None, random_state=0)


def evaluate(config):
    """Validation accuracy after EPOCHS epochs (part 1)."""
    x_train, y_train, x_val, y_val = load_data()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = make_model(config).fit(x_train, y_train)
    return float(model.score(x_val, y_val))


@ag.args(alpha=ag.space.Real(1e-7, 1.0, log=True),
         loss=ag.space.Categorical('hinge', 'log_loss', 'modified_huber', 'squared_hinge', 'perceptron'),
         penalty=ag.space.Categorical('l2', 'l1', 'elasticnet'),
         l1_ratio=ag.space.Real(0.0, 1.0),
         learning_rate=ag.space.Categorical('optimal', 'constant', 'invscaling', 'adaptive'),
         eta0=ag.space.Real(1e-5, 1.0, log=True),
         epochs=MAX_T)
def train_sgd(args, reporter):
    """Part 2: one partial_fit pass per epoch, the validation accuracy reported after each."""
    x_train, y_train, x_val, y_val = load_data()
    model = make_model({name: getattr(args, name) for name in HP_NAMES})
    rng = np.random.default_rng(0)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(y_train))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            model.partial_fit(x_train[order], y_train[order], classes=CLASSES)
        reporter(training_epoch=epoch, accuracy=float(model.score(x_val, y_val)))


def best_so_far(scores):
    out, best = [], -np.inf
    for score in scores:
        best = max(best, score)
        out.append(best)
    return out


def run_direct(name, seed, trials):
    options = dict(BAYESOPT_OPTIONS) if name == 'bayesopt' else {}
    searcher = get_searcher(name, search_space(), seed=seed, **options)
    scores, searcher_time = [], 0.0
    for _ in range(trials):
        start = time.perf_counter()
        config = searcher.get_config()
        searcher_time += time.perf_counter() - start
        score = evaluate(config)
        start = time.perf_counter()
        searcher.update(config, score)
        searcher_time += time.perf_counter() - start
        scores.append(score)
    return {'seed': seed, 'scores': scores, 'best_so_far': best_so_far(scores), 'searcher_time_s': searcher_time}


HB_VARIANTS = {
    'hyperband+random': ('random', {}),
    'hyperband+bayesopt': ('bayesopt', dict(BAYESOPT_OPTIONS)),
    'hyperband+bayesopt(no rung evidence)': ('bayesopt', dict(BAYESOPT_OPTIONS, rung_evidence=False)),
}


def run_hyperband(variant, seed, trials, max_t):
    searcher, options = HB_VARIANTS[variant]
    scheduler = Hyperband_Scheduler(
        train_sgd, {'epochs': max_t}, {'num_cpus': 1, 'num_gpus': 0}, searcher,
        searcher_options=options, num_trials=trials, checkpoint=None, progress=False, seed=seed,
        time_attr='training_epoch', reward_attr='accuracy', max_t=max_t, grace_period=1, reduction_factor=3,
        visualizer='none', log_stops=False)
    start = time.perf_counter()
    scheduler.run()
    elapsed = time.perf_counter() - start
    tasks = sorted(scheduler.tasks.values(), key=lambda t: t.task_id)
    failed = [t for t in tasks if t.error]
    if failed:
        raise RuntimeError(f"{len(failed)} trials failed, e.g.: {failed[0].error}")
    scores = [max((r['accuracy'] for r in t.history), default=-np.inf) for t in tasks]
    epochs = [len(t.history) for t in tasks]
    return {'seed': seed, 'scores': scores, 'best_so_far': best_so_far(scores), 'epochs': epochs,
            'total_epochs': sum(epochs), 'wall_s': elapsed}


def summarize(runs, checkpoints):
    row = {}
    for k in checkpoints:
        bests = [r['best_so_far'][k - 1] for r in runs if len(r['best_so_far']) >= k]
        row[k] = {'median': statistics.median(bests), 'mean': statistics.fmean(bests)} if bests else None
    return row


def wins(runs, baseline, k):
    return sum(1 for a, b in zip(runs, baseline)
               if len(a['best_so_far']) >= k and len(b['best_so_far']) >= k
               and a['best_so_far'][k - 1] > b['best_so_far'][k - 1])


def print_table(title, results, checkpoints, baseline_name, extra=None):
    print(f"\n{title}")
    header = f"{'searcher':38s}" + ''.join(f"{'best@' + str(k):>17s}" for k in checkpoints)
    if extra:
        header += ''.join(f"{label:>16s}" for label, _ in extra)
    print(header)
    print(f"{'':38s}" + ''.join(f"{'median (mean)':>17s}" for _ in checkpoints))
    for name, runs in results.items():
        summary = summarize(runs, checkpoints)
        line = f"{name:38s}"
        for k in checkpoints:
            cell = summary[k]
            line += f"{cell['median']:>8.4f} ({cell['mean']:.4f})" if cell else f"{'-':>17s}"
        if extra:
            line += ''.join(f"{fn(runs):>16s}" for _, fn in extra)
        print(line)
    baseline = results[baseline_name]
    for name, runs in results.items():
        if name != baseline_name:
            print(f"  {name} strictly above {baseline_name} (paired by seed): "
                  + ', '.join(f"@{k}: {wins(runs, baseline, k)}/{len(runs)}" for k in checkpoints))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, default=10)
    parser.add_argument('--trials', type=int, default=40)
    parser.add_argument('--hb-seeds', type=int, default=None, help='seeds for the Hyperband part (default --seeds)')
    parser.add_argument('--quick', action='store_true', help='3 seeds, 20 trials, max_t 9: checks that it runs')
    parser.add_argument('--no-hyperband', action='store_true')
    parser.add_argument('--out', default=os.path.join(HERE, 'results', 'searchers.json'))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    seeds, trials, max_t = args.seeds, args.trials, MAX_T
    if args.quick:
        seeds, trials, max_t = 3, 20, 9
    hb_seeds = args.hb_seeds if args.hb_seeds is not None else seeds
    checkpoints = [k for k in CHECKPOINTS if k <= trials] or [trials]
    load_data()

    started = time.perf_counter()
    direct = {}
    for name in ('random', 'bayesopt'):
        direct[name] = []
        for seed in range(seeds):
            direct[name].append(run_direct(name, seed, trials))
            print(f"  direct {name:9s} seed {seed}: best {direct[name][-1]['best_so_far'][-1]:.4f}", flush=True)
    direct_s = time.perf_counter() - started
    print_table(f"Part 1: random vs bayesopt {BAYESOPT_OPTIONS}, objective evaluated directly "
                f"({seeds} seeds, {trials} trials, SGDClassifier on digits, validation accuracy)",
                direct, checkpoints, 'random',
                extra=[('searcher s/run', lambda runs: f"{statistics.fmean(r['searcher_time_s'] for r in runs):.1f}")])

    hyperband = {}
    if not args.no_hyperband:
        started_hb = time.perf_counter()
        for variant in HB_VARIANTS:
            hyperband[variant] = []
            for seed in range(hb_seeds):
                hyperband[variant].append(run_hyperband(variant, seed, trials, max_t))
                r = hyperband[variant][-1]
                print(f"  {variant} seed {seed}: best {r['best_so_far'][-1]:.4f}, {r['total_epochs']} epochs, "
                      f"{r['wall_s']:.1f} s", flush=True)
        hb_s = time.perf_counter() - started_hb
        print_table(f"Part 2: under Hyperband_Scheduler (stopping, rungs 1/3/9, max_t={max_t}, 2 trials at once; "
                    f"{hb_seeds} seeds, {trials} trials)", hyperband, checkpoints, 'hyperband+random',
                    extra=[('epochs/run', lambda runs: f"{statistics.median(r['total_epochs'] for r in runs):.0f}"),
                           ('wall s/run', lambda runs: f"{statistics.fmean(r['wall_s'] for r in runs):.1f}")])

    def target_met(results, name, base):
        out = {}
        for k in (20, 40):
            if k in checkpoints:
                a, b = summarize(results[name], [k])[k], summarize(results[base], [k])[k]
                out[k] = bool(a['median'] > b['median'])
        return out

    target = {'bayesopt_vs_random': target_met(direct, 'bayesopt', 'random')}
    if hyperband:
        target['hyperband_bayesopt_vs_random'] = target_met(hyperband, 'hyperband+bayesopt', 'hyperband+random')
    total = time.perf_counter() - started
    print(f"\nTarget (median best of bayesopt above random at 20 and 40 trials): {target}")
    print(f"Total time {total:.0f} s")

    payload = {
        'benchmark': 'searchers',
        'objective': 'SGDClassifier on sklearn digits (899 train / 898 validation), validation accuracy',
        'bayesopt_options': BAYESOPT_OPTIONS,
        'seeds': seeds, 'hyperband_seeds': hb_seeds if hyperband else 0, 'trials': trials,
        'checkpoints': checkpoints, 'quick': args.quick, 'max_t': max_t,
        'part1_direct': {name: {'summary': summarize(runs, checkpoints), 'runs': runs}
                         for name, runs in direct.items()},
        'part1_seconds': direct_s,
        'part2_hyperband': {name: {'summary': summarize(runs, checkpoints), 'runs': runs}
                            for name, runs in hyperband.items()},
        'part2_seconds': hb_s if hyperband else 0.0,
        'target_met': target,
        'total_seconds': total,
        'machine': {'python': platform.python_version(), 'cpus': os.cpu_count(), 'platform': platform.platform()},
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(payload, f, indent=1, default=float)
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == '__main__':
    main()
