"""The tutorial's custom scheduler and stopping rule, copied verbatim from
shared/spec/tutorial_trial_scheduler.md (cell "Create your own trial scheduler").

Shared by the tests that check that this code runs as written (tests/conftest.py's folder is on
sys.path, so ``from tutorial_classes import ...`` works from every test folder).
"""
import collections
import numpy as np
import multiprocessing as mp
from autogluon.scheduler import Hyperband_Scheduler


class MedianStopping_Scheduler(Hyperband_Scheduler):
    def __init__(self, train_fn, args, resource, searcher,
                 checkpoint='./exp/checkerpoint.ag', 
                 resume=False,
                 num_trials=None,
                 time_attr="training_epoch",
                 reward_attr="accuracy",
                 visualizer='tensorboard',
                 mode="max",
                 grace_period=1.0,
                 min_samples_required=3):
        super(MedianStopping_Scheduler, self).__init__(train_fn, args, resource, searcher,
                                                       checkpoint, resume, num_trials,
                                                       time_attr, reward_attr, visualizer=visualizer)
        self.terminator = MediamStoppingRule(time_attr, reward_attr, mode, grace_period,
                                             min_samples_required)
    def state_dict(self, destination=None):
        pass

class MediamStoppingRule(object):
    LOCK = mp.Lock()
    def __init__(self,
                 time_attr="training_epoch",
                 reward_attr="accuracy",
                 mode="max",
                 grace_period=1,
                 min_samples_required=3):
        self._time_attr = time_attr
        self._reward_attr = reward_attr
        self._stopped_tasks = set()
        self._completed_tasks = set()
        self._results = collections.defaultdict(list)
        self._grace_period = grace_period
        self._min_samples_required = min_samples_required
        self._metric = reward_attr
        if mode == "max":
            self._metric_op = 1.
        elif mode == "min":
            self._metric_op = -1.
 
    def on_task_add(self, task):
        pass
 
    def on_task_report(self, task, result):
        # return True/False, which indicates whether we want to continue
        time = result[self._time_attr]
        self._results[task].append(result)
        median_result = self._get_median_result(time)
        best_result = self._best_result(task)
 
        if best_result < median_result and time > self._grace_period:
            self._stopped_tasks.add(task)
            return False
        else:
            return True

    def on_task_complete(self, task, result):
        self._results[task].append(result)
        self._completed_tasks.add(task)

    def on_task_remove(self, task):
        if task in self._results:
            self._completed_tasks.add(task)

    def _get_median_result(self, time):
        scores = []
        for task in self._completed_tasks:
            scores.append(self._running_result(task, time))
        if len(scores) >= self._min_samples_required:
            return np.median(scores)
        else:
            return float("-inf")

    def _running_result(self, task, t_max=float("inf")):
        results = self._results[task]
        return np.max([self._metric_op * r[self._metric] 
                       for r in results if r[self._time_attr] <= t_max])

    def _best_result(self, task):
        results = self._results[task]
        return max(self._metric_op * r[self._metric] for r in results)

    def __repr__(self):
        return "MedianStoppingRule: num_stopped={}.".format(
            len(self._stopped_tasks))
