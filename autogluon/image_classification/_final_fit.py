"""``fit(final_fit=True)``: after the search, retrain the best configuration on train+validation.

The 2019 release did this after every search. Here it is an option that stays inside
``time_limits``: :func:`plan` splits what is left of the budget between the search and the
refit before the search starts, and :func:`refit` runs the best configuration once more, as one
training run in this process (no worker to start; MXNet uses every CPU here), on the training
and validation images together, for as many epochs as the best trial's schedule had (fewer when
its deadline says they cannot all finish: the schedule then anneals earlier; at the deadline the
epoch under way ends early, so the refit never runs past it by more than one batch). The model
of the last epoch is the final model. It is not run when fewer epochs than the best trial's
model had fit in the time left. ``results.metric`` stays the best trial's validation accuracy (the refit has no held-out data).
If the refit fails or does not finish an epoch in time, the search's best model is kept and the
log says why.
"""

import argparse
import logging
import math
import os
import shutil
import time

logger = logging.getLogger('autogluon.image_classification')

__all__ = ['plan', 'refit', 'DEFAULT_FINAL_FIT']

#: ``fit``'s default; see docs/tutorials/advanced.md, "Retraining on train+validation", for the
#: measurement it comes from.
DEFAULT_FINAL_FIT = False
#: Share of the budget kept for the refit when the number of search rounds is unknown.
_SHARE_TIME_ONLY = 0.25
#: Seconds the refit needs before its first step (building and hybridizing the network).
_SETUP_SECONDS = 1.0


def plan(budget, num_trials, slots):
    """``(search seconds, refit seconds)`` for ``budget`` seconds (after data preparation and the
    margin for loading the model). With ``num_trials`` on ``slots`` parallel slots, the search
    runs ``ceil(num_trials / slots)`` rounds of trials and the refit gets the time of one more
    round; without ``num_trials`` the refit gets a quarter."""
    if num_trials:
        rounds = math.ceil(num_trials / max(1, slots))
        share = 1.0 / (rounds + 1)
    else:
        share = _SHARE_TIME_ONLY
    return budget * (1.0 - share), budget * share


def _epochs(task, default, seconds, data_ratio):
    """Epochs of the refit: as many as the best trial's schedule had (its last
    ``planned_epochs``), fewer when its measured epoch time, scaled by ``data_ratio`` (images of
    train+val over train), says they do not fit in ``seconds``."""
    history = task.history or []
    last = history[-1] if history else {}
    epochs = max(1, int(last.get('planned_epochs') or default))
    times = [r.get('epoch_time') for r in history if r.get('epoch_time')]
    if seconds is None or not times:
        return epochs
    per_epoch = max(times) * data_ratio
    return max(1, min(epochs, int((seconds - _SETUP_SECONDS) // per_epoch)))


class _Reporter:
    """The reporter of the refit, which runs in this process: it records the last result."""

    def __init__(self, trial_dir):
        self.trial_dir = trial_dir
        self.task_id = 0
        self.last = None
        self.epochs = 0

    def __call__(self, **result):
        self.last = result
        self.epochs = result.get('training_epoch', self.epochs)
        return True

    def save_dict(self, **state):
        pass


def refit(best_task, trial_args, spaces, folder, seconds, data_ratio, min_epochs=1):
    """Train ``best_task``'s configuration on train+val; returns ``(params_path or None, info)``.

    ``trial_args``: the search's training arguments (spaces among them); ``spaces``: their
    names; ``seconds``: the refit's time limit (None: none); ``data_ratio``: images of train+val
    over images of train; ``min_epochs``: the epoch of the best trial's model. A refit that
    cannot train that many epochs in time is not run (it would be worse than that model). It
    runs in this process, on every CPU (and the first GPU if the trials used GPUs); at the limit
    the epoch under way ends early.
    """
    from ._train import BEST_PARAMS, train_image_classification

    epochs = _epochs(best_task, trial_args['epochs'], seconds, data_ratio)
    if seconds is not None and (seconds < 1.0 or epochs < min_epochs):
        reason = (
            (
                'only %d epoch(s) fit in the %.1fs left, fewer than the %d of the best trial'
                % (epochs, seconds, min_epochs)
            )
            if seconds >= 1.0
            else 'no time left'
        )
        logger.warning(
            'final fit skipped: %s; keeping the best model of the search (give more time_limits)', reason
        )
        return None, {'completed': False, 'reason': reason, 'time_limit': seconds, 'epochs_planned': epochs}
    values = dict(trial_args)
    for key in spaces:
        values[key] = best_task.config.get(key, values[key])
    values.update(final_fit=True, epochs=epochs, num_gpus=min(1, int(values.get('num_gpus') or 0)))
    deadline = None if seconds is None else time.time() + seconds
    out = os.path.join(folder, 'final_fit')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    info = {'epochs_planned': epochs, 'time_limit': seconds, 'config': {k: values[k] for k in spaces}}
    reporter = _Reporter(out)
    start = time.monotonic()
    try:
        train_image_classification(argparse.Namespace(**values), reporter, deadline=deadline)
    except Exception as exc:  # the search's model is still there: keep it, and say why
        logger.warning(
            'final fit failed (%s: %s); keeping the best model of the search',
            type(exc).__name__,
            exc,
            exc_info=True,
        )
        info.update(completed=False, reason='%s: %s' % (type(exc).__name__, exc))
        return None, info
    info['time'] = time.monotonic() - start
    info['epochs_trained'] = reporter.epochs
    params = os.path.join(out, BEST_PARAMS)
    if reporter.last is None or not os.path.exists(params):
        info.update(completed=False, reason='no epoch finished')
        logger.warning('final fit did not finish an epoch; keeping the best model of the search')
        return None, info
    info['completed'] = True
    info['train_accuracy'] = reporter.last.get('accuracy')
    logger.info(
        'final fit on train+val: %d of %d epochs in %.1fs (training accuracy %.4f)',
        reporter.epochs,
        epochs,
        info['time'],
        info['train_accuracy'],
    )
    return params, info
