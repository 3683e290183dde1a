"""The progress bar keeps its figures from the events: a finished trial does not make it walk
over every trial of the run (which made the cost per trial grow with the run)."""

from autogluon.scheduler._callbacks import ProgressCallback
from autogluon.scheduler._scheduler import TaskScheduler
from autogluon.scheduler._task import Task, TaskStatus


class CountingScheduler:
    """What the callback sees of a scheduler, counting every walk over the trials."""

    def __init__(self, tasks):
        self._tasks = {t.task_id: t for t in tasks}
        self.walks = 0

    @property
    def tasks(self):
        self.walks += 1
        return self._tasks

    # the scheduler's own look-ups, walking (and so counted through) the tasks property above
    _best_task = TaskScheduler._best_task
    get_best_reward = TaskScheduler.get_best_reward


def _task(tid, rewards, status):
    task = Task(tid, {"x": tid}, "accuracy", -1.0)  # mode='min': smaller is better
    for epoch, reward in enumerate(rewards, 1):
        task.add_result({"epoch": epoch, "accuracy": reward})
    task.status = status
    return task


def test_progress_bar_tracks_best_and_paused_without_walking_the_trials():
    restored = [_task(0, [0.5, 0.4], TaskStatus.COMPLETED), _task(1, [0.9], TaskStatus.PAUSED)]
    scheduler = CountingScheduler(restored)
    bar = ProgressCallback(total=10, time_out=None, reward_attr="accuracy")
    bar.on_run_start(scheduler)
    walks = scheduler.walks
    for tid, rewards, status in [
        (2, [0.7, 0.3], TaskStatus.STOPPED),
        (3, [0.35], TaskStatus.PAUSED),
        (4, [0.8, 0.6], TaskStatus.COMPLETED),
    ]:
        task = Task(tid, {"x": tid}, "accuracy", -1.0)
        scheduler._tasks[tid] = task
        bar.on_task_start(task)
        task.status = TaskStatus.RUNNING
        for epoch, reward in enumerate(rewards, 1):
            task.add_result({"epoch": epoch, "accuracy": reward})
            bar.on_report(task, task.last_result)
        task.status = status
        bar.on_task_end(task)
    promoted = scheduler._tasks[1]  # the restored paused trial resumes and completes
    bar.on_task_start(promoted)
    promoted.status = TaskStatus.COMPLETED
    bar.on_task_end(promoted)
    assert scheduler.walks == walks  # no walk over the trials after the start
    assert bar._bar.postfix == "paused=1, best_accuracy=0.3"
    assert bar._bar.n == 4  # 0 (restored), then 2, 4 and the promoted 1; 3 is paused
    bar.on_run_end()


def test_a_run_does_not_look_for_the_best_trial_once_per_trial(monkeypatch):
    # max_reward (the first public release's option) was checked with get_best_reward(), a walk over
    # every trial, before each launch: at 10,000 trials that was most of the driver's time.
    import autogluon as ag
    from autogluon.scheduler import FIFOScheduler, TaskScheduler

    calls = []
    original = TaskScheduler._best_task

    def counted(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(TaskScheduler, "_best_task", counted)

    @ag.args(x=ag.space.Real(0.0, 1.0), epochs=2)
    def fn(args, reporter):
        for epoch in range(1, args.epochs + 1):
            reporter(epoch=epoch, accuracy=args.x * epoch)

    for max_reward in (None, 5.0):
        del calls[:]
        s = FIFOScheduler(
            fn,
            resource={"num_cpus": 1, "num_gpus": 0},
            num_trials=60,
            max_reward=max_reward,
            checkpoint=None,
            progress=False,
            executor="inprocess",
            seed=0,
        )
        s.run()
        assert len(s.tasks) == 60
        assert len(calls) <= 3, "%d walks over the trials for 60 trials (max_reward=%r)" % (
            len(calls),
            max_reward,
        )
