"""FIFO_Scheduler: trials run to the end in the order the searcher proposes them."""

import logging

from ..core._validate import check_real
from ._protocol import MaxRewardGoal
from ._scheduler import TaskScheduler

__all__ = ["FIFO_Scheduler", "FIFOScheduler", "era_b_options"]

logger = logging.getLogger("autogluon.scheduler")


def era_b_options(options):
    """Map the first public release's scheduler options onto ours (in place): ``search_options`` is
    ``searcher_options``; ``dist_ip_addrs`` (SSH clusters) is refused with a pointer to ``dask_client``.
    Returns ``max_reward`` (None if not given)."""
    if "search_options" in options:
        if options.get("searcher_options") is not None:
            raise ValueError("give search_options or searcher_options (the same thing), not both")
        options["searcher_options"] = options.pop("search_options")
    addrs = options.pop("dist_ip_addrs", None)
    if addrs:
        raise ValueError(
            "dist_ip_addrs=%r is not supported: this library runs trials on a cluster through "
            "Dask; pass dask_client=<a distributed.Client or a scheduler address> instead" % (addrs,)
        )
    max_reward = options.pop("max_reward", None)
    check_real("max_reward", max_reward, allow_none=True, finite=False)  # kept as given
    return max_reward


class _MaxRewardMixin:
    """``max_reward``: once a trial reaches it, no new trial starts (running ones finish);
    ``join_jobs``. The loop asks the goal (:class:`~._protocol.MaxRewardGoal`) before it takes a
    trial and shows it each report."""

    max_reward = None
    _max_reward_goal = None  # built at the first run; kept (and up to date) across runs

    def _goal(self):
        if self.max_reward is None:
            return super()._goal()
        if self._max_reward_goal is None:
            self._max_reward_goal = MaxRewardGoal(
                self.max_reward, self.mode, self.get_best_reward, self._announce_max_reward
            )
        return self._max_reward_goal

    def _announce_max_reward(self):
        if "max-reward" not in self._noted:
            self._note_once(
                "max-reward",
                "best %s=%s reached max_reward=%s: no new trials start",
                self.reward_attr,
                self.get_best_reward(),
                self.max_reward,
            )

    def join_jobs(self, timeout=None):
        """The first public release's name of :meth:`join_tasks` (``run()`` already waits)."""
        return self.join_tasks()


class FIFO_Scheduler(_MaxRewardMixin, TaskScheduler):
    """Run ``train_fn`` for many configurations, as many at once as ``resource`` allows.

    Parameters
    ----------
    train_fn : callable
        ``train_fn(args, reporter)``; decorate it with ``@ag.autogluon_method`` or
        ``@ag.args(...)``, or pass a plain function.
    args : argparse.Namespace, dict or None
        Default arguments; the sampled configuration is merged into them per trial.
    resource : dict
        Per trial: ``{'num_cpus': 1, 'num_gpus': 0}``. As many trials run at once as fit.
    searcher : str, class or searcher object
        ``'random'`` (default), ``'grid'``, a searcher class or an object such as
        ``ag.searcher.RandomSampling(configspace)``.
    checkpoint : str or None
        Where the state is saved (atomically) after every finished trial; None disables it.
    resume : bool
        Continue from ``checkpoint``: finished trials are kept, running ones re-run.
    num_trials : int or None
        Total number of trials (including those restored by ``resume``).
    time_attr, reward_attr : str
        Keys of the reporter's results for progress (e.g. ``'epoch'``) and the reward.
    visualizer : ``'none'`` or ``'tensorboard'``
        ``'tensorboard'`` writes each trial's curves under ``<checkpoint folder>/tensorboard``.
    **options
        ``time_out`` (seconds; alias ``time_limits``), ``seed``, ``mode`` (``'max'``/``'min'``),
        ``terminator`` (a name such as ``'median'`` or an object), ``max_concurrent``,
        ``progress`` (tqdm bar, default True), ``searcher_options``, ``executor``
        (``'local'`` or ``'inprocess'``), ``preload`` (modules workers import at start),
        ``trial_timeout`` (seconds without a report after which a trial counts as hung: its worker
        is killed and the trial fails), ``max_retries`` (how often a failed trial is run again,
        default 0), ``dask_client`` (a ``distributed.Client`` or a scheduler address: trials run
        on the Dask cluster's workers; see docs/guides/distributed.md), ``max_reward`` (no new
        trial starts once a trial reached it), ``search_options`` (the first public release's
        name of ``searcher_options``).

    Example
    -------
    >>> import autogluon as ag
    >>> @ag.args(lr=ag.space.Real(1e-3, 1e-1, log=True))
    ... def train_fn(args, reporter):
    ...     for epoch in range(1, 4):
    ...         reporter(epoch=epoch, accuracy=1 - args.lr / epoch)
    >>> scheduler = FIFO_Scheduler(train_fn, resource={'num_cpus': 1, 'num_gpus': 0},
    ...                            searcher='random', num_trials=4, checkpoint=None, progress=False)
    >>> scheduler.run().get_best_reward() > 0.9
    True
    """

    _default_terminator = "none"

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
        **options,
    ):
        self.max_reward = era_b_options(options)
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
            **options,
        )


FIFOScheduler = FIFO_Scheduler
