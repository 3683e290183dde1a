"""Early stopping on real training, side by side: this library vs Ray Tune vs Optuna.

The workload of ``benchmarks/early_stopping.py``, unchanged: ``benchmarks/_fmnist.train_mlp``
trains a hybridized MXNet Gluon MLP on a Fashion-MNIST subset (6,000 training and 10,000
validation images from the training set of the Debian package ``dataset-fashion-mnist``)
for up to ``max_t`` = 27 epochs and reports the validation accuracy after every epoch; the
search space (7 hyperparameters) is the same for every tuner, searched at random with the
run's seed. Every tuner gets the same wall-clock budget, 2 trials at a time with 1 CPU and
the same thread limits each. Variants:

* ours: ``ag-fifo``; ``ag-hyperband-stopping`` and ``ag-hyperband-promotion`` (rungs 1, 3, 9:
  grace period 1, reduction factor 3; promotion resumes paused trials from their saved
  state); ``ag-median`` (FIFO + MedianStoppingRule(grace_period=1, min_samples_required=3)),
  built by ``benchmarks/early_stopping.build`` itself;
* Ray Tune: ``ray-fifo``, ``ray-asha`` (ASHAScheduler, same rungs and max_t);
* Optuna: ``optuna-median`` (MedianPruner, grace 1, 3 trials), ``optuna-sha``
  (SuccessiveHalvingPruner, min_resource 1, reduction factor 3).

Measured per run (the clock starts when the tuner's trial loop starts: ``run()``,
``Tuner.fit()`` after ``ray.init``, the fork of Optuna's two workers): the best validation
accuracy over time (the anytime curve, drawn as the median over seeds), the best at the end of
the budget, and the time to a common target -- per seed, the lowest of all variants' final
bests, so every variant has a time. Then, outside the timed part and identically for every
tuner, the model each tuner selected -- the configuration and epoch of its best validation
report -- is retrained (training is deterministic: fixed per-trial and per-epoch seeds, one
thread) for that many epochs and evaluated on the 10,000 images of the Fashion-MNIST test set.

    python benchmarks/compare/early_stop.py [--budget 30] [--seeds 3] [--quick] [--out FILE] [--png FILE]
"""

import argparse
import concurrent.futures
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile
import time

import _common
import numpy as np
from _common import fmt, median, ratio

VARIANTS = (
    "ag-fifo",
    "ag-hyperband-stopping",
    "ag-hyperband-promotion",
    "ag-median",
    "ray-fifo",
    "ray-asha",
    "optuna-median",
    "optuna-sha",
)
PAIRS = (
    ("ag-fifo", "ray-fifo"),
    ("ag-hyperband-stopping", "ray-asha"),
    ("ag-hyperband-stopping", "optuna-sha"),
    ("ag-hyperband-promotion", "ray-asha"),
    ("ag-hyperband-promotion", "optuna-sha"),
    ("ag-median", "optuna-median"),
)


def _ours_module():
    """benchmarks/early_stopping.py (same file name as this one, so loaded by path)."""
    spec = importlib.util.spec_from_file_location(
        "ag_early_stopping", os.path.join(_common.BENCH, "early_stopping.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- one run of one variant (in a child process) ---------------------------------------------
def run_variant(variant, data_path, budget, seed, max_t):
    family, kind = variant.split("-", 1)
    constants = {"data_path": data_path, "epochs": max_t, "trial_seed": seed, "save_state": False}
    if family == "ag":
        return _run_ours(kind, constants, budget, seed, max_t)
    import _peers

    if family == "ray":
        from ray import tune

        figures, reports, configs = _peers.run_ray(
            kind,
            _peers.ray_fmnist_trainable,
            _peers.ray_space(tune, constants),
            num_samples=-1,
            seed=seed,
            time_attr="training_epoch",
            max_t=max_t,
            budget=budget,
        )
    else:
        figures, reports, configs = _peers.run_optuna(kind, "fmnist", constants, seed=seed, budget=budget)
    figures["setup_s"] = figures.pop("init_s")
    t0 = figures.pop("t0")
    return {
        "figures": figures,
        "reports": [(t - t0, a, str(k), e) for t, a, k, e in reports],
        "configs": {str(k): v for k, v in configs.items()},
    }


def _run_ours(kind, constants, budget, seed, max_t):
    ours = _ours_module()
    name = {"fifo": "fifo", "median": "median-rule"}.get(kind, kind)
    folder = tempfile.mkdtemp(prefix="ag-compare-es-")
    try:
        args = dict(constants, save_state=name == "hyperband-promotion")
        start = time.perf_counter()
        sched = ours.build(name, ours.make_train_fn(), args, budget, seed, max_t, folder)
        setup = time.perf_counter() - start
        t0 = time.time()
        start = time.perf_counter()
        sched.run()
        wall = time.perf_counter() - start
        reports, configs, statuses = [], {}, {}
        for task in sched.tasks.values():
            statuses[task.status] = statuses.get(task.status, 0) + 1
            configs[str(task.task_id)] = {k: v for k, v in task.config.items() if k not in constants}
            for r in task.history:
                reports.append((r["time"] - t0, r["accuracy"], str(task.task_id), r["training_epoch"]))
        figures = {
            "setup_s": setup,
            "wall_s": wall,
            "trials": len(sched.tasks),
            "states": statuses,
            "errors": statuses.get("failed", 0),
        }
        return {"figures": figures, "reports": reports, "configs": configs}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def retrain(test_path, config, seed, epochs):
    """Test accuracy of ``config`` trained for ``epochs`` epochs (the run's trial seed): the data
    folder holds the same training subset, with the test set in place of the validation set."""
    import _fmnist

    accuracies = []

    class Reporter:
        trial_dir = None

        def load_dict(self):
            return None

        def __call__(self, **metrics):
            accuracies.append(metrics["accuracy"])

    args = dict(config, data_path=test_path, epochs=epochs, trial_seed=seed, save_state=False)
    _fmnist.train_mlp(argparse.Namespace(**args), Reporter())
    return accuracies[-1]


# -- data -----------------------------------------------------------------------------------------
def prepare_data(folder, n_train, n_val):
    """``folder/search``: the subset of benchmarks/early_stopping.py; ``folder/test``: the same
    training images with the 10,000 test images as its validation split."""
    import _fmnist

    search = _fmnist.prepare_subset(os.path.join(folder, "search"), n_train, n_val, seed=0)
    test = os.path.join(folder, "test")
    os.makedirs(test)
    for name in ("train_x", "train_y"):
        shutil.copy(os.path.join(search, name + ".npy"), test)
    images = _fmnist._read_idx(os.path.join(_fmnist.FASHION_MNIST_DIR, "t10k-images-idx3-ubyte.gz"))
    labels = _fmnist._read_idx(os.path.join(_fmnist.FASHION_MNIST_DIR, "t10k-labels-idx1-ubyte.gz"))
    np.save(os.path.join(test, "val_x.npy"), images.reshape(len(images), -1).astype(np.float32) / 255.0)
    np.save(os.path.join(test, "val_y.npy"), labels.astype(np.float32))
    return search, test


# -- analysis ---------------------------------------------------------------------------------------
def analyse(run, budget):
    reports = sorted(r for r in run["reports"] if r[0] <= budget)
    run["reports"] = [[round(t, 3), a, k, e] for t, a, k, e in reports]
    run["epochs"] = len(reports)
    run["configs_tried"] = len({k for _, _, k, _ in reports})
    best, selected, curve = -math.inf, None, []
    for t, acc, key, epoch in reports:
        if acc > best:
            best, selected = acc, (key, epoch, t)
            curve.append([round(t, 3), acc])
    run["best_val"] = best if selected else None
    run["curve"] = curve  # best validation accuracy so far: (time, value) at each improvement
    if selected:
        run["selected"] = {
            "trial": selected[0],
            "epoch": selected[1],
            "time_s": selected[2],
            "config": run["configs"].get(selected[0]),
        }
    run["best_val_half"] = best_at(curve, budget / 2)


def best_at(curve, t):
    value = None
    for time_s, acc in curve:
        if time_s > t:
            break
        value = acc
    return value


def time_to(curve, target):
    for time_s, acc in curve:
        if acc >= target:
            return time_s
    return math.inf


def curve_on_grid(curve, grid):
    out = np.full(len(grid), np.nan)
    for time_s, acc in curve:
        out[grid >= time_s] = acc
    return out


def summarize(runs, variants, seeds):
    for seed in seeds:
        rs = [r for r in runs if r["seed"] == seed and r["best_val"] is not None]
        target = min(r["best_val"] for r in rs) if rs else None
        for r in runs:
            if r["seed"] == seed:
                r["target"] = target
                r["time_to_target_s"] = time_to(r["curve"], target) if target is not None else None
    summary = {}
    for v in variants:
        rs = [r for r in runs if r["variant"] == v]
        summary[v] = {
            key: median([r.get(key) for r in rs])
            for key in (
                "configs_tried",
                "epochs",
                "best_val",
                "best_val_half",
                "time_to_target_s",
                "test_acc",
            )
        }
        summary[v]["setup_s"] = median([r["figures"]["setup_s"] for r in rs])
        summary[v]["wall_s"] = median([r["figures"]["wall_s"] for r in rs])
    ratios = {}
    for ours, theirs in PAIRS:
        if ours not in variants or theirs not in variants:
            continue
        per_seed = {key: [] for key in ("time_to_target_s", "best_val", "test_acc")}
        for seed in seeds:
            a = next(r for r in runs if r["variant"] == ours and r["seed"] == seed)
            b = next(r for r in runs if r["variant"] == theirs and r["seed"] == seed)
            for key in per_seed:
                per_seed[key].append(ratio(a.get(key), b.get(key)))
        ratios["%s / %s" % (ours, theirs)] = {key: median(vals) for key, vals in per_seed.items()}
    return summary, ratios


def tables(payload):
    summary, ratios = payload["summary"], payload["ratios"]
    header = [
        "tuner",
        "configs",
        "epochs",
        "best val @ budget/2",
        "best val @ budget",
        "time to target s",
        "test acc",
        "setup s",
    ]
    rows = [
        [
            v,
            fmt(s["configs_tried"], "%g"),
            fmt(s["epochs"], "%g"),
            fmt(s["best_val_half"], "%.4f"),
            fmt(s["best_val"], "%.4f"),
            fmt(s["time_to_target_s"], "%.1f", "never"),
            fmt(s["test_acc"], "%.4f"),
            fmt(s["setup_s"], "%.1f"),
        ]
        for v, s in summary.items()
    ]
    header2 = ["ours / theirs", "time to target", "best val @ budget", "test acc"]
    rows2 = [
        [pair, fmt(r["time_to_target_s"]), fmt(r["best_val"], "%.3f"), fmt(r["test_acc"], "%.3f")]
        for pair, r in ratios.items()
    ]
    return _common.markdown_table(header, rows) + "\n\n" + _common.markdown_table(header2, rows2)


STYLE = {
    "ag": ("tab:blue", "navy"),
    "ray": ("tab:orange", "saddlebrown"),
    "optuna": ("tab:green", "darkgreen"),
}
DASH = {
    "fifo": ":",
    "hyperband-stopping": "-",
    "hyperband-promotion": "-.",
    "median": "--",
    "asha": "-",
    "sha": "-",
}


def plot(payload, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    budget = payload["budget_s"]
    grid = np.linspace(0, budget, 401)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    finals, mids = [], []
    for v in payload["variants"]:
        curves = [curve_on_grid(r["curve"], grid) for r in payload["runs"] if r["variant"] == v]
        if not curves:
            continue
        with np.errstate(all="ignore"):
            med = np.median(np.vstack(curves), axis=0)  # nan until every seed has a report
        family, kind = v.split("-", 1)
        color = STYLE[family][0 if kind in ("fifo", "hyperband-stopping", "asha", "sha") else 1]
        ax.step(
            grid,
            med,
            where="post",
            color=color,
            linestyle=DASH.get(kind, "-"),
            linewidth=2.2 if family == "ag" else 1.6,
            label=v,
        )
        finals += list(med[np.isfinite(med)][-1:])
        mids += list(med[(grid >= budget / 2) & np.isfinite(med)][:1])
    if finals and mids:  # from a little below the worst value at half the budget to the best at the end
        ax.set_ylim(max(0.0, min(mids) - 0.02), min(1.0, max(finals) + 0.005))
    ax.set_xlim(0, budget)
    ax.set_xlabel("wall-clock seconds since the tuner's trial loop started")
    ax.set_ylabel(
        "best validation accuracy so far (median over %d seed%s)"
        % (payload["seeds"], "s" if payload["seeds"] > 1 else "")
    )
    ax.set_title(
        "Fashion-MNIST MLP (MXNet), %gs budget, 2 trials at a time on %s\n%s, load average %s -> %s"
        % (
            budget,
            payload["machine"]["description"],
            payload["date"][:10],
            payload["load_average_start"][0],
            payload["load_average_end"][0],
        ),
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per tuner run")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1; medians over seeds")
    parser.add_argument("--max-t", type=int, default=27)
    parser.add_argument("--n-train", type=int, default=6000)
    parser.add_argument("--n-val", type=int, default=10000)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--quick", action="store_true", help="2,000/1,000 images, 9 epochs, 20 s, 1 seed")
    parser.add_argument("--out", default=os.path.join(_common.RESULTS, "compare_early_stopping.json"))
    parser.add_argument("--png", default=os.path.join(_common.RESULTS, "compare_anytime.png"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--retrain", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.quick:
        opts.budget, opts.seeds, opts.max_t, opts.n_train, opts.n_val = 20.0, 1, 9, 2000, 1000
    if opts.child or opts.retrain:
        os.environ.update(_common.thread_env())
        if opts.retrain:
            job = json.loads(opts.retrain)
            print(json.dumps({"test_acc": retrain(opts.data, job["config"], job["seed"], job["epochs"])}))
        else:
            print(
                json.dumps(run_variant(opts.child, opts.data, opts.budget, opts.seed, opts.max_t)), flush=True
            )
        return

    variants = opts.variants.split(",")
    seeds = list(range(opts.seeds))
    started, load_start = _common.now(), _common.loadavg()
    data_dir = tempfile.mkdtemp(prefix="compare-es-data-")
    runs = []
    try:
        search_path, test_path = prepare_data(data_dir, opts.n_train, opts.n_val)
        print(
            "early stopping: %d train / %d val images, %d epochs max, %gs per run, %d seed(s), "
            "2 trials at a time; load average %s"
            % (opts.n_train, opts.n_val, opts.max_t, opts.budget, len(seeds), load_start),
            flush=True,
        )
        for seed in seeds:
            # a different order per seed, so a load change on the shared machine does not hit one tuner only
            order = variants[seed % len(variants) :] + variants[: seed % len(variants)]
            for v in order:
                argv = [
                    os.path.abspath(__file__),
                    "--child",
                    v,
                    "--data",
                    search_path,
                    "--seed",
                    str(seed),
                    "--budget",
                    str(opts.budget),
                    "--max-t",
                    str(opts.max_t),
                ]
                run = _common.run_child(argv, timeout=opts.budget + 300)
                run.update(variant=v, seed=seed, load=_common.loadavg()[0])
                analyse(run, opts.budget)
                runs.append(run)
                print(
                    "  seed %d %-24s %3d configs %4d epochs  best val %s  setup %.1fs  loop %.1fs"
                    % (
                        seed,
                        v,
                        run["configs_tried"],
                        run["epochs"],
                        fmt(run["best_val"], "%.4f"),
                        run["figures"]["setup_s"],
                        run["figures"]["wall_s"],
                    ),
                    flush=True,
                )

        # the selected models on the test set, two at a time, outside the timed part
        jobs = {}
        for r in runs:
            if r.get("selected") and r["selected"]["config"] is not None:
                key = json.dumps(
                    {"config": r["selected"]["config"], "seed": r["seed"], "epochs": r["selected"]["epoch"]},
                    sort_keys=True,
                )
                jobs.setdefault(key, []).append(r)
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = {
                pool.submit(
                    _common.run_child, [os.path.abspath(__file__), "--retrain", key, "--data", test_path], 900
                ): key
                for key in jobs
            }
            for future in concurrent.futures.as_completed(futures):
                acc = future.result()["test_acc"]
                for r in jobs[futures[future]]:
                    r["test_acc"] = acc
        print("test accuracy of the %d selected models: %.0fs" % (len(jobs), time.perf_counter() - start))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    summary, ratios = summarize(runs, variants, seeds)
    payload = {
        "benchmark": "compare_early_stopping",
        "quick": opts.quick,
        "date": started,
        "finished": _common.now(),
        "machine": _common.machine(),
        "load_average_start": load_start,
        "load_average_end": _common.loadavg(),
        "versions": _common.versions(),
        "budget_s": opts.budget,
        "seeds": len(seeds),
        "max_t": opts.max_t,
        "n_train": opts.n_train,
        "n_val": opts.n_val,
        "n_test": 10000,
        "concurrency": 2,
        "rungs": {"grace_period": 1, "reduction_factor": 3},
        "thread_env": _common.thread_env(),
        "target": "per seed: the lowest final best validation accuracy of all variants",
        "test": "the selected (config, epoch) retrained with the run's trial seed, evaluated on the test set",
        "variants": variants,
        "pairs": PAIRS,
        "summary": summary,
        "ratios": ratios,
        "runs": runs,
    }
    print()
    print("medians over %d seed(s), %gs budget each" % (len(seeds), opts.budget))
    print(tables(payload))
    if opts.out:
        _common.write_json(opts.out, payload)
        print("raw figures: %s" % os.path.relpath(opts.out))
    if opts.png:
        plot(payload, opts.png)
        print("anytime curves: %s" % os.path.relpath(opts.png))


if __name__ == "__main__":
    sys.exit(main())
