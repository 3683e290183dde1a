"""Era A (the Sept. 2019 hackathon release): its image-classification notebooks, flow by flow.

Beginner (fit, evaluate, predict with NDArrays and synsets), advanced (ag.Nets, ag.Optimizers of
ag.optimizers objects with spaces, lr_scheduler, searcher/scheduler names, results.metadata),
Kaggle (predict_batch of a test folder, ag.utils.generate_csv) and the final fit on
train+validation; on the shipped sample and on Fashion-MNIST from the Debian package. Small
budgets: one shared fit per dataset.
"""

import argparse
import csv
import logging
import os
import shutil
import time

import numpy as np
import pytest
from PIL import Image

import autogluon as ag
from autogluon import image_classification as task
from autogluon.image_classification import _compat, _data_builtin, _optimizers, _train

mx = pytest.importorskip('mxnet')

SAMPLE = task.sample_data_path()
HAVE_FMNIST = all(
    os.path.isfile(os.path.join(_data_builtin.DEBIAN_FASHION_MNIST_DIR, f + '.gz'))
    for f in _data_builtin._IDX_FILES.values()
)


def _test_images():
    root = os.path.join(SAMPLE, 'test')
    return [
        os.path.join(root, c, f)
        for c in sorted(os.listdir(root))
        for f in sorted(os.listdir(os.path.join(root, c)))
    ]


@pytest.fixture(scope='module')
def advanced(tmp_path_factory):
    """The advanced tutorial's last fit, small: two networks' worth of spaces, two trials."""
    dataset = task.Dataset(name='shopeeiet', train_path=os.path.join(SAMPLE, 'train'))
    nets = ag.Nets(['compact_cnn_small'])
    adam_opt = ag.optimizers.Adam(
        lr=ag.space.Log('lr', 10**-4, 10**-1), wd=ag.space.Log('wd', 10**-6, 10**-2)
    )
    sgd_opt = ag.optimizers.SGD(
        lr=ag.space.Log('lr', 10**-4, 10**-1),
        momentum=ag.space.Linear('momentum', 0.85, 0.95),
        wd=ag.space.Log('wd', 10**-6, 10**-2),
    )
    optimizers = ag.Optimizers([adam_opt, sgd_opt])
    savedir = str(tmp_path_factory.mktemp('eraa') / 'checkpoint' / 'exp1.ag')
    results = task.fit(
        dataset,
        nets,
        optimizers,
        lr_scheduler=ag.space.List('lr_scheduler', ['poly', 'cosine']),
        searcher='random',
        trial_scheduler='fifo',
        savedir=savedir,
        metrics=ag.Metrics(['Accuracy']),
        losses=ag.Losses(['SoftmaxCrossEntropyLoss']),
        stop_criterion={'num_trials': 2},
        resources_per_trial={'num_training_epochs': 2},
        final_fit=True,
        seed=0,
    )
    return dict(
        dataset=dataset,
        results=results,
        optimizers=optimizers,
        nets=nets,
        savedir=savedir,
        model=task.get_model(),
    )


def test_beginner_predict_returns_ndarrays_and_synsets_name_them(advanced):
    dataset, results = advanced['dataset'], advanced['results']
    print('Top-1 val acc: %.3f' % results.metric)
    test_dataset = task.Dataset(name='shopeeiet', test_path=os.path.join(SAMPLE, 'test'))
    test_acc = task.evaluate(test_dataset)
    assert 0.25 < test_acc <= 1.0
    image = os.path.join(
        SAMPLE, 'test', 'BabyShirt', sorted(os.listdir(os.path.join(SAMPLE, 'test', 'BabyShirt')))[0]
    )
    ind, prob = task.predict(image)
    assert isinstance(ind, mx.nd.NDArray) and isinstance(prob, mx.nd.NDArray)
    assert ind.shape == (1,) and prob.shape == (1,) and ind.dtype == np.int32
    label = dataset.train.synsets[ind.asscalar()]
    text = 'The input picture is classified as [%s], with probability %.2f.' % (label, prob.asscalar())
    assert dataset.synsets == dataset.train.synsets == dataset.val.synsets == dataset.classes
    assert test_dataset.test.synsets == dataset.classes
    probs = results.model.predict_proba(np.asarray(Image.open(image).convert('RGB')))[0]
    assert ind.asscalar() == int(np.argmax(probs))
    assert prob.asscalar() == pytest.approx(float(probs.max()), rel=1e-5)
    assert text.endswith('with probability %.2f.' % probs.max())
    # the conveniences of later releases still work on the same values
    assert dataset.classes[ind] == label and '%d' % ind == str(ind.asscalar())
    assert round(float(prob), 4) == round(task.predict(image).probability, 4)


def test_advanced_metadata_holds_what_the_run_used(advanced):
    results, meta = advanced['results'], advanced['results'].metadata
    assert meta['nets'] is advanced['nets'] and meta['optimizers'] is advanced['optimizers']
    assert list(meta['metrics'].choices) == ['Accuracy']
    assert list(meta['losses'].choices) == ['SoftmaxCrossEntropyLoss']
    assert meta['searcher'] == 'random' and meta['trial_scheduler'] == 'fifo'
    assert meta['searcher_class'] in ('RandomSampling', 'RandomSearcher')
    assert meta['stop_criterion'] == {'time_limits': None, 'max_metric': None, 'num_trials': 2}
    assert meta['resources_per_trial']['num_training_epochs'] == 2
    assert meta['resources_per_trial']['num_gpus'] == 0
    assert meta['visualizer'] == 'none' and meta['resume'] is False
    assert meta['savedir'] == os.path.dirname(advanced['savedir'])
    assert meta['data'] is advanced['dataset']
    assert set(meta['kwargs']) == {'lr_scheduler', 'final_fit', 'seed'}
    # every trial drew an optimizer, its spaces and a learning-rate schedule
    assert len(meta['trials']) == 2
    for trial in meta['trials']:
        config = trial['config']
        assert config['optimizer'] in ('adam', 'sgd') and config['lr_schedule'] in ('poly', 'cosine')
        assert 1e-4 <= config['lr'] <= 1e-1 and 1e-6 <= config['wd'] <= 1e-2
        assert 0.85 <= config['momentum'] <= 0.95
    config = results.config
    assert config['lr_scheduler'] == config['lr_schedule'] in ('poly', 'cosine')
    assert ('momentum' in config) == (config['optimizer'] == 'sgd')
    print('Default searcher:', meta['searcher'], '\nStop criterion:', meta['stop_criterion'])


def test_final_fit_model_is_trained_on_train_and_val(advanced):
    results = advanced['results']
    info = results.metadata['final_fit']
    assert info['completed'] and info['epochs_trained'] == info['epochs_planned'] == 2
    params = os.path.join(results.metadata['savedir'], 'final_fit', 'best.params')
    assert os.path.isfile(params)
    model = results.model
    assert advanced['model'] is model
    again = task.ImageClassifier.from_params(
        params, model.net_name, model.classes, model.image_size, model.channels, model.mean, model.std
    )
    images = task.load_images(_test_images()[:8], model.image_size, model.channels)[0]
    np.testing.assert_allclose(again.predict_proba(images), model.predict_proba(images), rtol=1e-5)
    best = os.path.join(
        results.metadata['savedir'], 'trials', 'trial_%d' % results.metadata['best_task_id'], 'best.params'
    )
    searched = task.ImageClassifier.from_params(
        best, model.net_name, model.classes, model.image_size, model.channels, model.mean, model.std
    )
    assert not np.allclose(searched.predict_proba(images), model.predict_proba(images))


def test_kaggle_predict_batch_feeds_generate_csv(advanced, tmp_path):
    files = _test_images()
    inds, probs = task.predict_batch(os.path.join(SAMPLE, 'test'))  # class folders, one level down
    assert len(inds) == len(probs) == len(files)
    assert all(isinstance(i, mx.nd.NDArray) and i.shape == (1,) for i in inds)
    batch = task.predict_batch(files[:5])
    assert batch.paths == files[:5]
    singles = [task.predict(f) for f in files[:5]]
    assert [i.asscalar() for i in batch[0]] == [p[0].asscalar() for p in singles]
    np.testing.assert_allclose(
        [p.asscalar() for p in batch[1]], [p[1].asscalar() for p in singles], rtol=1e-5
    )
    # a flat Kaggle test folder: image files sorted by name; other files are not images
    flat = tmp_path / 'test'
    flat.mkdir()
    for k, f in enumerate(files[:6]):
        shutil.copy(f, str(flat / ('%03d%s' % (5 - k, os.path.splitext(f)[1]))))
    (flat / 'notes.txt').write_text('not an image')
    flat_batch = task.predict_batch(str(flat))
    inds, probs = flat_batch
    assert [os.path.basename(p)[:3] for p in flat_batch.paths] == ['%03d' % k for k in range(6)]
    expected = [task.predict(f)[0].asscalar() for f in reversed(files[:6])]
    assert [i.asscalar() for i in inds] == expected
    submission = tmp_path / 'submission.csv'
    ag.utils.generate_csv(inds, str(submission))
    with open(str(submission), newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['id', 'category']
    assert rows[1:] == [[str(k + 1), str(i.asscalar())] for k, i in enumerate(inds)]
    with pytest.raises(FileNotFoundError, match='nothing_here'):
        task.predict_batch(str(tmp_path / 'nothing_here'))


def test_optimizer_objects_build_shared_and_per_optimizer_spaces():
    lr = ag.space.Log('lr', 1e-4, 1e-1)
    opts = ag.Optimizers(
        [
            ag.optimizers.Adam(lr=lr, wd=1e-4),
            ag.optimizers.SGD(learning_rate=lr, momentum=0.9, wd=1e-3),
            ag.optimizers.RMSProp(),
        ]
    )
    spaces, fixed = task.default_search_space(ag.Nets(['compact_cnn']), opts, {})
    # rmsprop gives no lr: adam and sgd get their own lr keys, rmsprop keeps its default space;
    # wd differs per optimizer (rmsprop uses the shared default); only sgd takes momentum
    assert spaces['adam_lr'] == lr and spaces['sgd_lr'] == lr and 'rmsprop_lr' in spaces
    assert 'lr' not in spaces  # every optimizer has its own: the shared default is not searched
    assert fixed['adam_wd'] == 1e-4 and fixed['sgd_wd'] == 1e-3 and 'wd' in spaces
    assert fixed['momentum'] == 0.9 and 'momentum' not in spaces
    # the same space given by every optimizer that takes it is one shared hyperparameter
    spaces, fixed = task.default_search_space(
        ag.Nets(['compact_cnn']), ag.Optimizers(list(opts.objects.values())[:2]), {}
    )
    assert spaces['lr'] == lr and not any(k.endswith('_lr') for k in spaces)
    config = dict(
        optimizer='sgd', lr=0.01, rmsprop_lr=0.002, wd=3e-4, adam_wd=1e-4, sgd_wd=1e-3, momentum=0.9
    )
    assert _optimizers.model_config(config) == dict(optimizer='sgd', lr=0.01, wd=1e-3, momentum=0.9)
    ns = argparse.Namespace(**dict(config, optimizer='rmsprop'))
    assert _train._optimizer_settings(ns) == ('rmsprop', 0.002, 3e-4, 0.9)
    with pytest.raises(TypeError, match='momentum'):
        ag.optimizers.Adam(momentum=0.9)
    with pytest.raises(ValueError, match='lr'):
        ag.optimizers.SGD(lr=-0.1)
    with pytest.raises(ValueError, match='adagrad'):
        ag.get_optim('adagrad')
    # a non-finite value is a wrong value: ValueError (was TypeError before the checks were shared)
    with pytest.raises(ValueError, match=r'^SGD: lr must be a finite number > 0, got inf$'):
        ag.optimizers.SGD(lr=float('inf'))
    with pytest.raises(ValueError, match=r'^NAG: momentum must be a finite number in \[0, 1\), got 1.0$'):
        ag.optimizers.NAG(momentum=1.0)
    with pytest.raises(TypeError, match=r"^Adam: wd must be .* or an ag.space, got '0' of type str$"):
        ag.optimizers.Adam(wd='0')
    with pytest.raises(ValueError, match='HingeLoss'):
        task.fit(task.sample_data_path('train'), losses=ag.Losses(['HingeLoss']))


def test_lr_schedules_poly_step_cosine():
    assert _train.lr_at(0.5, 0.1, schedule='poly') == pytest.approx(0.025)
    assert _train.lr_at(0.4, 0.1, schedule='step') == pytest.approx(0.1)
    assert _train.lr_at(0.6, 0.1, schedule='step') == pytest.approx(0.01)
    assert _train.lr_at(0.8, 0.1, schedule='step') == pytest.approx(0.001)
    assert _train.lr_at(1.0, 0.1, schedule='poly') == 0.0


class _Recorder:
    def __init__(self, trial_dir):
        self.trial_dir, self.task_id, self.results = trial_dir, 0, []

    def __call__(self, **result):
        self.results.append(result)
        return True

    def save_dict(self, **state):
        pass


def _trial_args(data_dir, **overrides):
    args = dict(
        data_dir=data_dir,
        num_classes=4,
        image_size=28,
        channels=3,
        mean=[0.5] * 3,
        std=[0.25] * 3,
        epochs=1,
        batch_size=32,
        net='compact_cnn_small',
        optimizer='rmsprop',
        lr=1e-3,
        wd=1e-4,
        momentum=0.9,
        label_smoothing=0.0,
        warmup_epochs=0.0,
        lr_schedule='step',
        augment=False,
        pad=2,
        pretrained=False,
        num_gpus=0,
        seed=0,
        deadline=None,
    )
    args.update(overrides)
    return argparse.Namespace(**args)


def test_rmsprop_trains_and_final_fit_trains_on_train_plus_val(tmp_path):
    dataset = task.Dataset(train_path=os.path.join(SAMPLE, 'train'), image_size=28, channels=3)
    data_dir = str(tmp_path / 'data')
    _train.write_split(data_dir, 'train', dataset.train)
    _train.write_split(data_dir, 'val', dataset.val)
    search = _Recorder(str(tmp_path / 'search'))
    _train.train_image_classification(_trial_args(data_dir), search)
    final = _Recorder(str(tmp_path / 'final'))
    _train.train_image_classification(_trial_args(data_dir, final_fit=True), final)
    seen = [round(r['images_per_sec'] * r['epoch_time']) for r in (search.results[0], final.results[0])]
    assert seen == [len(dataset.train) // 32 * 32, (len(dataset.train) + len(dataset.val)) // 32 * 32]
    assert final.results[0]['accuracy'] == final.results[0]['train_acc']
    assert os.path.isfile(str(tmp_path / 'final' / 'best.params'))


def test_imagenet_network_from_scratch_warns_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv('MXNET_HOME', str(tmp_path / 'empty_mxnet_home'))
    with caplog.at_level(logging.WARNING, logger='autogluon.image_classification'):
        missing = _compat.warn_untrained_imagenet_nets(
            ['resnet18_v1', 'mobilenet0.25', 'cifar_resnet20_v1', 'compact_cnn'], False
        )
    assert missing == ['resnet18_v1', 'mobilenet0.25']
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and 'from scratch' in warnings[0].getMessage()
    assert 'resnet18_v1, mobilenet0.25' in warnings[0].getMessage()
    caplog.clear()
    assert _compat.warn_untrained_imagenet_nets(['cifar_resnet20_v1', 'compact_cnn'], None) == []
    assert not caplog.records


@pytest.mark.skipif(not HAVE_FMNIST, reason='Fashion-MNIST (Debian package) is not installed')
def test_fashion_mnist_beginner_flow_with_time_limits_and_final_fit(tmp_path, monkeypatch, caplog):
    """An ImageNet network within time_limits: the budget split and the from-scratch warning
    are in the log, and the whole fit (search + final fit) stays inside the limit."""
    monkeypatch.setenv('MXNET_HOME', str(tmp_path / 'mxnet_home'))
    dataset = task.Dataset('fashionmnist', max_images_per_class=25)
    start = time.monotonic()
    with caplog.at_level(logging.INFO, logger='autogluon.image_classification'):
        results = task.fit(
            dataset,
            ag.Nets(['mobilenet0.25', 'compact_cnn_small']),
            ag.Optimizers([ag.optimizers.NAG(lr=0.05)]),
            lr_scheduler='cosine',
            time_limits=60,
            num_trials=2,
            num_training_epochs=2,
            final_fit=True,
            savedir=str(tmp_path / 'exp1.ag'),
            seed=0,
        )
    wall = time.monotonic() - start
    assert wall <= 60 + 2.0
    messages = [r.getMessage() for r in caplog.records]
    assert (
        sum('from scratch' in m and r.levelno == logging.WARNING for m, r in zip(messages, caplog.records))
        == 1
    )
    split = [m for m in messages if 'for the final fit on train+val' in m]
    assert len(split) == 1 and 'time_limits=60s' in split[0]
    info = results.metadata['final_fit']
    assert info['completed'] and 0 < info['time'] <= info['time_limit']
    ind, prob = task.predict(dataset.test.images[:1])[0]
    assert dataset.train.synsets[ind.asscalar()] in dataset.classes and 0 < prob.asscalar() <= 1
    acc = task.evaluate(dataset)
    assert 0.0 <= acc <= 1.0
