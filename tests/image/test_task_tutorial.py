"""Every cell of shared/spec/tutorial_trial_scheduler.md, run as written against the shipped sample.

``~/data/train`` and ``~/data/test`` point at the sample (HOME is a temporary folder); the only
change to the tutorial is a shorter ``time_limits`` and ``num_training_epochs``. The custom
scheduler and its stopping rule are the tutorial's code, verbatim.
"""
import os
import time

import pytest

# ---- the tutorial's custom scheduler, verbatim ---------------------------------------------------
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
# ---- end of the tutorial's code --------------------------------------------------------------------

TIME_LIMITS = 40          # the tutorial: 2*60
EPOCHS = 3                # the tutorial: 10
SLACK = 6.0               # seconds fit may overrun time_limits (process teardown on a loaded machine)
CHANCE = 0.25             # 4 classes


@pytest.fixture
def tutorial_home(tmp_path, monkeypatch):
    """HOME with data/train and data/test holding the shipped sample; cwd a fresh folder."""
    from autogluon.image_classification import sample_data_path

    home = tmp_path / 'home'
    (home / 'data').mkdir(parents=True)
    for split in ('train', 'test'):
        os.symlink(os.path.join(sample_data_path(), split), str(home / 'data' / split))
    monkeypatch.setenv('HOME', str(home))
    work = tmp_path / 'work'
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def _check_trials(results):
    trials = results.metadata['trials']
    assert results.metadata['num_trials'] == len(trials) >= 1
    reported = [t for t in trials if t['accuracy'] is not None]
    assert reported, trials
    assert not [t for t in trials if t['status'] == 'failed'], trials
    for t in reported:
        assert 0.0 <= t['accuracy'] <= 1.0


def test_tutorial_cells_end_to_end(tutorial_home, capsys):
    # Cell 1
    from autogluon import image_classification as task

    import logging
    logging.basicConfig(level=logging.INFO)

    # Cell 2: the FIFO scheduler (the default)
    dataset = task.Dataset(name='shopeeiet', train_path='~/data/train')

    time_limits = TIME_LIMITS
    num_training_epochs = EPOCHS

    start = time.monotonic()
    results = task.fit(dataset,
                       time_limits=time_limits,
                       num_training_epochs=num_training_epochs)
    elapsed = time.monotonic() - start
    assert elapsed <= time_limits + SLACK, elapsed
    assert results.metadata['scheduler'] == 'FIFO_Scheduler'
    assert 0.0 <= results.metric <= 1.0 and results.metric > CHANCE
    assert results.time <= time_limits + SLACK
    _check_trials(results)
    # "a 90/10 train/validation split is automatically performed"
    assert results.metadata['num_train'] == 288 and results.metadata['num_val'] == 32

    # Cell 3
    print('Top-1 val acc: %.3f' % results.metric)
    test_dataset = task.Dataset(name='shopeeiet', test_path='~/data/test')
    test_acc = task.evaluate(test_dataset)
    print('Top-1 test acc: %.3f' % test_acc)
    assert CHANCE < test_acc <= 1.0

    # Cell 4: Hyperband
    trial_scheduler = 'hyperband'

    start = time.monotonic()
    results = task.fit(dataset,
                       trial_scheduler=trial_scheduler,
                       time_limits=time_limits,
                       num_training_epochs=num_training_epochs)
    elapsed = time.monotonic() - start
    assert elapsed <= time_limits + SLACK, elapsed
    assert results.metadata['scheduler'] == 'Hyperband_Scheduler'
    assert results.metadata['terminator'] == 'HyperbandStopping'
    assert results.metric > CHANCE
    _check_trials(results)
    # Hyperband stops some trials early (at epoch 1, the first rung) once several have reported.
    early = [t for t in results.metadata['trials'] if 'stopped by' in (t['reason'] or '')]
    if results.metadata['num_trials'] >= 8:
        assert early, results.metadata['trials']

    # Cell 5
    print('Top-1 val acc: %.3f' % results.metric)
    test_acc = task.evaluate(test_dataset)
    print('Top-1 test acc: %.3f' % test_acc)
    assert CHANCE < test_acc <= 1.0

    # Cell 7: the custom scheduler class, really used
    start = time.monotonic()
    results = task.fit(dataset,
                       trial_scheduler=MedianStopping_Scheduler,
                       time_limits=time_limits,
                       num_training_epochs=num_training_epochs)
    elapsed = time.monotonic() - start
    assert elapsed <= time_limits + SLACK, elapsed
    assert results.metadata['scheduler'] == 'MedianStopping_Scheduler'
    assert type(results.scheduler) is MedianStopping_Scheduler
    rule = results.scheduler.terminator
    assert isinstance(rule, MediamStoppingRule)
    assert results.metadata['terminator'] == 'MediamStoppingRule'
    # The rule saw every report the trials made (it appends each one; completions add one more).
    seen = sum(len(v) for v in rule._results.values())
    made = sum(len(t.history) for t in results.scheduler.tasks.values())
    assert made >= 1 and seen >= made
    # Trials it stopped were stopped by it, at the epoch of its decision.
    for task_obj in rule._stopped_tasks:
        assert task_obj.status == 'stopped' and 'MediamStoppingRule' in task_obj.reason
    assert results.metric > CHANCE
    _check_trials(results)

    # Cell 8
    print('Top-1 val acc: %.3f' % results.metric)
    test_acc = task.evaluate(test_dataset)
    print('Top-1 test acc: %.3f' % test_acc)
    assert CHANCE < test_acc <= 1.0
    out = capsys.readouterr().out
    assert out.count('Top-1 val acc: ') == 3 and out.count('Top-1 test acc: ') == 3
