"""Searchers on four real, cheap objectives: random vs bayesopt vs Optuna's TPE, and Hyperband + each.

Four held-in objectives, each deterministic given the configuration (fixed splits, seeded training),
larger is better:

* ``sgd_digits`` (6-D, mixed): validation accuracy of scikit-learn's ``SGDClassifier`` on the bundled
  ``digits`` (fixed stratified split, 899 train / 898 validation, standardized), 20 epochs; ``alpha``
  (log 1e-7..1), ``loss`` (5 choices), ``penalty`` (3), ``l1_ratio`` (0..1), ``learning_rate`` (4 choices),
  ``eta0`` (log 1e-5..1).
* ``svm_digits`` (2-D): validation accuracy of an RBF ``SVC`` on the same split; ``C`` (log 1e-3..1e4) and
  ``gamma`` (log 1e-6..10).
* ``gbm_cancer`` (4-D): minus the validation log-loss of ``GradientBoostingClassifier`` (100 trees) on the
  bundled ``breast_cancer`` (stratified halves); ``learning_rate`` (log 1e-3..1), ``max_depth`` (int 1..6),
  ``subsample`` (0.3..1), ``min_samples_leaf`` (int, log 1..64).
* ``mlp_fmnist`` (5-D): validation accuracy of a one-hidden-layer MXNet MLP (``benchmarks/_fmnist.py``)
  after 3 epochs on a Fashion-MNIST subset (2,000 train / 1,000 validation images of the Debian package
  ``dataset-fashion-mnist``); ``lr`` (log 1e-4..1), ``optimizer`` (sgd/adam), ``hidden`` (int, log 16..256),
  ``dropout`` (0..0.5), ``wd`` (log 1e-6..1e-2).

Part 1, over ``--seeds`` seeds (default 10), ``--trials`` trials (default 40), trials one at a time and
evaluated in this process: ``random``, ``bayesopt`` (``searcher='bayesopt'`` with its defaults) and Optuna's
``TPESampler(seed=...)`` with its defaults. Our searchers get ``first_is_default=False``: the space's default
(its first trial otherwise) is a hand-picked point that is already near the best on ``sgd_digits``, which would
decide the race at trial 1; without it every searcher starts from random draws, as TPE does. TPE runs in a child process (``benchmarks/_tpe_child.py``) under
the Python named by ``AG_SEARCHERS_OPTUNA_PYTHON`` (else ``benchmarks/compare/.venv``); it asks and tells
over a pipe and this process evaluates the objective. Printed per objective: the median (over seeds) best
after 10, 20 and 40 trials, and the median number of trials each searcher needs to reach random's 40-trial
best of the same seed (``>40``: not within the run).

Part 2, on ``mlp_fmnist`` through ``Hyperband_Scheduler`` (stopping type, rungs at 1, 3, 9 epochs, 2 trials
at once in worker processes, ``--trials`` trials, ``--hb-seeds`` seeds): ``random`` vs ``bayesopt`` (which
learns from every rung result through ``on_report``). Per seed, the target is Hyperband + random's final
best; printed: the median epochs (reports, in time order) and seconds each needs to reach it, and the
median of bayesopt's / random's ratio.

Targets (issue 17): bayesopt reaches random's 40-trial best in <= 20 trials on at least 3 of the 4
objectives and is no worse than TPE at 20 and 40 trials on any; under Hyperband it reaches Hyperband +
random's final best in <= 0.6 of random's time.

    AG_SEARCHERS_OPTUNA_PYTHON=/path/to/venv/bin/python \\
    python benchmarks/searchers.py [--seeds 10] [--trials 40] [--hb-seeds 5] [--objectives a,b]
                                   [--searchers random,bayesopt,tpe] [--bayesopt-options JSON]
                                   [--no-hyperband] [--quick] [--out benchmarks/results/searchers.json]

``--quick`` (1 seed, 12 trials, one Hyperband run of 12 trials) takes about a minute on a quiet 2-core machine
and only checks that everything runs. ``--jobs N`` runs N part-1 runs (one searcher, one seed) at once.
"""

import argparse
import json
import logging
import math
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import _fmnist  # noqa: E402
import numpy as np  # noqa: E402

import autogluon as ag  # noqa: E402
from autogluon.scheduler import Hyperband_Scheduler  # noqa: E402
from autogluon.searcher import get_searcher  # noqa: E402

CHECKPOINTS = (10, 20, 40)
SGD_EPOCHS = 10
MLP_EPOCHS = 2  # part 1: epochs per MLP trial
MLP_TRAIN, MLP_VAL = 1000, 500
HB_MAX_T = 9  # part 2: Hyperband's maximum epochs
FMNIST_DIR = os.path.join(tempfile.gettempdir(), f'ag-searchers-fmnist-{MLP_TRAIN}-{MLP_VAL}')


# -- objectives -------------------------------------------------------------------------------------
_CACHE = {}


def _digits():
    if 'digits' not in _CACHE:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        x, y = load_digits(return_X_y=True)
        x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.5, random_state=0, stratify=y)
        scaler = StandardScaler().fit(x_train)
        _CACHE['digits'] = scaler.transform(x_train), y_train, scaler.transform(x_val), y_val
    return _CACHE['digits']


def _cancer():
    if 'cancer' not in _CACHE:
        from sklearn.datasets import load_breast_cancer
        from sklearn.model_selection import train_test_split

        x, y = load_breast_cancer(return_X_y=True)
        _CACHE['cancer'] = train_test_split(x, y, test_size=0.5, random_state=0, stratify=y)
    return _CACHE['cancer']


def fmnist_dir():
    if not os.path.exists(os.path.join(FMNIST_DIR, 'val_y.npy')):
        tmp = tempfile.mkdtemp(prefix='ag-searchers-fmnist-')
        _fmnist.prepare_subset(tmp, n_train=MLP_TRAIN, n_val=MLP_VAL, seed=0)
        try:
            os.rename(tmp, FMNIST_DIR)
        except OSError:  # another run made it first
            shutil.rmtree(tmp, ignore_errors=True)
    return FMNIST_DIR


def sgd_space():
    return {
        'alpha': ag.space.Real(1e-7, 1.0, log=True),
        'loss': ag.space.Categorical('hinge', 'log_loss', 'modified_huber', 'squared_hinge', 'perceptron'),
        'penalty': ag.space.Categorical('l2', 'l1', 'elasticnet'),
        'l1_ratio': ag.space.Real(0.0, 1.0),
        'learning_rate': ag.space.Categorical('optimal', 'constant', 'invscaling', 'adaptive'),
        'eta0': ag.space.Real(1e-5, 1.0, log=True),
    }


def sgd_eval(config):
    from sklearn.linear_model import SGDClassifier

    x_train, y_train, x_val, y_val = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = SGDClassifier(max_iter=SGD_EPOCHS, tol=None, random_state=0, **config).fit(x_train, y_train)
    return float(model.score(x_val, y_val))


def svm_space():
    return {'C': ag.space.Real(1e-3, 1e4, log=True), 'gamma': ag.space.Real(1e-6, 10.0, log=True)}


def svm_eval(config):
    from sklearn.svm import SVC

    x_train, y_train, x_val, y_val = _digits()
    return float(SVC(C=config['C'], gamma=config['gamma']).fit(x_train, y_train).score(x_val, y_val))


def gbm_space():
    return {
        'learning_rate': ag.space.Real(1e-3, 1.0, log=True),
        'max_depth': ag.space.Int(1, 6),
        'subsample': ag.space.Real(0.3, 1.0),
        'min_samples_leaf': ag.space.Int(1, 64, log=True),
    }


def gbm_eval(config):
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import log_loss

    x_train, x_val, y_train, y_val = _cancer()
    model = GradientBoostingClassifier(n_estimators=30, random_state=0, **config).fit(x_train, y_train)
    return -float(log_loss(y_val, np.clip(model.predict_proba(x_val), 1e-6, 1 - 1e-6)))


def mlp_space():
    return {
        'lr': ag.space.Real(1e-4, 1.0, log=True),
        'optimizer': ag.space.Categorical('sgd', 'adam'),
        'hidden': ag.space.Int(16, 256, log=True),
        'dropout': ag.space.Real(0.0, 0.5),
        'wd': ag.space.Real(1e-6, 1e-2, log=True),
    }


class _Args(dict):
    __getattr__ = dict.__getitem__


class _Reporter:
    """The part of the scheduler's reporter ``_fmnist.train_mlp`` uses, for a trial run in this process."""

    trial_dir = None

    def __init__(self):
        self.accuracy = []

    def load_dict(self):
        return None

    def __call__(self, **kwargs):
        self.accuracy.append(kwargs['accuracy'])


def mlp_eval(config):
    args = _Args(
        config,
        data_path=fmnist_dir(),
        epochs=MLP_EPOCHS,
        layers=1,
        batch_size=64,
        trial_seed=0,
        save_state=False,
    )
    reporter = _Reporter()
    _fmnist.train_mlp(args, reporter)
    return float(reporter.accuracy[-1])


OBJECTIVES = {
    'sgd_digits': (sgd_space, sgd_eval, 'SGDClassifier on digits, 6-D, validation accuracy'),
    'svm_digits': (svm_space, svm_eval, 'RBF SVC on digits, 2-D (log C, log gamma), validation accuracy'),
    'gbm_cancer': (gbm_space, gbm_eval, 'GradientBoosting on breast_cancer, 4-D, minus validation log-loss'),
    'mlp_fmnist': (mlp_space, mlp_eval, 'MXNet MLP on Fashion-MNIST 2000/1000, 3 epochs, 5-D, val. accuracy'),
}


# -- part 1: searchers driven by hand -------------------------------------------------------------
def best_so_far(scores):
    out, best = [], -math.inf
    for score in scores:
        best = max(best, score)
        out.append(best)
    return out


def run_ours(name, objective, seed, trials, options):
    space_fn, evaluate, _ = OBJECTIVES[objective]
    options = dict(options if name == 'bayesopt' else {}, first_is_default=False)
    searcher = get_searcher(name, space_fn(), seed=seed, **options)
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
    return {
        'seed': seed,
        'scores': scores,
        'best_so_far': best_so_far(scores),
        'searcher_time_s': searcher_time,
    }


def optuna_python():
    explicit = os.environ.get('AG_SEARCHERS_OPTUNA_PYTHON')
    if explicit:
        return explicit
    venv = os.path.join(HERE, 'compare', '.venv', 'bin', 'python')
    return venv if os.path.exists(venv) else None


def _space_spec(space):
    spec = []
    for name, dim in space.items():
        if isinstance(dim, ag.space.Categorical):
            spec.append([name, 'cat', list(dim.choices)])
        else:
            spec.append(
                [
                    name,
                    'int' if isinstance(dim, ag.space.Int) else 'real',
                    [dim.lower, dim.upper, bool(dim.log)],
                ]
            )
    return spec


def run_tpe(python, objective, seed, trials):
    space_fn, evaluate, _ = OBJECTIVES[objective]
    child = subprocess.Popen(
        [python, os.path.join(HERE, '_tpe_child.py')],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1'),
    )
    try:
        child.stdin.write(
            json.dumps({'space': _space_spec(space_fn()), 'seed': seed, 'trials': trials}) + '\n'
        )
        child.stdin.flush()
        scores = []
        for _ in range(trials):
            line = child.stdout.readline()
            if not line:
                raise RuntimeError(f"the TPE child ({python}) ended early; see its stderr above")
            score = evaluate(json.loads(line)['config'])
            scores.append(score)
            child.stdin.write(json.dumps({'reward': score}) + '\n')
            child.stdin.flush()
        done = json.loads(child.stdout.readline())
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    return {
        'seed': seed,
        'scores': scores,
        'best_so_far': best_so_far(scores),
        'searcher_time_s': done['searcher_time_s'],
        'optuna': done['optuna'],
    }


def trials_to_reach(run, target):
    for i, best in enumerate(run['best_so_far'], 1):
        if best >= target:
            return i
    return math.inf


def summarize(runs, baseline, checkpoints):
    """Median best after each checkpoint, and median trials to reach the baseline's last best (paired)."""
    row = {}
    for k in checkpoints:
        row[f'best@{k}'] = statistics.median(r['best_so_far'][k - 1] for r in runs)
    needed = [trials_to_reach(r, b['best_so_far'][-1]) for r, b in zip(runs, baseline)]
    row['trials_to_random_best'] = statistics.median(needed)
    row['searcher_s_per_run'] = statistics.fmean(r['searcher_time_s'] for r in runs)
    return row


def _fmt_trials(value, trials):
    return f">{trials}" if math.isinf(value) else f"{value:g}"


def print_part1(objective, rows, checkpoints, trials):
    print(f"\n{objective}: {OBJECTIVES[objective][2]}")
    print(
        f"  {'searcher':10s}"
        + ''.join(f"{'best@' + str(k):>10s}" for k in checkpoints)
        + f"{'trials to random best@' + str(trials):>28s}{'searcher s/run':>16s}"
    )
    for name, row in rows.items():
        print(
            f"  {name:10s}"
            + ''.join(f"{row[f'best@{k}']:>10.4f}" for k in checkpoints)
            + f"{_fmt_trials(row['trials_to_random_best'], trials):>28s}{row['searcher_s_per_run']:>16.1f}"
        )


# -- part 2: Hyperband on the MLP -------------------------------------------------------------------
def make_train_fn():
    spaces = mlp_space()
    return ag.args(**spaces)(_fmnist.train_mlp)


def run_hyperband(searcher, seed, trials, options):
    scheduler = Hyperband_Scheduler(
        make_train_fn(),
        {
            'data_path': fmnist_dir(),
            'epochs': HB_MAX_T,
            'layers': 1,
            'batch_size': 64,
            'trial_seed': 0,
            'save_state': False,
        },
        {'num_cpus': 1, 'num_gpus': 0},
        searcher,
        searcher_options=options if searcher == 'bayesopt' else {},
        num_trials=trials,
        checkpoint=None,
        progress=False,
        seed=seed,
        time_attr='training_epoch',
        reward_attr='accuracy',
        max_t=HB_MAX_T,
        grace_period=1,
        reduction_factor=3,
        visualizer='none',
        log_stops=False,
    )
    start = time.time()
    scheduler.run()
    wall = time.time() - start
    tasks = list(scheduler.tasks.values())
    failed = [t for t in tasks if t.error]
    if failed:
        raise RuntimeError(f"{len(failed)} trials failed, e.g.: {failed[0].error}")
    reports = sorted((r['time'] - start, r['accuracy']) for t in tasks for r in t.history)
    return {
        'seed': seed,
        'reports': [[round(t, 3), a] for t, a in reports],
        'epochs': len(reports),
        'best': max(a for _, a in reports),
        'wall_s': wall,
    }


def to_reach(result, target):
    """(epochs, seconds) from the start until a report reached ``target``; (inf, inf) if none did."""
    for epochs, (seconds, accuracy) in enumerate(result['reports'], 1):
        if accuracy >= target:
            return epochs, seconds
    return math.inf, math.inf


def summarize_hyperband(results):
    out = {}
    for name, runs in results.items():
        reach = [to_reach(r, b['best']) for r, b in zip(runs, results['random'])]
        out[name] = {
            'final_best': statistics.median(r['best'] for r in runs),
            'epochs': statistics.median(r['epochs'] for r in runs),
            'epochs_to_target': statistics.median(e for e, _ in reach),
            'seconds_to_target': statistics.median(s for _, s in reach),
            'wall_s': statistics.fmean(r['wall_s'] for r in runs),
        }
    ratios = []
    for r, b in zip(results['bayesopt'], results['random']):
        mine, base = to_reach(r, b['best'])[0], to_reach(b, b['best'])[0]
        ratios.append(mine / base)
    out['epochs_ratio_bayesopt_to_random'] = statistics.median(ratios)
    return out


def print_part2(summary, seeds, trials):
    print(
        f"\nPart 2: Hyperband_Scheduler on mlp_fmnist (stopping, rungs 1/3/9, max_t={HB_MAX_T}, 2 trials at "
        f"once; {seeds} seeds, {trials} trials); target: Hyperband+random's final best (same seed)"
    )
    print(
        f"  {'searcher':10s}{'final best':>12s}{'epochs':>8s}{'epochs to target':>18s}"
        f"{'s to target':>13s}{'wall s':>8s}"
    )
    for name in ('random', 'bayesopt'):
        row = summary[name]
        print(
            f"  {name:10s}{row['final_best']:>12.4f}{row['epochs']:>8g}{row['epochs_to_target']:>18g}"
            f"{row['seconds_to_target']:>13.1f}{row['wall_s']:>8.1f}"
        )
    print(
        f"  median ratio of epochs to target, bayesopt / random: {summary['epochs_ratio_bayesopt_to_random']:.2f}"
    )


# -- driver -----------------------------------------------------------------------------------------
def targets(part1, part2, checkpoints):
    out = {}
    fast = [o for o, rows in part1.items() if rows['bayesopt']['trials_to_random_best'] <= 20]
    out['bayesopt_reaches_random_best40_within_20'] = {'objectives': fast, 'met': len(fast) >= 3}
    if all('tpe' in rows for rows in part1.values()):
        worse = [
            f"{o}@{k}"
            for o, rows in part1.items()
            for k in checkpoints
            if k in (20, 40) and rows['bayesopt'][f'best@{k}'] < rows['tpe'][f'best@{k}']
        ]
        out['bayesopt_no_worse_than_tpe'] = {'worse': worse, 'met': not worse}
    if part2:
        ratio = part2['epochs_ratio_bayesopt_to_random']
        out['hyperband_bayesopt_within_0.6'] = {'ratio': ratio, 'met': ratio <= 0.6}
    return out


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, default=10)
    parser.add_argument('--trials', type=int, default=40)
    parser.add_argument('--hb-seeds', type=int, default=5)
    parser.add_argument('--objectives', default=','.join(OBJECTIVES))
    parser.add_argument('--searchers', default='random,bayesopt,tpe')
    parser.add_argument('--bayesopt-options', default='{}', help="JSON options for searcher='bayesopt'")
    parser.add_argument(
        '--quick', action='store_true', help='1 seed, 12 trials, 1 Hyperband seed: checks that it runs'
    )
    parser.add_argument('--no-hyperband', action='store_true')
    parser.add_argument('--jobs', type=int, default=1, help='part-1 runs (one searcher, one seed) at once')
    parser.add_argument(
        '--merge',
        default=None,
        help="a JSON written by this script (same seeds and trials): its part-1 runs of searchers "
        "not in --searchers are taken from it instead of being run again",
    )
    parser.add_argument('--out', default=os.path.join(HERE, 'results', 'searchers.json'))
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.trials, args.hb_seeds = 1, 12, 1
    args.objectives = args.objectives.split(',')
    unknown = [o for o in args.objectives if o not in OBJECTIVES]
    if unknown:
        parser.error(f"unknown objectives {unknown}; valid: {', '.join(OBJECTIVES)}")
    args.searchers = args.searchers.split(',')
    args.bayesopt_options = json.loads(args.bayesopt_options)
    return args


def _earlier_runs(args):
    if not args.merge:
        return {}
    with open(args.merge) as f:
        earlier = json.load(f)
    if (earlier['seeds'], earlier['trials']) != (args.seeds, args.trials):
        raise ValueError(
            f"--merge {args.merge}: {earlier['seeds']} seeds x {earlier['trials']} trials, "
            f"this run has {args.seeds} x {args.trials}"
        )
    print(f"part 1 runs of searchers other than {args.searchers} are taken from {args.merge}")
    return earlier['part1_runs']


def run_part1(args, checkpoints):
    python = optuna_python() if 'tpe' in args.searchers else None
    if 'tpe' in args.searchers and python is None:
        print("Optuna: not found (set AG_SEARCHERS_OPTUNA_PYTHON); TPE is left out", flush=True)
    runs, rows = {}, {}
    earlier = _earlier_runs(args)
    pool = multiprocessing.get_context('spawn').Pool(args.jobs) if args.jobs > 1 else None
    try:
        for objective in args.objectives:
            _run_objective(args, objective, earlier, runs, rows, pool, python, checkpoints)
    finally:
        if pool:
            pool.close()
            pool.join()
    return runs, rows


def _run_one(job):
    name, objective, seed, trials, options, python = job
    if name == 'tpe':
        return run_tpe(python, objective, seed, trials)
    return run_ours(name, objective, seed, trials, options)


def _run_objective(args, objective, earlier, runs, rows, pool, python, checkpoints):
    runs[objective] = {
        name: r for name, r in earlier.get(objective, {}).items() if name not in args.searchers
    }
    for name in args.searchers:
        if name == 'tpe' and python is None:
            continue
        jobs = [
            (name, objective, seed, args.trials, args.bayesopt_options, python) for seed in range(args.seeds)
        ]
        runs[objective][name] = pool.map(_run_one, jobs) if pool else [_run_one(job) for job in jobs]
        print(f"  {objective} {name}: done", flush=True)
    runs[objective] = {
        name: runs[objective][name] for name in ('random', 'bayesopt', 'tpe') if name in runs[objective]
    }
    base = runs[objective].get('random')
    rows[objective] = {name: summarize(r, base or r, checkpoints) for name, r in runs[objective].items()}
    print_part1(objective, rows[objective], checkpoints, args.trials)


def main(argv=None):
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING)
    checkpoints = [k for k in CHECKPOINTS if k <= args.trials] or [args.trials]
    started = time.perf_counter()
    part1 = {}

    def part1_thread():
        part1['result'] = run_part1(args, checkpoints)
        part1['seconds'] = time.perf_counter() - started

    # with --jobs > 1 part 1 runs in worker processes, driven from a thread while part 2 runs here
    thread = threading.Thread(target=part1_thread, daemon=True)
    thread.start()
    if args.jobs <= 1:
        thread.join()
    hb_runs, hb_summary = {}, None
    if not args.no_hyperband:
        for name in ('random', 'bayesopt'):
            hb_runs[name] = [
                run_hyperband(name, seed, args.trials, args.bayesopt_options) for seed in range(args.hb_seeds)
            ]
        hb_summary = summarize_hyperband(hb_runs)
        print_part2(hb_summary, args.hb_seeds, args.trials)
    thread.join()
    if 'result' not in part1:
        raise RuntimeError('part 1 failed (see the traceback above)')
    (runs, rows), part1_s = part1['result'], part1['seconds']
    met = targets(rows, hb_summary, checkpoints) if all('random' in r for r in rows.values()) else {}
    total = time.perf_counter() - started
    print(f"\nTargets: {json.dumps(met)}\nTotal time {total:.0f} s (part 1: {part1_s:.0f} s)")
    payload = {
        'benchmark': 'searchers',
        'command': ' '.join([os.path.basename(sys.executable)] + sys.argv),
        'objectives': {o: OBJECTIVES[o][2] for o in args.objectives},
        'seeds': args.seeds,
        'trials': args.trials,
        'hyperband_seeds': args.hb_seeds if hb_runs else 0,
        'quick': args.quick,
        'bayesopt_options': args.bayesopt_options,
        'merged_from': args.merge,
        'checkpoints': checkpoints,
        'part1_summary': rows,
        'part1_runs': runs,
        'part2_summary': hb_summary,
        'part2_runs': hb_runs,
        'targets': met,
        'part1_seconds': part1_s,
        'total_seconds': total,
        'machine': {
            'python': platform.python_version(),
            'cpus': os.cpu_count(),
            'platform': platform.platform(),
            'loadavg_at_end': os.getloadavg(),
        },
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(payload, f, indent=1, default=float)
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == '__main__':
    main()
