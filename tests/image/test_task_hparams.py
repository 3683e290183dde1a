"""The image task's structure (issue 15): one table of training hyperparameters read by fit and
by the training function, the deadline beside the configuration, the scheduler-class table, and
functions of at most 80 lines."""

import argparse
import ast
import logging
import os
import time

import pytest

import autogluon as ag
from autogluon import image_classification as task
from autogluon.image_classification import _fit, _train

PACKAGE = os.path.dirname(_fit.__file__)
SMALL = dict(
    nets=['compact_cnn_small'],
    optimizers=['sgd'],
    num_trials=1,
    num_training_epochs=1,
    scheduler_options={'executor': 'inprocess'},
)


@pytest.fixture(scope='module')
def dataset():
    return task.Dataset(name='shopeeiet', train_path=os.path.join(task.sample_data_path(), 'train'))


@pytest.fixture
def data_dir(tmp_path, dataset):
    folder = str(tmp_path / 'data')
    _train.write_split(folder, 'train', dataset.train)
    _train.write_split(folder, 'val', dataset.val)
    return folder


class _Spy:
    """Records what the training function is called with (in this process), then trains."""

    def __init__(self, monkeypatch):
        self.calls = []
        self.loops = []
        original, loop_cls = _train.train_image_classification, _train.TrainLoop
        spy = self

        def train(args, reporter, deadline=None):
            spy.calls.append((vars(args).copy(), deadline))
            return original(args, reporter, deadline=deadline)

        class Loop(loop_cls):
            def __init__(self, *a, **kw):
                super().__init__(*a, **kw)
                spy.loops.append(self)

        monkeypatch.setattr(_train, 'train_image_classification', train)
        monkeypatch.setattr(_train, 'TrainLoop', Loop)


class _Reporter:
    def __init__(self):
        self.trial_dir, self.task_id, self.results = None, 0, []

    def __call__(self, **result):
        self.results.append(result)
        return True


def _direct_args(data_dir, dataset, **over):
    """A configuration for a direct call, without the table's rows (they take its defaults)."""
    values = dict(
        data_dir=data_dir,
        num_classes=dataset.num_classes,
        image_size=dataset.image_size,
        channels=dataset.channels,
        mean=[0.5] * 3,
        std=[0.25] * 3,
        epochs=1,
        net='compact_cnn_small',
        optimizer='sgd',
        num_gpus=0,
        seed=0,
    )
    values.update(over)
    return argparse.Namespace(**values)


def _set_default(monkeypatch, name, value):
    from autogluon.image_classification import _hparams

    monkeypatch.setitem(_hparams.HPARAMS, name, _hparams.HPARAMS[name]._replace(default=value))


def test_fit_and_the_training_function_take_their_defaults_from_the_one_table(
    tmp_path, monkeypatch, dataset, data_dir
):
    from autogluon.image_classification import _hparams

    _set_default(monkeypatch, 'label_smoothing', 0.25)
    _set_default(monkeypatch, 'pad', lambda image_size=None, **_: 3)
    _set_default(monkeypatch, 'warmup_epochs', 0.5)
    spy = _Spy(monkeypatch)
    results = task.fit(dataset, savedir=str(tmp_path / 'exp'), **SMALL)
    args, _ = spy.calls[-1]
    assert results.metadata['fixed']['label_smoothing'] == 0.25
    assert (args['label_smoothing'], args['pad'], args['warmup_epochs']) == (0.25, 3, 0.5)
    assert (spy.loops[-1].label_smoothing, spy.loops[-1].pad) == (0.25, 3)
    # a direct call without those keys trains with the same table values
    _train.train_image_classification(_direct_args(data_dir, dataset), _Reporter())
    assert (spy.loops[-1].label_smoothing, spy.loops[-1].pad) == (0.25, 3)
    assert spy.loops[-1].batch_size == _hparams.default('batch_size', num_train=len(dataset.train))


def test_the_default_search_spaces_come_from_the_table(monkeypatch):
    from autogluon.image_classification import _hparams

    row = _hparams.HPARAMS['wd']
    monkeypatch.setitem(_hparams.HPARAMS, 'wd', row._replace(space=lambda: ag.space.Real(1e-6, 1e-2)))
    spaces, _ = task.default_search_space(task.Nets(['compact_cnn']), task.Optimizers(['sgd']), {})
    assert (spaces['wd'].lower, spaces['wd'].upper) == (1e-6, 1e-2)


def test_direct_call_defaults_match_fit():
    from autogluon.image_classification import _hparams

    # the defaults that disagreed before the table: label_smoothing (0.0 in _train), pad (2 in
    # _train, a tenth of the image side in fit), wd (0.0 in _train)
    assert _hparams.default('label_smoothing') == 0.1
    assert _hparams.default('pad', image_size=28) == 2 and _hparams.default('pad', image_size=64) == 6
    assert _hparams.training_value(argparse.Namespace(optimizer='sgd'), 'wd', 'sgd') == 5e-4
    assert _hparams.training_value({'adam_lr': None}, 'lr', 'adam') == 1e-3
    assert _hparams.training_value({'lr': 0.05}, 'lr', 'adam') == 0.05
    assert set(_hparams.FIT_KEYWORDS) == set(_fit._TRAIN_KEYS) and 'pad' not in _hparams.FIT_KEYWORDS


def test_the_deadline_travels_beside_the_configuration(tmp_path, monkeypatch, dataset):
    spy = _Spy(monkeypatch)
    start = time.time()
    results = task.fit(dataset, savedir=str(tmp_path / 'exp'), time_limits=120, **SMALL)
    args, deadline = spy.calls[-1]
    assert 'deadline' not in args and 'deadline' not in vars(results.scheduler.args)
    assert 'deadline' not in results.scheduler.tasks[0].config
    assert start < deadline < start + 120
    assert results.scheduler.train_fn.deadline == deadline


def test_a_checkpoint_fingerprints_the_training_function_not_its_deadline():
    from autogluon.scheduler._fingerprint import fingerprint

    mark = fingerprint(None, _train.train_image_classification)  # what checkpoints held before
    assert fingerprint(None, _train.TrialFunction(deadline=time.time())) == mark


def test_a_deadline_inside_the_configuration_is_refused(data_dir, dataset):
    with pytest.raises(TypeError, match='deadline'):
        _train.train_image_classification(
            _direct_args(data_dir, dataset, deadline=time.time() + 9), _Reporter()
        )


def _fn(args, reporter):
    reporter(epoch=1, accuracy=0.5)


def test_a_scheduler_class_that_cannot_take_an_argument_gets_a_warning_naming_it(caplog):
    from autogluon.scheduler import FIFO_Scheduler

    class NoSeed(FIFO_Scheduler):
        def __init__(
            self,
            train_fn,
            args,
            resource,
            searcher,
            checkpoint=None,
            num_trials=None,
            time_attr='epoch',
            reward_attr='accuracy',
            visualizer='none',
            resume=False,
        ):
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
                progress=False,
            )

    core = dict(
        checkpoint=None,
        resume=False,
        num_trials=1,
        time_attr='epoch',
        reward_attr='accuracy',
        visualizer='none',
    )
    with caplog.at_level(logging.DEBUG, logger='autogluon'):
        scheduler = _fit._instantiate_scheduler(
            NoSeed,
            _fn,
            None,
            {'num_cpus': 1, 'num_gpus': 0},
            'random',
            core,
            dict(max_t=2, grace_period=1, reduction_factor=3),
            dict(seed=3, progress=False, preload=[]),
            {},
        )
    assert type(scheduler) is NoSeed
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and 'NoSeed' in r.getMessage()]
    assert len(warned) == 1
    message = warned[0].getMessage()
    assert 'seed' in message and 'preload' in message
    # Hyperband's rungs are not arguments of a FIFO class: not warned about
    assert 'max_t' not in message and 'grace_period' not in message


def test_a_scheduler_class_with_kwargs_takes_everything_meant_for_it(caplog):
    from autogluon.image_classification import _schedulers
    from autogluon.scheduler import Hyperband_Scheduler

    class Passthrough(Hyperband_Scheduler):
        def __init__(self, train_fn, args, resource, searcher, **kwargs):
            super().__init__(train_fn, args, resource, searcher, **kwargs)

    offered = dict(
        searcher='grid',
        searcher_options={'num_grid_points': 2},
        checkpoint=None,
        visualizer='none',
        seed=1,
        progress=False,
        max_t=4,
        grace_period=1,
        reduction_factor=2,
        max_reward=0.9,
    )
    with caplog.at_level(logging.WARNING, logger='autogluon'):
        s = _schedulers.instantiate_scheduler(
            Passthrough, _fn, {'x': task.Nets(['a', 'b'])}, {'num_cpus': 1, 'num_gpus': 0}, offered, {}
        )
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert type(s.searcher).__name__ == 'GridSearcher'  # built by the scheduler, by name
    assert (s.terminator.max_t, s.terminator.reduction_factor, s.max_reward) == (4, 2, 0.9)


def test_max_metric_reaches_a_built_in_scheduler_at_construction(monkeypatch):
    from autogluon.image_classification import _schedulers

    # fit passes the goal terminator (around the rule Hyperband would build) and max_reward to the
    # constructor; nothing is swapped afterwards.
    goal = _schedulers.Goal(0.8)
    offered = dict(
        time_attr='training_epoch',
        reward_attr='accuracy',
        seed=0,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
    )
    extra = _schedulers.goal_arguments('hyperband', goal, offered, {'type': 'promotion', 'brackets': 2})
    assert extra['max_reward'] == 0.8
    terminator = extra['terminator']
    assert type(terminator.inner).__name__ == 'HyperbandPromotion'
    assert (terminator.inner.max_t, terminator.inner.brackets) == (9, 2)
    assert set(_schedulers.goal_arguments(None, goal, offered, {})) == {'max_reward'}


def test_no_function_of_the_image_task_is_longer_than_80_lines():
    long = []
    for name in sorted(os.listdir(PACKAGE)):
        if not name.endswith('.py'):
            continue
        with open(os.path.join(PACKAGE, name)) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > 80:
                    long.append('%s:%s (%d lines)' % (name, node.name, lines))
    assert not long, long
