"""The trial loop: the mechanics of one run, and nothing that decides.

One event loop in the driver process owns a run's state (:class:`RunState`: which slot runs which
trial, slots whose paused trial is still unwinding, stop deadlines, the time of each slot's last
activity, whether the state needs saving). It launches trials on free slots, turns each
executor event into a state change, asks the terminator for a :class:`~._protocol.Decision` on
every report and answers the worker, finishes, fails or retries trials, kills hung workers, stops
at the time limit and re-queues running trials on an interrupt.

What it asks of its collaborators is their full protocol, built once per run by
``_protocol.py`` (terminator, searcher, goal) plus an executor and two functions (``emit`` for the
callbacks, ``save`` for the checkpoint); it probes none of them. See docs/guides/architecture.md.
"""

import logging
import math
import numbers
import os
import signal
import threading
import time

from ._protocol import Decision, NoGoal
from ._task import Task, TaskStatus

__all__ = ["TrialBook", "RunState", "LoopSettings", "TrialLoop", "Interrupted"]

logger = logging.getLogger("autogluon.scheduler")

_TRACEBACK_LINES = 12  # lines of the first failure's traceback shown on screen
_GO = Decision.GO  # the answer to most reports


class Interrupted(KeyboardInterrupt):
    """SIGTERM during a run: handled like Ctrl-C."""


def _raise_interrupted(signum, frame):
    raise Interrupted("SIGTERM")


class TrialBook:
    """A scheduler's trials across runs: every trial ever started (``tasks``, in order), the ones
    to (re)run before new configurations (``requeue``) and the next trial id."""

    __slots__ = ("tasks", "requeue", "next_task_id", "reward_attr", "sign")

    def __init__(self, reward_attr, sign):
        self.tasks = {}
        self.requeue = []
        self.next_task_id = 0
        self.reward_attr = reward_attr
        self.sign = sign

    def new_task(self, config):
        task = Task(self.next_task_id, config, self.reward_attr, self.sign)
        self.next_task_id += 1
        return task


class LoopSettings:
    """What one run is bounded by and how it names things (plain values)."""

    def __init__(
        self,
        time_attr,
        reward_attr,
        num_trials=None,
        time_out=None,
        trial_timeout=None,
        max_retries=0,
        log_stops=True,
        output_folder=".",
        startup_grace=60.0,
        stop_grace=5.0,
    ):
        self.time_attr = time_attr
        self.reward_attr = reward_attr
        self.num_trials = num_trials
        self.time_out = time_out
        self.trial_timeout = trial_timeout
        self.max_retries = max_retries
        self.log_stops = log_stops
        self.trials_folder = os.path.join(output_folder, "trials")
        self.startup_grace = (
            startup_grace  # seconds a (re)started worker may take before its trial's clock runs
        )
        self.stop_grace = stop_grace  # seconds a stopped or paused trial may take to unwind


class RunState:
    """The state of one run, changed only by the loop."""

    def __init__(self):
        self.running = {}  # slot index -> Task running there
        self.draining = set()  # slots whose paused trial is still unwinding
        self.stop_deadline = {}  # slot -> (when its stopped or paused trial must have unwound, task)
        self.last_activity = {}  # slot -> time.monotonic() of its last sign of life
        self.dirty = False  # something to save once the freed slots have their next trials
        self.nonfinite = set()  # trials that reported a non-finite reward (logged once each)
        self.failures_logged = 0
        self.searcher_done = False


class TrialLoop:
    """One run: ``run(payload, owner)`` blocks until it ends (see the module docstring).

    ``terminator`` and ``searcher`` are the adapters of ``_protocol.py``; ``goal`` answers
    ``reached()`` before a trial is taken and ``update(task)`` after each report; ``emit(hook,
    *args)`` reaches the callbacks; ``save()`` writes the checkpoint and ``save_at_end()`` the
    final one.
    """

    def __init__(
        self, book, terminator, searcher, executor, slots, settings, emit, save, save_at_end, goal=None
    ):
        self.book = book
        self.terminator = terminator
        self.searcher = searcher
        self.executor = executor
        self.slots = slots
        self.settings = settings
        self.emit = emit
        self.save = save
        self.save_at_end = save_at_end
        self.goal = goal if goal is not None else NoGoal()
        self._goal_update = goal.update if goal is not None else None  # no call per report without a goal
        self.state = RunState()

    # -- the run -----------------------------------------------------------------------------------
    def run(self, payload, owner):
        """Start the workers with ``payload()`` (the pickled function and default args), run trials
        until done, the time limit, or an interrupt (running trials are then queued to re-run).
        ``owner`` is what the callbacks' ``on_run_start`` receives (the scheduler)."""
        time_out = self.settings.time_out
        deadline = time.monotonic() + time_out if time_out else None
        old_sigterm = None
        if threading.current_thread() is threading.main_thread():
            old_sigterm = signal.getsignal(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _raise_interrupted)
        self.emit("on_run_start", owner)
        interrupted = False
        try:
            self.executor.start(self.slots, payload())
            self._cycle(deadline)
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            try:
                if interrupted:
                    self.requeue_running()
                self.executor.shutdown()
            finally:
                if old_sigterm is not None:
                    signal.signal(signal.SIGTERM, old_sigterm)
                self.emit("on_run_end")
                self.save_at_end()
                self.executor = None

    def _cycle(self, deadline):
        state, trial_timeout = self.state, self.settings.trial_timeout
        while True:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                self.stop_running("time limit of %gs reached" % self.settings.time_out)
                return
            for slot_index in [
                s.index for s in self.slots if s.index not in state.running and s.index not in state.draining
            ]:
                task = self.next_task()
                if task is None:
                    break
                self.launch(task, slot_index)
            if state.dirty:
                self.save()
                state.dirty = False
            if not state.running and not state.draining:
                return
            wait = 1.0 if deadline is None else max(0.0, min(1.0, deadline - now))
            if trial_timeout is not None:
                oldest = min((state.last_activity[s] for s in state.running), default=now)
                wait = min(wait, max(0.0, oldest + trial_timeout - now))
            for event in self.executor.poll(wait):
                self.handle(event)
            self.kill_hung(time.monotonic())

    # -- taking and launching trials ----------------------------------------------------------------
    def next_task(self):
        """A paused trial to promote, a trial to re-run, or a new configuration; None if nothing."""
        if self.goal.reached():
            return None
        book, settings = self.book, self.settings
        task_id = self.terminator.next_promotion()
        if task_id is not None:
            task = book.tasks[task_id]
            logger.info(
                "trial %d promoted: resuming from %s=%s",
                task_id,
                settings.time_attr,
                task.last_result[settings.time_attr] if task.last_result else None,
            )
            return task
        if book.requeue:
            return book.requeue.pop(0)
        if self.state.searcher_done:
            return None
        if settings.num_trials is not None and len(book.tasks) >= settings.num_trials:
            return None
        config = self.searcher.get_config()
        if config is None:
            self.state.searcher_done = True
            logger.info("the searcher has no more configurations after %d trials", len(book.tasks))
            return None
        return book.new_task(config)

    def launch(self, task, slot_index):
        resumed = task.status == TaskStatus.PAUSED
        if not resumed:
            task.reset_history()
            task.error = None
            task.reason = None
        task.status = TaskStatus.RUNNING
        task.attempts += 1
        task.start_time = task.start_time or time.time()
        self.book.tasks[task.task_id] = task
        if not resumed:
            self.terminator.add(task)
            self.searcher.register_pending(task.config)
        self.state.running[slot_index] = task
        # A worker may first have to start (imports): the trial's clock starts when it says "started".
        self.state.last_activity[slot_index] = time.monotonic() + self.settings.startup_grace
        self.emit("on_task_start", task)
        self.executor.submit(
            slot_index,
            {
                "task_id": task.task_id,
                "config": task.config,
                "reward_attr": self.settings.reward_attr,
                "time_attr": self.settings.time_attr,
                "trial_dir": os.path.join(self.settings.trials_folder, "trial_%d" % task.task_id),
            },
        )

    # -- events -------------------------------------------------------------------------------------
    def handle(self, event):
        """One executor event: ``(kind, slot, task_id, ...)``, kind 'started', 'report', 'done' or 'died'."""
        kind, slot_index, task_id = event[0], event[1], event[2]
        state = self.state
        if kind in ("done", "died"):
            state.stop_deadline.pop(slot_index, None)
        if slot_index in state.draining:
            if kind in ("done", "died"):
                state.draining.discard(slot_index)
            elif kind == "report":
                self.kill_lingering(
                    slot_index, self.book.tasks[task_id], "reported again after it was paused"
                )
            return
        task = state.running.get(slot_index)
        if task is None or task.task_id != task_id:
            return  # a late message from a trial that was already killed
        if kind == "report" and task.status != TaskStatus.RUNNING:
            self.kill_lingering(slot_index, task, "reported again after it was stopped")
        elif kind == "started":
            state.last_activity[slot_index] = time.monotonic()
        elif kind == "report":
            self.on_report(slot_index, task, event[3])
        elif kind == "done":
            del state.running[slot_index]
            self.on_done(task, event[3], event[4])
        elif kind == "died":
            del state.running[slot_index]
            if task.status == TaskStatus.RUNNING:
                self.log_failure(task, event[3])
            self.fail(task, event[3], event[3])

    def on_report(self, slot_index, task, result):
        """A report: record it, show it to the callbacks and the searcher, answer the worker with
        the terminator's decision and carry the decision out."""
        state, settings = self.state, self.settings
        state.last_activity[slot_index] = time.monotonic()
        task.add_result(result)
        reward = result[settings.reward_attr]
        if (
            isinstance(reward, numbers.Real)
            and not math.isfinite(reward)
            and task.task_id not in state.nonfinite
        ):
            state.nonfinite.add(task.task_id)
            logger.warning(
                "trial %d reported %s=%r at %s=%s: a non-finite reward counts as the worst possible value",
                task.task_id,
                settings.reward_attr,
                reward,
                settings.time_attr,
                result[settings.time_attr],
            )
        self.emit("on_report", task, result)
        if self.searcher.learns_from_reports:
            # Model-based searchers learn from every report (a stopped trial is evidence at its rung).
            self.searcher.on_report(task.config, reward, result[settings.time_attr])
        decision = self.terminator.decide(task, result)
        keep_going = decision is _GO or decision.action == Decision.CONTINUE
        self.executor.reply(slot_index, task.task_id, keep_going)
        if not keep_going:
            state.stop_deadline[slot_index] = (time.monotonic() + settings.stop_grace, task)
            self.carry_out(slot_index, task, result, decision)
        if self._goal_update is not None:
            self._goal_update(task)

    def carry_out(self, slot_index, task, result, decision):
        """A decision other than continue: the trial completes, pauses or stops."""
        settings = self.settings
        detail = " (%s)" % decision.detail if decision.detail else ""
        if decision.action == Decision.COMPLETE:
            self.finish(task, TaskStatus.COMPLETED, reason=decision.reason)
        elif decision.action == Decision.PAUSE:
            # The slot stays busy until the worker has unwound, but the task is free to be
            # promoted (even onto another slot) at once: events from this slot no longer concern it.
            del self.state.running[slot_index]
            self.state.draining.add(slot_index)
            task.status = TaskStatus.PAUSED
            task.reason = decision.reason
            self.emit("on_task_end", task)
            logger.info(
                "trial %d paused at %s=%s%s",
                task.task_id,
                settings.time_attr,
                result[settings.time_attr],
                detail,
            )
            self.state.dirty = True
        else:
            self.finish(task, TaskStatus.STOPPED, reason=decision.reason)
            if settings.log_stops:
                logger.info(
                    "trial %d stopped at %s=%s, %s=%s%s",
                    task.task_id,
                    settings.time_attr,
                    result[settings.time_attr],
                    settings.reward_attr,
                    result[settings.reward_attr],
                    detail,
                )

    def on_done(self, task, outcome, error):
        if outcome == "failed":
            self.log_failure(task, "raised an exception", error)
            self.fail(task, "raised an exception", error)
        elif outcome == "stopped":
            # The worker unwound after a stop decision that on_report already recorded.
            if task.status == TaskStatus.RUNNING:
                self.finish(task, TaskStatus.STOPPED, reason="stopped")
        else:
            self.finish(task, TaskStatus.COMPLETED)

    # -- ends of trials -------------------------------------------------------------------------------
    def finish(self, task, status, reason=None, error=None):
        if task.status in TaskStatus.FINISHED:
            return
        task.status = status
        task.reason = reason
        task.error = error
        task.end_time = time.time()
        if status == TaskStatus.COMPLETED and task.history:
            self.terminator.complete(task, task.last_result)
        else:
            self.terminator.remove(task)
        if task.history and status != TaskStatus.FAILED:
            self.searcher.update(task.config, task.best_reward)
        else:
            self.searcher.evaluation_failed(task.config)
        if status == TaskStatus.COMPLETED and not task.history:
            logger.warning(
                "trial %d finished without calling reporter(); it has no %s",
                task.task_id,
                self.settings.reward_attr,
            )
        self.emit("on_task_end", task)
        self.state.dirty = True  # saved by the loop once the freed slot has its next trial

    def fail(self, task, reason, error):
        """A trial failed (raised, died, hung): retry it if allowed, else record it as failed."""
        if task.status != TaskStatus.RUNNING:
            return
        max_retries = self.settings.max_retries
        if task.attempts <= max_retries:
            logger.warning(
                "trial %d failed (%s); retrying it (attempt %d of %d)",
                task.task_id,
                reason,
                task.attempts + 1,
                max_retries + 1,
            )
            task.status = TaskStatus.PENDING
            task.reason, task.error = reason, error
            self.book.requeue.append(task)
            self.state.dirty = True
            return
        self.finish(task, TaskStatus.FAILED, reason=reason, error=error)

    def log_failure(self, task, reason, error=None):
        """The first failure of a run is shown with its traceback's end; later ones in one line."""
        self.state.failures_logged += 1
        if self.state.failures_logged == 1:
            tail = "\n".join((error or "").strip().splitlines()[-_TRACEBACK_LINES:])
            logger.error(
                "trial %d (config %r) failed: %s%s\n(later failures are shown in one line each; "
                "scheduler.get_trials() lists them all with their errors)",
                task.task_id,
                task.config,
                reason,
                "\n" + tail if tail and tail != reason else "",
            )
        else:
            logger.warning(
                "trial %d (config %r) failed: %s", task.task_id, task.config, last_line_of(error) or reason
            )

    # -- killing ---------------------------------------------------------------------------------------
    def kill_hung(self, now):
        state, settings = self.state, self.settings
        for slot_index, (deadline, task) in list(state.stop_deadline.items()):
            if now >= deadline:
                self.kill_lingering(
                    slot_index,
                    task,
                    "is still running %gs after it was %s"
                    % (settings.stop_grace, "paused" if slot_index in state.draining else "stopped"),
                )
        if settings.trial_timeout is None:
            return
        for slot_index, task in list(state.running.items()):
            if task.status != TaskStatus.RUNNING:
                continue  # stopped, still unwinding: the stop grace applies
            if now - state.last_activity[slot_index] >= settings.trial_timeout:
                self.executor.kill(slot_index)
                del state.running[slot_index]
                reason = "no report for %gs (trial_timeout)" % settings.trial_timeout
                self.log_failure(task, reason)
                self.fail(task, reason, reason)

    def kill_lingering(self, slot_index, task, what):
        """A trial that goes on after it was stopped or paused: kill its worker, free its slot."""
        self.state.running.pop(slot_index, None)
        self.state.draining.discard(slot_index)
        self.state.stop_deadline.pop(slot_index, None)
        self.executor.kill(slot_index)
        logger.warning(
            "trial %d %s (its training function goes on after the stop: does it catch "
            "TrialStopped, e.g. with a bare 'except:'?); its worker was killed to free the slot, "
            "the trial stays %s",
            task.task_id,
            what,
            task.status,
        )

    def stop_running(self, reason):
        """The time limit: every running trial stops (one that never reported stays pending)."""
        for slot_index, task in list(self.state.running.items()):
            self.executor.kill(slot_index)
            del self.state.running[slot_index]
            if not task.history:
                # It never reported: it has not really run. Keep it pending (a resume runs it).
                task.status = TaskStatus.PENDING
                self.book.requeue.insert(0, task)
                logger.info(
                    "trial %d had not reported when stopped (%s); it stays pending", task.task_id, reason
                )
                continue
            logger.info("trial %d stopped: %s", task.task_id, reason)
            self.finish(task, TaskStatus.STOPPED, reason=reason)

    def requeue_running(self):
        """An interrupt: the running trials are queued to run again (a resume runs them)."""
        for slot_index, task in list(self.state.running.items()):
            self.executor.kill(slot_index)
            if task.status == TaskStatus.RUNNING:
                task.status = TaskStatus.PENDING
                self.book.requeue.insert(0, task)
        self.state.running = {}


def last_line_of(text):
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else None
