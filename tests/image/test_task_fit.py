"""task.fit on the shipped sample: search spaces, resume, max_metric, promotion, data sharing."""

import os
import time

import numpy as np
import pytest

import autogluon as ag
from autogluon import image_classification as task
from autogluon.image_classification import _spaces


@pytest.fixture(scope='module')
def dataset():
    return task.Dataset(name='shopeeiet', train_path=os.path.join(task.sample_data_path(), 'train'))


def test_nets_and_optimizers_are_categorical_spaces():
    nets = _spaces.Nets(['resnet18_v1', 'cifar_resnet20_v1'])
    assert isinstance(nets, ag.space.Categorical)
    assert nets.name == 'net' and nets.default == 'resnet18_v1' and nets.size == 2
    assert _spaces.Nets('a', 'b').choices == ('a', 'b')
    opts = _spaces.Optimizers(['sgd', 'adam'])
    assert isinstance(opts, ag.space.Categorical) and opts.name == 'optimizer'
    with pytest.raises(ValueError, match='adagrad'):
        _spaces.Optimizers(['sgd', 'adagrad'])
    with pytest.raises(ValueError):
        _spaces.Nets([])
    with pytest.raises(TypeError):
        _spaces.Nets([3])


def test_default_search_space_composition():
    spaces, fixed = task.default_search_space(
        _spaces.Nets(['compact_cnn']), _spaces.Optimizers(['nag', 'adam']), {}
    )
    assert set(spaces) == {'net', 'optimizer', 'lr', 'adam_lr', 'wd', 'momentum'}
    assert spaces['lr'].default == pytest.approx(0.1)
    lr = ag.space.Log('lr', 1e-3, 1e-2)
    spaces, fixed = task.default_search_space(
        _spaces.Nets(['compact_cnn']), _spaces.Optimizers(['adam']), {'lr': lr, 'wd': 0.0}
    )
    assert spaces['lr'] is lr and 'adam_lr' not in spaces and 'momentum' not in spaces
    assert fixed['wd'] == 0.0 and 'wd' not in spaces


def test_user_spaces_join_the_search(tmp_path, dataset):
    results = task.fit(
        dataset,
        nets=task.Nets(['compact_cnn_small']),
        optimizers=task.Optimizers(['adam']),
        lr=ag.space.Log('lr', 1e-3, 1e-2),
        batch_size=ag.space.List('batch_size', [16, 32]),
        wd=0.0,
        num_trials=3,
        num_training_epochs=1,
        savedir=str(tmp_path / 'exp'),
        seed=1,
    )
    trials = results.metadata['trials']
    assert len(trials) == 3
    for t in trials:
        assert t['config']['net'] == 'compact_cnn_small' and t['config']['optimizer'] == 'adam'
        assert 1e-3 <= t['config']['lr'] <= 1e-2 and t['config']['batch_size'] in (16, 32)
        assert 'adam_lr' not in t['config'] and 'wd' not in t['config']
    assert results.config['wd'] == 0.0 and results.config['net'] == 'compact_cnn_small'
    assert 'lr' in results.metadata['search_space'] and 'batch_size' in results.metadata['search_space']
    # Data written once, as .npy files every trial maps
    data = tmp_path / 'exp' / 'data'
    assert sorted(os.listdir(str(data))) == ['train_x.npy', 'train_y.npy', 'val_x.npy', 'val_y.npy']
    assert np.load(str(data / 'train_x.npy'), mmap_mode='r').shape == (288, 28, 28, 3)
    for t in trials:
        assert os.path.exists(str(tmp_path / 'exp' / 'trials' / ('trial_%d' % t['task_id']) / 'best.params'))


def test_resume_continues_the_search(tmp_path, dataset):
    savedir = str(tmp_path / 'ckpt' / 'exp1.ag')
    kw = dict(nets=['compact_cnn_small'], num_training_epochs=1, savedir=savedir, seed=3)
    first = task.fit(dataset, num_trials=2, **kw)
    assert os.path.exists(savedir)
    assert [t['task_id'] for t in first.metadata['trials']] == [0, 1]
    second = task.fit(dataset, num_trials=3, resume=True, **kw)
    trials = second.metadata['trials']
    assert [t['task_id'] for t in trials] == [0, 1, 2]
    # the finished trials were kept, not re-run: same configs and results
    for old, new in zip(first.metadata['trials'], trials[:2]):
        assert old['config'] == new['config'] and old['accuracy'] == new['accuracy']
    assert trials[2]['config'] not in [t['config'] for t in trials[:2]]
    assert second.metric >= first.metric
    # without resume the old trials are gone
    third = task.fit(dataset, num_trials=1, resume=False, **kw)
    assert [t['task_id'] for t in third.metadata['trials']] == [0]
    assert not os.path.exists(str(tmp_path / 'ckpt' / 'trials' / 'trial_2'))


def test_max_metric_stops_the_search(tmp_path, dataset):
    start = time.monotonic()
    results = task.fit(
        dataset,
        nets=['compact_cnn_small'],
        max_metric=0.3,
        time_limits=60,
        num_training_epochs=3,
        savedir=str(tmp_path / 'exp'),
    )
    elapsed = time.monotonic() - start
    assert results.metadata['max_metric_reached'] is True
    assert results.metric >= 0.3
    assert elapsed < 45, elapsed  # well before the time limit
    stopped = [t for t in results.metadata['trials'] if 'max_metric' in (t['reason'] or '')]
    assert stopped
    assert results.metadata['num_trials'] <= 4


def test_stop_criterion_and_resources_dicts(tmp_path, dataset):
    results = task.fit(
        dataset,
        nets=['compact_cnn_small'],
        stop_criterion={'num_trials': 1},
        resources_per_trial={'num_cpus': 2, 'max_training_epochs': 2},
        savedir=str(tmp_path / 'exp'),
    )
    assert results.metadata['num_trials'] == 1
    assert results.metadata['resources_per_trial'] == {'num_cpus': 2, 'num_gpus': 0, 'num_training_epochs': 2}
    assert results.metadata['num_training_epochs'] == 2
    assert results.config['epochs'] == 2
    # flat keywords win over the dicts
    results = task.fit(
        dataset,
        nets=['compact_cnn_small'],
        stop_criterion={'num_trials': 3},
        num_trials=1,
        resources_per_trial={'num_training_epochs': 3},
        num_training_epochs=1,
        savedir=str(tmp_path / 'exp'),
    )
    assert results.metadata['num_trials'] == 1 and results.config['epochs'] == 1


def test_hyperband_promotion_continues_paused_trials(tmp_path, dataset):
    results = task.fit(
        dataset,
        nets=['compact_cnn_small'],
        trial_scheduler='hyperband',
        scheduler_options={'type': 'promotion', 'reduction_factor': 2},
        num_trials=4,
        num_training_epochs=3,
        savedir=str(tmp_path / 'exp'),
        seed=0,
    )
    tasks = results.scheduler.tasks.values()
    assert results.metadata['scheduler'] == 'Hyperband_Scheduler'
    assert results.metadata['terminator'] == 'HyperbandPromotion'
    promoted = 0
    for t in tasks:
        epochs = [r['training_epoch'] for r in t.history]
        # every trial's epochs run 1, 2, 3 ... without restarting from 1 after a pause
        assert epochs == list(range(1, len(epochs) + 1)), (t.task_id, epochs)
        promoted += len(epochs) > 1 and t.attempts > 1
    assert promoted >= 1, [(t.task_id, t.attempts, len(t.history)) for t in tasks]


def test_results_object(tmp_path, dataset):
    results = task.fit(
        dataset,
        nets=['compact_cnn_small'],
        num_trials=1,
        num_training_epochs=1,
        savedir=str(tmp_path / 'exp'),
    )
    assert set(results.metadata) >= {
        'search_space',
        'scheduler',
        'searcher',
        'num_trials',
        'trials',
        'time',
        'classes',
        'image_size',
        'channels',
        'best_task_id',
    }
    assert results.model is task.get_model()
    assert results.model.classes == dataset.classes
    assert results.time == pytest.approx(results.metadata['time'])
    assert 'FitResults' in repr(results)
    assert results.config['net'] == 'compact_cnn_small'


def test_top_level_names():
    assert ag.Nets is task.Nets and ag.Optimizers is task.Optimizers


def test_visualizer_tensorboard_writes_curves(tmp_path, dataset):
    results = task.fit(
        dataset,
        nets=['compact_cnn_small'],
        num_trials=1,
        num_training_epochs=1,
        visualizer='tensorboard',
        savedir=str(tmp_path / 'exp'),
    )
    assert results.metadata['num_trials'] == 1
    assert os.listdir(str(tmp_path / 'exp' / 'tensorboard'))


def test_config_of_an_adam_model_names_only_what_adam_used(tmp_path, dataset):
    results = task.fit(
        dataset,
        nets=task.Nets(['compact_cnn_small']),
        optimizers=task.Optimizers(['adam']),
        num_trials=1,
        num_training_epochs=1,
        savedir=str(tmp_path / 'exp'),
        seed=0,
    )
    assert results.config['optimizer'] == 'adam'
    assert 'adam_lr' in results.config
    assert 'lr' not in results.config and 'momentum' not in results.config
