"""TaskScheduler: builds a run's parts and runs them; the base of FIFO and Hyperband schedulers.

The rooms of a scheduler:

- this module: the facade (checks the options, builds the searcher, terminator, executor and
  callbacks, runs the loop, logs the summary);
- ``_loop.py``: the trial loop, the mechanics of one run (no policy, no probing);
- ``_protocol.py``: ``Decision`` and the adapters that give the loop one full protocol for any
  terminator, searcher and callback;
- ``_state.py``: ``state_dict`` / ``load_state_dict``, checkpoint, journal, resume;
- ``_results.py``: best trial, ``get_trials`` / ``get_results``, training curves.

See docs/guides/architecture.md.
"""

import argparse
import logging
import os
import shutil
import tempfile
import time
import weakref

from ..core._decorators import TrainFunction, as_namespace_or_dict
from ..core._lock import lock_folder
from ..core._serialize import dumps
from ..core._validate import (
    check_bool,
    check_callable,
    check_choice,
    check_instance,
    check_int,
    check_seconds,
    check_str,
)
from ._callbacks import ProgressCallback, TensorBoardCallback
from ._checkpoint import load_checkpoint
from ._executor import make_executor
from ._loop import Interrupted, LoopSettings, TrialBook, TrialLoop, last_line_of
from ._protocol import CallbackList, SearcherAdapter, TerminatorAdapter, is_terminator
from ._results import ResultsMixin
from ._state import StateMixin
from ._task import TaskStatus
from .resource import plan_slots, validate_resource

__all__ = ["TaskScheduler"]

logger = logging.getLogger("autogluon.scheduler")

_VISUALIZERS = ("none", "tensorboard")
_STARTUP_GRACE = 60.0  # seconds a (re)started worker may take before its trial's clock runs
_STOP_GRACE = 5.0  # seconds a stopped or paused trial may take to unwind before its worker is killed
_Interrupted = Interrupted  # the name before the loop had its own module


class TaskScheduler(ResultsMixin, StateMixin):
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

    def __init__(
        self,
        train_fn,
        args=None,
        resource=None,
        searcher="random",
        checkpoint="./exp/checkpoint.ag",
        resume=False,
        num_trials=None,
        time_attr="epoch",
        reward_attr="accuracy",
        visualizer="none",
        *,
        terminator=None,
        time_out=None,
        time_limits=None,
        seed=None,
        mode="max",
        max_concurrent=None,
        executor="local",
        progress=True,
        searcher_options=None,
        max_t=None,
        preload=(),
        checkpoint_fsync=True,
        log_stops=True,
        trial_timeout=None,
        max_retries=0,
        dask_client=None,
    ):
        self.train_fn = check_callable("train_fn", train_fn, allowed="a callable train_fn(args, reporter)")
        self.args = _check_args(args)
        self.resource = validate_resource(resource)
        checkpoint = check_instance(
            "checkpoint", checkpoint, (str, os.PathLike), "a file path", allow_none=True
        )
        self.checkpoint = os.fspath(checkpoint) if checkpoint is not None else None
        self.resume = check_bool("resume", resume)
        self.mode = check_choice("mode", mode, ("max", "min"))
        self.visualizer = check_choice("visualizer", visualizer, _VISUALIZERS)
        self.seed = check_int("seed", seed, allow_none=True)
        if time_out is not None and time_limits is not None:
            raise ValueError("give time_out or time_limits (the same thing), not both")
        self.num_trials = check_int("num_trials", num_trials, low=1, allow_none=True)
        self.time_attr = check_str("time_attr", time_attr)
        self.reward_attr = check_str("reward_attr", reward_attr)
        self.time_out = check_seconds("time_out", time_out if time_out is not None else time_limits)
        self._sign = 1.0 if self.mode == "max" else -1.0
        self.max_t = check_seconds("max_t", max_t)
        self.trial_timeout = check_seconds("trial_timeout", trial_timeout)
        self.max_retries = check_int("max_retries", max_retries, low=0)
        self.progress = bool(progress)
        self.preload = list(preload)
        self.checkpoint_fsync = checkpoint_fsync
        self.log_stops = log_stops
        self._executor_spec, self._slots = self._plan_executor(executor, dask_client, max_concurrent)
        self.searcher = self._make_searcher(searcher, searcher_options or {})
        self.terminator = self._make_terminator(terminator)
        self._init_run_state()
        if resume:
            self._resume_from_checkpoint()

    # -- construction helpers -------------------------------------------------
    def _init_run_state(self):
        self._book = TrialBook(self.reward_attr, self._sign)  # tasks, trials to re-run, next id
        self._noted = set()
        self._output_dir = None
        self._pending_terminator = None
        self._journal = None
        self._loop = None
        self._term_adapter = None
        self._search_adapter = None
        self._active_callbacks = CallbackList()

    def _plan_executor(self, executor, dask_client, max_concurrent):
        """``(executor spec, slots)``: the executor is checked now; local ones are built anew per run."""
        if dask_client is not None:
            from ._dask import DaskExecutor

            executor = DaskExecutor(dask_client, preload=self.preload)
        built = make_executor(executor)
        if hasattr(built, "plan_slots"):
            return executor, built.plan_slots(self.resource, max_concurrent=max_concurrent)
        return executor, plan_slots(self.resource, max_concurrent=max_concurrent)

    def _resume_from_checkpoint(self):
        if self.checkpoint and os.path.exists(self.checkpoint):
            self.load_state_dict(load_checkpoint(self.checkpoint))
            logger.info(
                "resumed from %s: %d trials finished, %d to re-run",
                self.checkpoint,
                self.num_finished,
                len(self._requeue),
            )
        else:
            logger.warning(
                "resume=True but there is no checkpoint at %s; starting from scratch", self.checkpoint
            )

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
            raise ValueError(
                "searcher_options only apply when searcher is a name or a class, "
                "not an object (%r)" % (searcher,)
            )
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
        if not is_terminator(terminator):
            raise TypeError(
                "terminator must be a name or an object with on_task_report(task, result) -> bool, "
                "got %r" % (terminator,)
            )
        return terminator

    # -- the trial book (kept as the attributes they were) --------------------------------------
    @property
    def tasks(self):
        """``{task_id: Task}``: every trial ever started, in order."""
        return self._book.tasks

    @tasks.setter
    def tasks(self, value):
        self._book.tasks = value

    @property
    def _requeue(self):
        return self._book.requeue

    @_requeue.setter
    def _requeue(self, value):
        self._book.requeue = value

    @property
    def _next_task_id(self):
        return self._book.next_task_id

    @_next_task_id.setter
    def _next_task_id(self, value):
        self._book.next_task_id = value

    @property
    def _running(self):
        """``{slot: Task}`` of the current (or last) run."""
        return self._loop.state.running if self._loop is not None else {}

    @property
    def _nonfinite(self):
        """Ids of the trials of the current (or last) run that reported a non-finite reward."""
        return self._loop.state.nonfinite if self._loop is not None else set()

    # -- adapters: the terminator and the searcher as the loop sees them ------------------------
    def _terminator_adapter(self):
        adapter = self._term_adapter
        if adapter is None or adapter.terminator is not self.terminator:
            adapter = self._term_adapter = TerminatorAdapter(self.terminator, self.time_attr, self.max_t)
        return adapter

    def _searcher_adapter(self):
        adapter = self._search_adapter
        if adapter is None or adapter.searcher is not self.searcher:
            adapter = self._search_adapter = SearcherAdapter(self.searcher, self._sign)
        return adapter

    def _goal(self):
        """What ends the search early besides the trial count and the time (None: nothing);
        ``_fifo.py``'s ``max_reward`` returns a :class:`~._protocol.MaxRewardGoal`."""
        return None

    # -- running ---------------------------------------------------------------------------------
    def run(self, num_trials=None, time_out=None):
        """Run trials until ``num_trials`` have been started and finished, the time limit
        passes, or the searcher runs out of configurations. Blocks until done.

        ``num_trials`` counts every trial of this scheduler, including those restored
        from a checkpoint. ``time_out`` (seconds) bounds this call: trials still running
        at the limit are stopped.
        """
        num_trials = check_int("num_trials", num_trials, low=1, allow_none=True) or self.num_trials
        time_out = check_seconds("time_out", time_out) or self.time_out
        # Built once per run: the terminator may have been replaced since __init__ (the tutorial does).
        self._term_adapter = TerminatorAdapter(self.terminator, self.time_attr, self.max_t)
        self._search_adapter = SearcherAdapter(self.searcher, self._sign)
        size = self._search_adapter.size
        if num_trials is None and time_out is None and (size is None or size == float("inf")):
            raise ValueError(
                "set num_trials or a time limit (time_out): the search space is infinite, "
                "so the search would never end"
            )
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
            raise ValueError(
                "checkpoint must be a file path, but %s is a folder (e.g. give %s)"
                % (self.checkpoint, os.path.join(self.checkpoint, "checkpoint.ag"))
            )
        return lock_folder(self._output_folder(), "checkpoint folder")

    def _warn_small_space(self, size, num_trials):
        if num_trials is None or size is None or size == float("inf") or num_trials <= size:
            return
        if size == 1:
            logger.warning(
                "num_trials=%d, but the search space has only one distinct configuration "
                "(%s): only one trial will run. Give train_fn search spaces (e.g. "
                "@ag.args(lr=ag.space.Real(1e-3, 1e-1, log=True))) to search.",
                num_trials,
                "train_fn declares no search space"
                if not len(self._search_space())
                else "every search space has a single value",
            )
        else:
            logger.warning(
                "num_trials=%d, but the search space has only %d distinct configurations: "
                "at most %d trials will run",
                num_trials,
                size,
                size,
            )

    def _run_loop(self, num_trials, time_out):
        _warn_legacy_overrides(type(self))
        self._restore_terminator()
        self._active_callbacks = CallbackList(self._callbacks(num_trials, time_out))
        executor = make_executor(self._executor_spec)
        if self.preload and hasattr(executor, "preload"):
            executor.preload = list(self.preload)
        settings = LoopSettings(
            self.time_attr,
            self.reward_attr,
            num_trials=num_trials,
            time_out=time_out,
            trial_timeout=self.trial_timeout,
            max_retries=self.max_retries,
            log_stops=self.log_stops,
            output_folder=self._output_folder(),
            startup_grace=_STARTUP_GRACE,
            stop_grace=_STOP_GRACE,
        )
        # _emit and _save_at_end are looked up now, so that an instance may wrap them (tests do);
        # without such a wrapper the loop calls the callbacks directly (one call less per event).
        emit = self._emit
        if "_emit" not in vars(self) and type(self)._emit is TaskScheduler._emit:
            emit = self._active_callbacks.emit
        self._loop = TrialLoop(
            self._book,
            self._term_adapter,
            self._search_adapter,
            executor,
            self._slots,
            settings,
            emit=emit,
            save=self.save,
            save_at_end=self._save_at_end,
            goal=self._goal(),
        )
        start = time.monotonic()
        # The function and its default args go to each worker once (by value where needed).
        self._loop.run(lambda: dumps((self.train_fn, self.args)), self)
        self._log_run_end(start)
        return self

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
            logger.info(
                "checkpoint=None: the trial folders and TensorBoard logs are in %s, which is "
                "kept (pass checkpoint= to choose the folder)",
                folder,
            )
        else:
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        return folder

    def _callbacks(self, num_trials, time_out):
        callbacks = []
        if self.visualizer == "tensorboard":
            callbacks.append(
                TensorBoardCallback(os.path.join(self._output_folder(), "tensorboard"), self.time_attr)
            )
        if self.progress:
            callbacks.append(ProgressCallback(num_trials, time_out, self.reward_attr))
        if self._open_journal() is not None:
            callbacks.append(self._journal)  # it notes the trials that start and end
        return callbacks

    def _emit(self, hook, *args):
        """Call ``hook`` of the run's callbacks (the loop calls the callbacks through this)."""
        self._active_callbacks.emit(hook, *args)

    def _log_run_end(self, start):
        """The end-of-run summary; what went wrong is shown even when the user configured no logging."""
        logger.info(
            "run finished: %d trials (%s), best %s=%s, %.1fs",
            len(self.tasks),
            _status_counts(self.tasks.values()),
            self.reward_attr,
            self.get_best_reward(),
            time.monotonic() - start,
        )
        failed = [t for t in self.tasks.values() if t.status == TaskStatus.FAILED]
        if failed:
            logger.warning(
                "%d of %d trials failed: see scheduler.get_trials() (first: trial %d, %s)",
                len(failed),
                len(self.tasks),
                failed[0].task_id,
                _last_line(failed[0]),
            )
        nonfinite = self._nonfinite
        if nonfinite:
            logger.warning(
                "%d of %d trials reported a non-finite %s (trials %s); it counted as the worst "
                "possible value",
                len(nonfinite),
                len(self.tasks),
                self.reward_attr,
                ", ".join(map(str, sorted(nonfinite))),
            )

    def join_tasks(self):
        """Wait for running trials. :meth:`run` already blocks until they finish, so this returns at once."""
        return None

    def __repr__(self):
        return "%s(trials=%d, finished=%d, searcher=%r, terminator=%r)" % (
            type(self).__name__,
            len(self.tasks),
            self.num_finished,
            self.searcher,
            self.terminator,
        )


_LEGACY_HOOKS = ("_next_task", "_on_report", "_launch", "_finish", "_handle")


def _warn_legacy_overrides(cls):
    """The loop's steps were TaskScheduler methods before the loop had its own module (``_loop.py``);
    a subclass that overrides one would now be ignored silently: say so."""
    for name in _LEGACY_HOOKS:
        owner = next((c for c in cls.__mro__ if name in vars(c)), None)
        if owner is not None:
            logger.warning(
                "%s.%s is no longer called: the trial loop lives in autogluon.scheduler._loop. "
                "End a search early with a goal (_goal(), see _fifo.py) or decide in a "
                "terminator instead",
                owner.__name__,
                name,
            )


def _check_args(args):
    args = as_namespace_or_dict(args)  # an ArgumentParser (2019 notebooks) gives its defaults
    if args is not None and not isinstance(args, (argparse.Namespace, dict)):
        raise TypeError("args must be an argparse.Namespace, a dict or None, got %s" % type(args).__name__)
    return args


def _last_line(task):
    return last_line_of(task.error) or task.reason


def _status_counts(tasks):
    counts = {}
    for t in tasks:
        counts[t.status] = counts.get(t.status, 0) + 1
    return ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items()))
