"""Hyperband_Scheduler: asynchronous Hyperband (successive halving) over trials."""

from ..core._validate import check_choice, check_real
from ._fifo import _MaxRewardMixin, era_b_options
from ._scheduler import TaskScheduler

__all__ = ["Hyperband_Scheduler", "HyperbandScheduler"]

_TYPES = ("stopping", "promotion")


class Hyperband_Scheduler(_MaxRewardMixin, TaskScheduler):
    """FIFO scheduling plus early stopping by asynchronous Hyperband.

    Rungs are at ``grace_period * reduction_factor**k`` (below ``max_t``). With
    ``type='stopping'`` a trial continues past a rung only if its reward is in the
    top ``1/reduction_factor`` of the rewards recorded there; with
    ``type='promotion'`` it pauses at each rung and resumes when promoted (a
    training function that saves its state with ``reporter.save_dict`` and loads
    it with ``reporter.load_dict`` continues where it paused; one that does not
    restarts from scratch). With ``brackets > 1`` trials are spread over brackets
    with different first rungs, as in synchronous Hyperband. A trial reaching
    ``max_t`` completes normally.

    The first ten parameters keep their historical positional order, so a
    subclass may call ``super().__init__(train_fn, args, resource, searcher,
    checkpoint, resume, num_trials, time_attr, reward_attr, visualizer=...)`` and
    then replace ``self.terminator`` with its own rule.

    Other options are those of :class:`FIFO_Scheduler` plus ``type`` and ``seed``
    (bracket sampling), ``mode``.
    """

    _default_terminator = "hyperband"

    def __init__(
        self,
        train_fn,
        args=None,
        resource=None,
        searcher="random",
        checkpoint="./exp/checkpoint.ag",
        resume=False,
        num_trials=None,
        time_attr="training_epoch",
        reward_attr="accuracy",
        max_t=100,
        grace_period=10,
        reduction_factor=4,
        brackets=1,
        visualizer="tensorboard",
        type="stopping",
        terminator=None,
        **options,
    ):
        type = check_choice("type", type, _TYPES)
        check_real("max_t", max_t, low=0, low_open=True)  # checked; kept as given (an int stays an int)
        check_real("grace_period", grace_period, low=0, low_open=True)
        self.max_reward = era_b_options(options)
        self.type = type
        self.grace_period = grace_period
        self.reduction_factor = reduction_factor
        self.brackets = brackets
        self._hb_max_t = max_t
        super().__init__(
            train_fn,
            args,
            resource,
            searcher,
            checkpoint,
            resume,
            num_trials,
            time_attr,
            reward_attr,
            visualizer,
            max_t=max_t,
            terminator=terminator,
            **options,
        )

    def _terminator_kwargs(self):
        # A terminator by name (e.g. terminator='median' or 'hyperband_promotion') uses this
        # scheduler's rungs and grace period, not its own defaults.
        kwargs = super()._terminator_kwargs()
        kwargs.update(
            max_t=self._hb_max_t,
            grace_period=self.grace_period,
            reduction_factor=self.reduction_factor,
            brackets=self.brackets,
        )
        return kwargs

    def _make_terminator(self, terminator):
        if terminator is not None:
            return super()._make_terminator(terminator)
        from .terminator import HyperbandPromotion, HyperbandStopping

        cls = HyperbandStopping if self.type == "stopping" else HyperbandPromotion
        return cls(**self._terminator_kwargs())


HyperbandScheduler = Hyperband_Scheduler
