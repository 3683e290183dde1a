"""What a training function calls every epoch.

``reporter(epoch=3, accuracy=0.91, loss=0.2)`` sends one result to the
scheduler and waits for its decision. If the scheduler stops (or pauses) the
trial, the call raises :class:`TrialStopped`, so a stopped trial trains no
further. ``TrialStopped`` derives from ``BaseException`` so that a training
function's ``except Exception`` does not swallow it.
"""

import logging
import math
import numbers
import os

from ..core._validate import fail_type, is_real

__all__ = ["StatusReporter", "LocalStatusReporter", "TrialStopped"]

logger = logging.getLogger(__name__)


class TrialStopped(BaseException):
    """Raised inside a training function when the scheduler ends its trial."""


def _plain(value):
    """numpy scalars -> Python numbers so results pickle small and compare cleanly."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "size", None) == 1:
        return _plain(item())
    return value


def validate_result(result, reward_attr, time_attr):
    """Check one report; returns it with plain Python values. Raises ValueError naming a missing key."""
    for role, key in (("reward_attr", reward_attr), ("time_attr", time_attr)):
        if key not in result:
            raise ValueError(
                "reporter() was called without %r, the scheduler's %s; it got keys: %s. "
                "Report it every epoch, e.g. reporter(%s=..., %s=...)"
                % (key, role, ", ".join(sorted(result)) or "(none)", time_attr, reward_attr)
            )
    clean = {k: _plain(v) for k, v in result.items()}
    for key in (reward_attr, time_attr):
        value = clean[key]
        if not is_real(value):
            raise fail_type("reporter(): " + key, "a number", result[key])
    if math.isnan(clean[time_attr]):
        raise ValueError("reporter(): %s must not be NaN" % time_attr)
    return clean


class StatusReporter:
    """The reporter a trial's training function receives.

    Attributes
    ----------
    task_id : int
        The trial's id.
    trial_dir : str
        A folder private to this trial, kept across pauses and resumes (for
        Hyperband's promotion type), where the function may save its state.
    """

    def __init__(self, task_id, send, reward_attr="accuracy", time_attr="epoch", trial_dir=None):
        self.task_id = task_id
        self._send = send  # callable(result) -> bool (continue?)
        self._reward_attr = reward_attr
        self._time_attr = time_attr
        self.trial_dir = trial_dir
        self.last_result = None
        self.num_reports = 0

    def __call__(self, **result):
        clean = validate_result(result, self._reward_attr, self._time_attr)
        self.last_result = clean
        self.num_reports += 1
        if not self._send(clean):
            raise TrialStopped(
                "trial %d stopped by the scheduler at %s=%s"
                % (self.task_id, self._time_attr, clean[self._time_attr])
            )

    # -- state a training function keeps across pauses (Hyperband promotion) --
    def _state_path(self):
        if not self.trial_dir:
            raise RuntimeError("this reporter has no trial_dir, so it cannot save state")
        return os.path.join(self.trial_dir, "state.pkl")

    def save_dict(self, **state):
        """Save the training function's own state (e.g. epoch, parameters) atomically."""
        import dill

        path = self._state_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp.%d" % os.getpid()
        with open(tmp, "wb") as f:
            dill.dump(state, f)
        os.replace(tmp, path)

    def load_dict(self):
        """The state last given to :meth:`save_dict` in this trial, or ``None``."""
        import dill

        if not self.trial_dir:
            return None
        path = self._state_path()
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            return dill.load(f)

    def __repr__(self):
        return "StatusReporter(task_id=%r, reports=%d)" % (self.task_id, self.num_reports)


class LocalStatusReporter(StatusReporter):
    """Reporter used when a training function runs by itself (debugging): logs and always continues."""

    def __init__(self, reward_attr="accuracy", time_attr="epoch", trial_dir=None):
        super().__init__(0, self._log, reward_attr, time_attr, trial_dir)
        self.results = []

    def _log(self, result):
        self.results.append(result)
        logger.info("report: %s", result)
        return True

    def __call__(self, **result):
        # Outside a scheduler, keys are not enforced: the function may be under construction.
        clean = {k: _plain(v) for k, v in result.items()}
        self.last_result = clean
        self.num_reports += 1
        self._log(clean)
