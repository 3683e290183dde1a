"""Worker processes: functions without a module file, scripts, MXNet thread limits, resources."""

import os
import subprocess
import sys
import textwrap
import types

import pytest
from helpers_sched import linear_fn, mxnet_threads_fn

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, TaskStatus
from autogluon.scheduler.resource import Resources, plan_slots

CPU1 = {"num_cpus": 1, "num_gpus": 0}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NOTEBOOK_CELL = '''
import math
import autogluon as ag

OFFSET = 0.25

class Accumulator:
    def __init__(self):
        self.total = 0.0

def shape(x, epoch):
    return math.sqrt(x) * epoch / 2 + OFFSET

@ag.args(x=ag.space.Real(0.0, 1.0), epochs=2)
def train_fn(args, reporter):
    acc = Accumulator()
    for epoch in range(1, args.epochs + 1):
        acc.total = shape(args.x, epoch)
        reporter(epoch=epoch, accuracy=acc.total)
'''


def test_function_from_a_module_without_a_file_runs_in_workers():
    module = types.ModuleType("notebook_cell_17")
    exec(compile(NOTEBOOK_CELL, "<ipython-input-17>", "exec"), module.__dict__)
    sys.modules[module.__name__] = module  # as a notebook would: present here, not importable elsewhere
    try:
        s = FIFO_Scheduler(
            module.train_fn, None, CPU1, "random", checkpoint=None, num_trials=3, seed=1, progress=False
        ).run()
    finally:
        del sys.modules[module.__name__]
    assert all(t.status == TaskStatus.COMPLETED for t in s.tasks.values()), [
        t.error for t in s.tasks.values()
    ]
    for t in s.tasks.values():
        assert t.history[-1]["accuracy"] == pytest.approx(t.config["x"] ** 0.5 + 0.25)
    assert module.Accumulator.__module__ == "notebook_cell_17"  # labels restored after shipping


def test_function_defined_in_a_script_main_without_a_guard(tmp_path):
    script = tmp_path / "user_script.py"
    script.write_text(
        textwrap.dedent(
            """
        import sys
        sys.path.insert(0, %r)
        import autogluon as ag
        from autogluon.scheduler import FIFO_Scheduler

        def bonus(x):
            return x + 1

        @ag.args(x=ag.space.Categorical(1, 2, 3))
        def train_fn(args, reporter):
            reporter(epoch=1, accuracy=bonus(args.x))

        s = FIFO_Scheduler(train_fn, None, {'num_cpus': 1, 'num_gpus': 0}, 'grid', checkpoint=None,
                           progress=False)
        s.run()
        print('BEST', s.get_best_reward(), len(s.tasks))
    """
            % ROOT
        )
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=str(tmp_path)
    )
    assert out.returncode == 0, out.stderr
    assert "BEST 4.0 3" in out.stdout


@pytest.mark.parametrize("num_cpus", [1, 2])
def test_mxnet_thread_settings_take_effect_in_the_worker(num_cpus):
    if num_cpus > len(os.sched_getaffinity(0)):
        pytest.skip("needs %d CPUs" % num_cpus)
    s = FIFO_Scheduler(
        mxnet_threads_fn,
        None,
        {"num_cpus": num_cpus, "num_gpus": 0},
        "random",
        checkpoint=None,
        num_trials=1,
        progress=False,
    ).run()
    task = s.tasks[0]
    assert task.status == TaskStatus.COMPLETED, task.error
    last = task.last_result
    assert last["omp_threads"] == num_cpus
    assert last["affinity"] == num_cpus
    assert last["cuda"] == ""  # no GPU requested: none visible to the trial
    assert last["pid"] != os.getpid()


def test_slots_fit_the_machine():
    machine = Resources(cpu_ids=[0, 1, 2, 3, 4], gpu_ids=[0, 1, 2])
    slots = plan_slots({"num_cpus": 2, "num_gpus": 1}, machine)
    assert [s.cpu_ids for s in slots] == [(0, 1), (2, 3)]
    assert [s.gpu_ids for s in slots] == [(0,), (1,)]
    assert slots[1].env()["CUDA_VISIBLE_DEVICES"] == "1"
    assert slots[0].env()["OMP_NUM_THREADS"] == "2"
    assert len(plan_slots({"num_cpus": 1, "num_gpus": 1}, machine)) == 3
    assert len(plan_slots({"num_cpus": 1}, machine, max_concurrent=2)) == 2


@pytest.mark.parametrize(
    "resource, message",
    [
        ({"num_cpus": 1, "num_gpus": 4}, "num_gpus=4 per trial but this machine has 2 GPU"),
        ({"num_cpus": 9}, "num_cpus=9 per trial but this machine has 4 CPU"),
        ({"num_cpus": 0}, r"resource\['num_cpus'\] must be an int >= 1, got 0$"),
        ({"num_gpu": 1}, "unknown keys"),
    ],
)
def test_unsatisfiable_resources_are_clear_errors(resource, message):
    with pytest.raises(ValueError, match=message):
        plan_slots(resource, Resources([0, 1, 2, 3], [0, 1]))


@pytest.mark.parametrize(
    "resource, kwargs, message",
    [
        # a wrong type is a TypeError (all of these were ValueError before the checks were shared)
        ({"num_cpus": 1.5}, {}, r"^resource\['num_cpus'\] must be an int >= 1, got 1.5 of type float$"),
        ({"num_gpus": "1"}, {}, r"^resource\['num_gpus'\] must be an int >= 0, got '1' of type str$"),
        ({"num_cpus": True}, {}, r"^resource\['num_cpus'\] must be an int >= 1, got True of type bool$"),
        ({}, {"max_concurrent": 2.0}, r"^max_concurrent must be an int >= 1 or None, got 2.0 of type float$"),
    ],
)
def test_resources_of_a_wrong_type_are_type_errors(resource, kwargs, message):
    with pytest.raises(TypeError, match=message):
        plan_slots(resource, Resources([0, 1, 2, 3], [0, 1]), **kwargs)


def test_gpu_request_on_this_machine_fails_at_construction():
    machine_gpus = len(ag.scheduler.detect_resources().gpu_ids)
    with pytest.raises(ValueError, match="num_gpus=%d per trial" % (machine_gpus + 1)):
        FIFO_Scheduler(
            linear_fn, None, {"num_cpus": 1, "num_gpus": machine_gpus + 1}, "random", checkpoint=None
        )


CELL_WITH_OBJECTS = '''
class Schedule:
    def __init__(self, base):
        self.base = base
    def at(self, epoch):
        return self.base * epoch

class Shape:
    def __init__(self, power):
        self.power = power
'''


def test_args_and_configs_holding_notebook_objects_reach_the_worker():
    module = types.ModuleType("notebook_cell_18")
    exec(compile(CELL_WITH_OBJECTS, "<ipython-input-18>", "exec"), module.__dict__)
    sys.modules[module.__name__] = module
    try:

        @ag.args(shape=ag.space.Categorical(module.Shape(1), module.Shape(2)))
        def fn(args, reporter):
            reporter(epoch=1, accuracy=args.schedule.at(2) ** args.shape.power)

        s = FIFO_Scheduler(
            fn, {"schedule": module.Schedule(0.5)}, CPU1, "grid", checkpoint=None, progress=False
        ).run()
    finally:
        del sys.modules[module.__name__]
    assert sorted(t.last_result["accuracy"] for t in s.tasks.values()) == [1.0, 1.0]
    assert all(t.status == TaskStatus.COMPLETED for t in s.tasks.values())
