"""A trial as the scheduler and the terminators see it."""

import math
import sys

__all__ = ["Task", "TaskStatus"]


class TaskStatus:
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"  # Hyperband promotion: waiting at a rung, may resume
    COMPLETED = "completed"  # the training function returned (or reached max_t)
    STOPPED = "stopped"  # ended early by the terminator or the time limit
    FAILED = "failed"  # raised, or its process died
    FINISHED = (COMPLETED, STOPPED, FAILED)


class Task:
    """One trial: its id, configuration, status and every result it reported.

    Hashable by ``task_id``; the scheduler passes the same object in every
    terminator call about one trial.
    """

    __slots__ = (
        "task_id",
        "config",
        "status",
        "history",
        "error",
        "reason",
        "attempts",
        "start_time",
        "end_time",
        "_sign",
        "_reward_attr",
        "best_reward",
    )

    def __new__(cls, *args, **kwargs):
        # Aug 2019's Task(fn, args, resources) is a job for TaskScheduler().add_task, not a trial record.
        if cls is Task and ((args and callable(args[0])) or "fn" in kwargs):
            from ._jobs import Job

            return Job(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, task_id, config, reward_attr="accuracy", sign=1.0):
        self.task_id = int(task_id)
        self.config = dict(config)
        self.status = TaskStatus.PENDING
        self.history = []
        self.error = None
        self.reason = None
        self.attempts = 0
        self.start_time = None
        self.end_time = None
        self._sign = sign
        self._reward_attr = reward_attr
        self.best_reward = -math.inf  # normalized: larger is better

    def __hash__(self):
        return hash(self.task_id)

    def __eq__(self, other):
        return isinstance(other, Task) and other.task_id == self.task_id

    def add_result(self, result):
        # Each report arrives with its own copies of the key strings: share one copy per name
        # (a long run keeps hundreds of thousands of these dicts).
        result = {sys.intern(k) if type(k) is str else k: v for k, v in result.items()}
        self.history.append(result)
        value = self._sign * result[self._reward_attr]
        # A non-finite reward (NaN, a diverged +-inf) is the worst value: it never becomes the best.
        if value > self.best_reward and math.isfinite(value):
            self.best_reward = value

    @property
    def last_result(self):
        return self.history[-1] if self.history else None

    @property
    def best_user_reward(self):
        """The best reported reward in the user's units (None without a report)."""
        if self.best_reward == -math.inf:
            return None
        return self._sign * self.best_reward

    def reset_history(self):
        self.history = []
        self.best_reward = -math.inf

    def to_state(self):
        return {k: getattr(self, k) for k in self.__slots__}

    @classmethod
    def from_state(cls, state):
        task = cls.__new__(cls)
        for k in cls.__slots__:
            setattr(task, k, state[k])
        return task

    def __repr__(self):
        return "Task(%d, %s, config=%r)" % (self.task_id, self.status, self.config)
