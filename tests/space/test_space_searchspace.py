"""SearchSpace: construction from everything users pass, sampling, grids, ConfigSpace interop."""

import math
import pickle
import subprocess
import sys

import ConfigSpace as CS
import numpy as np
import pytest

from autogluon.space import Bool, Categorical, Int, Linear, List, Log, Real, SearchSpace


def make_space():
    return SearchSpace(
        {
            'lr': Real(1e-4, 1e-1, log=True),
            'momentum': Real(0.5, 0.99, default=0.9),
            'layers': Int(1, 8),
            'units': Int(8, 512, log=True, default=64),
            'act': Categorical('relu', 'tanh', 'gelu'),
            'opt': Categorical('sgd', 'adam', default='adam'),
            'bn': Bool(default=True),
        }
    )


# --------------------------------------------------------------------------- from_any


def test_from_any_dict_drops_constants():
    space = SearchSpace.from_any({'lr': Real(0, 1), 'epochs': 10, 'act': Categorical('a', 'b'), 'tag': 'x'})
    assert space.names == ['lr', 'act']
    assert space['lr'] == Real(0, 1)


def test_from_any_list_of_named_spaces_era_a():
    space = SearchSpace.from_any([Log('lr', 1e-4, 1e-1), Linear('layers', 1, 4), List('act', ['a', 'b'])])
    assert space.names == ['lr', 'layers', 'act']
    assert space['layers'] == Int(1, 4)


def test_from_any_single_named_space_and_identity():
    space = SearchSpace.from_any(Linear('x', 0.0, 1.0))
    assert space.names == ['x']
    assert SearchSpace.from_any(space) is space


@pytest.mark.parametrize(
    'obj, error, fragments',
    [
        ([Real(0, 1)], ValueError, ['configspace[0]', 'name']),
        (Real(0, 1), ValueError, ['configspace', 'name']),
        ([Real(0, 1, name='a'), Int(0, 2, name='a')], ValueError, ['duplicate', "'a'"]),
        ([Real(0, 1, name='a'), 3], TypeError, ['configspace[1]']),
        (42, TypeError, ['configspace', 'int', 'ConfigurationSpace', 'dict']),
        (None, TypeError, ['configspace', 'NoneType']),
        ({3: Real(0, 1)}, TypeError, ['configspace', 'keys']),
        # an empty key is a wrong value: ValueError (was TypeError before the checks were shared)
        ({'': Real(0, 1)}, ValueError, ['configspace keys', 'non-empty str']),
    ],
    ids=[
        'unnamed-in-list',
        'unnamed-single',
        'duplicate-names',
        'non-space-in-list',
        'int',
        'none',
        'int-key',
        'empty-key',
    ],
)
def test_from_any_rejects(obj, error, fragments):
    with pytest.raises(error) as info:
        SearchSpace.from_any(obj)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_from_any_uses_given_parameter_name_in_errors():
    with pytest.raises(TypeError, match='search_space'):
        SearchSpace.from_any(3.5, name='search_space')


def test_constructor_requires_spaces():
    with pytest.raises(TypeError, match="spaces\\['x'\\]"):
        SearchSpace({'x': 3})
    with pytest.raises(ValueError, match="^spaces keys must be a non-empty str, got ''$"):
        SearchSpace({'': Real(0, 1)})


# --------------------------------------------------------------------------- mapping and behaviour


def test_mapping_interface():
    space = make_space()
    assert len(space) == 7 and list(space) == space.names
    assert 'lr' in space and 'nope' not in space
    assert dict(space.items())['act'] == Categorical('relu', 'tanh', 'gelu')


def test_sample_default_contains():
    space = make_space()
    default = space.default()
    assert default == {
        'lr': pytest.approx(1e-4**0.5 * 1e-1**0.5),
        'momentum': 0.9,
        'layers': 5,
        'units': 64,
        'act': 'relu',
        'opt': 'adam',
        'bn': True,
    }
    assert space.contains(default)
    rng = np.random.default_rng(0)
    configs = [space.sample(rng) for _ in range(100)]
    assert all(space.contains(c) and list(c) == space.names for c in configs)
    assert [space.sample(np.random.default_rng(1)) for _ in range(2)] == [
        space.sample(np.random.default_rng(1))
    ] * 2
    assert pickle.loads(pickle.dumps(configs)) == configs


def test_contains_rejects_missing_extra_and_bad_values():
    space = make_space()
    config = space.default()
    assert not space.contains({k: v for k, v in config.items() if k != 'lr'})
    assert not space.contains(dict(config, extra=1))
    assert not space.contains(dict(config, layers=100))
    assert not space.contains([1, 2])


def test_size():
    assert SearchSpace({'a': Categorical(1, 2, 3), 'b': Int(0, 4), 'c': Bool()}).size == 30
    assert make_space().size == math.inf
    assert SearchSpace({}).size == 1


def test_grid_is_cartesian_product_first_name_slowest():
    space = SearchSpace({'a': Categorical('x', 'y'), 'b': Int(0, 2)})
    assert list(space.grid(4)) == [
        {'a': 'x', 'b': 0},
        {'a': 'x', 'b': 1},
        {'a': 'x', 'b': 2},
        {'a': 'y', 'b': 0},
        {'a': 'y', 'b': 1},
        {'a': 'y', 'b': 2},
    ]
    mixed = SearchSpace({'lr': Real(0.1, 0.3), 'n': Int(0, 100)})
    grid = list(mixed.grid(3))
    assert len(grid) == 9 and grid[0] == {'lr': 0.1, 'n': 0} and grid[-1] == {'lr': 0.3, 'n': 100}
    assert list(mixed.grid(3)) == grid


def test_equality_ignores_order_but_not_content():
    a = SearchSpace({'x': Real(0, 1), 'y': Int(0, 3)})
    assert a == SearchSpace({'y': Int(0, 3), 'x': Real(0, 1)})
    assert a != SearchSpace({'x': Real(0, 1), 'y': Int(0, 4)})
    assert a != SearchSpace({'x': Real(0, 1)})
    assert 'SearchSpace(' in repr(a) and "'x': Real(0.0, 1.0)" in repr(a)


# --------------------------------------------------------------------------- ConfigSpace


def test_configspace_round_trip():
    space = make_space()
    cs = space.to_configspace()
    assert isinstance(cs, CS.ConfigurationSpace)
    assert isinstance(cs['lr'], CS.UniformFloatHyperparameter) and cs['lr'].log
    assert isinstance(cs['units'], CS.UniformIntegerHyperparameter) and cs['units'].default_value == 64
    assert isinstance(cs['act'], CS.CategoricalHyperparameter)
    back = SearchSpace.from_any(cs)
    assert back == space
    assert back.names == space.names
    for name in space:
        assert back[name] == space[name]


def test_configspace_round_trip_keeps_unrounded_floats():
    space = SearchSpace({'w': Real(0.1234567890123, 1.0, default=0.55555555555555)})
    assert SearchSpace.from_any(space.to_configspace()) == space


def test_from_handwritten_configspace():
    cs = CS.ConfigurationSpace(seed=1)
    cs.add(
        [
            CS.UniformFloatHyperparameter('lr', 1e-4, 1e-1, default_value=0.01, log=True),
            CS.UniformFloatHyperparameter('dropout', 0.0, 0.5),
            CS.UniformIntegerHyperparameter('batch', 16, 256, log=True, default_value=64),
            CS.CategoricalHyperparameter('act', ['relu', 'tanh'], default_value='tanh'),
            CS.CategoricalHyperparameter('flag', [False, True]),
            CS.OrdinalHyperparameter('size', ['s', 'm', 'l'], default_value='m'),
            CS.Constant('mode', 'train'),
        ]
    )
    space = SearchSpace.from_any(cs)
    assert space['lr'] == Real(1e-4, 1e-1, default=0.01, log=True)
    assert space['dropout'] == Real(0.0, 0.5)
    assert space['batch'] == Int(16, 256, log=True, default=64)
    assert space['act'] == Categorical('relu', 'tanh', default='tanh')
    assert space['flag'] == Bool()
    assert space['size'] == Categorical('s', 'm', 'l', default='m')
    assert space['mode'] == Categorical('train')
    assert space.default()['act'] == 'tanh' and space.default()['mode'] == 'train'


def test_configspace_with_condition_rejected():
    cs = CS.ConfigurationSpace()
    opt = CS.CategoricalHyperparameter('opt', ['sgd', 'adam'])
    momentum = CS.UniformFloatHyperparameter('momentum', 0.0, 0.99)
    cs.add([opt, momentum, CS.EqualsCondition(momentum, opt, 'sgd')])
    with pytest.raises(ValueError, match='condition') as info:
        SearchSpace.from_any(cs)
    assert 'not supported' in str(info.value)


def test_configspace_with_forbidden_clause_rejected():
    cs = CS.ConfigurationSpace()
    a = CS.CategoricalHyperparameter('a', ['x', 'y'])
    b = CS.CategoricalHyperparameter('b', ['x', 'y'])
    cs.add(
        [a, b, CS.ForbiddenAndConjunction(CS.ForbiddenEqualsClause(a, 'y'), CS.ForbiddenEqualsClause(b, 'y'))]
    )
    with pytest.raises(ValueError, match='forbidden'):
        SearchSpace.from_any(cs)


def test_configspace_unsupported_hyperparameter_rejected():
    cs = CS.ConfigurationSpace()
    cs.add(CS.NormalFloatHyperparameter('x', mu=0.0, sigma=1.0, lower=-3.0, upper=3.0))
    with pytest.raises(ValueError, match="'x'.*NormalFloat"):
        SearchSpace.from_any(cs)


def test_import_does_not_load_configspace():
    code = "import sys, autogluon.space; sys.exit(1 if 'ConfigSpace' in sys.modules else 0)"
    assert (
        subprocess.run(
            [sys.executable, '-c', code], cwd=str(__import__('pathlib').Path(__file__).parents[2])
        ).returncode
        == 0
    )
