"""Constructor validation, the registry, and the package's import surface."""

import subprocess
import sys

import pytest

import autogluon.scheduler.terminator as term
from autogluon.scheduler.terminator import (
    TERMINATORS,
    BaseTerminator,
    HyperbandPromotion,
    HyperbandStopping,
    MedianStoppingRule,
    NoStop,
    terminator_factory,
)

HB = [HyperbandStopping, HyperbandPromotion]

# (class, kwargs, error type, words the message must contain)
BAD = [
    (HB, dict(max_t=0), ValueError, ['max_t', '0']),
    (HB, dict(max_t=-5), ValueError, ['max_t', '-5']),
    (HB, dict(max_t='10'), TypeError, ['max_t', "'10'"]),
    (HB, dict(max_t=float('inf')), ValueError, ['max_t', 'inf']),
    (HB, dict(grace_period=0), ValueError, ['grace_period', '0', 'max_t']),
    (HB, dict(grace_period=200, max_t=100), ValueError, ['grace_period', '200', 'max_t']),
    (HB, dict(grace_period=None), TypeError, ['grace_period', 'None']),
    (HB, dict(reduction_factor=1), ValueError, ['reduction_factor', 'int', '>= 2']),
    (HB, dict(reduction_factor=1.0), ValueError, ['reduction_factor', 'float', '> 1']),
    (HB, dict(reduction_factor=0.5), ValueError, ['reduction_factor', '0.5']),
    (HB, dict(reduction_factor=True), TypeError, ['reduction_factor', 'True']),
    (HB, dict(reduction_factor='4'), TypeError, ['reduction_factor', "'4'"]),
    (HB, dict(brackets=0), ValueError, ['brackets', '0', '>= 1']),
    (HB, dict(brackets=1.5), TypeError, ['brackets', '1.5', 'int']),
    (HB, dict(brackets=True), TypeError, ['brackets', 'True']),
    (HB, dict(seed=-1), ValueError, ['seed', '-1']),
    (HB, dict(seed=1.5), TypeError, ['seed', '1.5']),
    (HB + [MedianStoppingRule, NoStop], dict(mode='maximize'), ValueError, ['mode', "'maximize'", "'max'"]),
    (HB + [MedianStoppingRule, NoStop], dict(mode=1), TypeError, ['mode', '1']),
    (HB + [MedianStoppingRule, NoStop], dict(time_attr=3), TypeError, ['time_attr', '3']),
    (HB + [MedianStoppingRule, NoStop], dict(reward_attr=''), ValueError, ['reward_attr', "''"]),
    ([MedianStoppingRule], dict(grace_period=-1), ValueError, ['grace_period', '-1', '>= 0']),
    ([MedianStoppingRule], dict(grace_period='1'), TypeError, ['grace_period', "'1'"]),
    ([MedianStoppingRule], dict(min_samples_required=0), ValueError, ['min_samples_required', '0', '>= 1']),
    ([MedianStoppingRule], dict(min_samples_required=2.5), TypeError, ['min_samples_required', '2.5']),
    (HB, dict(reduction_factor=float('inf')), ValueError, ['reduction_factor', 'inf']),
    (HB, dict(grace_period=float('nan')), ValueError, ['grace_period', 'nan']),
]


@pytest.mark.parametrize(
    'classes, kwargs, error, words',
    [(c, k, e, w) for classes, k, e, w in BAD for c in classes],
    ids=lambda v: getattr(v, '__name__', None) if isinstance(v, type) else None,
)
def test_bad_constructor_arguments(classes, kwargs, error, words):
    with pytest.raises(error) as info:
        classes(**kwargs)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(grace_period=100, max_t=100),  # grace_period == max_t: no rungs, never stops
        dict(reduction_factor=1.5),
        dict(reduction_factor=2),
        dict(brackets=2, seed=0),
        dict(mode='MIN'),
        dict(max_t=10.5, grace_period=0.5),
    ],
)
def test_good_hyperband_arguments(kwargs):
    for cls in HB:
        cls(**kwargs)


def test_mode_normalized_once():
    assert HyperbandStopping(mode=' Min ').mode == 'min'
    assert repr(HyperbandStopping(max_t=9, grace_period=1, reduction_factor=3)) == (
        "HyperbandStopping(time_attr='training_epoch', reward_attr='accuracy', mode='max', max_t=9, "
        "grace_period=1, reduction_factor=3, brackets=1, seed=None)"
    )


def test_missing_keys_in_a_report_are_named():
    hb = HyperbandStopping()
    with pytest.raises(KeyError, match='accuracy'):
        hb.on_task_report(0, {'training_epoch': 1})
    with pytest.raises(KeyError, match='training_epoch'):
        hb.on_task_report(0, {'accuracy': 1})
    with pytest.raises(TypeError, match='task_id'):
        hb.on_task_report(object(), {'training_epoch': 1, 'accuracy': 1})


def test_base_terminator_defaults():
    base = BaseTerminator()
    assert base.on_task_report(0, {}) is True
    assert base.rung_counts() == {} and base.pauses_trials is False and base.last_stop_info is None
    other = BaseTerminator(mode='min')
    other.load_state_dict(base.state_dict())
    assert other.mode == 'max'


@pytest.mark.parametrize(
    'name, cls',
    [
        ('none', NoStop),
        ('fifo', NoStop),
        ('median', MedianStoppingRule),
        ('hyperband', HyperbandStopping),
        ('hyperband_stopping', HyperbandStopping),
        ('hyperband_promotion', HyperbandPromotion),
        ('  HyperBand ', HyperbandStopping),
    ],
)
def test_factory_names(name, cls):
    assert type(terminator_factory(name)) is cls


def test_registry_contents():
    assert TERMINATORS == {
        'none': NoStop,
        'fifo': NoStop,
        'median': MedianStoppingRule,
        'hyperband': HyperbandStopping,
        'hyperband_stopping': HyperbandStopping,
        'hyperband_promotion': HyperbandPromotion,
    }


def test_factory_passes_only_accepted_kwargs():
    kwargs = dict(
        time_attr='epoch',
        reward_attr='loss',
        mode='min',
        max_t=27,
        grace_period=1,
        reduction_factor=3,
        brackets=2,
        seed=5,
        min_samples_required=4,
        num_trials=10,
        checkpoint='x.ag',
    )
    hb = terminator_factory('hyperband_promotion', **kwargs)
    assert (
        hb.time_attr,
        hb.reward_attr,
        hb.mode,
        hb.max_t,
        hb.grace_period,
        hb.reduction_factor,
        hb.brackets,
        hb.seed,
    ) == ('epoch', 'loss', 'min', 27, 1, 3, 2, 5)
    median = terminator_factory('median', **kwargs)
    assert (median.min_samples_required, median.grace_period, median.mode) == (4, 1, 'min')
    assert terminator_factory('fifo', **kwargs).time_attr == 'epoch'
    with pytest.raises(ValueError, match='grace_period'):  # accepted kwargs are still validated
        terminator_factory('hyperband', grace_period=0)


def test_factory_rejects_bad_names():
    with pytest.raises(TypeError, match=r"^terminator name must be one of 'fifo', .*, got 3 of type int$"):
        terminator_factory(3)
    with pytest.raises(
        ValueError, match=r"^terminator name must be one of 'fifo', 'hyperband', .*'none'.*, got 'asha'$"
    ):
        terminator_factory('asha')


def test_factory_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as info:
        terminator_factory('asha')
    message = str(info.value)
    assert "'asha'" in message
    for name in TERMINATORS:
        assert name in message
    # the shared check names the allowed strings (the old message said 'must be a str')
    with pytest.raises(
        TypeError, match=r"^terminator name must be one of 'fifo', .*HyperbandStopping.* of type type$"
    ):
        terminator_factory(HyperbandStopping)


def test_public_names_and_import_surface():
    for name in [
        'BaseTerminator',
        'NoStop',
        'MedianStoppingRule',
        'RungSystem',
        'HyperbandStopping',
        'HyperbandPromotion',
        'TERMINATORS',
        'terminator_factory',
    ]:
        assert name in term.__all__ and hasattr(term, name)
    code = (
        'import sys, autogluon.scheduler.terminator; '
        'print("\\n".join(sorted({m.split(".")[0] for m in sys.modules})))'
    )
    out = subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(__import__('pathlib').Path(__file__).resolve().parents[2]),
    )
    third_party = {
        m for m in out.stdout.split() if m not in sys.stdlib_module_names and not m.startswith('_')
    } - {'numpy', 'autogluon', 'cython_runtime'}
    assert not third_party, third_party
