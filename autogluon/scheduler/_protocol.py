"""What the trial loop asks of its collaborators, as one small object each.

A user's terminator may be as small as one ``on_task_report(task, result)`` answering a bool; a
searcher may lack ``register_pending`` or ``state_dict``; a callback may implement one hook. The
adapters here look at such an object ONCE, when a run starts, and turn it into the full protocol
the loop (``_loop.py``) calls without probing anything:

- :class:`Decision`: what happens to a trial after a report (continue, stop, pause, complete).
- :class:`TerminatorAdapter`: ``add``, ``decide(task, result) -> Decision``, ``complete``,
  ``remove``, ``next_promotion()``, ``state()`` / ``restore()`` / ``replay()``; it owns the
  ``max_t`` cut-off.
- :class:`SearcherAdapter`: ``get_config``, ``update``, ``register_pending``,
  ``evaluation_failed``, ``on_report``, ``state()`` / ``restore()``, ``configspace`` / ``size``.
- :class:`CallbackList`: ``emit(hook, *args)`` over the callbacks that implement ``hook``; an
  exception in a callback is logged and the run goes on.
- :class:`MaxRewardGoal`: the first public release's ``max_reward`` (no new trial once reached).
"""

import logging

from ._task import TaskStatus

__all__ = [
    "Decision",
    "TerminatorAdapter",
    "SearcherAdapter",
    "CallbackList",
    "MaxRewardGoal",
    "NoGoal",
    "is_terminator",
    "CALLBACK_HOOKS",
]

logger = logging.getLogger("autogluon.scheduler")

CALLBACK_HOOKS = ("on_run_start", "on_task_start", "on_report", "on_task_end", "on_run_end")


class Decision:
    """What the loop does with a trial after one of its reports.

    ``action`` is one of :attr:`CONTINUE`, :attr:`STOP` (ended early, for good), :attr:`PAUSE`
    (waits at a rung; may be promoted later) and :attr:`COMPLETE` (reached its end, e.g.
    ``max_t``). ``reason`` is what the trial record keeps (``task.reason``); ``detail`` is the
    rule's own explanation (e.g. ``'rung=3, cutoff=0.5'``), shown in the log.
    """

    CONTINUE = "continue"
    STOP = "stop"
    PAUSE = "pause"
    COMPLETE = "complete"
    __slots__ = ("action", "reason", "detail")

    def __init__(self, action, reason=None, detail=""):
        if action not in (self.CONTINUE, self.STOP, self.PAUSE, self.COMPLETE):
            raise ValueError(
                "action must be one of 'continue', 'stop', 'pause', 'complete', got %r" % (action,)
            )
        self.action = action
        self.reason = reason
        self.detail = detail or ""

    @property
    def keep_going(self):
        """True when the trial goes on (the answer its worker gets)."""
        return self.action == self.CONTINUE

    @classmethod
    def stop(cls, reason, detail=""):
        return cls(cls.STOP, reason, detail)

    @classmethod
    def pause(cls, detail=""):
        return cls(cls.PAUSE, "paused at rung" + (" (%s)" % detail if detail else ""), detail)

    @classmethod
    def complete(cls, reason):
        return cls(cls.COMPLETE, reason)

    def __eq__(self, other):
        return isinstance(other, Decision) and (self.action, self.reason, self.detail) == (
            other.action,
            other.reason,
            other.detail,
        )

    def __hash__(self):
        return hash((self.action, self.reason, self.detail))

    def __repr__(self):
        return "Decision(%r, reason=%r)" % (self.action, self.reason)


Decision.GO = Decision(Decision.CONTINUE)  # the one answer of most reports: built once


def _method(obj, name):
    """``obj.name`` if it is callable, else None (looked up once, when an adapter is built)."""
    fn = getattr(obj, name, None)
    return fn if callable(fn) else None


def _class_method(obj, name):
    """``name`` as defined by ``obj``'s class (not forwarded by an instance ``__getattr__``) and
    the position in the class's MRO of the class that defines it (None, None if none does)."""
    for depth, cls in enumerate(type(obj).__mro__):
        if name in vars(cls):
            return vars(cls)[name], depth
    return None, None


def is_terminator(obj):
    """Whether ``obj`` can serve as a terminator (it answers ``on_task_report`` or ``decide``)."""
    return _method(obj, "on_task_report") is not None or _class_method(obj, "decide")[0] is not None


def _fmt(value):
    return "%.4g" % value if isinstance(value, float) else str(value)


def stop_detail(info):
    """The rule's explanation of a stop from its ``last_stop_info`` (``'rung=3, cutoff=0.5'``)."""
    return ", ".join(
        "%s=%s" % (k, _fmt(v))
        for k, v in (info or {}).items()
        if k not in ("task_id", "paused", "time", "reward")
    )


def _noop(*args):
    return None


class TerminatorAdapter:
    """A terminator as the loop sees it, built once per run (see the module docstring).

    A terminator with a native ``decide(task, result) -> Decision`` is asked through it, unless a
    subclass overrides ``on_task_report`` below the class that defines ``decide`` (then the
    override is what the user meant, and its bool is read as before). Otherwise its
    ``on_task_report`` answer is read as a bool (``True`` = continue); on ``False`` its
    ``last_stop_info`` (optional) gives the detail, and with ``pauses_trials`` and
    ``last_stop_info['paused']`` the trial pauses instead of stopping.
    """

    def __init__(self, terminator, time_attr, max_t=None):
        self.terminator = terminator
        self.name = type(terminator).__name__
        self.time_attr = time_attr
        self.max_t = max_t
        self._at_max_t = None if max_t is None else Decision.complete("reached max_t=%g" % max_t)
        self.add = _method(terminator, "on_task_add") or _noop
        self.remove = _method(terminator, "on_task_remove") or _noop
        self._complete = _method(terminator, "on_task_complete") or _noop
        self._report = _method(terminator, "on_task_report")
        self.pauses = bool(getattr(terminator, "pauses_trials", False))
        self._promote = _method(terminator, "get_promotable") if self.pauses else None
        self._decide = self._native_decide(terminator)
        if self._decide is None and self._report is None:
            raise TypeError(
                "terminator must have on_task_report(task, result) -> bool or "
                "decide(task, result) -> Decision, got %r" % (terminator,)
            )

    def _native_decide(self, terminator):
        decide, depth = _class_method(terminator, "decide")
        if decide is None:
            return None
        _, report_depth = _class_method(terminator, "on_task_report")
        if report_depth is not None and report_depth < depth:
            return None  # a subclass's own on_task_report wins over an inherited decide()
        return decide.__get__(terminator, type(terminator))

    # -- what the loop calls ---------------------------------------------------------------------
    def decide(self, task, result):
        """The decision after ``result``; at ``max_t`` the trial completes (the rule does not see it)."""
        if self._at_max_t is not None and result[self.time_attr] >= self.max_t:
            return self._at_max_t
        if self._decide is not None:
            decision = self._decide(task, result)
            return decision if type(decision) is Decision else self._coerce(decision)
        if self._report(task, result):
            return Decision.GO
        return self.stop_decision()

    def _coerce(self, answer):
        """``decide()`` answered something else than a Decision: a Decision subclass is taken as
        it is, a bool as ``on_task_report``'s answer would be."""
        if isinstance(answer, Decision):
            return answer
        if isinstance(answer, bool):
            return Decision.GO if answer else self.stop_decision()
        raise TypeError(
            "%s.decide() must return a Decision (or a bool), got %r of type %s"
            % (self.name, answer, type(answer).__name__)
        )

    def stop_decision(self):
        """The decision after a ``False`` from ``on_task_report``, from ``last_stop_info``."""
        info = getattr(self.terminator, "last_stop_info", None) or {}
        detail = stop_detail(info)
        if self.pauses and info.get("paused", False):
            return Decision.pause(detail)
        return Decision.stop("stopped by %s" % self.name + (" (%s)" % detail if detail else ""), detail)

    def complete(self, task, result):
        self._complete(task, result)

    def next_promotion(self):
        """The id of a paused trial to resume now, or None (the rule chooses and records it)."""
        return self._promote() if self._promote is not None else None

    def rung_counts(self):
        counts = _method(self.terminator, "rung_counts")
        return counts() if counts is not None else {}

    # -- persistence -------------------------------------------------------------------------------
    def state(self):
        """``state_dict()`` of the terminator, None when it has none (it is replayed on resume)."""
        fn = _method(self.terminator, "state_dict")
        return fn() if fn is not None else None

    def restore(self, cls_name, state):
        """Load a saved state (``cls_name``: the class that saved it); False when the caller must
        rebuild the terminator by :meth:`replay` instead."""
        target, state = terminator_to_load(self.terminator, cls_name, state)
        loader = _method(target, "load_state_dict")
        if state is None or loader is None:
            return False
        loader(state)
        return True

    def replay(self, tasks):
        """Rebuild a terminator's knowledge from the recorded reports of ``tasks``."""
        report = self._report if self._decide is None else self._decide
        for task in tasks:
            if not task.history:
                continue
            self.add(task)
            for result in task.history:
                report(task, result)
            if task.status == TaskStatus.COMPLETED:
                self.complete(task, task.last_result)
            elif task.status != TaskStatus.PAUSED:
                self.remove(task)


# -- saved wrapper chains (a goal wrapper around Hyperband, see image_classification) -------------
def is_wrapper_state(state):
    """A wrapping terminator saves itself and what it wraps separately:
    ``{'wrapper': its own state, 'inner_class': class name, 'inner': the wrapped one's state}``."""
    return isinstance(state, dict) and set(state) == {"wrapper", "inner_class", "inner"}


def saved_chain(cls_name, state):
    """``[(class name, state)]`` of a saved terminator, the outermost wrapper first."""
    chain = [(cls_name, state)]
    while is_wrapper_state(state):
        cls_name, state = state["inner_class"], state["inner"]
        chain.append((cls_name, state))
    return chain


def terminator_chain(terminator):
    """The terminator and what it wraps (``.inner``), outermost first."""
    chain = [terminator]
    inner = getattr(terminator, "inner", None)
    while (
        inner is not None
        and _method(inner, "on_task_report") is not None
        and all(inner is not t for t in chain)
    ):
        chain.append(inner)
        inner = getattr(inner, "inner", None)
    return chain


def terminator_to_load(terminator, cls_name, state):
    """``(object, state)`` to restore the saved terminator into, by class; state None: replay.

    The same wrappers around the same class load as a whole; otherwise (a run with a goal
    wrapper resumed without one, or the other way round) the wrapped terminator is loaded alone.
    """
    saved = saved_chain(cls_name, state)
    current = terminator_chain(terminator)
    names = [type(t).__name__ for t in current]
    if saved[-1][1] is None:
        return terminator, None
    if [c for c, _ in saved] in (names, [None]) or (len(saved) == 1 and saved[0][0] == names[0]):
        return terminator, state  # same chain, or an older checkpoint (the wrapper loads it)
    if saved[-1][0] == names[-1]:
        return current[-1], saved[-1][1]
    return terminator, None


class SearcherAdapter:
    """A searcher as the loop sees it: the optional hooks are no-ops when it lacks them.

    ``sign`` turns a user reward into the maximized one ``on_report`` hands the searcher.
    """

    def __init__(self, searcher, sign=1.0):
        self.searcher = searcher
        self.sign = sign
        self.get_config = searcher.get_config
        self.update = searcher.update
        self.register_pending = _method(searcher, "register_pending") or _noop
        self.evaluation_failed = _method(searcher, "evaluation_failed") or _noop
        self._on_report = _method(searcher, "on_report")
        #: whether the searcher learns from every report (model-based searchers do)
        self.learns_from_reports = self._on_report is not None
        self.configspace = getattr(searcher, "configspace", None)
        self.size = getattr(self.configspace, "size", None)

    def on_report(self, config, reward, time):
        if self._on_report is not None:
            self._on_report(config, self.sign * reward, time)

    def state(self):
        fn = _method(self.searcher, "state_dict")
        return fn() if fn is not None else None

    def restore(self, state):
        fn = _method(self.searcher, "load_state_dict")
        if state is not None and fn is not None:
            fn(state)


class CallbackList:
    """The callbacks of a run; ``emit(hook, *args)`` calls those that implement ``hook``.

    Which callback implements which hook is looked up once. A callback that raises is logged
    (with its traceback) and the run goes on.
    """

    def __init__(self, callbacks=()):
        self.callbacks = list(callbacks)
        self._hooks = {
            hook: [
                (cb, fn) for cb, fn in ((cb, _method(cb, hook)) for cb in self.callbacks) if fn is not None
            ]
            for hook in CALLBACK_HOOKS
        }

    def emit(self, hook, *args):
        for cb, fn in self._hooks.get(hook, ()):
            try:
                fn(*args)
            except Exception:
                logger.exception("callback %s.%s failed; the run goes on", type(cb).__name__, hook)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)


class NoGoal:
    """No goal: new trials start as long as there are trials to run."""

    def reached(self):
        return False

    def update(self, task):
        pass


class MaxRewardGoal:
    """``max_reward``: once a trial reaches it, no new trial starts (running ones finish).

    ``best_reward()`` (the best reward over every trial) is asked once, at the first check (a
    resumed run may have reached the goal already); after that each report updates it in O(1).
    """

    def __init__(self, max_reward, mode, best_reward, announce):
        self.max_reward = max_reward
        self.mode = mode
        self._best_reward = best_reward
        self._announce = announce
        self.hit = None  # unknown until the first check

    def reaches(self, reward):
        return reward is not None and (
            reward >= self.max_reward if self.mode == "max" else reward <= self.max_reward
        )

    def reached(self):
        if self.hit is None:
            self.hit = self.reaches(self._best_reward())
        if self.hit:
            self._announce()
        return self.hit

    def update(self, task):
        if self.reaches(task.best_user_reward):
            self.hit = True
