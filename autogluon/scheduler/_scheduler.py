"""The trial loop every scheduler shares.

One event loop in the driver process owns all scheduler state. It asks the
searcher for configurations, hands trials to an executor (worker processes),
feeds every report to the terminator and answers continue or stop before the
trial goes on, and lets callbacks (checkpoint, TensorBoard, progress) watch.
See docs/guides/architecture.md.
"""
import argparse
import logging
import math
import numbers
import os
import shutil
import signal
import tempfile
import threading
import time
import weakref

from ..core._decorators import TrainFunction, as_namespace_or_dict
from ..core._lock import lock_folder
from ..core._serialize import dumps
from ._callbacks import ProgressCallback, TensorBoardCallback
from ._checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ._executor import make_executor
from ._fingerprint import check_fingerprint, fingerprint
from ._journal import Journal
from ._task import Task, TaskStatus
from .resource import plan_slots, validate_resource

__all__ = ["TaskScheduler"]

logger = logging.getLogger("autogluon.scheduler")

_VISUALIZERS = ("none", "tensorboard")
_STARTUP_GRACE = 60.0  # seconds a (re)started worker may take before its trial's clock runs
_STOP_GRACE = 5.0  # seconds a stopped or paused trial may take to unwind before its worker is killed
_TRACEBACK_LINES = 12  # lines of the first failure's traceback shown on screen


def _check_str(value, name):
    if not isinstance(value, str) or not value:
        raise TypeError("%s must be a non-empty string, got %r" % (name, value))
    return value


def _check_positive_int(value, name, allow_none=True):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError("%s must be an integer >= 1%s, got %r" % (name, " or None" if allow_none else "", value))
    return int(value)


def _check_time(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0 or math.isinf(value):
        raise ValueError("%s must be a positive number of seconds or None, got %r" % (name, value))
    return float(value)


class _Interrupted(KeyboardInterrupt):
    """SIGTERM during run(): handled like Ctrl-C."""


class TaskScheduler:
    """Runs ``train_fn`` over many configurations; the base of FIFO and Hyperband schedulers.

    See :class:`autogluon.scheduler.FIFO_Scheduler` for the parameters.
    """

    _default_terminator = "none"

    def __new__(cls, *args, **kwargs):
        # Aug 2019: TaskScheduler() without a training function runs jobs given to add_task (_jobs.py).
        if cls is TaskScheduler and not args and not kwargs:
            from ._jobs import JobScheduler

            return JobScheduler()
        return super().__new__(cls)

    def __init__(self, train_fn, args=None, resource=None, searcher="random",
                 checkpoint="./exp/checkpoint.ag", resume=False, num_trials=None,
                 time_attr="epoch", reward_attr="accuracy", visualizer="none", *,
                 terminator=None, time_out=None, time_limits=None, seed=None, mode="max",
                 max_concurrent=None, executor="local", progress=True, searcher_options=None,
                 max_t=None, preload=(), checkpoint_fsync=True, log_stops=True, trial_timeout=None,
                 max_retries=0, dask_client=None):
        if not callable(train_fn):
            raise TypeError("train_fn must be a callable train_fn(args, reporter), got %r" % (train_fn,))
        args = as_namespace_or_dict(args)  # an ArgumentParser (2019 notebooks) gives its defaults
        if args is not None and not isinstance(args, (argparse.Namespace, dict)):
            raise TypeError("args must be an argparse.Namespace, a dict or None, got %s" % type(args).__name__)
        if checkpoint is not None and not isinstance(checkpoint, (str, os.PathLike)):
            raise TypeError("checkpoint must be a file path or None, got %r" % (checkpoint,))
        if not isinstance(resume, bool):
            raise TypeError("resume must be True or False, got %r" % (resume,))
        if mode not in ("max", "min"):
            raise ValueError("mode must be 'max' or 'min', got %r" % (mode,))
        if not isinstance(visualizer, str) or visualizer.lower() not in _VISUALIZERS:
            raise ValueError("visualizer must be one of %s, got %r" % (", ".join(_VISUALIZERS), visualizer))
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError("seed must be an int or None, got %r" % (seed,))
        if time_out is not None and time_limits is not None:
            raise ValueError("give time_out or time_limits (the same thing), not both")
        self.train_fn = train_fn
        self.args = args
        self.resource = validate_resource(resource)
        self.checkpoint = os.fspath(checkpoint) if checkpoint is not None else None
        self.resume = resume
        self.num_trials = _check_positive_int(num_trials, "num_trials")
        self.time_attr = _check_str(time_attr, "time_attr")
        self.reward_attr = _check_str(reward_attr, "reward_attr")
        self.visualizer = visualizer.lower()
        self.time_out = _check_time(time_out if time_out is not None else time_limits, "time_out")
        self.seed = None if seed is None else int(seed)
        self.mode = mode
        self._sign = 1.0 if mode == "max" else -1.0
        self.max_t = None if max_t is None else _check_time(max_t, "max_t")
        self.trial_timeout = _check_time(trial_timeout, "trial_timeout")
        if isinstance(max_retries, bool) or not isinstance(max_retries, numbers.Integral) or max_retries < 0:
            raise ValueError("max_retries must be an integer >= 0, got %r" % (max_retries,))
        self.max_retries = int(max_retries)
        self.progress = bool(progress)
        self.preload = list(preload)
        self.checkpoint_fsync = checkpoint_fsync
        self.log_stops = log_stops
        if dask_client is not None:
            from ._dask import DaskExecutor

            executor = DaskExecutor(dask_client, preload=preload)
        self._executor_spec = executor
        built = make_executor(executor)  # validate now; local executors are built anew per run
        if hasattr(built, "plan_slots"):
            self._slots = built.plan_slots(self.resource, max_concurrent=max_concurrent)
        else:
            self._slots = plan_slots(self.resource, max_concurrent=max_concurrent)
        self.searcher = self._make_searcher(searcher, searcher_options or {})
        self.terminator = self._make_terminator(terminator)
        self.tasks = {}            # task_id -> Task (every trial ever started, in order)
        self._requeue = []         # tasks to (re)run before new configurations
        self._next_task_id = 0
        self._noted = set()
        self._output_dir = None
        self._pending_terminator = None
        self._journal = None
        if resume:
            if self.checkpoint and os.path.exists(self.checkpoint):
                self.load_state_dict(load_checkpoint(self.checkpoint))
                logger.info("resumed from %s: %d trials finished, %d to re-run", self.checkpoint,
                            self.num_finished, len(self._requeue))
            else:
                logger.warning("resume=True but there is no checkpoint at %s; starting from scratch",
                               self.checkpoint)

    # -- construction helpers -------------------------------------------------
    def _search_space(self):
        from ..space import SearchSpace
        from ..space._nested import leaves_of

        spaces = {}
        if isinstance(self.train_fn, TrainFunction):
            spaces.update(self.train_fn.search_space.items())
        if self.args is not None:
            values = vars(self.args) if isinstance(self.args, argparse.Namespace) else self.args
            for k, v in values.items():
                spaces.update(leaves_of(k, v))  # a leaf space, or a nested one by its leaves
        return SearchSpace(spaces)

    def _make_searcher(self, searcher, options):
        from ..searcher import get_searcher

        if searcher is None:
            searcher = "random"
        if isinstance(searcher, str) or isinstance(searcher, type):
            kwargs = dict(options)
            kwargs.setdefault("seed", self.seed)
            return get_searcher(searcher, self._search_space(), **kwargs)
        if options:
            raise ValueError("searcher_options only apply when searcher is a name or a class, "
                             "not an object (%r)" % (searcher,))
        return get_searcher(searcher)

    def _terminator_kwargs(self):
        """What a terminator given by name gets from this scheduler (each takes what it accepts).

        Hyperband_Scheduler adds its rungs (max_t, grace_period, reduction_factor, brackets); with
        FIFO a terminator by name keeps its own defaults: pass an object to choose them.
        """
        return dict(time_attr=self.time_attr, reward_attr=self.reward_attr, mode=self.mode, seed=self.seed)

    def _make_terminator(self, terminator):
        from .terminator import terminator_factory

        if terminator is None:
            terminator = self._default_terminator
        if isinstance(terminator, str):
            return terminator_factory(terminator, **self._terminator_kwargs())
        if not callable(getattr(terminator, "on_task_report", None)):
            raise TypeError("terminator must be a name or an object with on_task_report(task, result) -> bool, "
                            "got %r" % (terminator,))
        return terminator

    # -- public results -------------------------------------------------------
    @property
    def num_finished(self):
        return sum(1 for t in self.tasks.values() if t.status in TaskStatus.FINISHED)

    @property
    def training_history(self):
        """``{task_id: [result, ...]}`` for every trial."""
        return {tid: list(t.history) for tid, t in self.tasks.items()}

    def _best_task(self):
        best = None
        for task in self.tasks.values():
            if task.best_reward > -math.inf and (best is None or task.best_reward > best.best_reward):
                best = task
        return best

    def get_best_config(self):
        """Configuration of the trial with the best reported reward (None before any report)."""
        best = self._best_task()
        return dict(best.config) if best else None

    def get_best_reward(self):
        """The best reward any trial reported, in the user's units (None before any report)."""
        best = self._best_task()
        return best.best_user_reward if best else None

    def get_best_task_id(self):
        best = self._best_task()
        return best.task_id if best else None

    def get_trials(self):
        """One row per trial: task_id, status, best reward, the reported time reached, config, error."""
        import pandas as pd

        rows = []
        for task in self.tasks.values():
            last = task.last_result or {}
            row = {"task_id": task.task_id, "status": task.status, "reason": task.reason,
                   self.reward_attr: task.best_user_reward, self.time_attr: last.get(self.time_attr),
                   "num_reports": len(task.history), "attempts": task.attempts,
                   "error": task.error.strip().splitlines()[-1] if task.error else None}
            row.update({"config." + k: v for k, v in task.config.items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def get_results(self):
        """Every report of every trial as a pandas DataFrame (one row per report)."""
        import pandas as pd

        rows = []
        for task in self.tasks.values():
            for result in task.history:
                row = {"task_id": task.task_id, "status": task.status}
                row.update(result)
                rows.append(row)
        return pd.DataFrame(rows)

    def rung_counts(self):
        counts = getattr(self.terminator, "rung_counts", None)
        return counts() if callable(counts) else {}

    _LEGEND_MAX = 12

    def get_training_curves(self, filename=None, plot=False, use_legend=True):
        """Plot every trial's reward against ``time_attr``; stopped trials end with an x.

        The legend names each trial when there are at most 12, else it explains the markers.
        Returns the matplotlib Figure; saves it to ``filename`` if given; shows it if ``plot``.
        """
        if plot:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(8, 5))
        else:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(8, 5))
        ax = fig.add_subplot(111)
        ax.set_title("Training curves")
        ax.set_xlabel(self.time_attr)
        ax.set_ylabel(self.reward_attr)
        for task in self.tasks.values():
            points = [(r[self.time_attr], r[self.reward_attr]) for r in task.history]
            if not points:
                continue
            xs, ys = zip(*points)
            label = "task %d (%s)" % (task.task_id, task.status)
            (line,) = ax.plot(xs, ys, marker=".", label=label)
            if task.status in (TaskStatus.STOPPED, TaskStatus.PAUSED):
                ax.plot([xs[-1]], [ys[-1]], marker="x", markersize=10, color=line.get_color(),
                        linestyle="none")
        plotted = sum(1 for t in self.tasks.values() if t.history)
        if use_legend and plotted:
            if plotted <= self._LEGEND_MAX:
                ax.legend(loc="best", fontsize="small")
            else:
                # One entry per trial would not fit: explain the markers instead.
                from matplotlib.lines import Line2D

                ax.legend(handles=[Line2D([], [], marker=".", color="grey", label="%d trials" % plotted),
                                   Line2D([], [], marker="x", color="grey", linestyle="none",
                                          markersize=10, label="stopped or paused")],
                          loc="best", fontsize="small")
        fig.tight_layout()
        if filename:
            folder = os.path.dirname(os.path.abspath(filename))
            os.makedirs(folder, exist_ok=True)
            fig.savefig(filename)
        if plot:
            import matplotlib.pyplot as plt

            plt.show()
        return fig

    # -- state ------------------------------------------------------------------
    def _note_once(self, key, message, *args):
        if key not in self._noted:
            self._noted.add(key)
            logger.info(message, *args)

    def _terminator_state(self):
        fn = getattr(self.terminator, "state_dict", None)
        state = fn() if callable(fn) else None
        if _saved_chain(None, state)[-1][1] is None:
            self._note_once("terminator-state", "%s has no state_dict(); its state is rebuilt on resume by "
                            "replaying the recorded reports", type(self.terminator).__name__)
        return state

    def _fingerprint(self):
        space = getattr(self.searcher, "configspace", None)
        return fingerprint(space if space is not None else self._search_space(), self.train_fn)

    def state_dict(self, destination=None):
        """Everything needed to resume: searcher, terminator, finished trials, trials to re-run."""
        running = [t for t in self.tasks.values() if t.status in (TaskStatus.RUNNING, TaskStatus.PENDING)]
        state = {
            "scheduler": type(self).__name__,
            "time_attr": self.time_attr,
            "reward_attr": self.reward_attr,
            "mode": self.mode,
            "searcher": self.searcher.state_dict() if hasattr(self.searcher, "state_dict") else None,
            "terminator": self._terminator_state(),
            "terminator_class": type(self.terminator).__name__,
            "tasks": [t.to_state() for t in self.tasks.values() if t not in running],
            "rerun": [{"task_id": t.task_id, "config": t.config, "attempts": t.attempts} for t in running]
                     + [{"task_id": t.task_id, "config": t.config, "attempts": t.attempts}
                        for t in self._requeue if t not in running],
            "next_task_id": self._next_task_id,
            "fingerprint": self._fingerprint(),
        }
        if destination is not None:
            destination.update(state)
            return destination
        return state

    def load_state_dict(self, state):
        """Restore from :meth:`state_dict`; trials that were running are queued to run again."""
        if not isinstance(state, dict) or "tasks" not in state:
            raise CheckpointError("scheduler state is missing or malformed")
        for key in ("time_attr", "reward_attr", "mode"):
            if state.get(key) not in (None, getattr(self, key)):
                raise ValueError("the checkpoint was written with %s=%r but this scheduler has %s=%r"
                                 % (key, state[key], key, getattr(self, key)))
        check_fingerprint(state.get("fingerprint"), self._fingerprint(), self.checkpoint or "the state", logger)
        if state.get("searcher") is not None and hasattr(self.searcher, "load_state_dict"):
            self.searcher.load_state_dict(state["searcher"])
        self.tasks = {}
        for task_state in state["tasks"]:
            task = Task.from_state(task_state)
            self.tasks[task.task_id] = task
        self._requeue = []
        for entry in state.get("rerun", []):
            task = Task(entry["task_id"], entry["config"], self.reward_attr, self._sign)
            task.attempts = entry.get("attempts", 0)
            self._requeue.append(task)
        self._next_task_id = state.get("next_task_id", max(self.tasks, default=-1) + 1)
        # Restored when run() starts: a subclass may replace self.terminator after __init__.
        self._pending_terminator = (state.get("terminator_class"), state.get("terminator"))

    def _restore_terminator(self):
        pending, self._pending_terminator = self._pending_terminator, None
        if pending is None:
            return
        cls_name, term_state = pending
        target, state = _terminator_to_load(self.terminator, cls_name, term_state)
        loader = getattr(target, "load_state_dict", None)
        if state is not None and callable(loader):
            loader(state)
        else:
            self._replay_into_terminator()

    def _replay_into_terminator(self):
        """Rebuild a stateless terminator's knowledge from the recorded reports."""
        for task in self.tasks.values():
            if not task.history:
                continue
            self.terminator.on_task_add(task)
            for result in task.history:
                self.terminator.on_task_report(task, result)
            if task.status == TaskStatus.COMPLETED:
                self.terminator.on_task_complete(task, task.last_result)
            elif task.status != TaskStatus.PAUSED:
                self.terminator.on_task_remove(task)

    def save(self, checkpoint=None):
        """Write the state to ``checkpoint`` (default: the scheduler's checkpoint file) atomically.

        During :meth:`run` the scheduler's own checkpoint is a snapshot plus a journal: a save
        appends what changed (see ``_journal.py``); outside it, the file holds the whole state.
        """
        path = checkpoint or self.checkpoint
        if not path:
            return None
        journal = getattr(self, "_journal", None)
        if journal is not None and os.path.abspath(path) == os.path.abspath(journal.path):
            journal.save(self)
            return path
        save_checkpoint(self._full_state(), path, fsync=self.checkpoint_fsync)
        return path

    def _full_state(self):
        state = self.state_dict()
        if state is None:  # a subclass's state_dict that returns nothing (as in the tutorial)
            self._note_once("scheduler-state", "%s.state_dict() returned None; checkpointing the core "
                            "scheduler state instead", type(self).__name__)
            state = TaskScheduler.state_dict(self)
        return state

    def _open_journal(self):
        """The journal of this run, or None (no checkpoint; or a subclass with its own state_dict,
        whose extra keys only a whole snapshot captures: it is saved whole, as before)."""
        if not self.checkpoint or type(self).state_dict is not TaskScheduler.state_dict:
            return None
        self._journal = Journal(self.checkpoint, fsync=self.checkpoint_fsync)
        return self._journal

    def _save_at_end(self):
        journal, self._journal = self._journal, None
        if journal is None:
            self.save()
        else:
            journal.close(self)  # one last snapshot; the journal file goes

    # -- the loop -----------------------------------------------------------------
    def _output_folder(self):
        if self._output_dir is None:
            if self.checkpoint:
                self._output_dir = os.path.dirname(os.path.abspath(self.checkpoint))
            else:
                self._output_dir = self._temporary_folder()
        return self._output_dir

    def _temporary_folder(self):
        """The trials' folder when there is no checkpoint: removed when this scheduler is
        garbage-collected or the process exits, unless it holds TensorBoard logs."""
        folder = tempfile.mkdtemp(prefix="autogluon-")
        if self.visualizer == "tensorboard":
            logger.info("checkpoint=None: the trial folders and TensorBoard logs are in %s, which is "
                        "kept (pass checkpoint= to choose the folder)", folder)
        else:
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        return folder

    def _callbacks(self, num_trials, time_out):
        callbacks = []
        if self.visualizer == "tensorboard":
            callbacks.append(TensorBoardCallback(os.path.join(self._output_folder(), "tensorboard"),
                                                 self.time_attr))
        if self.progress:
            callbacks.append(ProgressCallback(num_trials, time_out, self.reward_attr))
        if self._open_journal() is not None:
            callbacks.append(self._journal)  # it notes the trials that start and end
        return callbacks

    def _emit(self, hook, *args):
        for cb in self._active_callbacks:
            try:
                getattr(cb, hook)(*args)
            except Exception:
                logger.exception("callback %s.%s failed; the run goes on", type(cb).__name__, hook)

    def _next_task(self, num_trials):
        """A paused trial to promote, a trial to re-run, or a new configuration; None if nothing."""
        promote = getattr(self.terminator, "get_promotable", None)
        if getattr(self.terminator, "pauses_trials", False) and callable(promote):
            task_id = promote()
            if task_id is not None:
                task = self.tasks[task_id]
                logger.info("trial %d promoted: resuming from %s=%s", task_id, self.time_attr,
                            task.last_result[self.time_attr] if task.last_result else None)
                return task
        if self._requeue:
            return self._requeue.pop(0)
        if self._searcher_done:
            return None
        if num_trials is not None and len(self.tasks) >= num_trials:
            return None
        config = self.searcher.get_config()
        if config is None:
            self._searcher_done = True
            logger.info("the searcher has no more configurations after %d trials", len(self.tasks))
            return None
        task = Task(self._next_task_id, config, self.reward_attr, self._sign)
        self._next_task_id += 1
        return task

    def _launch(self, task, slot_index):
        resumed = task.status == TaskStatus.PAUSED
        if not resumed:
            task.reset_history()
            task.error = None
            task.reason = None
        task.status = TaskStatus.RUNNING
        task.attempts += 1
        task.start_time = task.start_time or time.time()
        self.tasks[task.task_id] = task
        if not resumed:
            self.terminator.on_task_add(task)
            register = getattr(self.searcher, "register_pending", None)
            if callable(register):
                register(task.config)
        self._running[slot_index] = task
        # A worker may first have to start (imports): the trial's clock starts when it says "started".
        self._last_activity[slot_index] = time.monotonic() + _STARTUP_GRACE
        self._emit("on_task_start", task)
        self._executor.submit(slot_index, {
            "task_id": task.task_id,
            "config": task.config,
            "reward_attr": self.reward_attr,
            "time_attr": self.time_attr,
            "trial_dir": os.path.join(self._output_folder(), "trials", "trial_%d" % task.task_id),
        })

    def _on_report(self, slot_index, task, result):
        self._last_activity[slot_index] = time.monotonic()
        task.add_result(result)
        reward = result[self.reward_attr]
        if isinstance(reward, numbers.Real) and not math.isfinite(reward) and task.task_id not in self._nonfinite:
            self._nonfinite.add(task.task_id)
            logger.warning("trial %d reported %s=%r at %s=%s: a non-finite reward counts as the worst "
                           "possible value", task.task_id, self.reward_attr, reward, self.time_attr,
                           result[self.time_attr])
        self._emit("on_report", task, result)
        if self._searcher_on_report is not None:
            # Model-based searchers learn from every report (a stopped trial is evidence at its rung).
            self._searcher_on_report(task.config, self._sign * result[self.reward_attr], result[self.time_attr])
        if self.max_t is not None and result[self.time_attr] >= self.max_t:
            self._executor.reply(slot_index, task.task_id, False)
            self._stop_deadline[slot_index] = (time.monotonic() + _STOP_GRACE, task)
            self._finish(task, TaskStatus.COMPLETED, reason="reached max_t=%g" % self.max_t)
            return
        keep_going = bool(self.terminator.on_task_report(task, result))
        self._executor.reply(slot_index, task.task_id, keep_going)
        if keep_going:
            return
        self._stop_deadline[slot_index] = (time.monotonic() + _STOP_GRACE, task)
        info = getattr(self.terminator, "last_stop_info", None) or {}
        paused = getattr(self.terminator, "pauses_trials", False) and info.get("paused", False)
        detail = ", ".join("%s=%s" % (k, _fmt(v)) for k, v in info.items()
                           if k not in ("task_id", "paused", "time", "reward"))
        if paused:
            # The slot stays busy until the worker has unwound, but the task is free to be
            # promoted (even onto another slot) at once: events from this slot no longer concern it.
            del self._running[slot_index]
            self._draining.add(slot_index)
            task.status = TaskStatus.PAUSED
            task.reason = "paused at rung" + (" (%s)" % detail if detail else "")
            self._emit("on_task_end", task)
            logger.info("trial %d paused at %s=%s%s", task.task_id, self.time_attr, result[self.time_attr],
                        " (%s)" % detail if detail else "")
            self._dirty = True
        else:
            self._finish(task, TaskStatus.STOPPED, reason="stopped by %s" % type(self.terminator).__name__
                         + (" (%s)" % detail if detail else ""))
            if self.log_stops:
                logger.info("trial %d stopped at %s=%s, %s=%s%s", task.task_id, self.time_attr,
                            result[self.time_attr], self.reward_attr, result[self.reward_attr],
                            " (%s)" % detail if detail else "")

    def _finish(self, task, status, reason=None, error=None):
        if task.status in TaskStatus.FINISHED:
            return
        task.status = status
        task.reason = reason
        task.error = error
        task.end_time = time.time()
        if status == TaskStatus.COMPLETED and task.history:
            self.terminator.on_task_complete(task, task.last_result)
        else:
            self.terminator.on_task_remove(task)
        if task.history and status != TaskStatus.FAILED:
            self.searcher.update(task.config, task.best_reward)
        else:
            failed = getattr(self.searcher, "evaluation_failed", None)
            if callable(failed):
                failed(task.config)
        if status == TaskStatus.COMPLETED and not task.history:
            logger.warning("trial %d finished without calling reporter(); it has no %s",
                           task.task_id, self.reward_attr)
        self._emit("on_task_end", task)
        self._dirty = True  # saved by the loop once the freed slot has its next trial

    def _fail(self, task, reason, error):
        """A trial failed (raised, died, hung): retry it if allowed, else record it as failed."""
        if task.status != TaskStatus.RUNNING:
            return
        if task.attempts <= self.max_retries:
            logger.warning("trial %d failed (%s); retrying it (attempt %d of %d)", task.task_id, reason,
                           task.attempts + 1, self.max_retries + 1)
            task.status = TaskStatus.PENDING
            task.reason, task.error = reason, error
            self._requeue.append(task)
            self._dirty = True
            return
        self._finish(task, TaskStatus.FAILED, reason=reason, error=error)

    def _on_done(self, slot_index, task, outcome, error):
        if outcome == "failed":
            self._log_failure(task, "raised an exception", error)
            self._fail(task, "raised an exception", error)
        elif outcome == "stopped":
            # The worker unwound after a stop decision that _on_report already recorded.
            if task.status == TaskStatus.RUNNING:
                self._finish(task, TaskStatus.STOPPED, reason="stopped")
        else:
            self._finish(task, TaskStatus.COMPLETED)

    def _handle(self, event):
        kind, slot_index, task_id = event[0], event[1], event[2]
        if kind in ("done", "died"):
            self._stop_deadline.pop(slot_index, None)
        if slot_index in self._draining:
            if kind in ("done", "died"):
                self._draining.discard(slot_index)
            elif kind == "report":
                self._kill_lingering(slot_index, self.tasks[task_id], "reported again after it was paused")
            return
        task = self._running.get(slot_index)
        if task is None or task.task_id != task_id:
            return  # a late message from a trial that was already killed
        if kind == "report" and task.status != TaskStatus.RUNNING:
            self._kill_lingering(slot_index, task, "reported again after it was stopped")
        elif kind == "started":
            self._last_activity[slot_index] = time.monotonic()
        elif kind == "report":
            self._on_report(slot_index, task, event[3])
        elif kind == "done":
            del self._running[slot_index]
            self._on_done(slot_index, task, event[3], event[4])
        elif kind == "died":
            del self._running[slot_index]
            if task.status == TaskStatus.RUNNING:
                self._log_failure(task, event[3])
            self._fail(task, event[3], event[3])

    def run(self, num_trials=None, time_out=None):
        """Run trials until ``num_trials`` have been started and finished, the time limit
        passes, or the searcher runs out of configurations. Blocks until done.

        ``num_trials`` counts every trial of this scheduler, including those restored
        from a checkpoint. ``time_out`` (seconds) bounds this call: trials still running
        at the limit are stopped.
        """
        num_trials = _check_positive_int(num_trials, "num_trials") or self.num_trials
        time_out = _check_time(time_out, "time_out") or self.time_out
        space = getattr(self.searcher, "configspace", None)
        size = getattr(space, "size", None)
        if num_trials is None and time_out is None and (size is None or size == math.inf):
            raise ValueError("set num_trials or a time limit (time_out): the search space is infinite, "
                             "so the search would never end")
        self._warn_small_space(size, num_trials)
        lock = self._lock_folder()
        try:
            return self._run_loop(num_trials, time_out)
        finally:
            if lock is not None:
                lock.release()

    def _lock_folder(self):
        """Lock the checkpoint folder for this run (None without a checkpoint).

        Before the first trial: a folder that a live run (another process, another thread) uses
        raises FolderInUseError, and one that cannot be written raises FolderNotWritableError.
        """
        if not self.checkpoint:
            return None
        if os.path.isdir(self.checkpoint):
            raise ValueError("checkpoint must be a file path, but %s is a folder (e.g. give %s)"
                             % (self.checkpoint, os.path.join(self.checkpoint, "checkpoint.ag")))
        return lock_folder(self._output_folder(), "checkpoint folder")

    def _warn_small_space(self, size, num_trials):
        if num_trials is None or size is None or size == math.inf or num_trials <= size:
            return
        if size == 1:
            logger.warning("num_trials=%d, but the search space has only one distinct configuration "
                           "(%s): only one trial will run. Give train_fn search spaces (e.g. "
                           "@ag.args(lr=ag.space.Real(1e-3, 1e-1, log=True))) to search.", num_trials,
                           "train_fn declares no search space" if not len(self._search_space()) else
                           "every search space has a single value")
        else:
            logger.warning("num_trials=%d, but the search space has only %d distinct configurations: "
                           "at most %d trials will run", num_trials, size, size)

    def _run_loop(self, num_trials, time_out):
        self._restore_terminator()
        hook = getattr(self.searcher, "on_report", None)
        self._searcher_on_report = hook if callable(hook) else None
        self._searcher_done = False
        self._dirty = False
        self._running = {}
        self._draining = set()  # slots whose paused trial is still unwinding
        self._reset_watch()
        self._last_activity = {}
        self._active_callbacks = self._callbacks(num_trials, time_out)
        self._executor = make_executor(self._executor_spec)
        if hasattr(self._executor, "preload") and self.preload:
            self._executor.preload = list(self.preload)
        start = time.monotonic()
        deadline = start + time_out if time_out else None
        old_sigterm = None
        if threading.current_thread() is threading.main_thread():
            old_sigterm = signal.getsignal(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _raise_interrupted)
        self._emit("on_run_start", self)
        interrupted = False
        try:
            # The function and its default args go to each worker once (by value where needed).
            self._executor.start(self._slots, dumps((self.train_fn, self.args)))
            while True:
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    self._stop_running("time limit of %gs reached" % time_out)
                    break
                free = [s.index for s in self._slots if s.index not in self._running
                        and s.index not in self._draining]
                for slot_index in free:
                    task = self._next_task(num_trials)
                    if task is None:
                        break
                    self._launch(task, slot_index)
                if self._dirty:
                    self.save()
                    self._dirty = False
                if not self._running and not self._draining:
                    break
                wait = 1.0 if deadline is None else max(0.0, min(1.0, deadline - now))
                if self.trial_timeout is not None:
                    oldest = min((self._last_activity[s] for s in self._running), default=now)
                    wait = min(wait, max(0.0, oldest + self.trial_timeout - now))
                for event in self._executor.poll(wait):
                    self._handle(event)
                self._kill_hung(time.monotonic())
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            try:
                if interrupted:
                    self._requeue_running()
                self._executor.shutdown()
            finally:
                if old_sigterm is not None:
                    signal.signal(signal.SIGTERM, old_sigterm)
                self._emit("on_run_end")
                self._save_at_end()
                self._executor = None
        self._log_run_end(start)
        return self

    def _reset_watch(self):
        self._stop_deadline = {}  # slot -> when its stopped (or paused) trial must have unwound
        self._nonfinite = set()   # trials that reported a non-finite reward (logged once each)
        self._failures_logged = 0

    def _log_run_end(self, start):
        """The end-of-run summary; what went wrong is shown even when the user configured no logging."""
        logger.info("run finished: %d trials (%s), best %s=%s, %.1fs", len(self.tasks),
                    _status_counts(self.tasks.values()), self.reward_attr, self.get_best_reward(),
                    time.monotonic() - start)
        failed = [t for t in self.tasks.values() if t.status == TaskStatus.FAILED]
        if failed:
            logger.warning("%d of %d trials failed: see scheduler.get_trials() (first: trial %d, %s)",
                           len(failed), len(self.tasks), failed[0].task_id, _last_line(failed[0]))
        if self._nonfinite:
            logger.warning("%d of %d trials reported a non-finite %s (trials %s); it counted as the worst "
                           "possible value", len(self._nonfinite), len(self.tasks), self.reward_attr,
                           ", ".join(map(str, sorted(self._nonfinite))))

    def _log_failure(self, task, reason, error=None):
        """The first failure of a run is shown with its traceback's end; later ones in one line."""
        self._failures_logged += 1
        if self._failures_logged == 1:
            tail = "\n".join((error or "").strip().splitlines()[-_TRACEBACK_LINES:])
            logger.error("trial %d (config %r) failed: %s%s\n(later failures are shown in one line each; "
                         "scheduler.get_trials() lists them all with their errors)", task.task_id, task.config,
                         reason, "\n" + tail if tail and tail != reason else "")
        else:
            logger.warning("trial %d (config %r) failed: %s", task.task_id, task.config,
                           _last_line_of(error) or reason)

    def _kill_hung(self, now):
        for slot_index, (deadline, task) in list(self._stop_deadline.items()):
            if now >= deadline:
                self._kill_lingering(slot_index, task, "is still running %gs after it was %s" % (
                    _STOP_GRACE, "paused" if slot_index in self._draining else "stopped"))
        if self.trial_timeout is None:
            return
        for slot_index, task in list(self._running.items()):
            if task.status != TaskStatus.RUNNING:
                continue  # stopped, still unwinding: _STOP_GRACE applies
            if now - self._last_activity[slot_index] >= self.trial_timeout:
                self._executor.kill(slot_index)
                del self._running[slot_index]
                reason = "no report for %gs (trial_timeout)" % self.trial_timeout
                self._log_failure(task, reason)
                self._fail(task, reason, reason)

    def _kill_lingering(self, slot_index, task, what):
        """A trial that goes on after it was stopped or paused: kill its worker, free its slot."""
        self._running.pop(slot_index, None)
        self._draining.discard(slot_index)
        self._stop_deadline.pop(slot_index, None)
        self._executor.kill(slot_index)
        logger.warning("trial %d %s (its training function goes on after the stop: does it catch "
                       "TrialStopped, e.g. with a bare 'except:'?); its worker was killed to free the slot, "
                       "the trial stays %s", task.task_id, what, task.status)

    def _stop_running(self, reason):
        for slot_index, task in list(self._running.items()):
            self._executor.kill(slot_index)
            del self._running[slot_index]
            if not task.history:
                # It never reported: it has not really run. Keep it pending (a resume runs it).
                task.status = TaskStatus.PENDING
                self._requeue.insert(0, task)
                logger.info("trial %d had not reported when stopped (%s); it stays pending", task.task_id, reason)
                continue
            logger.info("trial %d stopped: %s", task.task_id, reason)
            self._finish(task, TaskStatus.STOPPED, reason=reason)

    def _requeue_running(self):
        for slot_index, task in list(self._running.items()):
            self._executor.kill(slot_index)
            if task.status == TaskStatus.RUNNING:
                task.status = TaskStatus.PENDING
                self._requeue.insert(0, task)
        self._running = {}

    def join_tasks(self):
        """Wait for running trials. :meth:`run` already blocks until they finish, so this returns at once."""
        return None

    def __repr__(self):
        return "%s(trials=%d, finished=%d, searcher=%r, terminator=%r)" % (
            type(self).__name__, len(self.tasks), self.num_finished, self.searcher, self.terminator)


def _is_wrapper_state(state):
    """A wrapping terminator saves itself and what it wraps separately:
    ``{'wrapper': its own state, 'inner_class': class name, 'inner': the wrapped one's state}``."""
    return isinstance(state, dict) and set(state) == {"wrapper", "inner_class", "inner"}


def _saved_chain(cls_name, state):
    """``[(class name, state)]`` of a saved terminator, the outermost wrapper first."""
    chain = [(cls_name, state)]
    while _is_wrapper_state(state):
        cls_name, state = state["inner_class"], state["inner"]
        chain.append((cls_name, state))
    return chain


def _terminator_chain(terminator):
    """The terminator and what it wraps (``.inner``), outermost first."""
    chain = [terminator]
    inner = getattr(terminator, "inner", None)
    while inner is not None and callable(getattr(inner, "on_task_report", None)) \
            and all(inner is not t for t in chain):
        chain.append(inner)
        inner = getattr(inner, "inner", None)
    return chain


def _terminator_to_load(terminator, cls_name, state):
    """``(object, state)`` to restore the saved terminator into, by class; state None: replay.

    The same wrappers around the same class load as a whole; otherwise (a run with a goal
    wrapper resumed without one, or the other way round) the wrapped terminator is loaded alone.
    """
    saved = _saved_chain(cls_name, state)
    current = _terminator_chain(terminator)
    names = [type(t).__name__ for t in current]
    if saved[-1][1] is None:
        return terminator, None
    if [c for c, _ in saved] in (names, [None]) or (len(saved) == 1 and saved[0][0] == names[0]):
        return terminator, state  # same chain, or an older checkpoint (the wrapper loads it)
    if saved[-1][0] == names[-1]:
        return current[-1], saved[-1][1]
    return terminator, None


def _raise_interrupted(signum, frame):
    raise _Interrupted("SIGTERM")


def _last_line_of(text):
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else None


def _last_line(task):
    return _last_line_of(task.error) or task.reason


def _fmt(value):
    return "%.4g" % value if isinstance(value, float) else str(value)


def _status_counts(tasks):
    counts = {}
    for t in tasks:
        counts[t.status] = counts.get(t.status, 0) + 1
    return ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items()))
