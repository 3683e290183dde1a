"""The terminator protocol and the helpers shared by the built-in terminators.

A *terminator* is a small, pure decision object. A scheduler tells it when a
trial starts (``on_task_add``), shows it every report the trial makes
(``on_task_report``, which answers ``True`` to continue and ``False`` to stop
-- or, for terminators with ``pauses_trials = True``, to pause), and tells it
when the trial ends (``on_task_complete`` / ``on_task_remove``).

Terminators do no I/O, start no threads or processes and take no locks. Given
the same seed and the same calls they make the same decisions, and their whole
state round-trips through ``state_dict()`` / ``load_state_dict()``.

Example::

    >>> from autogluon.scheduler.terminator import BaseTerminator
    >>> class StopBelow(BaseTerminator):
    ...     def on_task_report(self, task, result):
    ...         _, _, reward = self._read_result(result)
    ...         return reward >= 0.1
"""

import copy
import logging
import math

from ...core._validate import check_choice, check_instance, check_str, fail_type, is_int, is_real

logger = logging.getLogger(__name__)

__all__ = ['BaseTerminator']

_MODES = {'max': 1.0, 'min': -1.0}


def _task_id_of(task):
    """The int key a terminator files a trial under (``task.task_id``; a bare int is accepted too)."""
    if is_int(task):
        return int(task)
    try:
        task_id = task.task_id
    except AttributeError:
        raise fail_type('task', 'an int or an object with an int attribute task_id', task) from None
    if not is_int(task_id):
        raise fail_type('task.task_id', 'an int', task_id)
    return int(task_id)


class BaseTerminator:
    """Base class of the terminators: never stops anything by itself.

    Parameters
    ----------
    time_attr : str
        Key of the reported "time" (progress) value, e.g. ``'training_epoch'``.
    reward_attr : str
        Key of the reported reward, e.g. ``'accuracy'``.
    mode : {'max', 'min'}
        Whether a larger or a smaller reward is better. Normalized once here:
        internally every terminator maximizes ``sign * reward``.

    Attributes
    ----------
    last_stop_info : dict or None
        Set whenever ``on_task_report`` returns ``False``: ``task_id``, ``time``,
        ``reward`` (user units), ``rule`` and rule-specific keys.
    pauses_trials : bool
        ``True`` when a ``False`` from ``on_task_report`` means "pause, this
        trial may be promoted later" rather than "stop for good".
    """

    pauses_trials = False
    #: short name used in ``last_stop_info['rule']``
    rule = 'base'

    def __init__(self, time_attr='training_epoch', reward_attr='accuracy', mode='max'):
        self.time_attr = check_str('time_attr', time_attr)
        self.reward_attr = check_str('reward_attr', reward_attr)
        self.mode = check_choice('mode', mode, tuple(_MODES))
        self._sign = _MODES[self.mode]
        self.last_stop_info = None

    # ------------------------------------------------------------------ protocol
    def on_task_add(self, task):
        """A trial starts (or is resumed)."""

    def on_task_report(self, task, result):
        """A trial reported ``result``; return ``True`` to let it continue."""
        return True

    def decide(self, task, result):
        """The answer to a report in one piece: a :class:`~autogluon.scheduler.terminator.Decision`
        (continue, stop or pause, with the rule's explanation from ``last_stop_info``).

        Built from :meth:`on_task_report`, so a subclass that overrides only ``on_task_report``
        is asked through it (the scheduler does the same for terminators without ``decide``).
        """
        from .._protocol import Decision, stop_detail

        if self.on_task_report(task, result):
            return Decision.GO
        info = self.last_stop_info or {}
        detail = stop_detail(info)
        if self.pauses_trials and info.get('paused', False):
            return Decision.pause(detail)
        return Decision.stop(f'stopped by {type(self).__name__}' + (f' ({detail})' if detail else ''), detail)

    def on_task_complete(self, task, result):
        """A trial finished normally; ``result`` is its last real report."""

    def on_task_remove(self, task):
        """A trial was stopped, failed or was removed."""

    def rung_counts(self):
        """A summary for logging; the base class has nothing to say."""
        return {}

    # --------------------------------------------------------------------- state
    def _params(self):
        """Constructor keyword arguments that rebuild an equivalent fresh terminator."""
        return {'time_attr': self.time_attr, 'reward_attr': self.reward_attr, 'mode': self.mode}

    def state_dict(self):
        """Plain picklable data describing the whole state."""
        state = {
            'kind': type(self).__name__,
            'params': dict(self._params()),
            'last_stop_info': copy.deepcopy(self.last_stop_info),
        }
        state.update(self._extra_state())
        return state

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned (possibly after a pickle round trip)."""
        check_instance('state', state, dict, 'a dict returned by state_dict()')
        kind = state.get('kind')
        if kind != type(self).__name__:
            raise ValueError(
                f'state was saved by a {kind!r} terminator and cannot be loaded into a {type(self).__name__!r}'
            )
        params = state.get('params', {})
        if params != self._params():
            # The saved decisions only make sense with the parameters they were made under.
            logger.warning(
                '%s: loading a state saved with parameters %r over the current %r; '
                'the saved parameters are used',
                type(self).__name__,
                params,
                self._params(),
            )
            fresh = type(self)(**params)
            self.__dict__.update(fresh.__dict__)
        self.last_stop_info = copy.deepcopy(state.get('last_stop_info'))
        self._load_extra_state(state)

    def _extra_state(self):
        return {}

    def _load_extra_state(self, state):
        pass

    # ------------------------------------------------------------------- helpers
    def _read_result(self, result):
        """Return ``(time, user_reward, normalized_reward)`` of a reported result.

        A non-finite reward (NaN, or an infinity, e.g. from a diverging learning
        rate) is the worst possible value: its normalized reward is ``-inf``,
        whatever the mode, so it never compares as better than a real one and
        never turns a cutoff or a median into NaN.
        """
        try:
            time = result[self.time_attr]
        except KeyError:
            raise KeyError(
                f'the reported result has no time_attr {self.time_attr!r}; it has {sorted(map(str, result))}'
            ) from None
        try:
            reward = result[self.reward_attr]
        except KeyError:
            raise KeyError(
                f'the reported result has no reward_attr {self.reward_attr!r}; it has {sorted(map(str, result))}'
            ) from None
        if not is_real(time):
            raise fail_type('the reported ' + self.time_attr, 'a number', time)
        if not is_real(reward):
            raise fail_type('the reported ' + self.reward_attr, 'a number', reward)
        reward = float(reward)
        if not math.isfinite(reward):
            return time, reward, -math.inf
        return time, reward, self._sign * reward

    def _to_user(self, value):
        """A normalized (maximized) value back in user units."""
        return self._sign * float(value)

    def __repr__(self):
        return '{}({})'.format(
            type(self).__name__, ', '.join(f'{k}={v!r}' for k, v in self._params().items())
        )
