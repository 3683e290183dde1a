"""RandomSampling and the BaseSearcher bookkeeping it inherits."""

import logging
import math
import pickle

import ConfigSpace as CS
import numpy as np
import pytest

from autogluon.searcher import BaseSearcher, RandomSampling, RandomSearcher
from autogluon.space import Bool, Categorical, Int, Real, SearchSpace

EXHAUSTED = 'search space exhausted'


def mixed_space():
    return {
        'lr': Real(1e-4, 1e-1, log=True),
        'layers': Int(1, 8),
        'act': Categorical('relu', 'tanh'),
        'bn': Bool(),
        'epochs': 5,
    }


def finite_space():
    return {'act': Categorical('relu', 'tanh', 'gelu'), 'layers': Int(1, 2), 'bn': Bool()}  # 12 configs


def draw(searcher, n):
    return [searcher.get_config() for _ in range(n)]


def assert_plain(data):
    """Only builtin containers and scalars: what state_dict promises."""
    if isinstance(data, dict):
        for key, value in data.items():
            assert_plain(key)
            assert_plain(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            assert_plain(value)
    else:
        assert data is None or type(data) in (str, int, float, bool), repr(data)


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_sequence_different_seed_different():
    a = draw(RandomSampling(mixed_space(), seed=3), 20)
    b = draw(RandomSampling(mixed_space(), seed=3), 20)
    c = draw(RandomSampling(mixed_space(), seed=4), 20)
    assert a == b
    assert a[1:] != c[1:]
    assert a[0] == c[0]  # both start with the defaults


def test_first_config_is_default_unless_disabled():
    space = SearchSpace.from_any(mixed_space())
    assert RandomSampling(space, seed=0).get_config() == space.default()
    searcher = RandomSampling(space, seed=0, first_is_default=False)
    assert searcher.get_config() == space.sample(np.random.default_rng(0))


def test_configs_are_plain_python_and_in_space():
    space = SearchSpace.from_any(mixed_space())
    searcher = RandomSampling(space, seed=1)
    for config in draw(searcher, 50):
        assert space.contains(config) and 'epochs' not in config
        assert_plain(config)


def test_alias():
    assert RandomSearcher is RandomSampling
    assert issubclass(RandomSampling, BaseSearcher)


# --------------------------------------------------------------------------- no repeats, exhaustion


def test_finite_space_exhausts_after_exactly_size_configs_and_logs_once(caplog):
    space = SearchSpace.from_any(finite_space())
    searcher = RandomSampling(space, seed=0)
    caplog.set_level(logging.INFO, logger='autogluon.searcher')
    configs = draw(searcher, space.size)
    assert all(c is not None for c in configs)
    keys = {tuple(sorted(c.items())) for c in configs}
    assert len(keys) == space.size == 12
    assert keys == {tuple(sorted(c.items())) for c in space.grid(2)}
    assert not [r for r in caplog.records if EXHAUSTED in r.getMessage()]
    assert draw(searcher, 4) == [None] * 4
    messages = [r.getMessage() for r in caplog.records if EXHAUSTED in r.getMessage()]
    assert messages == ['search space exhausted after 12 configurations']


def test_larger_finite_space_is_used_up_without_repeats():
    searcher = RandomSampling({'n': Int(0, 199)}, seed=5, first_is_default=False)
    values = [searcher.get_config()['n'] for _ in range(200)]
    assert sorted(values) == list(range(200))
    assert searcher.get_config() is None


def test_single_config_space():
    searcher = RandomSampling({'only': Categorical('x')}, seed=0)
    assert searcher.get_config() == {'only': 'x'}
    assert searcher.get_config() is None


def test_empty_space_gives_one_empty_config():
    searcher = RandomSampling({'epochs': 10}, seed=0)
    assert draw(searcher, 2) == [{}, None]


def test_infinite_space_never_repeats():
    searcher = RandomSampling(mixed_space(), seed=2)
    configs = draw(searcher, 300)
    assert len({tuple(sorted(c.items())) for c in configs}) == 300


def test_infinite_space_with_only_duplicates_left_is_exhausted(caplog):
    # A continuous range holding only a couple of representable floats.
    caplog.set_level(logging.INFO, logger='autogluon.searcher')
    searcher = RandomSampling({'x': Real(1.0, 1.0 + 4e-16)}, seed=0, max_retries=20)
    configs = draw(searcher, 10)
    given = [c for c in configs if c is not None]
    assert 1 <= len(given) <= 3 and configs[len(given) :] == [None] * (10 - len(given))
    assert len([r for r in caplog.records if EXHAUSTED in r.getMessage()]) == 1


def test_configs_reported_by_update_are_not_suggested():
    searcher = RandomSampling({'x': Categorical('a', 'b', 'c')}, seed=0, first_is_default=False)
    searcher.update({'x': 'b'}, 0.5)
    configs = draw(searcher, 3)
    assert configs[2] is None and sorted(c['x'] for c in configs[:2]) == ['a', 'c']


# --------------------------------------------------------------------------- results and best


def test_best_config_and_reward():
    searcher = RandomSampling(mixed_space(), seed=0)
    assert searcher.get_best_config() is None
    assert searcher.get_best_reward() == -math.inf
    assert searcher.get_best_config_reward() == (None, -math.inf)
    configs = draw(searcher, 4)
    for config, reward in zip(configs, [0.5, 0.9, float('nan'), 0.9]):
        searcher.update(config, reward)
    assert searcher.get_best_config() == configs[1]  # first of the tied
    assert searcher.get_best_reward() == 0.9
    assert searcher.get_best_config_reward() == (configs[1], 0.9)
    results = searcher.results
    assert [r for _, r in results][:2] == [0.5, 0.9] and len(results) == 4
    results[0][0]['lr'] = 'mutated'
    searcher.get_best_config()['lr'] = 'mutated'
    assert searcher.results[0][0] == configs[0] and searcher.get_best_config() == configs[1]


def test_failed_and_pending_are_accepted():
    searcher = RandomSampling(mixed_space(), seed=0)
    config = searcher.get_config()
    searcher.register_pending(config)
    searcher.evaluation_failed(config)
    assert searcher.get_best_config() is None
    assert searcher.state_dict()['failed'] == [config]


@pytest.mark.parametrize(
    'call, error, fragment',
    [
        (lambda s: s.update({'act': 'relu'}, 'high'), TypeError, 'reward'),
        (lambda s: s.update({'act': 'relu'}, True), TypeError, 'reward'),
        (lambda s: s.update(['relu'], 0.5), TypeError, 'config'),
        (lambda s: s.load_state_dict([]), TypeError, 'state'),
        (lambda s: s.load_state_dict({'version': 1}), ValueError, 'rng_state'),
    ],
)
def test_bad_calls(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call(RandomSampling(finite_space(), seed=0))


@pytest.mark.parametrize(
    'kwargs, error, fragment',
    [
        ({'seed': 'abc'}, TypeError, 'seed'),
        ({'seed': 1.5}, TypeError, 'seed'),
        ({'seed': -1}, ValueError, 'seed'),
        ({'mode': 'best'}, ValueError, "^mode must be one of 'max', 'min' or None, got 'best'$"),
        ({'mode': 1}, TypeError, '^mode must be .*, got 1 of type int$'),  # was ValueError
        ({'max_retries': 0}, ValueError, 'max_retries'),
        (
            {'max_retries': 2.0},
            TypeError,
            '^max_retries must be an int >= 1, got 2.0 of type float$',
        ),  # was ValueError
        ({'first_is_default': 'yes'}, TypeError, 'first_is_default'),
    ],
)
def test_bad_arguments(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        RandomSampling(finite_space(), **kwargs)


def test_bad_configspace_named_in_error():
    with pytest.raises(TypeError, match='configspace'):
        RandomSampling(42)


def test_accepts_configurationspace():
    cs = CS.ConfigurationSpace()
    cs.add(
        [
            CS.UniformFloatHyperparameter('lr', 1e-4, 1e-1, log=True),
            CS.CategoricalHyperparameter('act', ['relu', 'tanh']),
        ]
    )
    searcher = RandomSampling(cs, seed=0)
    configs = draw(searcher, 5)
    assert all(searcher.configspace.contains(c) for c in configs)


# --------------------------------------------------------------------------- state


@pytest.mark.parametrize('space_fn, before', [(mixed_space, 5), (finite_space, 7)])
def test_state_dict_round_trip_gives_same_next_suggestions(space_fn, before):
    original = RandomSampling(space_fn(), seed=9)
    for i, config in enumerate(draw(original, before)):
        original.update(config, float(i))
    state = original.state_dict()
    assert_plain(state)
    restored_state = pickle.loads(pickle.dumps(state))
    restored = RandomSampling(space_fn(), seed=12345)
    restored.load_state_dict(restored_state)
    assert draw(restored, 10) == draw(original, 10)
    assert restored.results == original.results
    assert restored.get_best_config_reward() == original.get_best_config_reward()


def test_state_dict_is_a_snapshot():
    searcher = RandomSampling(mixed_space(), seed=1)
    draw(searcher, 3)
    state = searcher.state_dict()
    expected = draw(searcher, 5)
    searcher.load_state_dict(state)
    assert draw(searcher, 5) == expected


def test_searcher_pickles_and_repr():
    searcher = RandomSampling(finite_space(), seed=1)
    draw(searcher, 3)
    clone = pickle.loads(pickle.dumps(searcher))
    assert draw(clone, 9) == draw(searcher, 9)
    assert repr(searcher).startswith('RandomSampling(') and 'num_suggested=12' in repr(searcher)
