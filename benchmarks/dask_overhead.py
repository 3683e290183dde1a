"""Per-trial overhead of running trials on a Dask cluster against the local executor.

The workload of benchmarks/scheduler_overhead.py (200 trials x 10 reports of a training function
that does no work, 2 concurrent trials), run by the local executor and on a 2-worker
``distributed.LocalCluster`` (loopback only), in the same run. Prints wall times and the per-trial
overhead of each, medians over --repeat runs.

    python benchmarks/dask_overhead.py [--trials 200] [--reports 10] [--repeat 3]
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scheduler_overhead import train_fn  # noqa: E402

from autogluon.scheduler import FIFO_Scheduler  # noqa: E402


def run(trials, reports, dask_client=None):
    s = FIFO_Scheduler(
        train_fn,
        {"reports": reports, "sleep": 0.0},
        {"num_cpus": 1, "num_gpus": 0},
        "random",
        checkpoint=None,
        num_trials=trials,
        progress=False,
        seed=0,
        max_concurrent=2,
        dask_client=dask_client,
    )
    start = time.perf_counter()
    s.run()
    wall = time.perf_counter() - start
    assert s.num_finished == trials
    return wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        resources={"CPU": 1},
    ) as cluster, Client(cluster) as client:
        local, dask = [], []
        for _ in range(opts.repeat):  # interleaved, so both see the same machine load
            local.append(run(opts.trials, opts.reports))
            dask.append(run(opts.trials, opts.reports, client))
    for name, walls in (("local", local), ("dask", dask)):
        wall = statistics.median(walls)
        print(
            "%-6s wall %.2fs (median of %s)  per trial %.1f ms  reports/s %.0f"
            % (
                name,
                wall,
                ", ".join("%.2f" % w for w in walls),
                1000 * wall / opts.trials * 2,
                opts.trials * opts.reports / wall,
            )
        )
    ratio = statistics.median(dask) / statistics.median(local)
    extra = (statistics.median(dask) - statistics.median(local)) / opts.trials * 2 * 1000
    print("dask/local wall ratio %.2f; extra per trial on Dask %.1f ms (per slot, 2 slots)" % (ratio, extra))


if __name__ == "__main__":
    main()
