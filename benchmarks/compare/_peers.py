"""The peers' side of the comparison: thin adapters that put the *same* training functions
behind Ray Tune's trainable API and Optuna's objective API, and one driver per peer.

Training functions (identical code for every tuner):

* overhead: ``noop_train(x, reports, sleep, report)`` -- the workload of
  ``benchmarks/scheduler_overhead.py`` (``accuracy = x * epoch``, ``reports`` reports,
  optionally sleeping ``sleep`` seconds before each);
* early stopping: ``benchmarks/_fmnist.train_mlp(args, reporter)`` -- called as is, with a
  reporter object that forwards each epoch's report to the peer (Ray: ``tune.report``;
  Optuna: ``trial.report`` + ``trial.should_prune``). Peers stop trials, they never pause
  them, so ``load_dict`` returns None and no state is saved.

Ray: ``ray.init(num_cpus=2)`` (timed on its own), 1 CPU per trial, 2 at a time (``BasicVariantGenerator(max_concurrent=2)``),
``reuse_actors=True`` (Ray's fast path for many short function trials; without it every trial
starts a new actor process: 60 no-work trials took 163 s instead of 11 s in a test), ``BasicVariantGenerator``
(random search) seeded with ``random_state``; no per-trial result files
(``TUNE_DISABLE_AUTO_CALLBACK_LOGGERS=1``, set by ``_common.child_env``); otherwise Ray's defaults
(experiment state saved in a temporary ``storage_path``), ``verbose=0``.

Optuna: two worker processes (forked from a driver that has not imported MXNet), each running
``study.optimize`` with ``n_jobs=1`` on one study in a ``JournalStorage(JournalFileBackend)``
file, each with its own seeded ``RandomSampler``; the pruner reads both workers' trials from
the storage. Threads (``n_jobs=2``) would run MXNet's Python-side training loop of two trials
under one GIL and share one MXNet engine, unlike the other tuners' one process per trial.
"""

import argparse
import math
import multiprocessing
import os
import tempfile
import time

import _common  # noqa: F401  (sys.path for _fmnist)

RAY_INIT = dict(num_cpus=2, num_gpus=0, include_dashboard=False, log_to_driver=False)


# -- the overhead workload ---------------------------------------------------------------
def noop_train(x, reports, sleep, report):
    for epoch in range(1, reports + 1):
        if sleep:
            time.sleep(sleep)
        report(epoch=epoch, accuracy=x * epoch)


# -- search space of benchmarks/early_stopping.py, written for each peer ------------------
def ray_space(tune, constants):
    space = {
        "lr": tune.loguniform(3e-4, 0.3),
        "optimizer": tune.choice(["sgd", "adam"]),
        "hidden": tune.choice([32, 64, 128, 256, 512]),
        "layers": tune.choice([1, 2]),
        "dropout": tune.uniform(0.0, 0.5),
        "batch_size": tune.choice([32, 64, 128, 256]),
        "wd": tune.loguniform(1e-6, 1e-2),
    }
    space.update(constants)
    return space


def optuna_config(trial):
    return {
        "lr": trial.suggest_float("lr", 3e-4, 0.3, log=True),
        "optimizer": trial.suggest_categorical("optimizer", ["sgd", "adam"]),
        "hidden": trial.suggest_categorical("hidden", [32, 64, 128, 256, 512]),
        "layers": trial.suggest_categorical("layers", [1, 2]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
        "wd": trial.suggest_float("wd", 1e-6, 1e-2, log=True),
    }


SPACE_KEYS = ("lr", "optimizer", "hidden", "layers", "dropout", "batch_size", "wd")


# -- Ray Tune ------------------------------------------------------------------------------
class _RayReporter:
    """What ``train_mlp`` expects of a reporter, on top of ``ray.tune.report``."""

    trial_dir = None

    def __init__(self, tune):
        self._tune = tune

    def load_dict(self):
        return None

    def save_dict(self, **kwargs):  # pragma: no cover - save_state is False for peers
        pass

    def __call__(self, **metrics):
        # train_mlp's 'time' (time.time() at the end of the epoch) travels as report_time:
        # Ray fills some time_* keys of its own
        if "time" in metrics:
            metrics["report_time"] = metrics.pop("time")
        self._tune.report(metrics)


def ray_noop_trainable(config):
    from ray import tune

    reporter = _RayReporter(tune)
    noop_train(config["x"], config["reports"], config["sleep"], reporter)


def ray_fmnist_trainable(config):
    import _fmnist
    from ray import tune

    _fmnist.train_mlp(argparse.Namespace(**config), _RayReporter(tune))


def run_ray(
    kind,
    trainable,
    param_space,
    *,
    num_samples,
    seed,
    time_attr,
    max_t,
    budget=None,
    storage=None,
    max_concurrent=2,
):
    """One Ray Tune run. ``kind``: 'fifo' or 'asha'. Returns (figures, reports, configs):
    reports are (report_time, accuracy, trial_id, step) as the driver received them."""
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler
    from ray.tune.search.basic_variant import BasicVariantGenerator

    reports, configs = [], {}

    class Collect(tune.Callback):
        def on_trial_result(self, iteration, trials, trial, result, **info):
            reports.append(
                (
                    result.get("report_time", time.time()),
                    result["accuracy"],
                    trial.trial_id,
                    result[time_attr],
                )
            )
            configs.setdefault(
                trial.trial_id, {k: trial.config[k] for k in trial.config if k in SPACE_KEYS or k == "x"}
            )

    start = time.perf_counter()
    ray.init(**RAY_INIT)
    init_s = time.perf_counter() - start
    try:
        if kind == "asha":
            scheduler = ASHAScheduler(
                time_attr=time_attr, max_t=max_t, grace_period=1, reduction_factor=3, brackets=1
            )
        else:
            scheduler = FIFOScheduler()
        storage = storage or tempfile.mkdtemp(prefix="ray-compare-")
        tuner = tune.Tuner(
            tune.with_resources(trainable, {"cpu": 1}),
            param_space=param_space,
            tune_config=tune.TuneConfig(
                metric="accuracy",
                mode="max",
                scheduler=scheduler,
                search_alg=BasicVariantGenerator(random_state=seed, max_concurrent=max_concurrent),
                num_samples=num_samples,
                reuse_actors=True,
                time_budget_s=budget,
            ),
            run_config=tune.RunConfig(storage_path=storage, verbose=0, callbacks=[Collect()]),
        )
        t0 = time.time()
        start = time.perf_counter()
        grid = tuner.fit()
        wall = time.perf_counter() - start
        errors = grid.num_errors
        trials = len(grid)
    finally:
        start = time.perf_counter()
        ray.shutdown()
        shutdown_s = time.perf_counter() - start
    figures = {
        "init_s": init_s,
        "wall_s": wall,
        "shutdown_s": shutdown_s,
        "t0": t0,
        "trials": trials,
        "errors": errors,
    }
    return figures, reports, configs


# -- Optuna ----------------------------------------------------------------------------------
def make_pruner(kind):
    """'none', 'median' (like FIFO + MedianStoppingRule(grace_period=1, min_samples_required=3))
    or 'sha' (asynchronous successive halving: rungs at 1, 3, 9, ... like Hyperband/ASHA)."""
    import optuna

    if kind == "none":
        return optuna.pruners.NopPruner()
    if kind == "median":
        # steps are epochs counted from 1: no pruning at epoch 1 (grace period 1); the median
        # of at least 3 other trials' values at the same epoch. Optuna only compares with
        # *completed* trials (ours and Ray's median rules use running and stopped ones too).
        return optuna.pruners.MedianPruner(
            n_startup_trials=3, n_warmup_steps=2, interval_steps=1, n_min_trials=3
        )
    if kind == "sha":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=1, reduction_factor=3, min_early_stopping_rate=0
        )
    raise ValueError(kind)


class _OptunaReporter:
    """Forwards train_mlp's / noop_train's reports to an Optuna trial and prunes on request."""

    trial_dir = None

    def __init__(self, trial, optuna, prune, deadline, log):
        self.trial, self._optuna, self._prune, self._deadline, self._log = trial, optuna, prune, deadline, log
        self.best = -math.inf

    def load_dict(self):
        return None

    def save_dict(self, **kwargs):  # pragma: no cover - save_state is False for peers
        pass

    def __call__(self, **metrics):
        accuracy = metrics["accuracy"]
        step = metrics.get("training_epoch", metrics.get("epoch"))
        self._log.append((metrics.get("time", time.time()), accuracy, self.trial.number, step))
        self.best = max(self.best, accuracy)
        self.trial.report(accuracy, step)
        if self._deadline is not None and time.time() >= self._deadline:
            raise self._optuna.TrialPruned("time budget spent")  # like the others' time limits
        if self._prune and self.trial.should_prune():
            raise self._optuna.TrialPruned()


def _optuna_worker(
    index, workload, pruner_kind, storage_path, study_name, seed, n_trials, deadline, constants, log_path
):
    import json

    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(storage_path))
    study = optuna.load_study(
        study_name=study_name,
        storage=storage,
        sampler=optuna.samplers.RandomSampler(seed=seed * 1000 + index),
        pruner=make_pruner(pruner_kind),
    )
    log = []
    prune = pruner_kind != "none"

    def objective(trial):
        reporter = _OptunaReporter(trial, optuna, prune, deadline, log)
        if workload == "noop":
            noop_train(trial.suggest_float("x", 0.0, 1.0), constants["reports"], constants["sleep"], reporter)
        else:
            import _fmnist

            args = dict(constants)
            args.update(optuna_config(trial))
            _fmnist.train_mlp(argparse.Namespace(**args), reporter)
        return reporter.best

    timeout = None if deadline is None else max(0.0, deadline - time.time())
    study.optimize(objective, n_trials=n_trials, timeout=timeout)
    with open(log_path, "w") as f:
        json.dump(log, f)


def run_optuna(pruner_kind, workload, constants, *, seed, n_trials=None, budget=None, workers=2):
    """One Optuna run with ``workers`` processes on a shared journal file. ``n_trials`` is the
    total (split evenly between the workers); ``budget`` seconds end it otherwise.
    Returns (figures, reports, configs) like :func:`run_ray`."""
    import json

    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    folder = tempfile.mkdtemp(prefix="optuna-compare-")
    storage_path = os.path.join(folder, "journal.log")
    start = time.perf_counter()
    study = optuna.create_study(
        study_name="compare", direction="maximize", storage=JournalStorage(JournalFileBackend(storage_path))
    )
    init_s = time.perf_counter() - start
    ctx = multiprocessing.get_context("fork")
    per_worker = (
        None if n_trials is None else [n_trials // workers + (i < n_trials % workers) for i in range(workers)]
    )
    t0 = time.time()
    start = time.perf_counter()
    deadline = None if budget is None else t0 + budget
    procs = [
        ctx.Process(
            target=_optuna_worker,
            args=(
                i,
                workload,
                pruner_kind,
                storage_path,
                "compare",
                seed,
                None if per_worker is None else per_worker[i],
                deadline,
                constants,
                os.path.join(folder, "log%d.json" % i),
            ),
        )
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - start
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError("an Optuna worker failed: exit codes %s" % [p.exitcode for p in procs])
    reports = []
    for i in range(workers):
        with open(os.path.join(folder, "log%d.json" % i)) as f:
            reports += [tuple(r) for r in json.load(f)]
    trials = study.get_trials(deepcopy=False)
    configs = {t.number: dict(t.params) for t in trials}
    states = {}
    for t in trials:
        states[t.state.name] = states.get(t.state.name, 0) + 1
    figures = {
        "init_s": init_s,
        "wall_s": wall,
        "t0": t0,
        "trials": len(trials),
        "states": states,
        "errors": states.get("FAIL", 0),
    }
    return figures, reports, configs
