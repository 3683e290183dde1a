"""GridSearcher and the searcher registry."""

import logging
import pickle

import pytest

from autogluon.searcher import (
    SEARCHERS,
    BaseSearcher,
    GridSearcher,
    RandomSampling,
    get_searcher,
    register_searcher,
    searcher_factory,
)
from autogluon.searcher import __all__ as searcher_all
from autogluon.space import Categorical, Int, Real, SearchSpace


def grid_space():
    return {'act': Categorical('relu', 'tanh'), 'lr': Real(0.1, 0.3), 'epochs': 3}


# --------------------------------------------------------------------------- grid


def test_grid_order_and_exhaustion(caplog):
    caplog.set_level(logging.INFO, logger='autogluon.searcher')
    searcher = GridSearcher(grid_space(), num_grid_points=3)
    configs = [searcher.get_config() for _ in range(6)]
    assert configs == [
        {'act': 'relu', 'lr': 0.1},
        {'act': 'relu', 'lr': 0.2},
        {'act': 'relu', 'lr': 0.3},
        {'act': 'tanh', 'lr': 0.1},
        {'act': 'tanh', 'lr': 0.2},
        {'act': 'tanh', 'lr': 0.3},
    ]
    assert [searcher.get_config() for _ in range(3)] == [None] * 3
    messages = [r.getMessage() for r in caplog.records if 'exhausted' in r.getMessage()]
    assert messages == ['search space exhausted after 6 configurations']


def test_grid_follows_search_space_grid():
    space = SearchSpace({'n': Int(1, 1000, log=True), 'a': Categorical('x', 'y', 'z'), 'w': Real(0, 1)})
    searcher = GridSearcher(space, num_grid_points=4)
    got = []
    while (config := searcher.get_config()) is not None:
        got.append(config)
    assert got == list(space.grid(4))
    assert len(got) == 4 * 3 * 4 and got[0] == {'n': 1, 'a': 'x', 'w': 0.0}


def test_grid_default_points_and_seed_unused():
    a = GridSearcher({'w': Real(0, 3)}, seed=1)
    b = GridSearcher({'w': Real(0, 3)}, seed=2)
    seq = [a.get_config() for _ in range(5)]
    assert seq == [b.get_config() for _ in range(5)]
    assert seq == [{'w': 0.0}, {'w': 1.0}, {'w': 2.0}, {'w': 3.0}, None]


@pytest.mark.parametrize(
    'bad, error',
    [
        (1, ValueError),
        (0, ValueError),
        (-3, ValueError),
        # a wrong type is a TypeError (was ValueError before the checks were shared)
        (2.5, TypeError),
        ('4', TypeError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_grid_rejects_bad_num_grid_points(bad, error):
    with pytest.raises(error, match=r'^num_grid_points must be an int >= 2, got '):
        GridSearcher(grid_space(), num_grid_points=bad)


def test_grid_state_round_trip_and_pickle():
    original = GridSearcher({'a': Int(0, 5), 'b': Categorical('x', 'y', 'z')}, num_grid_points=6)
    for i in range(4):
        original.update(original.get_config(), float(i))
    state = pickle.loads(pickle.dumps(original.state_dict()))
    restored = GridSearcher({'a': Int(0, 5), 'b': Categorical('x', 'y', 'z')}, num_grid_points=6)
    restored.load_state_dict(state)
    assert [restored.get_config() for _ in range(10)] == [original.get_config() for _ in range(10)]
    assert restored.get_best_config_reward() == original.get_best_config_reward() == ({'a': 1, 'b': 'x'}, 3.0)
    clone = pickle.loads(pickle.dumps(original))
    assert clone.get_config() == original.get_config()


def test_grid_state_with_other_num_points_rejected():
    state = GridSearcher(grid_space(), num_grid_points=3).state_dict()
    with pytest.raises(ValueError, match='num_grid_points'):
        GridSearcher(grid_space(), num_grid_points=4).load_state_dict(state)


# --------------------------------------------------------------------------- registry


def test_exports_and_builtin_names():
    assert set(searcher_all) == {
        'BaseSearcher',
        'RandomSampling',
        'RandomSearcher',
        'GridSearcher',
        'SEARCHERS',
        'register_searcher',
        'searcher_factory',
        'get_searcher',
        'SKoptSearcher',
        'BayesOptSearcher',
    }
    assert SEARCHERS['random'] is RandomSampling
    assert SEARCHERS['grid'] is GridSearcher


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as info:
        searcher_factory('bogus', grid_space())
    message = str(info.value)
    assert message.startswith("Unknown searcher 'bogus'; valid names: ")
    assert message.endswith(', '.join(sorted(SEARCHERS)))
    assert 'grid, random' in message or 'grid' in message and 'random' in message


def test_factory_passes_options():
    searcher = searcher_factory('random', grid_space(), seed=4, first_is_default=False)
    assert isinstance(searcher, RandomSampling)
    assert searcher.get_config() == RandomSampling(grid_space(), seed=4, first_is_default=False).get_config()
    assert searcher_factory('GRID', grid_space(), num_grid_points=2).num_grid_points == 2


class DuckSearcher:
    def get_config(self, **kwargs):
        return {}

    def update(self, config, reward, **kwargs):
        pass


def test_get_searcher_object_name_class():
    built = RandomSampling(grid_space(), seed=0)
    assert get_searcher(built) is built
    duck = DuckSearcher()
    assert get_searcher(duck, grid_space()) is duck
    by_name = get_searcher('grid', grid_space(), num_grid_points=2)
    assert type(by_name) is GridSearcher and by_name.num_grid_points == 2
    by_class = get_searcher(RandomSampling, grid_space(), seed=3)
    assert type(by_class) is RandomSampling
    assert by_class.get_config() == RandomSampling(grid_space(), seed=3).get_config()


@pytest.mark.parametrize(
    'args, error, fragment',
    [
        ((42,), TypeError, 'searcher'),
        (('random',), ValueError, 'configspace'),
        ((RandomSampling,), ValueError, 'configspace'),
        ((int, {'a': Int(0, 1)}), TypeError, 'int'),
    ],
)
def test_get_searcher_rejects(args, error, fragment):
    with pytest.raises(error, match=fragment):
        get_searcher(*args)


def test_register_searcher():
    class Reverse(GridSearcher):
        pass

    try:
        register_searcher('reverse_grid', Reverse)
        assert isinstance(searcher_factory('reverse_grid', grid_space()), Reverse)
        with pytest.raises(ValueError, match='reverse_grid'):
            searcher_factory('nope', grid_space())
    finally:
        SEARCHERS.pop('reverse_grid', None)
    with pytest.raises(TypeError, match='cls'):
        register_searcher('bad', object)
    # an empty name is a wrong value: ValueError (was TypeError before the checks were shared)
    with pytest.raises(ValueError, match=r"^name must be a non-empty str, got ''$"):
        register_searcher('', RandomSampling)
    with pytest.raises(TypeError, match=r"^name must be a non-empty str, got 3 of type int$"):
        register_searcher(3, RandomSampling)
    with pytest.raises(TypeError, match=r"^name must be a str, got None of type NoneType$"):
        searcher_factory(None, grid_space())
    assert issubclass(GridSearcher, BaseSearcher)
