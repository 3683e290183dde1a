"""Training functions shared by the scheduler tests (importable by worker processes)."""

import os
import signal
import time

import autogluon as ag


@ag.args(x=ag.space.Real(0.0, 1.0), epochs=3, sleep=0.0)
def linear_fn(args, reporter):
    """Accuracy grows with x and the epoch."""
    for epoch in range(1, args.epochs + 1):
        if args.sleep:
            time.sleep(args.sleep)
        reporter(epoch=epoch, training_epoch=epoch, accuracy=args.x * epoch / args.epochs)


@ag.args(x=ag.space.Categorical(0, 1, 2, 3, 4, 5), epochs=2, bad=2, kill=4)
def faulty_fn(args, reporter):
    """Raises for x == bad, kills its own process for x == kill."""
    if args.x == args.bad:
        raise RuntimeError("deliberate failure for x=%d" % args.x)
    if args.x == args.kill:
        os.kill(os.getpid(), signal.SIGKILL)
    for epoch in range(1, args.epochs + 1):
        reporter(epoch=epoch, accuracy=args.x / 10.0)


@ag.args(x=ag.space.Real(0.0, 1.0), epochs=5, marker_dir="")
def marker_fn(args, reporter):
    """Creates a marker file at the START of every epoch, so a test can see epochs that ran."""
    for epoch in range(1, args.epochs + 1):
        open(os.path.join(args.marker_dir, "x%.6f-e%d" % (args.x, epoch)), "w").close()
        reporter(epoch=epoch, accuracy=args.x)


@ag.args(x=ag.space.Real(0.0, 1.0), epochs=3, log_dir="")
def pid_fn(args, reporter):
    """Records the worker pid and the time span of each trial."""
    start = time.time()
    for epoch in range(1, args.epochs + 1):
        time.sleep(0.1)
        reporter(epoch=epoch, accuracy=args.x)
    with open(os.path.join(args.log_dir, "%d-%.6f" % (os.getpid(), args.x)), "w") as f:
        f.write("%f %f" % (start, time.time()))


class StopAtEpoch:
    """A terminator (duck-typed) that stops every trial at a given epoch."""

    def __init__(self, epoch):
        self.epoch = epoch
        self.calls = []

    def on_task_add(self, task):
        self.calls.append(("add", task.task_id))

    def on_task_report(self, task, result):
        self.calls.append(("report", task.task_id, result["epoch"]))
        return result["epoch"] < self.epoch

    def on_task_complete(self, task, result):
        self.calls.append(("complete", task.task_id))

    def on_task_remove(self, task):
        self.calls.append(("remove", task.task_id))


@ag.args(x=ag.space.Real(0.0, 1.0), epochs=3, sleep=0.1, log_file="")
def logged_fn(args, reporter):
    """Appends '<x>' to log_file when a trial starts (to count how often a config ran)."""
    with open(args.log_file, "a") as f:
        f.write("%r\n" % args.x)
    for epoch in range(1, args.epochs + 1):
        time.sleep(args.sleep)
        reporter(epoch=epoch, accuracy=args.x)


def mxnet_threads_fn(args, reporter):
    """Trains a tiny MXNet network and reports the thread settings it ran under."""
    import ctypes

    import mxnet as mx
    from mxnet import autograd, gluon, nd

    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(16, activation="relu"), gluon.nn.Dense(2))
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    x = nd.random.uniform(shape=(64, 8))
    y = (x.sum(axis=1) > 4).astype("float32")
    for epoch in range(1, 3):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(64)
        accuracy = float((net(x).argmax(axis=1) == y).mean().asscalar())
        lib = ctypes.CDLL(mx.libinfo.find_lib_path()[0])
        reporter(
            epoch=epoch,
            accuracy=accuracy,
            omp_threads=lib.omp_get_max_threads(),
            affinity=len(os.sched_getaffinity(0)),
            cuda=os.environ.get("CUDA_VISIBLE_DEVICES"),
            pid=os.getpid(),
        )


@ag.args(x=ag.space.Real(0.0, 1.0), epochs=9, sleep=0.0)
def curve_fn(args, reporter):
    """A learning curve whose level is set by x: accuracy = x * (1 - 0.5 ** epoch)."""
    for epoch in range(1, args.epochs + 1):
        if args.sleep:
            time.sleep(args.sleep)
        reporter(
            epoch=epoch,
            training_epoch=epoch,
            accuracy=args.x * (1 - 0.5**epoch),
            loss=1 - args.x * (1 - 0.5**epoch),
        )


@ag.args(x=ag.space.Real(0.0, 1.0), epochs=9, save_state=True, log_file="", linger=0.0, linger_x=None)
def resumable_fn(args, reporter):
    """Saves its epoch through the reporter and continues from it when resumed (promotion).
    ``linger``: seconds spent cleaning up after the trial ends or pauses (a slow unwind), by every
    trial or only by the one whose x is ``linger_x``."""
    state = reporter.load_dict() if args.save_state else None
    start = state["epoch"] + 1 if state else 1
    with open(args.log_file, "a") as f:
        f.write("%d %d\n" % (reporter.task_id, start))
    try:
        for epoch in range(start, args.epochs + 1):
            if args.save_state:
                reporter.save_dict(epoch=epoch)
            reporter(epoch=epoch, training_epoch=epoch, accuracy=args.x * (1 - 0.5**epoch))
    finally:
        if args.linger_x is None or args.x == args.linger_x:
            time.sleep(args.linger)


@ag.args(x=ag.space.Categorical(0, 1, 2, 3), hang=2, epochs=2)
def hanging_fn(args, reporter):
    """Config x == hang reports once and then hangs forever."""
    for epoch in range(1, args.epochs + 1):
        reporter(epoch=epoch, accuracy=args.x / 10)
        if args.x == args.hang:
            while True:
                time.sleep(1)


@ag.args(x=ag.space.Categorical(0, 1, 2), flaky=1, marker_dir="")
def flaky_fn(args, reporter):
    """Config x == flaky fails on its first attempt only (remembered with a marker file)."""
    marker = os.path.join(args.marker_dir, "attempted-%d" % args.x)
    if args.x == args.flaky and not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("transient failure")
    reporter(epoch=1, accuracy=args.x / 10)


@ag.args(x=ag.space.Real(0, 1), epoch_seconds=30.0)
def slow_epoch_fn(args, reporter):
    """One very long epoch: the time limit must cut it short."""
    time.sleep(args.epoch_seconds)
    reporter(epoch=1, accuracy=args.x)


@ag.args(epochs=2)
def garbage_fn(args, reporter):
    """Writes messages that are not of the worker protocol onto its own worker's connection to the
    driver (the pipe whose descriptor is the worker's argument), then reports as usual."""
    import sys
    from multiprocessing.connection import Connection

    conn = Connection(os.dup(int(sys.argv[1])))
    conn.send(42)
    conn.send_bytes(b"not a pickle")
    conn.send(("bogus", 1))
    conn.send(("report", "not a task id", {"epoch": 1}))
    conn.close()
    for epoch in range(1, args.epochs + 1):
        reporter(epoch=epoch, accuracy=0.5)
