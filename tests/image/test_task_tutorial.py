"""Every cell of shared/spec/tutorial_trial_scheduler.md, run as written against the shipped sample.

``~/data/train`` and ``~/data/test`` point at the sample (HOME is a temporary folder); the only
change to the tutorial is a shorter ``time_limits`` and ``num_training_epochs``. The custom
scheduler and its stopping rule are the tutorial's code, verbatim.
"""

import os
import time

import pytest
from tutorial_classes import MediamStoppingRule, MedianStopping_Scheduler  # the tutorial's code, verbatim

TIME_LIMITS = 40  # the tutorial: 2*60
EPOCHS = 3  # the tutorial: 10
SLACK = 6.0  # seconds fit may overrun time_limits (process teardown on a loaded machine)
CHANCE = 0.25  # 4 classes


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
    import logging

    from autogluon import image_classification as task

    logging.basicConfig(level=logging.INFO)

    # Cell 2: the FIFO scheduler (the default)
    dataset = task.Dataset(name='shopeeiet', train_path='~/data/train')

    time_limits = TIME_LIMITS
    num_training_epochs = EPOCHS

    start = time.monotonic()
    results = task.fit(dataset, time_limits=time_limits, num_training_epochs=num_training_epochs)
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
    results = task.fit(
        dataset,
        trial_scheduler=trial_scheduler,
        time_limits=time_limits,
        num_training_epochs=num_training_epochs,
    )
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
    results = task.fit(
        dataset,
        trial_scheduler=MedianStopping_Scheduler,
        time_limits=time_limits,
        num_training_epochs=num_training_epochs,
    )
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
