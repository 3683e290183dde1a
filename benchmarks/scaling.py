"""Cost per trial as runs grow: 100, 1,000 and 10,000 no-work trials, 27 reports each, 2 at a time.

Variants of this library (local worker processes, 1 CPU per trial, every variant checkpointing
to a file as the library does by default, ``progress=False``, ``visualizer='none'``):

* ``fifo``: FIFO_Scheduler, random search;
* ``hb-stopping`` / ``hb-promotion``: Hyperband_Scheduler, max_t=27, grace_period=1,
  reduction_factor=3 (rungs at 1, 3, 9), type='stopping' / 'promotion';
* ``median``: FIFO + MedianStoppingRule(grace_period=1, min_samples_required=3).

The training function is ``benchmarks/scheduler_overhead.py``'s (``accuracy = x * epoch``, no
work), so the time measured is the tuner's own. Each (variant, size) runs in a fresh interpreter
and prints two costs per trial: ``ms_per_trial``, the wall time of ``run()`` / trials (start-up
included: starting the workers weighs on small runs), and ``steady_ms_per_trial``, the time
between trial ends over the last tenth of the run (the cost of a trial *at* that size, which is
what grows when something passes over the whole history); and the driver's peak resident memory
(``ru_maxrss``, the whole process: interpreter, imports and the run). The growth target is
judged on the steady figure.

Optuna, side by side in the same run, when a Python with ``optuna`` is found: the interpreter
named by the environment variable ``AG_SCALING_OPTUNA_PYTHON``, else
``benchmarks/compare/.venv/bin/python`` (made by ``benchmarks/compare/setup.sh``). Optuna needs
nothing from this library: a plain venv with ``pip install optuna==5.0.0`` will do. Its variants
run the same objective (27 ``trial.report`` calls, ``should_prune`` after each) with
``n_jobs=2`` threads and a seeded RandomSampler: ``optuna-median`` (MedianPruner, n_startup_trials=3,
n_warmup_steps=1) and ``optuna-sha`` (SuccessiveHalvingPruner, min_resource=1,
reduction_factor=3), each in memory (``-mem``) and on a journal file (``-journal``,
``JournalFileBackend``). A run longer than ``--timeout`` seconds is reported as such.

    python benchmarks/scaling.py [--sizes 100,1000,10000] [--variants ...] [--timeout 1200] [--out FILE]
                                 [--no-checkpoint]

``--no-checkpoint`` runs this library's variants with ``checkpoint=None`` (nothing written), the
like of Optuna's in-memory storage.

Targets: ms per trial at 10,000 at most 1.3x that at 100 for every variant of ours, and no
higher than Optuna's in-memory figure for the same pruner; driver memory at 10,000 under 300 MB.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPORTS = 27
OURS = ("fifo", "hb-stopping", "hb-promotion", "median")
OPTUNA = ("optuna-median-mem", "optuna-sha-mem", "optuna-median-journal", "optuna-sha-journal")
# our variant -> the Optuna pruner it is compared with (in memory)
PAIRS = {"median": "optuna-median-mem", "hb-stopping": "optuna-sha-mem", "hb-promotion": "optuna-sha-mem"}


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure_ours(variant, trials, seed, checkpoint=True):
    sys.path[:0] = [ROOT, HERE]
    import scheduler_overhead  # its no-work train_fn

    from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler
    from autogluon.scheduler.terminator import MedianStoppingRule

    folder = tempfile.mkdtemp(prefix="ag-scaling-")
    try:
        ck = os.path.join(folder, "checkpoint.ag")
        common = dict(
            checkpoint=ck if checkpoint else None,
            num_trials=trials,
            progress=False,
            seed=seed,
            max_concurrent=2,
            visualizer="none",
        )
        args = {"reports": REPORTS, "sleep": 0.0}
        cpu = {"num_cpus": 1, "num_gpus": 0}
        if variant == "fifo":
            sched = FIFO_Scheduler(scheduler_overhead.train_fn, args, cpu, "random", **common)
        elif variant == "median":
            rule = MedianStoppingRule("epoch", "accuracy", grace_period=1, min_samples_required=3)
            sched = FIFO_Scheduler(
                scheduler_overhead.train_fn, args, cpu, "random", time_attr="epoch", terminator=rule, **common
            )
        else:
            sched = Hyperband_Scheduler(
                scheduler_overhead.train_fn,
                args,
                cpu,
                "random",
                time_attr="epoch",
                max_t=REPORTS,
                grace_period=1,
                reduction_factor=3,
                type=variant.split("-")[1],
                **common,
            )
        final_save = sched._save_at_end

        def keep_the_journaled_checkpoint():
            # what a kill just before the end would leave: the snapshot and its journal
            for suffix in ("", ".journal"):
                if os.path.exists(ck + suffix):
                    shutil.copy(ck + suffix, ck + ".killed" + suffix)
            final_save()

        sched._save_at_end = keep_the_journaled_checkpoint
        ends = []
        emit = sched._emit

        def emit_and_time(hook, *args):
            emit(hook, *args)
            if hook == "on_task_end":
                ends.append(time.perf_counter())

        sched._emit = emit_and_time
        before = _peak_mb()
        start = time.perf_counter()
        sched.run()
        wall = time.perf_counter() - start
        peak = _peak_mb()  # before the checkpoint is read back (that makes a second copy of the state)
        load = _time_load(ck + ".killed") if checkpoint else {}
        reports = sum(len(t.history) for t in sched.tasks.values())
        # promotion leaves the trials that were never promoted paused at their rung
        ended = sum(1 for t in sched.tasks.values() if t.status in ("completed", "stopped", "paused"))
        assert ended == len(sched.tasks) == trials, "%d of %d trials ended" % (ended, trials)
        return {
            "wall_s": wall,
            "ms_per_trial": 1000.0 * wall / trials,
            "reports": reports,
            "steady_ms_per_trial": _steady_ms(ends),
            "peak_mb": peak,
            "peak_mb_before_run": before,
            **load,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _steady_ms(ends):
    """ms between trial ends over the last tenth of the run (at least 10 ends)."""
    ends = sorted(ends)
    first = min(len(ends) - 11, int(0.9 * len(ends)))
    if first < 0:
        return None
    return 1000.0 * (ends[-1] - ends[first]) / (len(ends) - 1 - first)


def _time_load(path):
    """Seconds to read a checkpoint back (snapshot + journal), and what it held."""
    from autogluon.scheduler._checkpoint import load_checkpoint

    journal = os.path.getsize(path + ".journal") if os.path.exists(path + ".journal") else 0
    start = time.perf_counter()
    state = load_checkpoint(path)
    return {
        "load_s": time.perf_counter() - start,
        "load_trials": len(state["tasks"]),
        "snapshot_mb": os.path.getsize(path) / 1e6,
        "journal_mb": journal / 1e6,
    }


def measure_optuna(variant, trials, seed, checkpoint=None):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    _, kind, where = variant.split("-")
    if kind == "median":
        pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    else:
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    folder = tempfile.mkdtemp(prefix="optuna-scaling-")
    try:
        storage = None
        if where == "journal":
            from optuna.storages import JournalStorage
            from optuna.storages.journal import JournalFileBackend

            storage = JournalStorage(JournalFileBackend(os.path.join(folder, "journal.log")))
        study = optuna.create_study(
            direction="maximize",
            storage=storage,
            pruner=pruner,
            sampler=optuna.samplers.RandomSampler(seed=seed),
        )
        reports = []

        def objective(trial):
            x = trial.suggest_float("x", 0.0, 1.0)
            for epoch in range(1, REPORTS + 1):
                accuracy = x * epoch
                trial.report(accuracy, epoch)
                reports.append(1)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return accuracy

        before = _peak_mb()
        start = time.perf_counter()
        study.optimize(objective, n_trials=trials, n_jobs=2)
        wall = time.perf_counter() - start
        ends = [
            t.datetime_complete.timestamp()
            for t in study.get_trials(deepcopy=False)
            if t.datetime_complete is not None
        ]
        return {
            "wall_s": wall,
            "ms_per_trial": 1000.0 * wall / trials,
            "reports": len(reports),
            "steady_ms_per_trial": _steady_ms(ends),
            "peak_mb": _peak_mb(),
            "peak_mb_before_run": before,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def optuna_python():
    explicit = os.environ.get("AG_SCALING_OPTUNA_PYTHON")
    if explicit:
        return explicit
    venv = os.path.join(HERE, "compare", ".venv", "bin", "python")
    return venv if os.path.exists(venv) else None


def run_child(python, variant, trials, seed, timeout, checkpoint=True):
    argv = [
        python,
        os.path.abspath(__file__),
        "--child",
        variant,
        "--sizes",
        str(trials),
        "--seed",
        str(seed),
    ]
    argv += [] if checkpoint else ["--no-checkpoint"]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"timeout_s": timeout}
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout).strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cell(r, key, fmt):
    if "timeout_s" in r:
        return "> %ds" % r["timeout_s"] if key == "ms_per_trial" else "-"
    if "error" in r:
        return "error"
    return "-" if r.get(key) is None else fmt % r[key]


def table(figures, sizes):
    header = ["variant"] + ["ms/trial @%d (steady)" % n for n in sizes]
    header += ["x steady (@%d / @%d)" % (sizes[-1], sizes[0]), "peak MB @%d" % sizes[-1]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for variant, by_size in figures.items():
        cells = [
            "%s (%s)"
            % (_cell(by_size[n], "ms_per_trial", "%.2f"), _cell(by_size[n], "steady_ms_per_trial", "%.2f"))
            for n in sizes
        ]
        first, last = by_size[sizes[0]], by_size[sizes[-1]]
        growth = (
            "%.2f" % (last["steady_ms_per_trial"] / first["steady_ms_per_trial"])
            if first.get("steady_ms_per_trial") and last.get("steady_ms_per_trial")
            else "-"
        )
        lines.append("| " + " | ".join([variant] + cells + [growth, _cell(last, "peak_mb", "%.0f")]) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--variants", default=",".join(OURS + OPTUNA))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per (variant, size) run")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "scaling.json"))
    parser.add_argument(
        "--no-checkpoint",
        dest="checkpoint",
        action="store_false",
        help="this library's variants write no checkpoint (checkpoint=None)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    sizes = [int(n) for n in opts.sizes.split(",")]
    if opts.child:
        measure = measure_optuna if opts.child.startswith("optuna") else measure_ours
        print(json.dumps(measure(opts.child, sizes[0], opts.seed, opts.checkpoint)), flush=True)
        return
    peer = optuna_python()
    variants = [v for v in opts.variants.split(",") if not v.startswith("optuna") or peer]
    if peer is None:
        print(
            "Optuna: not found (set AG_SCALING_OPTUNA_PYTHON or run benchmarks/compare/setup.sh); "
            "only this library's variants run",
            flush=True,
        )
    print(
        "scaling: %s no-work trials x %d reports, 2 at a time, %s; load average %s"
        % (
            ", ".join(map(str, sizes)),
            REPORTS,
            "checkpointing" if opts.checkpoint else "no checkpoint",
            " ".join("%.2f" % x for x in os.getloadavg()),
        ),
        flush=True,
    )
    figures = {}
    for variant in variants:
        figures[variant] = {}
        for n in sizes:
            python = peer if variant.startswith("optuna") else sys.executable
            r = run_child(python, variant, n, opts.seed, opts.timeout, opts.checkpoint)
            r["load"] = os.getloadavg()[0]
            figures[variant][n] = r
            print(
                "  %-22s %6d trials  %s ms/trial (steady %s)  peak %s MB  (%s reports, load %.2f)%s"
                % (
                    variant,
                    n,
                    _cell(r, "ms_per_trial", "%.2f"),
                    _cell(r, "steady_ms_per_trial", "%.2f"),
                    _cell(r, "peak_mb", "%.0f"),
                    r.get("reports", "-"),
                    r["load"],
                    "  checkpoint read back in %.3fs (%d trials; snapshot %.1f MB + journal %.1f MB)"
                    % (r["load_s"], r["load_trials"], r["snapshot_mb"], r["journal_mb"])
                    if "load_s" in r
                    else "",
                ),
                flush=True,
            )
    print()
    print(table(figures, sizes))
    for ours, theirs in PAIRS.items():
        if ours in figures and theirs in figures:
            a, b = figures[ours][sizes[-1]], figures[theirs][sizes[-1]]
            for key in ("ms_per_trial", "steady_ms_per_trial"):
                if a.get(key) and b.get(key):
                    print("%s / %s at %d trials (%s): %.2f" % (ours, theirs, sizes[-1], key, a[key] / b[key]))
    if opts.out:
        os.makedirs(os.path.dirname(opts.out), exist_ok=True)
        with open(opts.out, "w") as f:
            json.dump(
                {
                    "benchmark": "scaling",
                    "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                    "cpus": os.cpu_count(),
                    "reports": REPORTS,
                    "sizes": sizes,
                    "checkpoint": opts.checkpoint,
                    "figures": figures,
                },
                f,
                indent=2,
            )
        print("raw figures: %s" % os.path.relpath(opts.out))


if __name__ == "__main__":
    main()
