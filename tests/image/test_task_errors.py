"""Bad input to the task: clear errors, raised before any file is written or any worker starts."""

import os

import pytest

import autogluon as ag
from autogluon import image_classification as task
from autogluon.image_classification import _fit

SAMPLE = task.sample_data_path()


@pytest.fixture(scope='module')
def dataset():
    return task.Dataset(name='shopeeiet', train_path=os.path.join(SAMPLE, 'train'))


@pytest.fixture
def no_model(monkeypatch):
    monkeypatch.setattr(_fit, '_LAST', {'model': None, 'results': None})


class FakeScheduler:
    """Not a scheduler: no run()."""


# A wrong type is a TypeError, a wrong value a ValueError (core/_validate.py), as in the scheduler.
BAD_FIT = [
    (dict(num_training_epochs=0), ValueError, 'num_training_epochs'),
    (dict(num_training_epochs=2.5), TypeError, 'num_training_epochs'),  # was ValueError
    (dict(time_limits=-5), ValueError, 'time_limits'),
    (dict(time_limits='1h'), TypeError, 'time_limits'),  # was ValueError
    (dict(num_trials=0), ValueError, 'num_trials'),
    (dict(trial_scheduler='bogus'), ValueError, 'trial_scheduler'),
    (dict(trial_scheduler=FakeScheduler), TypeError, 'run'),
    (dict(trial_scheduler=object()), TypeError, 'trial_scheduler'),
    (dict(searcher='bogus'), ValueError, 'bogus'),
    (
        dict(
            searcher=ag.searcher.RandomSampling({'lr': ag.space.Real(0.01, 0.1)}),
            searcher_options={'seed': 1},
        ),
        ValueError,
        'searcher_options',
    ),
    (dict(nets=['no_such_net']), ValueError, 'no_such_net'),
    (dict(nets=[42]), TypeError, 'name'),
    (dict(optimizers=['adagrad']), ValueError, 'adagrad'),
    (dict(optimizers=[ag.optimizers.SGD(lr=0.1), ag.optimizers.SGD(lr=0.2)]), ValueError, 'twice'),
    (dict(losses=ag.Losses(['L2Loss'])), ValueError, 'losses'),
    (dict(metrics=['F1']), ValueError, 'metrics'),
    (dict(metrics=7), TypeError, 'metrics'),
    (dict(final_fit='yes'), TypeError, 'final_fit'),  # was ValueError
    (dict(searcher=ag.Metrics(['Accuracy'])), TypeError, 'metrics='),
    (dict(backend='ray'), ValueError, 'backend'),
    (dict(lr_scheduler='linear'), ValueError, 'lr_scheduler'),
    (dict(lr_scheduler='poly', lr_schedule='cosine'), TypeError, 'lr_scheduler'),
    (dict(stop_criterion={'time_limit': 5}), ValueError, 'stop_criterion'),
    (dict(stop_criterion=5), TypeError, 'stop_criterion'),
    (dict(resources_per_trial={'num_cpus': 10**4}), ValueError, 'num_cpus'),
    (dict(resources_per_trial={'gpus': 1}), ValueError, 'resources_per_trial'),
    (dict(num_gpus=64), ValueError, 'num_gpus'),
    (dict(num_gpus=-1), ValueError, 'num_gpus'),
    (dict(max_metric='high'), TypeError, 'max_metric'),  # was ValueError
    (dict(visualizer='matplotlib'), ValueError, 'visualizer'),
    (dict(resume='yes'), TypeError, 'resume'),  # was ValueError; the scheduler's class
    (dict(lr=-0.1), ValueError, 'lr'),
    (dict(lr=ag.space.Real(-1.0, 0.1)), ValueError, 'lr'),
    (dict(batch_size=0), ValueError, 'batch_size'),
    (dict(batch_size=ag.space.Categorical(32, 0)), ValueError, 'batch_size'),
    (dict(momentum=1.5), ValueError, 'momentum'),
    (dict(label_smoothing=ag.space.Real(0.0, 1.0)), ValueError, 'label_smoothing'),
    (dict(lr_schedule='linear'), ValueError, 'lr_schedule'),
    (dict(image_size=0), ValueError, 'image_size'),
    (dict(pretrained=True), ValueError, 'pretrained'),
    (dict(savedir=3), TypeError, 'savedir'),
    (dict(scheduler_options=[1]), TypeError, 'scheduler_options'),
    (dict(learning_rate=0.1), TypeError, 'learning_rate'),
    (dict(foo=ag.space.Real(0.0, 1.0), bar=1), TypeError, "'bar', 'foo'"),
    # one rule for every argument: a wrong type is a TypeError, a wrong value a ValueError
    (dict(seed='1'), TypeError, 'seed'),
    (dict(seed=-1), ValueError, 'seed'),
    (dict(visualizer=3), TypeError, 'visualizer'),
    (dict(num_gpus=0.5), TypeError, 'num_gpus'),
    (dict(augment='yes'), TypeError, 'augment'),
    (dict(label_smoothing='0.1'), TypeError, 'label_smoothing'),
    (dict(batch_size=ag.space.Real(16.0, 64.0)), TypeError, 'batch_size'),
    (dict(resume=1), TypeError, 'resume'),
    (dict(num_trials=1.0), TypeError, 'num_trials'),
]


@pytest.mark.parametrize(
    'kwargs, error, match',
    BAD_FIT,
    ids=['-'.join(sorted(k)) + '-%d' % i for i, (k, _, _) in enumerate(BAD_FIT)],
)
def test_bad_fit_arguments_fail_before_anything_starts(tmp_path, dataset, kwargs, error, match):
    savedir = tmp_path / 'exp'
    kwargs.setdefault('savedir', str(savedir / 'exp1.ag'))
    with pytest.raises(error, match=match):
        task.fit(dataset, **kwargs)
    assert not savedir.exists()  # nothing written, so no worker could have started


def test_fit_needs_training_images(tmp_path):
    test_only = task.Dataset(name='shopeeiet', test_path=os.path.join(SAMPLE, 'test'))
    with pytest.raises(ValueError, match='training'):
        task.fit(test_only, savedir=str(tmp_path / 'exp'))
    with pytest.raises(TypeError, match='Dataset'):
        task.fit(object(), savedir=str(tmp_path / 'exp'))
    assert not (tmp_path / 'exp').exists()


def test_missing_dataset_path_raised_by_the_data_layer(tmp_path):
    missing = str(tmp_path / 'nope' / 'train')
    with pytest.raises(FileNotFoundError, match='nope'):
        task.Dataset(name='shopeeiet', train_path=missing)
    with pytest.raises(FileNotFoundError, match='nope'):
        task.fit(missing, savedir=str(tmp_path / 'exp'))
    assert not (tmp_path / 'exp').exists()


def test_evaluate_predict_save_before_fit(no_model, dataset):
    with pytest.raises(RuntimeError, match='fit'):
        task.evaluate(dataset)
    with pytest.raises(RuntimeError, match='fit'):
        task.predict(os.path.join(SAMPLE, 'test'))
    with pytest.raises(RuntimeError, match='fit'):
        task.save('somewhere')


def test_load_errors(tmp_path, no_model):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        task.load(str(tmp_path / 'nowhere'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='model.json'):
        task.load(str(tmp_path / 'empty'))


def test_predict_missing_file_names_it(tmp_path, no_model):
    from autogluon.image_classification._model import ImageClassifier

    model = ImageClassifier(None, 'compact_cnn', ['a', 'b'], 28, 1, [0.5], [0.25], ctx=object())
    missing = str(tmp_path / 'no_such_image.png')
    with pytest.raises(FileNotFoundError, match='no_such_image.png'):
        model.predict(missing)
    with pytest.raises(FileNotFoundError, match='no_such_image.png'):
        model.predict([os.path.join(SAMPLE, 'test', 'BabyShirt', 'fmnist-test-00390.png'), missing])
    with pytest.raises(ValueError, match='folders'):
        model.predict([os.path.join(SAMPLE, 'test', 'BabyShirt')])
    with pytest.raises(TypeError):
        model.predict(42)


def test_evaluate_without_test_split(tmp_path):
    from autogluon.image_classification._model import ImageClassifier

    model = ImageClassifier(None, 'compact_cnn', ['a', 'b'], 28, 1, [0.5], [0.25], ctx=object())
    train_only = task.Dataset(name='x', train_path=os.path.join(SAMPLE, 'train'))
    with pytest.raises(ValueError, match='test'):
        model.evaluate(train_only)


def test_a_scheduler_subclass_with_kwargs_gets_fits_rungs():
    # fit's max_t/grace_period/reduction_factor reach a Hyperband subclass that passes **kwargs on.
    from autogluon.scheduler import Hyperband_Scheduler

    class Passthrough(Hyperband_Scheduler):
        def __init__(self, train_fn, args, resource, searcher, **kwargs):
            super().__init__(train_fn, args, resource, searcher, **kwargs)

    def fn(args, reporter):
        reporter(training_epoch=1, accuracy=0.5)

    s = _fit._instantiate_scheduler(
        Passthrough,
        fn,
        None,
        {'num_cpus': 1, 'num_gpus': 0},
        'random',
        dict(checkpoint=None, visualizer='none'),
        dict(max_t=5, grace_period=1, reduction_factor=3),
        {},
        {},
    )
    assert (s.terminator.max_t, s.terminator.grace_period, s.terminator.reduction_factor) == (5, 1, 3)


def test_unknown_fit_keyword_lists_each_hyperparameter_once():
    with pytest.raises(TypeError, match='unexpected keyword') as err:
        task.fit(task.Dataset(train_path=task.sample_data_path('train')), learning_rate=0.1)
    accepted = str(err.value).split('accepts (a value or an ag.space): ')[1].split(';')[0].split(', ')
    assert sorted(accepted) == sorted(set(accepted)) and 'adam_lr' in accepted and 'batch_size' in accepted


def test_only_image_classifiers_are_networks():
    from autogluon.image_classification._nets import check_net_name

    nets = task.list_nets()
    assert {'compact_cnn', 'cifar_resnet20_v1', 'resnet18_v1', 'mobilenet0.25', 'hrnet_w18_c'} <= set(nets)
    for name in (
        'center_net_dla34_coco',
        'ssd_300_vgg16_atrous_voc',
        'fcn_resnet50_voc',
        'simple_pose_resnet18_v1b',
        'i3d_resnet50_v1_kinetics400',
        'resnet50_v1_int8',
        'hrnet_w48_s',
    ):
        assert name not in nets
        with pytest.raises(ValueError, match='unknown network'):
            check_net_name(name)
