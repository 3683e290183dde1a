"""Aug 2019's low-level scheduling API, used the way that release's backend tutorial and notebooks did:
``autogluon.Task(fn, args, resources)``, ``autogluon.resource.Resources(num_cpus, num_gpus)``,
``TaskScheduler()`` with ``add_task``/``join_tasks``, ``ag.searcher.sample_from`` and an
``argparse.ArgumentParser`` as ``args``."""

import argparse
import json
import logging
import os
import time

import numpy as np
import pytest

import autogluon as ag
from autogluon import Task, autogluon_method
from autogluon.resource import Resources
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskScheduler

OUT_ENV = "AG_TEST_JOB_OUT"


# Job functions live at module level, as in the tutorial's script; they write what they saw to files.
def record_job(name, sleep=0.0):
    start = time.time()
    time.sleep(sleep)
    with open(os.path.join(os.environ[OUT_ENV], name + ".json"), "w") as f:
        json.dump(
            {
                "pid": os.getpid(),
                "start": start,
                "end": time.time(),
                "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"),
                "affinity": sorted(os.sched_getaffinity(0)),
            },
            f,
        )


@autogluon_method
def lr_job(args):
    with open(os.path.join(os.environ[OUT_ENV], "task_%d.json" % args.task_id), "w") as f:
        json.dump({"lr": args.lr, "epochs": args.epochs, "task_id": args.task_id}, f)


def raising_job():
    raise RuntimeError("deliberate failure in a job")


def dying_job():
    os._exit(7)


class Unshippable:
    """Copies fine in the driver but cannot be sent to a worker process."""

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        raise TypeError("Unshippable cannot be pickled")


def read(folder, name):
    with open(os.path.join(folder, name)) as f:
        return json.load(f)


@pytest.fixture
def out(tmp_path, monkeypatch):
    monkeypatch.setenv(OUT_ENV, str(tmp_path))  # workers inherit the driver's environment
    return str(tmp_path)


def test_backend_tutorial_jobs_run_in_worker_processes_within_the_machine(out):
    ncpu = ag.get_cpu_count()
    scheduler = TaskScheduler()
    for i in range(3):
        resource = Resources(num_cpus=ncpu, num_gpus=0)  # the whole machine: jobs must take turns
        task = Task(record_job, {"name": "job%d" % i, "sleep": 0.3}, resource)
        scheduler.add_task(task)
    assert scheduler.join_tasks(timeout=60) is True
    runs = [read(out, "job%d.json" % i) for i in range(3)]
    assert all(r["pid"] != os.getpid() for r in runs)
    assert len({r["pid"] for r in runs}) == 3
    spans = sorted((r["start"], r["end"]) for r in runs)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end - 0.05, "jobs asking for every CPU overlapped: %s" % spans
    assert [t["status"] for t in scheduler.finished_tasks] == ["completed"] * 3
    assert scheduler.num_finished_tasks == 3


def test_autogluon_method_gets_task_id_parser_defaults_and_a_sample_from_draw(out):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    config = {"lr": ag.searcher.sample_from(lambda: np.power(10.0, np.random.uniform(-4, -1)))}
    scheduler = ag.scheduler.TaskScheduler()
    tasks = []
    for _ in range(3):
        task = ag.scheduler.Task(
            lr_job, {"args": parser, "config": config}, ag.resource.Resources(num_cpus=1, num_gpus=0)
        )
        scheduler.add_task(task)
        tasks.append(task)
    assert scheduler.join_tasks(timeout=60)
    seen = [read(out, "task_%d.json" % t.task_id) for t in tasks]
    assert [s["task_id"] for s in seen] == [t.task_id for t in tasks]
    assert len({t.task_id for t in tasks}) == 3
    assert all(s["epochs"] == 4 for s in seen)
    lrs = [s["lr"] for s in seen]
    assert all(1e-4 <= lr <= 1e-1 for lr in lrs)
    assert len(set(lrs)) == 3, "each task must draw its own lr: %s" % lrs


def test_a_failing_or_dying_job_is_logged_and_the_others_still_run(out, caplog):
    caplog.set_level(logging.ERROR, logger="autogluon")
    scheduler = TaskScheduler()
    jobs = (
        (raising_job, {}),
        (dying_job, {}),
        (record_job, {"name": Unshippable()}),
        (record_job, {"name": "after"}),
    )
    for fn, kwargs in jobs:
        scheduler.add_task(Task(fn, kwargs, Resources(num_cpus=1, num_gpus=0)))
    assert scheduler.join_tasks(timeout=60)
    status = [t["status"] for t in scheduler.finished_tasks]
    assert sorted(status) == ["completed", "failed", "failed", "failed"]
    assert "deliberate failure in a job" in caplog.text
    assert "exit code 7" in caplog.text
    assert "Unshippable cannot be pickled" in caplog.text
    assert read(out, "after.json")["pid"] != os.getpid()


def test_a_gpu_request_on_a_machine_without_one_runs_on_the_cpu(out, caplog):
    caplog.set_level(logging.WARNING, logger="autogluon")
    machine_gpus = ag.get_gpu_count()
    scheduler = TaskScheduler()
    resource = Resources(num_cpus=1, num_gpus=1)
    scheduler.add_task(Task(record_job, {"name": "gpu"}, resource))
    assert scheduler.join_tasks(timeout=60)
    seen = read(out, "gpu.json")
    assert scheduler.finished_tasks[0]["status"] == "completed"
    assert len(seen["affinity"]) == 1
    if machine_gpus == 0:
        assert seen["cuda"] == ""
        assert "num_gpus=1" in caplog.text and "CPU" in caplog.text
    else:
        assert len(seen["cuda"].split(",")) == 1


def test_join_tasks_with_a_timeout_returns_false_while_jobs_run(out):
    scheduler = TaskScheduler()
    scheduler.add_task(Task(record_job, {"name": "slow", "sleep": 3.0}, Resources(num_cpus=1, num_gpus=0)))
    assert scheduler.join_tasks(timeout=0.2) is False
    assert scheduler.join_tasks(timeout=60) is True


def test_resources_is_a_request_or_a_machine_description():
    request = Resources(num_cpus=2, num_gpus=0)
    assert (request.num_cpus, request.num_gpus, request.cpu_ids, request.ready) == (2, 0, [], False)
    assert Resources(3, 1).num_gpus == 1
    machine = Resources([0, 1, 2], [0])
    assert (machine.num_cpus, machine.num_gpus) == (3, 1)
    assert Resources(cpu_ids=[4, 5], gpu_ids=[]).num_cpus == 2
    with pytest.raises(ValueError, match="num_cpus"):
        Resources(num_cpus=0, num_gpus=0)
    with pytest.raises(ValueError, match="num_gpus"):
        Resources(num_cpus=1, num_gpus=-1)
    # a bool is not a count: TypeError (was ValueError before the checks were shared)
    with pytest.raises(TypeError, match=r"^num_cpus must be an int >= 1, got True of type bool$"):
        Resources(num_cpus=True, num_gpus=0)


def test_task_is_a_job_or_the_trial_record_by_its_arguments():
    from autogluon.scheduler import TaskStatus

    assert ag.Task is ag.scheduler.Task
    job = Task(record_job, {"name": "x"}, Resources(num_cpus=1, num_gpus=0))
    assert job.fn is record_job and job.args == {"name": "x"} and job.status == "pending"
    record = Task(5, {"x": 1})
    assert isinstance(record, ag.scheduler.Task) and record.status == TaskStatus.PENDING
    assert hash(record) == hash(Task(5, {"x": 2}))
    with pytest.raises(TypeError, match="args"):
        Task(record_job, ["not", "a", "dict"], Resources(num_cpus=1, num_gpus=0))
    with pytest.raises(TypeError, match="task"):
        TaskScheduler().add_task(record)


def report_args(args, reporter):
    for epoch in range(1, args.epochs + 1):
        reporter(epoch=epoch, training_epoch=epoch, accuracy=args.lr * epoch, depth=args.depth)


def _parser():
    parser = argparse.ArgumentParser(description="2019 notebooks passed the parser itself")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--depth", type=int, default=7)
    parser.add_argument("--lr", type=float, default=0.1)
    return parser


def test_an_argument_parser_as_args_gives_its_defaults_to_every_scheduler():
    common = dict(checkpoint=None, num_trials=2, progress=False)
    train_fn = ag.autogluon_method(report_args)
    fifo = FIFO_Scheduler(train_fn, _parser(), {"num_cpus": 1, "num_gpus": 0}, "random", **common).run()
    hyper = Hyperband_Scheduler(
        train_fn,
        _parser(),
        {"num_cpus": 1, "num_gpus": 0},
        "random",
        max_t=2,
        grace_period=1,
        visualizer="none",
        **common,
    ).run()
    base = TaskScheduler(report_args, args=_parser(), resource={"num_cpus": 1, "num_gpus": 0}, **common).run()
    for scheduler in (fifo, hyper, base):
        results = scheduler.get_results()
        assert set(results["depth"]) == {7}
        assert results["epoch"].max() == 2
    # the decorators take a parser too: as the defaults, or as the args of a direct call
    decorated = ag.args(default=_parser(), lr=ag.space.Real(0.5, 0.6))(report_args)
    assert vars(decorated.args) == {"epochs": 2, "depth": 7, "lr": pytest.approx(0.55)}
    reporter = ag.scheduler.LocalStatusReporter()
    ag.autogluon_method(report_args)(_parser(), reporter)
    assert [r["accuracy"] for r in reporter.results] == [pytest.approx(0.1), pytest.approx(0.2)]


def test_sample_from_in_a_scheduler_is_seeded_and_lands_in_args():
    def run(seed):
        args = {
            "epochs": 1,
            "depth": 1,
            "lr": ag.searcher.sample_from(lambda: float(np.random.uniform(0.2, 0.3))),
        }
        return FIFO_Scheduler(
            report_args,
            args,
            {"num_cpus": 1, "num_gpus": 0},
            "random",
            checkpoint=None,
            num_trials=3,
            progress=False,
            seed=seed,
            executor="inprocess",
        ).run()

    first, second = run(3), run(3)
    lrs = [t.config["lr"] for t in first.tasks.values()]
    assert lrs == [t.config["lr"] for t in second.tasks.values()]
    assert all(0.2 <= lr <= 0.3 for lr in lrs) and len(set(lrs)) == 3
    assert first.get_best_reward() == pytest.approx(max(lrs))
