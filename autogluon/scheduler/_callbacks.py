"""Things that watch a run without deciding anything: TensorBoard curves and the progress bar.

Each callback may implement ``on_run_start(scheduler)``, ``on_task_start(task)``,
``on_report(task, result)``, ``on_task_end(task)`` and ``on_run_end()``.
"""

import logging
import math
import numbers
import os
import time

from ._task import TaskStatus

__all__ = ["Callback", "TensorBoardCallback", "ProgressCallback"]

logger = logging.getLogger(__name__)


class Callback:
    def on_run_start(self, scheduler):
        pass

    def on_task_start(self, task):
        pass

    def on_report(self, task, result):
        pass

    def on_task_end(self, task):
        pass

    def on_run_end(self):
        pass


class TensorBoardCallback(Callback):
    """Writes every numeric value a trial reports to ``<logdir>/trial_<id>`` with tensorboardX."""

    def __init__(self, logdir, time_attr):
        self.logdir = logdir
        self.time_attr = time_attr
        self._writers = {}

    def _writer(self, task):
        writer = self._writers.get(task.task_id)
        if writer is None:
            from tensorboardX import SummaryWriter

            writer = SummaryWriter(logdir=os.path.join(self.logdir, "trial_%d" % task.task_id))
            writer.add_text("config", ", ".join("%s=%r" % kv for kv in sorted(task.config.items())), 0)
            self._writers[task.task_id] = writer
        return writer

    def on_report(self, task, result):
        writer = self._writer(task)
        step = result[self.time_attr]
        step = int(step) if float(step).is_integer() else int(round(step * 1000))
        for key, value in result.items():
            if key != self.time_attr and isinstance(value, numbers.Real) and not isinstance(value, bool):
                writer.add_scalar(key, value, step)

    def on_task_end(self, task):
        if task.task_id not in self._writers and task.status != "failed":
            return  # never reported, never failed: nothing to mark
        writer = self._writer(task)
        del self._writers[task.task_id]
        last = task.last_result
        text = task.status + (" (%s)" % task.reason if task.reason else "")
        if last is not None:
            text += " at %s=%s" % (self.time_attr, last[self.time_attr])
        writer.add_text("status", text, 0)
        writer.close()

    def on_run_end(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


class ProgressCallback(Callback):
    """A tqdm bar: trials finished (and how many failed or are paused), best reward, time left.

    Kept up to date from the events (the best reward, the paused and failed trials), so that a
    finished trial costs the same after 10 trials as after 10,000.
    """

    def __init__(self, total, time_out, reward_attr):
        self.total = total
        self.time_out = time_out
        self.reward_attr = reward_attr
        self._bar = None
        self._start = None
        self._scheduler = None
        self._counted = set()
        self._paused = set()
        self._failed = 0
        self._best = None  # the task with the best (normalized) reward so far

    def on_run_start(self, scheduler):
        from tqdm.auto import tqdm

        self._scheduler = scheduler
        self._start = time.monotonic()
        self._counted = {t.task_id for t in scheduler.tasks.values() if t.status in TaskStatus.FINISHED}
        self._paused = {t.task_id for t in scheduler.tasks.values() if t.status == TaskStatus.PAUSED}
        self._failed = sum(1 for t in scheduler.tasks.values() if t.status == TaskStatus.FAILED)
        self._best = scheduler._best_task()
        self._bar = tqdm(
            total=self.total,
            initial=len(self._counted),
            unit="trial",
            desc="trials",
            dynamic_ncols=True,
            mininterval=0.5,
        )

    def on_task_start(self, task):
        self._paused.discard(task.task_id)

    def on_report(self, task, result):
        # as TaskScheduler._best_task: the first task to reach a strictly larger reward
        if task.best_reward > -math.inf and (self._best is None or task.best_reward > self._best.best_reward):
            self._best = task

    def on_task_end(self, task):
        if self._bar is None:
            return
        # A trial paused at a Hyperband rung (promotion) may resume: it counts once it has ended.
        if task.status in TaskStatus.FINISHED and task.task_id not in self._counted:
            self._counted.add(task.task_id)
            self._failed += task.status == TaskStatus.FAILED
            self._bar.update(1)
        if task.status == TaskStatus.PAUSED:
            self._paused.add(task.task_id)
        else:
            self._paused.discard(task.task_id)
        best = self._best.best_user_reward if self._best is not None else None
        postfix = {}
        if self._paused:
            postfix["paused"] = len(self._paused)
        if self._failed:
            postfix["failed"] = self._failed
        if best is not None and not (isinstance(best, float) and math.isinf(best)):
            postfix["best_" + self.reward_attr] = "%.4g" % best
        if self.time_out:
            postfix["left"] = "%.0fs" % max(0.0, self.time_out - (time.monotonic() - self._start))
        self._bar.set_postfix(postfix, refresh=False)

    def on_run_end(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
