"""Soak test: many short trials with injected faults; nothing lost, nothing hangs, nothing left, no memory growth.

1,000 short trials, 2 at a time, in worker processes, each stopped by the scheduler at its 3rd
report (``max_t=3``). In 10% of them (chosen by a seeded draw) the training function misbehaves
in one of seven ways:

- ``raise``: it raises; ``kill``: it kills its own process with SIGKILL; ``hang``: it hangs
  (caught by ``trial_timeout``) -- these trials must be recorded as failed;
- ``nan``: it reports NaN rewards (a diverging learning rate): recorded, counted as the worst value;
- ``swallow``: it catches the stop with a bare ``except:`` and reports again: its worker is killed
  at that report; ``swallow-silent``: it catches the stop and trains on without reporting: its
  worker is killed after the scheduler's grace period -- both stay recorded with their 3 reports;
- ``spawn``: it starts grandchildren (a ``sleep``, and one in a new session) and leaves them running.

Prints trials finished, faults detected by kind, and the driver's resident memory at the start and
at the end, and checks that every healthy trial's result was recorded and that no process the run
started (workers, grandchildren) is left.

    python benchmarks/soak.py [--trials 1000] [--fault-rate 0.1] [--trial-timeout 0.5]
"""

import argparse
import collections
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autogluon as ag  # noqa: E402
from autogluon.scheduler import FIFO_Scheduler  # noqa: E402
from autogluon.scheduler._procs import descendants  # noqa: E402

FAILING = ("raise", "kill", "hang")
FAULTS = FAILING + ("nan", "swallow", "swallow-silent", "spawn")
REPORTS = 3  # max_t: the scheduler stops every trial at this report


@ag.args(i=ag.space.Int(0, 10**9), fault_rate=0.1, pid_dir="")
def train_fn(args, reporter):
    fault = expected_fault(args.i, args.fault_rate)
    if fault == "spawn":
        pids = [
            subprocess.Popen(["sleep", "1000"]).pid,
            subprocess.Popen(["sleep", "1000"], start_new_session=True).pid,
        ]
        with open(os.path.join(args.pid_dir, str(args.i)), "w") as f:
            f.write(" ".join(map(str, pids)))
    epoch = 0
    while epoch < 10 * REPORTS:
        epoch += 1
        if fault in FAILING and epoch == 2:
            if fault == "raise":
                raise RuntimeError("injected failure")
            if fault == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            while True:  # hang
                time.sleep(1)
        if epoch > REPORTS and fault == "swallow-silent":
            time.sleep(1)  # trains on, never reports again
            continue
        try:
            reporter(
                epoch=epoch, accuracy=float("nan") if fault == "nan" and epoch > 1 else (args.i % 1000) / 1000
            )
        except:  # noqa: E722 -- the careless code under test
            if fault not in ("swallow", "swallow-silent"):
                raise


def expected_fault(i, rate):
    import random

    draw = random.Random(i)
    return FAULTS[draw.randrange(len(FAULTS))] if draw.random() < rate else None


class KilledAfterStop(logging.Handler):
    """Collects the trials whose worker the scheduler killed because they went on after the stop."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.task_ids = set()

    def emit(self, record):
        if "goes on after the stop" in record.msg:
            self.task_ids.add(record.args[0])


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


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
    pid_dir = os.path.join(folder, "spawned")
    os.makedirs(pid_dir)
    scheduler = FIFO_Scheduler(
        train_fn,
        {"fault_rate": opts.fault_rate, "pid_dir": pid_dir},
        {"num_cpus": 1, "num_gpus": 0},
        "random",
        checkpoint=os.path.join(folder, "checkpoint.ag"),
        num_trials=opts.trials,
        seed=opts.seed,
        progress=False,
        max_concurrent=2,
        trial_timeout=opts.trial_timeout,
        max_t=REPORTS,
    )
    killed_after_stop = KilledAfterStop()
    logging.getLogger("autogluon.scheduler").addHandler(killed_after_stop)
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
        if fault in FAILING:
            detected[fault] += task.status == "failed"
            continue
        if task.status != "completed" or len(task.history) != REPORTS:
            missing.append(task.task_id)  # a healthy trial (or a misbehaving one that still finishes)
        elif fault == "nan":
            detected[fault] += task.task_id in scheduler._nonfinite
        elif fault in ("swallow", "swallow-silent"):
            detected[fault] += task.task_id in killed_after_stop.task_ids
        elif fault == "spawn":
            detected[fault] += os.path.exists(os.path.join(pid_dir, str(task.config["i"])))
    spawned = [
        int(p) for name in os.listdir(pid_dir) for p in open(os.path.join(pid_dir, name)).read().split()
    ]
    left = [p for p in spawned if alive(p)] + descendants(os.getpid())
    injected = collections.Counter(
        expected_fault(t.config["i"], opts.fault_rate) for t in scheduler.tasks.values()
    )
    injected.pop(None, None)
    finished = scheduler.num_finished
    print("trials finished      %d / %d in %.1fs" % (finished, opts.trials, wall))
    print("faults injected      %s" % dict(injected))
    print("faults detected      %s" % dict(detected))
    print(
        "healthy trials lost  %d%s"
        % (
            len(missing),
            "".join(
                "\n    trial %d: %s (%s)" % (t, scheduler.tasks[t].status, scheduler.tasks[t].reason)
                for t in missing
            ),
        )
    )
    print(
        "driver RSS           start %.1f MB, end %.1f MB, growth %+.1f MB"
        % (start_rss, end_rss, end_rss - start_rss)
    )
    print(
        "processes left       %d (of %d grandchildren started; workers included)" % (len(left), len(spawned))
    )
    ok = finished == opts.trials and not missing and detected == injected and not left
    print("result               %s" % ("OK" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
