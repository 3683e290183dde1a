"""Tuner overhead, side by side: this library vs Ray Tune vs Optuna on the workload of
``benchmarks/scheduler_overhead.py``.

200 trials x 10 reports of a training function that does no work (``accuracy = x * epoch``,
``x`` drawn uniformly from [0, 1] by each tuner's seeded random search), and the same with a
50 ms sleep before each report (ideal: 2,000 reports x 50 ms / 2 trials at a time = 50 s);
2 trials at a time, 1 CPU each. Variants:

* ``ag-fifo``, ``ag-hyperband`` (type='stopping', max_t=10, grace 1, reduction factor 3),
  ``ag-median`` (FIFO + MedianStoppingRule(grace_period=1, min_samples_required=3)):
  this library, trials in its worker processes;
* ``ray-fifo``, ``ray-asha`` (ASHAScheduler, same rungs): Ray Tune, see ``_peers.py``;
* ``optuna-none`` (no pruner), ``optuna-median`` (MedianPruner), ``optuna-sha``
  (SuccessiveHalvingPruner, same rungs): Optuna with 2 worker processes on a journal file.

Early-stopping variants stop trials whose ``x`` is low, so they run fewer than 2,000 reports;
the reports actually run are counted and the sleeping workload's ideal is
``reports x sleep / 2``. Every variant runs in a fresh interpreter. ``setup_s`` is what a
tuner needs before its trial loop (``ray.init``, Optuna's ``create_study``, our scheduler's
constructor) and is reported apart from ``wall_s`` (the trial loop: ``run()``, ``Tuner.fit()``,
or Optuna's two worker processes from fork to exit). Ratios are ours/theirs in the same run.

    python benchmarks/compare/overhead.py [--repeat 1] [--quick] [--out FILE]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import _common
from _common import fmt, median, ratio

VARIANTS = (
    "ag-fifo",
    "ag-hyperband",
    "ag-median",
    "ray-fifo",
    "ray-asha",
    "optuna-none",
    "optuna-median",
    "optuna-sha",
)
# (ours, theirs): the same kind of scheduling
PAIRS = (
    ("ag-fifo", "ray-fifo"),
    ("ag-fifo", "optuna-none"),
    ("ag-hyperband", "ray-asha"),
    ("ag-hyperband", "optuna-sha"),
    ("ag-median", "optuna-median"),
)


def measure(variant, trials, reports, sleep, seed):
    """One run of one variant in this process; returns its figures."""
    family, kind = variant.split("-", 1)
    if family == "ag":
        return _measure_ours(kind, trials, reports, sleep, seed)
    if family == "ray":
        import _peers

        figures, recs, _ = _peers.run_ray(
            kind,
            _peers.ray_noop_trainable,
            {"x": _ray_uniform(), "reports": reports, "sleep": sleep},
            num_samples=trials,
            seed=seed,
            time_attr="epoch",
            max_t=reports,
        )
        figures["setup_s"] = figures.pop("init_s")
        figures["reports"] = len(recs)
        return figures
    import _peers

    figures, recs, _ = _peers.run_optuna(
        kind, "noop", {"reports": reports, "sleep": sleep}, seed=seed, n_trials=trials
    )
    figures["setup_s"] = figures.pop("init_s")
    figures["reports"] = len(recs)
    return figures


def _ray_uniform():
    from ray import tune

    return tune.uniform(0.0, 1.0)


def _measure_ours(kind, trials, reports, sleep, seed):
    import scheduler_overhead  # benchmarks/scheduler_overhead.py: its train_fn, unchanged

    from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler
    from autogluon.scheduler.terminator import MedianStoppingRule

    folder = tempfile.mkdtemp(prefix="ag-compare-")
    try:
        # visualizer='none' (FIFO's default; Hyperband's is 'tensorboard'): no per-trial logs, as
        # for Ray (TUNE_DISABLE_AUTO_CALLBACK_LOGGERS=1, see _common.child_env) and Optuna
        common = dict(
            checkpoint=os.path.join(folder, "checkpoint.ag"),
            num_trials=trials,
            progress=False,
            seed=seed,
            max_concurrent=2,
            visualizer="none",
        )
        args = {"reports": reports, "sleep": sleep}
        resource = {"num_cpus": 1, "num_gpus": 0}
        start = time.perf_counter()
        if kind == "fifo":
            sched = FIFO_Scheduler(scheduler_overhead.train_fn, args, resource, "random", **common)
        elif kind == "median":
            rule = MedianStoppingRule("epoch", "accuracy", grace_period=1, min_samples_required=3)
            sched = FIFO_Scheduler(
                scheduler_overhead.train_fn,
                args,
                resource,
                "random",
                time_attr="epoch",
                terminator=rule,
                **common,
            )
        else:
            sched = Hyperband_Scheduler(
                scheduler_overhead.train_fn,
                args,
                resource,
                "random",
                time_attr="epoch",
                max_t=reports,
                grace_period=1,
                reduction_factor=3,
                type="stopping",
                **common,
            )
        setup = time.perf_counter() - start
        start = time.perf_counter()
        sched.run()
        wall = time.perf_counter() - start
        statuses = {}
        for t in sched.tasks.values():
            statuses[t.status] = statuses.get(t.status, 0) + 1
        return {
            "setup_s": setup,
            "wall_s": wall,
            "trials": len(sched.tasks),
            "states": statuses,
            "errors": statuses.get("failed", 0),
            "reports": sum(len(t.history) for t in sched.tasks.values()),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--sleep", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=1, help="runs per variant and workload (medians)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="20 trials x 5 reports, no-work only: a smoke run"
    )
    parser.add_argument("--out", default=os.path.join(_common.RESULTS, "compare_overhead.json"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.quick:
        opts.trials, opts.reports = 20, 5
    if opts.child:  # one measurement, printed as JSON for the driver
        os.environ.update(_common.thread_env())
        print(json.dumps(measure(opts.child, opts.trials, opts.reports, opts.sleep, opts.seed)), flush=True)
        return

    variants = opts.variants.split(",")
    started, load_start = _common.now(), _common.loadavg()
    workloads = [("no-work", 0.0)] + (
        [] if opts.quick else [("sleep-%gms" % (opts.sleep * 1000), opts.sleep)]
    )
    print(
        "overhead: %d trials x %d reports, 2 at a time, %d run(s) per variant; load average %s"
        % (opts.trials, opts.reports, opts.repeat, load_start),
        flush=True,
    )
    figures = {}
    for name, sleep in workloads:
        figures[name] = {}
        for variant in variants:
            runs = []
            for _ in range(opts.repeat):
                argv = [
                    os.path.abspath(__file__),
                    "--child",
                    variant,
                    "--trials",
                    str(opts.trials),
                    "--reports",
                    str(opts.reports),
                    "--sleep",
                    str(sleep),
                    "--seed",
                    str(opts.seed),
                ]
                r = _common.run_child(argv, timeout=900)
                r["ideal_s"] = r["reports"] * sleep / 2
                r["overhead_s"] = r["wall_s"] - r["ideal_s"]
                r["load"] = _common.loadavg()[0]
                runs.append(r)
            f = {"runs": runs}
            for key in ("setup_s", "wall_s", "overhead_s", "reports", "trials", "ideal_s"):
                f[key] = median([r[key] for r in runs])
            f["us_per_report"] = 1e6 * f["overhead_s"] / f["reports"] if f["reports"] else None
            figures[name][variant] = f
            print(
                "  %-10s %-14s setup %6.2fs  wall %7.2fs  %3d trials %5d reports  overhead %6.2fs (%s us/report)"
                % (
                    name,
                    variant,
                    f["setup_s"],
                    f["wall_s"],
                    f["trials"],
                    f["reports"],
                    f["overhead_s"],
                    fmt(f["us_per_report"], "%.0f"),
                ),
                flush=True,
            )
    payload = {
        "benchmark": "compare_overhead",
        "quick": opts.quick,
        "date": started,
        "finished": _common.now(),
        "machine": _common.machine(),
        "load_average_start": load_start,
        "load_average_end": _common.loadavg(),
        "versions": _common.versions(),
        "trials": opts.trials,
        "reports": opts.reports,
        "concurrency": 2,
        "repeat": opts.repeat,
        "seed": opts.seed,
        "thread_env": _common.thread_env(),
        "workloads": {name: sleep for name, sleep in workloads},
        "pairs": PAIRS,
        "figures": figures,
    }
    print()
    print(table(payload))
    if opts.out:
        _common.write_json(opts.out, payload)
        print("raw figures: %s" % os.path.relpath(opts.out))


def table(payload):
    """Markdown: per workload and variant setup, wall, reports; then ours/theirs ratios."""
    figs = payload["figures"]
    names = list(figs)
    header = ["tuner"]
    for name in names:
        header += ["%s wall s" % name, "reports"]
    if payload["workloads"][names[-1]]:
        header += ["%s overhead s" % names[-1]]
    header += ["setup s"]
    variants = [v for v in VARIANTS if all(v in figs[n] for n in names)]
    rows = []
    for v in variants:
        row = [v]
        for name in names:
            row += [fmt(figs[name][v]["wall_s"]), "%d" % figs[name][v]["reports"]]
        if payload["workloads"][names[-1]]:
            row += [fmt(figs[names[-1]][v]["overhead_s"])]
        row += [fmt(median([figs[n][v]["setup_s"] for n in names]))]
        rows.append(row)
    out = [_common.markdown_table(header, rows), ""]
    header = (
        ["ours / theirs"]
        + ["%s wall" % n for n in names]
        + ["%s setup + wall" % names[0]]
        + ["%s overhead" % names[-1]]
    )
    rows = []
    for ours, theirs in payload["pairs"]:
        if ours not in variants or theirs not in variants:
            continue
        row = ["%s / %s" % (ours, theirs)]
        row += [fmt(ratio(figs[n][ours]["wall_s"], figs[n][theirs]["wall_s"])) for n in names]
        row += [
            fmt(
                ratio(
                    figs[names[0]][ours]["wall_s"] + figs[names[0]][ours]["setup_s"],
                    figs[names[0]][theirs]["wall_s"] + figs[names[0]][theirs]["setup_s"],
                )
            )
        ]
        row += [fmt(ratio(figs[names[-1]][ours]["overhead_s"], figs[names[-1]][theirs]["overhead_s"]))]
        rows.append(row)
    out.append(_common.markdown_table(header, rows))
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
