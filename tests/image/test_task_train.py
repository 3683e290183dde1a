"""The training function and its helpers, run in this process on the shipped sample."""

import argparse
import json
import os

import numpy as np
import pytest

from autogluon.image_classification import Dataset, _train, sample_data_path
from autogluon.scheduler.reporter import StatusReporter, TrialStopped


@pytest.fixture(scope='module')
def sample():
    return Dataset('sample', train_path=os.path.join(sample_data_path(), 'train'))


@pytest.fixture
def data_dir(tmp_path, sample):
    folder = str(tmp_path / 'data')
    _train.write_split(folder, 'train', sample.train)
    _train.write_split(folder, 'val', sample.val)
    return folder


def _args(data_dir, sample, **over):
    values = dict(
        data_dir=data_dir,
        num_classes=sample.num_classes,
        image_size=sample.image_size,
        channels=sample.channels,
        mean=[0.25] * sample.channels,
        std=[0.33] * sample.channels,
        epochs=3,
        batch_size=32,
        net='compact_cnn_small',
        optimizer='nag',
        lr=0.1,
        adam_lr=None,
        wd=5e-4,
        momentum=0.9,
        label_smoothing=0.1,
        warmup_epochs=0.0,
        lr_schedule='cosine',
        augment=True,
        pad=2,
        pretrained=False,
        num_gpus=0,
        seed=0,
    )
    values.update(over)
    return argparse.Namespace(**values)


class Recorder:
    """A StatusReporter (with trial_dir, save_dict/load_dict) that records reports and can
    stop the trial after a given epoch, as a scheduler would."""

    def __init__(self, trial_dir, stop_after=None, task_id=0):
        self.results = []
        self.stop_after = stop_after
        self.reporter = StatusReporter(task_id, self._send, 'accuracy', 'training_epoch', trial_dir)

    def _send(self, result):
        self.results.append(result)
        return self.stop_after is None or result['training_epoch'] < self.stop_after


def test_load_split_is_memory_mapped_and_cached(data_dir, sample):
    images, labels = _train.load_split(data_dir, 'train')
    assert isinstance(images, np.memmap) and images.dtype == np.uint8
    assert images.shape == sample.train.images.shape
    np.testing.assert_array_equal(labels, sample.train.labels)
    again, _ = _train.load_split(data_dir, 'train')
    assert again is images  # one map per process
    _train.write_split(data_dir, 'train', sample.train.subset(np.arange(10)))
    fresh, _ = _train.load_split(data_dir, 'train')  # rewritten files are re-read
    assert len(fresh) == 10


def test_crop_flip_is_a_vectorized_crop_of_the_padded_image():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 8, 8, 3), dtype=np.uint8)
    out = _train.crop_flip(images, np.random.default_rng(1), pad=2)
    assert out.shape == images.shape and out.dtype == np.uint8
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))
    flips = 0
    for img, src in zip(out, padded):
        windows = [(src[y : y + 8, x : x + 8], False) for y in range(5) for x in range(5)]
        windows += [(w[:, ::-1], True) for w, _ in windows]
        match = [f for w, f in windows if np.array_equal(w, img)]
        assert match, 'output is not a (flipped) crop of the padded input'
        flips += match[0]
    assert 10 < flips < 54  # about half are flipped
    same = _train.crop_flip(images, np.random.default_rng(1), pad=0, flip=False)
    np.testing.assert_array_equal(same, images)


def test_reports_are_the_epochs_own_accuracy_and_best_params_match(tmp_path, data_dir, sample):
    """The accuracy reported each epoch is that epoch's (reset every epoch): the saved best
    parameters reproduce the best reported accuracy exactly, the last state the last one."""
    import mxnet as mx

    from autogluon.image_classification._nets import get_net

    trial_dir = str(tmp_path / 'trial_0')
    rec = Recorder(trial_dir)
    args = _args(data_dir, sample, epochs=3)
    _train.train_image_classification(args, rec.reporter)
    epochs = [r['training_epoch'] for r in rec.results]
    assert epochs == [1, 2, 3] and [r['epoch'] for r in rec.results] == epochs
    accs = [r['accuracy'] for r in rec.results]
    assert all(0.0 <= a <= 1.0 for a in accs)
    val_x, val_y = _train.load_split(data_dir, 'val')

    def acc_of(params):
        net, _ = get_net('compact_cnn_small', sample.num_classes)
        net.load_parameters(params, ctx=mx.cpu())
        net.hybridize()
        return _train.evaluate_accuracy(net, val_x, val_y, args.mean, args.std)

    info = json.load(open(os.path.join(trial_dir, 'best.json')))
    assert info['accuracy'] == max(accs) and info['epoch'] == int(np.argmax(accs)) + 1
    assert acc_of(os.path.join(trial_dir, 'best.params')) == pytest.approx(max(accs), abs=1e-9)
    state = rec.reporter.load_dict()
    assert state['epoch'] == 3
    assert acc_of(os.path.join(trial_dir, state['params'])) == pytest.approx(accs[-1], abs=1e-9)


def test_a_stopped_trial_continues_from_its_saved_state(tmp_path, data_dir, sample):
    """As Hyperband's promotion type does: pause after epoch 1, relaunch, it goes on at epoch 2."""
    trial_dir = str(tmp_path / 'trial_3')
    args = _args(data_dir, sample, epochs=3)
    first = Recorder(trial_dir, stop_after=1, task_id=3)
    with pytest.raises(TrialStopped):
        _train.train_image_classification(args, first.reporter)
    assert [r['training_epoch'] for r in first.results] == [1]
    second = Recorder(trial_dir, task_id=3)
    _train.train_image_classification(args, second.reporter)
    assert [r['training_epoch'] for r in second.results] == [2, 3]
    # Another configuration in the same folder does not pick up that state.
    other = Recorder(trial_dir, task_id=3)
    _train.train_image_classification(_args(data_dir, sample, epochs=3, lr=0.05), other.reporter)
    assert [r['training_epoch'] for r in other.results] == [1, 2, 3]


def test_learning_rate_schedule():
    assert _train.lr_at(0.0, 0.1) == pytest.approx(0.1)
    assert _train.lr_at(0.5, 0.1) == pytest.approx(0.05)
    assert _train.lr_at(1.0, 0.1) == pytest.approx(0.0)
    assert _train.lr_at(0.05, 0.1, warmup=0.1) < 0.1
    assert _train.lr_at(0.7, 0.1, schedule='constant') == 0.1


def test_predict_proba_handles_any_batch_length(sample):
    import mxnet as mx

    from autogluon.image_classification._nets import get_net

    net, _ = get_net('compact_cnn_small', 4)
    net.initialize(mx.init.Xavier())
    net.hybridize(static_alloc=True, static_shape=True)
    images = sample.val.images
    full = _train.predict_proba(net, images, [0.25] * 3, [0.33] * 3, batch_size=8)
    assert full.shape == (len(images), 4)
    np.testing.assert_allclose(full.sum(axis=1), 1.0, rtol=1e-5)
    part = _train.predict_proba(net, images[:5], [0.25] * 3, [0.33] * 3, batch_size=8)
    np.testing.assert_allclose(part, full[:5], rtol=1e-5, atol=1e-6)


def test_a_deadline_shrinks_the_schedule_so_it_still_anneals(tmp_path, data_dir, sample):
    import time

    rec = Recorder(str(tmp_path / 'trial_0'))
    deadline = time.time() + 6.0
    _train.train_image_classification(_args(data_dir, sample, epochs=500), rec.reporter, deadline=deadline)
    assert time.time() < deadline + 1.0
    last = rec.results[-1]
    assert 1 <= last['training_epoch'] < 500
    assert last['planned_epochs'] == last['training_epoch']
    assert last['lr'] == pytest.approx(0.0, abs=1e-9)  # annealed to the end of its schedule
