"""Scheduler overhead: 200 trials x 10 reports, 2 concurrent trials, in worker processes.

Two workloads: a training function that does no work, and one that sleeps 50 ms per
report (ideal wall time: 200 * 10 * 0.05 / 2 = 50 s). Prints wall time, trials/s,
reports/s and the overhead over the ideal; repeats each workload and reports medians.

    python benchmarks/scheduler_overhead.py [--trials 200] [--reports 10] [--repeat 3] [--skip-sleep]

Targets on a 2-core machine: no-work < 3 s; sleeping within 5% of its ideal.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autogluon as ag  # noqa: E402
from autogluon.scheduler import FIFO_Scheduler  # noqa: E402


@ag.args(x=ag.space.Real(0.0, 1.0), reports=10, sleep=0.0)
def train_fn(args, reporter):
    for epoch in range(1, args.reports + 1):
        if args.sleep:
            time.sleep(args.sleep)
        reporter(epoch=epoch, accuracy=args.x * epoch)


def run_once(trials, reports, sleep, concurrency, executor="local"):
    folder = tempfile.mkdtemp(prefix="ag-bench-")
    scheduler = FIFO_Scheduler(
        train_fn,
        {"reports": reports, "sleep": sleep},
        {"num_cpus": 1, "num_gpus": 0},
        "random",
        checkpoint=os.path.join(folder, "checkpoint.ag"),
        num_trials=trials,
        progress=False,
        seed=0,
        max_concurrent=concurrency,
        executor=executor,
    )
    start = time.perf_counter()
    scheduler.run()
    wall = time.perf_counter() - start
    finished = sum(1 for t in scheduler.tasks.values() if t.status == "completed")
    assert finished == trials, "only %d of %d trials completed" % (finished, trials)
    return wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sleep", type=float, default=0.05)
    parser.add_argument("--skip-sleep", action="store_true", help="only the no-work workload")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    opts = parser.parse_args()
    figures = {}
    workloads = [("no-work", 0.0)] + (
        [] if opts.skip_sleep else [("sleep-%gms" % (opts.sleep * 1000), opts.sleep)]
    )
    for name, sleep in workloads:
        walls = [run_once(opts.trials, opts.reports, sleep, opts.concurrency) for _ in range(opts.repeat)]
        wall = statistics.median(walls)
        ideal = opts.trials * opts.reports * sleep / opts.concurrency
        reports = opts.trials * opts.reports
        figures[name] = {
            "wall_s_median": wall,
            "walls": walls,
            "ideal_s": ideal,
            "trials_per_s": opts.trials / wall,
            "reports_per_s": reports / wall,
            "overhead_over_ideal": (wall / ideal - 1) if ideal else None,
        }
        line = "%-12s wall %.2fs (median of %d: %s)  trials/s %.1f  reports/s %.0f" % (
            name,
            wall,
            len(walls),
            ", ".join("%.2f" % w for w in walls),
            opts.trials / wall,
            reports / wall,
        )
        if ideal:
            line += "  ideal %.1fs  overhead %+.1f%%" % (ideal, 100 * (wall / ideal - 1))
        print(line, flush=True)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(
                {
                    "trials": opts.trials,
                    "reports": opts.reports,
                    "concurrency": opts.concurrency,
                    "cpus": os.cpu_count(),
                    "figures": figures,
                },
                f,
                indent=2,
            )


if __name__ == "__main__":
    main()
