"""The image task of the first public release (Dec 2019), used the way its three tutorials did:
the quick start (``task.Dataset(path)``, ``fit(..., ngpus_per_trial=1)`` on a CPU machine,
``predict``/``dataset.init().classes``, ``evaluate``), search spaces and HPO (networks and an
optimizer with spaces, ``search_strategy='skopt'`` with options, ``'hyperband'`` with
``grace_period`` and ``plot_results``), and the Kaggle one (``predict`` on a test Dataset,
``ag.utils.generate_csv``); plus ``'rl'`` on Fashion-MNIST and the arguments that are refused."""

import csv
import logging
import os
import shutil
import subprocess
import sys

import pytest

import autogluon as ag
from autogluon import ImageClassification as task
from autogluon.image_classification import sample_data_path
from autogluon.image_classification._data_builtin import fashion_mnist_files

TRAIN = sample_data_path('train')
TEST = sample_data_path('test')
SMALL = 'compact_cnn_small'

try:
    fashion_mnist_files()
    HAVE_FMNIST = True
except FileNotFoundError:
    HAVE_FMNIST = False


def _first_image(cls):
    folder = os.path.join(TEST, cls)
    return os.path.join(folder, sorted(os.listdir(folder))[0])


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope='module')
def beginner(tmp_path_factory):
    """The quick start's fit, small: default search space, ngpus_per_trial=1 as in the tutorial."""
    dataset = task.Dataset(TRAIN)
    test_dataset = task.Dataset(TEST, train=False)
    records = _Records()
    log = logging.getLogger('autogluon.image_classification')
    log.addHandler(records)
    try:
        classifier = task.fit(
            dataset,
            net=SMALL,
            epochs=1,
            num_trials=2,
            ngpus_per_trial=1,
            verbose=False,
            checkpoint=str(tmp_path_factory.mktemp('erab') / 'exp1.ag'),
        )
    finally:
        log.removeHandler(records)
    return dict(
        dataset=dataset,
        test_dataset=test_dataset,
        classifier=classifier,
        warnings=[r.getMessage() for r in records.records],
    )


def test_quick_start_flow(beginner, tmp_path):
    dataset, test_dataset, classifier = beginner['dataset'], beginner['test_dataset'], beginner['classifier']
    assert dataset.init() is dataset and len(dataset) == 320 and len(test_dataset) == 80
    image, label = dataset[0]
    assert image.shape[2] == 3 and dataset.classes[label] == 'BabyPants'
    assert dataset.init().classes == ['BabyPants', 'BabyShirt', 'womencasualshoes', 'womenchiffontop']
    if ag.get_gpu_count() == 0:  # the tutorial's ngpus_per_trial=1 on a CPU machine: one warning
        gpu_warnings = [m for m in beginner['warnings'] if 'ngpus_per_trial=1' in m]
        assert len(gpu_warnings) == 1 and 'CPU' in gpu_warnings[0]
        assert classifier.results['metadata']['resources_per_trial']['num_gpus'] == 0
    results = classifier.results
    print('Top-1 val acc: %.3f' % results['best_reward'])
    assert 0.0 <= results['best_reward'] <= 1.0
    assert results[results['reward_attr']] == results['best_reward']
    assert results['best_config']['net'] == SMALL and results['best_config']['epochs'] == 1
    assert len(results['trial_info']) == 2 and results['total_time'] > 0
    assert results['search_strategy'] == 'random'
    # split_ratio=0.8 of each class for training, the rest for validation
    assert results['metadata']['num_train'] == 256 and results['metadata']['num_val'] == 64
    assert results['metadata']['final_fit']['completed']  # retrained on train+val

    image = _first_image('BabyShirt')
    ind, prob = classifier.predict(image)
    label = dataset.init().classes[ind.asscalar()]
    print('The input picture is classified as [%s], with probability %.2f.' % (label, prob.asscalar()))
    assert label in dataset.classes and 0.0 < prob.asscalar() <= 1.0
    test_acc = classifier.evaluate(test_dataset)
    print('Top-1 test acc: %.3f' % test_acc)
    assert test_acc >= 0.5  # 4 classes: chance is 0.25

    path = str(tmp_path / 'classifier.ag')
    classifier.save(path)
    assert os.path.isfile(path)
    for loaded in (task.load(path), ag.task.image_classification.Classifier.load(path)):
        assert loaded.evaluate(test_dataset) == pytest.approx(test_acc)
        again, _ = loaded.predict(image)
        assert again.asscalar() == ind.asscalar()
        assert loaded.results['best_reward'] == pytest.approx(results['best_reward'])
        assert sorted(loaded.results['trial_info']) == sorted(results['trial_info'])


def test_kaggle_flow_predicts_a_test_dataset_and_writes_a_submission(beginner, tmp_path):
    classifier = beginner['classifier']
    test_dataset = task.Dataset(TEST)  # as in the tutorial: no train=False
    inds, probs = classifier.predict(test_dataset)
    assert len(inds) == len(probs) == 80
    csv_path = str(tmp_path / 'submission.csv')
    ag.utils.generate_csv(inds, csv_path)
    with open(csv_path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['id', 'category'] and len(rows) == 81
    assert [int(r[1]) for r in rows[1:]] == [int(i.asscalar()) for i in inds]
    # the order is the dataset's: class folders sorted, then files; each one as predict(image)
    single, _ = classifier.predict(_first_image('BabyPants'))
    assert inds[0].asscalar() == single.asscalar()

    # an unlabelled test folder (images without class folders): predict, but not evaluate or fit
    flat = tmp_path / 'unlabelled'
    flat.mkdir()
    for cls in ('BabyShirt', 'womencasualshoes'):
        shutil.copy(_first_image(cls), str(flat / (cls + '.png')))
    unlabelled = task.Dataset(str(flat))
    assert len(unlabelled) == 2 and unlabelled[0][0].shape == (28, 28, 3) and unlabelled[0][1] is None
    inds, probs = classifier.predict(unlabelled)
    assert len(inds) == 2 and all(0.0 < p.asscalar() <= 1.0 for p in probs)
    with pytest.raises(ValueError, match='without class folders'):
        classifier.evaluate(unlabelled)
    with pytest.raises(ValueError, match='class'):
        task.fit(unlabelled, epochs=1)


def test_hpo_flow_skopt_with_an_mxnet_optimizer_subclass(tmp_path):
    from mxnet import optimizer as optim

    @ag.obj(
        learning_rate=ag.space.Real(1e-3, 1e-1, log=True),
        momentum=ag.space.Real(0.85, 0.95),
        wd=ag.space.Real(1e-6, 1e-2, log=True),
    )
    class NAG(optim.NAG):
        pass

    dataset = task.Dataset(TRAIN)
    net = ag.space.Categorical(SMALL, 'compact_cnn')
    classifier = task.fit(
        dataset,
        net=net,
        optimizer=NAG(),
        search_strategy='skopt',
        search_options={'base_estimator': 'RF', 'acq_func': 'EI'},
        time_limits=90,
        epochs=1,
        num_trials=2,
        ngpus_per_trial=0,
        checkpoint=str(tmp_path / 'exp1.ag'),
    )
    results = classifier.results
    print('Top-1 val acc: %.3f' % results[results['reward_attr']])
    meta = results['metadata']
    assert meta['scheduler'] == 'FIFO_Scheduler'
    searcher = classifier.fit_results.scheduler.searcher
    assert type(searcher).__name__ == 'SKoptSearcher'
    assert (searcher.base_estimator, searcher.acq_func) == ('RF', 'EI')
    assert meta['time'] <= 90 + 2.0
    for info in results['trial_info'].values():
        config = info['config']
        assert config['net'] in (SMALL, 'compact_cnn') and config['optimizer'] == 'nag'
        assert 1e-3 <= config['lr'] <= 1e-1 and 0.85 <= config['momentum'] <= 0.95
    assert 0.0 <= classifier.evaluate(task.Dataset(TEST, train=False)) <= 1.0


def test_hpo_flow_hyperband_with_lr_scheduler_space_and_plot(tmp_path):
    dataset = task.Dataset(TRAIN)
    optimizer = ag.optimizer.SGD(
        learning_rate=ag.Real(1e-2, 1e-1, log=True), wd=ag.Real(1e-5, 1e-3, log=True)
    )
    checkpoint = tmp_path / 'checkpoint' / 'exp1.ag'
    classifier = task.fit(
        dataset,
        net=ag.space.Categorical(SMALL),
        optimizer=optimizer,
        lr_scheduler=ag.space.Categorical('poly', 'cosine'),
        search_strategy='hyperband',
        epochs=2,
        num_trials=2,
        verbose=False,
        plot_results=True,
        ngpus_per_trial=0,
        grace_period=1,
        checkpoint=str(checkpoint),
    )
    results = classifier.results
    assert results['metadata']['scheduler'] == 'Hyperband_Scheduler'
    assert results['search_strategy'] == 'hyperband' and len(results['trial_info']) == 2
    for info in results['trial_info'].values():
        assert info['config']['optimizer'] == 'sgd' and 1e-2 <= info['config']['lr'] <= 1e-1
        assert info['config']['lr_schedule'] in ('poly', 'cosine')
        assert 1 <= len(info['history']) <= 2
    assert results['best_config']['lr_scheduler'] in ('poly', 'cosine')
    assert (checkpoint.parent / 'training_curves.png').stat().st_size > 0


@pytest.mark.skipif(not HAVE_FMNIST, reason='Fashion-MNIST (Debian package) is not installed')
def test_fashion_mnist_builtin_and_rl_strategy(tmp_path):
    test_full = task.Dataset(name='FashionMNIST', train=False)
    assert len(test_full) == 10000 and test_full.init().num_classes == 10
    assert test_full.classes[0] == 't-shirt_top'
    dataset = task.Dataset(name='FashionMNIST', max_images_per_class=20)
    test_dataset = task.Dataset(name='FashionMNIST', train=False, max_images_per_class=10)
    assert len(dataset) == 200 and len(test_dataset) == 100
    classifier = task.fit(
        dataset,
        net=SMALL,
        search_strategy='rl',
        search_options={'controller_lr': 1e-2},
        epochs=1,
        num_trials=2,
        ngpus_per_trial=0,
        input_size=28,
        checkpoint=str(tmp_path / 'exp1.ag'),
    )
    meta = classifier.results['metadata']
    assert meta['scheduler'] == 'RLScheduler' and meta['num_trials'] == 2
    assert meta['image_size'] == 28 and meta['channels'] == 1
    assert 0.0 <= classifier.evaluate(test_dataset) <= 1.0
    inds, probs = classifier.predict(test_dataset)
    assert len(inds) == 100 and all(0 <= i.asscalar() < 10 for i in inds)


def test_refused_arguments_say_what_is_allowed(tmp_path):
    dataset = task.Dataset(TRAIN)
    small = dict(net=SMALL, epochs=1, num_trials=1, checkpoint=str(tmp_path / 'exp1.ag'))
    with pytest.raises(ValueError, match='dask_client'):
        task.fit(dataset, dist_ip_addrs=['172.31.3.95'], **small)
    with pytest.raises(ValueError, match="search_strategy must be one of .*'hyperband'.*'rl'"):
        task.fit(dataset, search_strategy='evolution', **small)
    with pytest.raises(ValueError, match="metric must be 'accuracy'"):
        task.fit(dataset, metric='top5', **small)
    with pytest.raises(ValueError, match='SoftmaxCrossEntropyLoss'):
        task.fit(dataset, loss='hinge', **small)
    with pytest.raises(ValueError, match='split_ratio'):
        task.fit(dataset, split_ratio=1.5, **small)
    with pytest.raises(ValueError, match='grace_period'):
        task.fit(dataset, search_strategy='hyperband', grace_period=5, **dict(small, epochs=2))
    with pytest.raises(ValueError, match='controller'):
        task.fit(dataset, search_strategy='rl', search_options={'base_estimator': 'RF'}, **small)

    @ag.func(multiplier=ag.Categorical(0.25, 1.0))
    def get_mobilenet(multiplier):
        raise AssertionError('never built')

    with pytest.raises(TypeError, match='network name'):
        task.fit(dataset, **dict(small, net=ag.space.Categorical(SMALL, get_mobilenet())))
    from mxnet import optimizer as optim

    @ag.obj(learning_rate=ag.space.Real(1e-4, 1e-2, log=True))
    class MySGD(optim.SGD):
        def update(self, index, weight, grad, state):
            raise AssertionError('never called')

    with pytest.raises(ValueError, match='its own code'):
        task.fit(dataset, optimizer=MySGD(), **small)
    assert not os.path.exists(str(tmp_path / 'exp1.ag')) and not os.listdir(str(tmp_path))


def test_dataset_names_and_errors(tmp_path, monkeypatch):
    monkeypatch.setenv('MXNET_HOME', str(tmp_path / 'empty_mxnet_home'))
    with pytest.raises(FileNotFoundError, match='cifar'):
        task.Dataset(name='CIFAR10', train=False)  # local files only: none here
    with pytest.raises(ValueError, match='ImageNet'):
        task.Dataset(name='imagenet')
    with pytest.raises(FileNotFoundError):
        task.Dataset(str(tmp_path / 'missing'))
    with pytest.raises(ValueError, match='folder path'):
        task.Dataset()
    with pytest.raises(TypeError, match='train'):
        task.Dataset(TRAIN, train='yes')
    assert ag.task.ImageClassification is task
    named = task.Dataset(TEST, name='shopeeiet', train=False)  # a name that is no built-in labels a folder
    assert named.name == 'shopeeiet' and len(named) == 80


# Wrong types are TypeError, wrong values ValueError (the shared checks of autogluon/core/_validate.py);
# the rows marked "was ValueError" raised ValueError for a wrong type before.
ERA_B_ARGUMENTS = [
    (dict(epochs=2.5), TypeError, r'^epochs must be an int >= 1, got 2.5 of type float$'),  # was ValueError
    (dict(epochs=0), ValueError, r'^epochs must be an int >= 1, got 0$'),
    (
        dict(metric=None),
        TypeError,
        r"^metric must be 'accuracy' .*, got None of type NoneType$",
    ),  # was ValueError
    (
        dict(loss=3),
        TypeError,
        r'^loss must be SoftmaxCrossEntropyLoss .*, got 3 of type int$',
    ),  # was ValueError
    (
        dict(search_strategy=3),
        TypeError,
        r"^search_strategy must be one of 'random', .*, got 3 of type int$",
    ),  # was ValueError
    (
        dict(search_strategy='hyperband', grace_period=0.5),
        TypeError,
        r'^grace_period must be an int between 1 and epochs \(1\), got 0.5 of type float$',
    ),  # was ValueError
    (
        dict(nthreads_per_trial='2'),
        TypeError,
        r"^nthreads_per_trial must be an int >= 1, got '2' of type str$",
    ),  # was ValueError
    (
        dict(ngpus_per_trial=True),
        TypeError,
        r'^ngpus_per_trial must be an int >= 0 or None, got True of type bool$',
    ),  # was ValueError
    (dict(ngpus_per_trial=-1), ValueError, r'^ngpus_per_trial must be an int >= 0 or None, got -1$'),
    (
        dict(split_ratio='0.8'),
        TypeError,
        r"^split_ratio must be a number strictly between 0 and 1 .*, got '0.8' of type str$",
    ),  # was ValueError
    (dict(verbose='yes'), TypeError, r"^verbose must be True or False, got 'yes' of type str$"),
]


@pytest.mark.parametrize('kwargs, error, message', ERA_B_ARGUMENTS)
def test_era_b_fit_argument_classes(tmp_path, kwargs, error, message):
    small = dict(net=SMALL, epochs=1, num_trials=1, checkpoint=str(tmp_path / 'exp1.ag'))
    with pytest.raises(error, match=message):
        task.fit(task.Dataset(TRAIN), **dict(small, **kwargs))
    assert not os.listdir(str(tmp_path))


def test_import_autogluon_imagecl_does_not_import_mxnet():
    code = (
        'import sys; from autogluon import ImageClassification as task; import autogluon as ag; '
        'ag.task.ImageClassification; print("mxnet" in sys.modules)'
    )
    out = subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(ag.__file__))),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'False'


def test_fit_instantiates_rl_scheduler_without_a_searcher(tmp_path):
    """fit(trial_scheduler=RLScheduler) (what search_strategy='rl' runs): its controller picks the
    configurations; fit's searcher must not be handed to it (that was a TypeError)."""
    import argparse

    from autogluon.image_classification import _fit

    def train_fn(args, reporter):
        reporter(epoch=1, accuracy=args.lr)

    args = argparse.Namespace(lr=ag.space.Real(0.01, 0.1), epochs=1)
    searcher = ag.searcher.RandomSampling({'lr': ag.space.Real(0.01, 0.1)})
    core = dict(
        checkpoint=str(tmp_path / 'exp1.ag'),
        resume=False,
        num_trials=2,
        time_attr='epoch',
        reward_attr='accuracy',
        visualizer='none',
    )
    scheduler = _fit._instantiate_scheduler(
        ag.scheduler.RLScheduler,
        train_fn,
        args,
        {'num_cpus': 1, 'num_gpus': 0},
        searcher,
        core,
        dict(max_t=1, grace_period=1, reduction_factor=3),
        dict(seed=0, progress=False),
        {'controller_lr': 0.01},
    )
    assert type(scheduler).__name__ == 'RLScheduler' and scheduler.searcher is not searcher
    assert type(scheduler.searcher).__name__ == 'RLSearcher'


def test_resume_continues_the_checkpoint_and_verbose_logs_the_search(tmp_path, caplog):
    dataset = task.Dataset(TRAIN)
    checkpoint = str(tmp_path / 'checkpoint' / 'exp1.ag')
    quiet = logging.getLogger('autogluon').getEffectiveLevel() > logging.INFO
    first = task.fit(
        dataset, net=SMALL, epochs=1, num_trials=1, ngpus_per_trial=0, checkpoint=checkpoint, verbose=True
    )
    if quiet:  # verbose=True: the search's INFO lines, then the level is as it was
        assert any('fit done' in r.getMessage() for r in caplog.records)
        assert logging.getLogger('autogluon').getEffectiveLevel() > logging.INFO
    caplog.clear()
    second = task.fit(
        dataset, net=SMALL, epochs=1, num_trials=2, ngpus_per_trial=0, checkpoint=checkpoint, resume=True
    )
    if quiet:
        assert not any('fit done' in r.getMessage() for r in caplog.records)
    assert sorted(first.results['trial_info']) == [0]
    assert sorted(second.results['trial_info']) == [0, 1] and second.results['metadata']['resumed']
    assert second.results['trial_info'][0]['config'] == first.results['trial_info'][0]['config']
