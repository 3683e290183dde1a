"""Soak test: many short trials with injected faults; nothing lost, nothing hangs, no memory growth.

1,000 short trials, 2 at a time, in worker processes. In 10% of them (chosen by a seeded draw)
the training function fails in one of three ways: it raises, it kills its own process with
SIGKILL, or it hangs (caught by ``trial_timeout``). Prints trials finished, failures detected by
kind, and the driver's resident memory at the start and at the end, and checks that every
healthy trial's result was recorded.

    python benchmarks/soak.py [--trials 1000] [--fault-rate 0.1] [--trial-timeout 0.5]
"""
import argparse
import collections
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autogluon as ag  # noqa: E402
from autogluon.scheduler import FIFO_Scheduler  # noqa: E402

FAULTS = ("raise", "kill", "hang")


@ag.args(i=ag.space.Int(0, 10 ** 9), fault_rate=0.1, reports=3)
def train_fn(args, reporter):
    import random

    draw = random.Random(args.i)
    fault = FAULTS[draw.randrange(3)] if draw.random() < args.fault_rate else None
    for epoch in range(1, args.reports + 1):
        if fault and epoch == 2:
            if fault == "raise":
                raise RuntimeError("injected failure")
            if fault == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            while True:  # hang
                time.sleep(1)
        reporter(epoch=epoch, accuracy=(args.i % 1000) / 1000)


def expected_fault(i, rate):
    import random

    draw = random.Random(i)
    return FAULTS[draw.randrange(3)] if draw.random() < rate else None


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--trial-timeout", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="ag-soak-")
    scheduler = FIFO_Scheduler(
        train_fn, {"fault_rate": opts.fault_rate}, {"num_cpus": 1, "num_gpus": 0}, "random",
        checkpoint=os.path.join(folder, "checkpoint.ag"), num_trials=opts.trials, seed=opts.seed,
        progress=False, max_concurrent=2, trial_timeout=opts.trial_timeout)
    # warm up the driver's own imports so the memory figures compare steady states
    scheduler.get_trials()
    scheduler.get_training_curves()
    start_rss = rss_mb()
    start = time.perf_counter()
    scheduler.run()
    wall = time.perf_counter() - start
    end_rss = rss_mb()

    detected = collections.Counter()
    missing = []
    for task in scheduler.tasks.values():
        fault = expected_fault(task.config["i"], opts.fault_rate)
        if fault is None:
            if task.status != "completed" or len(task.history) != 3:
                missing.append(task.task_id)
        elif task.status == "failed":
            detected[fault] += 1
    injected = collections.Counter(expected_fault(t.config["i"], opts.fault_rate) for t in scheduler.tasks.values())
    injected.pop(None, None)
    finished = scheduler.num_finished
    print("trials finished      %d / %d in %.1fs" % (finished, opts.trials, wall))
    print("faults injected      %s" % dict(injected))
    print("failures detected    %s" % dict(detected))
    print("healthy trials lost  %d%s" % (len(missing), "".join(
        "\n    trial %d: %s (%s)" % (t, scheduler.tasks[t].status, scheduler.tasks[t].reason) for t in missing)))
    print("driver RSS           start %.1f MB, end %.1f MB, growth %+.1f MB" % (start_rss, end_rss, end_rss - start_rss))
    ok = finished == opts.trials and not missing and detected == injected
    print("result               %s" % ("OK" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
