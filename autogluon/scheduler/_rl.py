"""RLScheduler: FIFO scheduling with configurations proposed by a reinforcement-learning controller."""

import logging

from ._fifo import FIFO_Scheduler

__all__ = ["RLScheduler"]

logger = logging.getLogger("autogluon.scheduler")


class RLScheduler(FIFO_Scheduler):
    """Run trials whose configurations an LSTM controller proposes; the controller learns from their
    rewards with REINFORCE (see :class:`autogluon.searcher.RLSearcher`). Needs MXNet.

    The parameters are the first public release's: those of :class:`FIFO_Scheduler` (without
    ``searcher``) plus ``controller_lr`` (default 1e-3), ``ema_baseline_decay`` (0.95),
    ``controller_batch_size`` (finished trials per controller update, default 1), and the options
    of the controller ``hidden_size``, ``softmax_temperature``, ``num_bins`` (values a Real space is
    discretized into). ``controller_resource`` and ``sync`` are accepted: the controller always runs
    on the driver's CPU and learns from each trial as it finishes. Set ``num_trials`` or ``time_out``.

    Example
    -------
    >>> import autogluon as ag
    >>> @ag.args(x=ag.space.Categorical(0, 1, 2, 3))
    ... def train_fn(args, reporter):
    ...     reporter(epoch=1, accuracy=float(args.x == 2))
    >>> scheduler = ag.scheduler.RLScheduler(train_fn, resource={'num_cpus': 1, 'num_gpus': 0},
    ...                                      num_trials=4, checkpoint=None, progress=False)
    >>> scheduler.run().join_jobs()  # doctest: +SKIP
    """

    def __init__(
        self,
        train_fn,
        args=None,
        resource=None,
        checkpoint="./exp/checkpoint.ag",
        resume=False,
        num_trials=None,
        time_attr="epoch",
        reward_attr="accuracy",
        visualizer="none",
        controller_lr=1e-3,
        ema_baseline_decay=0.95,
        controller_resource=None,
        controller_batch_size=1,
        sync=True,
        hidden_size=100,
        softmax_temperature=1.0,
        num_bins=10,
        **options,
    ):
        from ..searcher._rl import RLSearcher

        if "searcher" in options:
            raise TypeError(
                "RLScheduler chooses configurations with its own controller; it takes no searcher"
            )
        if options.get("searcher_options") or options.get("search_options"):
            raise TypeError(
                "RLScheduler takes the controller's options directly (controller_lr=..., "
                "controller_batch_size=...), not searcher_options"
            )
        if controller_resource and controller_resource.get("num_gpus"):
            logger.info(
                "RLScheduler: the controller runs on the CPU (controller_resource=%r)", controller_resource
            )
        if num_trials is None and options.get("time_out") is None and options.get("time_limits") is None:
            raise ValueError(
                "RLScheduler needs num_trials or time_out: its controller never runs out of configurations"
            )
        searcher_options = dict(
            controller_lr=controller_lr,
            controller_batch_size=controller_batch_size,
            ema_baseline_decay=ema_baseline_decay,
            hidden_size=hidden_size,
            softmax_temperature=softmax_temperature,
            num_bins=num_bins,
        )
        self.sync = bool(sync)
        super().__init__(
            train_fn,
            args,
            resource,
            RLSearcher,
            checkpoint,
            resume,
            num_trials,
            time_attr,
            reward_attr,
            visualizer,
            searcher_options=searcher_options,
            **options,
        )

    @property
    def controller(self):
        """The searcher's controller (an MXNet Gluon LSTM policy)."""
        return self.searcher.controller
