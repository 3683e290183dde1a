"""A scheduler's state on disk: ``state_dict`` / ``load_state_dict``, saving (a whole snapshot,
or a snapshot plus a journal during a run, see ``_journal.py``) and restoring the terminator on
resume (by loading its saved state, or by replaying the recorded reports into it).

:class:`StateMixin` reads ``self.tasks``, ``self._requeue``, ``self._next_task_id``,
``self.checkpoint`` and the adapters ``self._terminator_adapter()`` / ``self._searcher_adapter()``;
TaskScheduler inherits it.
"""

import logging
import os

from ._checkpoint import CheckpointError, save_checkpoint
from ._fingerprint import check_fingerprint, fingerprint
from ._journal import Journal
from ._protocol import saved_chain
from ._task import Task, TaskStatus

__all__ = ["StateMixin"]

logger = logging.getLogger("autogluon.scheduler")


class StateMixin:
    """Persistence of a scheduler (see the module docstring)."""

    def _note_once(self, key, message, *args):
        if key not in self._noted:
            self._noted.add(key)
            logger.info(message, *args)

    def _terminator_state(self):
        state = self._terminator_adapter().state()
        if saved_chain(None, state)[-1][1] is None:
            self._note_once(
                "terminator-state",
                "%s has no state_dict(); its state is rebuilt on resume by replaying the recorded reports",
                type(self.terminator).__name__,
            )
        return state

    def _fingerprint(self):
        space = self._searcher_adapter().configspace
        return fingerprint(space if space is not None else self._search_space(), self.train_fn)

    def state_dict(self, destination=None):
        """Everything needed to resume: searcher, terminator, finished trials, trials to re-run."""
        running = [t for t in self.tasks.values() if t.status in (TaskStatus.RUNNING, TaskStatus.PENDING)]
        state = {
            "scheduler": type(self).__name__,
            "time_attr": self.time_attr,
            "reward_attr": self.reward_attr,
            "mode": self.mode,
            "searcher": self._searcher_adapter().state(),
            "terminator": self._terminator_state(),
            "terminator_class": type(self.terminator).__name__,
            "tasks": [t.to_state() for t in self.tasks.values() if t not in running],
            "rerun": [{"task_id": t.task_id, "config": t.config, "attempts": t.attempts} for t in running]
            + [
                {"task_id": t.task_id, "config": t.config, "attempts": t.attempts}
                for t in self._requeue
                if t not in running
            ],
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
        for key, mine in (
            ("time_attr", self.time_attr),
            ("reward_attr", self.reward_attr),
            ("mode", self.mode),
        ):
            if state.get(key) not in (None, mine):
                raise ValueError(
                    "the checkpoint was written with %s=%r but this scheduler has %s=%r"
                    % (key, state[key], key, mine)
                )
        check_fingerprint(
            state.get("fingerprint"), self._fingerprint(), self.checkpoint or "the state", logger
        )
        self._searcher_adapter().restore(state.get("searcher"))
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
        """Restore the terminator saved in a loaded state (once): by loading, else by replaying."""
        pending, self._pending_terminator = self._pending_terminator, None
        if pending is None:
            return
        if not self._terminator_adapter().restore(*pending):
            self._replay_into_terminator()

    def _replay_into_terminator(self):
        """Rebuild a stateless terminator's knowledge from the recorded reports."""
        self._terminator_adapter().replay(self.tasks.values())

    def save(self, checkpoint=None):
        """Write the state to ``checkpoint`` (default: the scheduler's checkpoint file) atomically.

        During :meth:`run` the scheduler's own checkpoint is a snapshot plus a journal: a save
        appends what changed (see ``_journal.py``); outside it, the file holds the whole state.
        """
        path = checkpoint or self.checkpoint
        if not path:
            return None
        journal = self._journal
        if journal is not None and os.path.abspath(path) == os.path.abspath(journal.path):
            journal.save(self)
            return path
        save_checkpoint(self._full_state(), path, fsync=self.checkpoint_fsync)
        return path

    def _full_state(self):
        state = self.state_dict()
        if state is None:  # a subclass's state_dict that returns nothing (as in the tutorial)
            self._note_once(
                "scheduler-state",
                "%s.state_dict() returned None; checkpointing the core scheduler state instead",
                type(self).__name__,
            )
            state = StateMixin.state_dict(self)
        return state

    def _open_journal(self):
        """The journal of this run, or None (no checkpoint; or a subclass with its own state_dict,
        whose extra keys only a whole snapshot captures: it is saved whole, as before)."""
        if not self.checkpoint or type(self).state_dict is not StateMixin.state_dict:
            return None
        self._journal = Journal(self.checkpoint, fsync=self.checkpoint_fsync)
        return self._journal

    def _save_at_end(self):
        journal, self._journal = self._journal, None
        if journal is None:
            self.save()
        else:
            journal.close(self)  # one last snapshot; the journal file goes
