"""Single spaces: validation, sampling, defaults, grids, membership, equality, era-A spellings."""

import math
import pickle

import numpy as np
import pytest

import autogluon.space as space_mod
from autogluon.space import Bool, Categorical, Int, Linear, List, Log, Real, Space
from autogluon.space._choices import Nets

# --------------------------------------------------------------------------- validation table

BAD_INPUTS = [
    # (id, constructor, error type, substrings the message must contain)
    ('real-equal-bounds', lambda: Real(1, 1), ValueError, ['lower', 'upper', '1.0']),
    ('real-reversed', lambda: Real(2, 1), ValueError, ['lower', 'upper']),
    ('real-log-zero', lambda: Real(0, 1, log=True), ValueError, ['lower', 'log', '0.0']),
    ('real-log-negative', lambda: Real(-1, 1, log=True), ValueError, ['lower', '-1.0']),
    ('real-nan-lower', lambda: Real(float('nan'), 1), ValueError, ['lower', 'finite']),
    ('real-inf-upper', lambda: Real(0, float('inf')), ValueError, ['upper', 'finite']),
    ('real-default-outside', lambda: Real(0, 1, default=2), ValueError, ['default', '2']),
    ('real-str-lower', lambda: Real('a', 1), TypeError, ['lower', "'a'"]),
    ('real-none-upper', lambda: Real(0, None), TypeError, ['upper', 'None']),
    ('real-bool-lower', lambda: Real(True, 2), TypeError, ['lower', 'True']),
    ('real-str-default', lambda: Real(0, 1, default='x'), TypeError, ['default']),
    ('real-bad-log', lambda: Real(0, 1, log='yes'), TypeError, ['log', 'yes']),
    ('real-bad-name', lambda: Real(0, 1, name=3), TypeError, ['name', '3']),
    ('real-empty-name', lambda: Real(0, 1, name=''), ValueError, ['name']),
    ('int-equal-bounds', lambda: Int(5, 5), ValueError, ['lower', 'upper', '5']),
    ('int-reversed', lambda: Int(5, 1), ValueError, ['lower', 'upper']),
    ('int-log-zero', lambda: Int(0, 10, log=True), ValueError, ['lower', 'log']),
    ('int-fractional-lower', lambda: Int(0.5, 3), ValueError, ['lower', '0.5', 'integer']),
    ('int-default-outside', lambda: Int(0, 10, default=11), ValueError, ['default', '11']),
    ('int-fractional-default', lambda: Int(0, 10, default=2.5), ValueError, ['default', '2.5']),
    ('int-str-lower', lambda: Int('0', 10), TypeError, ['lower', "'0'"]),
    ('int-huge-upper', lambda: Int(0, 2**70), ValueError, ['upper']),
    ('int-inf-upper', lambda: Int(0, float('inf')), ValueError, ['upper', 'finite']),
    ('cat-empty', lambda: Categorical(), ValueError, ['choices', 'empty']),
    ('cat-duplicate', lambda: Categorical('a', 'b', 'a'), ValueError, ['choices', "'a'"]),
    ('cat-duplicate-int-float', lambda: Categorical(1, 1.0), ValueError, ['choices']),
    ('cat-bad-default', lambda: Categorical('a', default='b'), ValueError, ['default', "'b'"]),
    ('cat-nested-space', lambda: Categorical(Real(0, 1)), TypeError, ['choices', 'nested']),
    ('bool-int-default', lambda: Bool(default=1), TypeError, ['default', '1']),
    ('list-empty', lambda: List('x', []), ValueError, ['choices']),
    ('list-string-choices', lambda: List('x', 'abc'), TypeError, ['choices', "'abc'"]),
    ('list-bad-name', lambda: List(3, [1]), TypeError, ['name', '3']),
    # an empty name is a wrong value: ValueError (was TypeError before the checks were shared)
    ('list-empty-name', lambda: List('', [1]), ValueError, ['name', 'non-empty str']),
    ('linear-empty-name', lambda: Linear('', 0, 1), ValueError, ['name', 'non-empty str']),
    ('real-bad-rng', lambda: Real(0, 1).sample(0), TypeError, ['rng', 'numpy.random.Generator']),
    ('linear-reversed', lambda: Linear('x', 5, 1), ValueError, ['lower']),
    ('linear-default-outside', lambda: Linear('x', 0, 1, default=5), ValueError, ['default', '5']),
    ('log-zero-int', lambda: Log('x', 0, 10), ValueError, ['lower']),
    ('log-zero-float', lambda: Log('x', 0.0, 1.0), ValueError, ['lower']),
]


@pytest.mark.parametrize(
    'make, error, fragments', [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_raises_naming_the_parameter(make, error, fragments):
    with pytest.raises(error) as info:
        make()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_bool_and_int_are_distinct_choices():
    assert Categorical(1, True).size == 2
    assert Categorical(0, False, None).size == 3


# --------------------------------------------------------------------------- sampling

SPACES = [
    Real(-2.5, 7.0),
    Real(1e-5, 1e-1, log=True),
    Int(-3, 12),
    Int(1, 1000, log=True),
    Categorical('a', 'b', ('t', 1), None),
    Bool(),
]


@pytest.mark.parametrize('space', SPACES, ids=repr)
def test_samples_in_bounds_plain_and_deterministic(space):
    values = [space.sample(np.random.default_rng(7)) for _ in range(3)]
    assert values[0] == values[1] == values[2]
    rng_a, rng_b = np.random.default_rng(11), np.random.default_rng(11)
    seq_a = [space.sample(rng_a) for _ in range(300)]
    seq_b = [space.sample(rng_b) for _ in range(300)]
    assert seq_a == seq_b
    plain = {Real: float, Int: int, Bool: bool}
    for value in seq_a:
        assert space.contains(value)
        assert not isinstance(value, np.generic)
        if type(space) in plain:
            assert type(value) is plain[type(space)]
    assert pickle.loads(pickle.dumps(seq_a)) == seq_a
    other = [space.sample(np.random.default_rng(12)) for _ in range(300)]
    assert other != seq_a


def test_real_sampling_covers_range_uniformly():
    rng = np.random.default_rng(0)
    values = np.array([Real(0, 10).sample(rng) for _ in range(2000)])
    assert values.min() >= 0 and values.max() <= 10
    assert abs(np.median(values) - 5.0) < 0.4
    assert values.min() < 0.1 and values.max() > 9.9


def test_real_log_sampling_is_uniform_in_log_space():
    rng = np.random.default_rng(0)
    space = Real(1e-4, 1.0, log=True)
    logs = np.log10([space.sample(rng) for _ in range(2000)])
    # geometric mean is 1e-2: the median of log10 is -2 and each decade holds a quarter of the draws
    assert abs(np.median(logs) + 2.0) < 0.15
    counts = np.histogram(logs, bins=[-4, -3, -2, -1, 0])[0]
    assert np.all(np.abs(counts / 2000 - 0.25) < 0.04)


def test_int_uniform_sampling_hits_every_value():
    rng = np.random.default_rng(3)
    values = [Int(0, 4).sample(rng) for _ in range(500)]
    assert set(values) == {0, 1, 2, 3, 4}


def test_int_log_sampling():
    rng = np.random.default_rng(0)
    space = Int(1, 1000, log=True)
    values = np.array([space.sample(rng) for _ in range(2000)])
    assert values.min() == 1 and values.max() <= 1000
    assert 20 <= np.median(values) <= 50  # geometric mean ~ 32
    # log-uniform on [0.5, 1000.5] rounded: P(value <= 10) = log(10.5/0.5) / log(1000.5/0.5) ~ 0.40
    assert abs(np.mean(values <= 10) - 0.40) < 0.04
    assert np.mean(values > 100) > 0.25  # not stuck at the low end


def test_categorical_sampling_is_uniform():
    rng = np.random.default_rng(5)
    values = [Categorical('x', 'y', 'z').sample(rng) for _ in range(3000)]
    for choice in 'xyz':
        assert abs(values.count(choice) / 3000 - 1 / 3) < 0.04


def test_sample_rejects_non_generator():
    with pytest.raises(TypeError, match='rng'):
        Real(0, 1).sample(np.random.RandomState(0))


def test_huge_real_range_samples_finite_values():
    rng = np.random.default_rng(0)
    space = Real(-1e308, 1e308)
    assert all(space.contains(space.sample(rng)) for _ in range(50))


# --------------------------------------------------------------------------- defaults


@pytest.mark.parametrize(
    'space, expected',
    [
        (Real(0.01, 0.1), 0.055),
        (Real(1e-4, 1e-2, log=True), 1e-3),
        (Real(0, 1, default=0.2), 0.2),
        (Int(1, 9), 5),
        (Int(1, 10), 6),
        (Int(1, 1000, log=True), 32),
        (Int(0, 10, default=3), 3),
        (Categorical('sgd', 'adam'), 'sgd'),
        (Categorical('sgd', 'adam', default='adam'), 'adam'),
        (Bool(), False),
        (Bool(default=True), True),
    ],
    ids=repr,
)
def test_defaults(space, expected):
    assert space.default == expected
    assert type(space.default) is type(expected)
    assert space.contains(space.default)


# --------------------------------------------------------------------------- grids


@pytest.mark.parametrize(
    'space, num_points, expected',
    [
        (Categorical('a', 'b', 'c'), 2, ['a', 'b', 'c']),
        (Bool(), 4, [False, True]),
        (Int(0, 3), 4, [0, 1, 2, 3]),
        (Int(0, 3), 10, [0, 1, 2, 3]),
        (Int(0, 100), 5, [0, 25, 50, 75, 100]),
        (Int(1, 1000, log=True), 4, [1, 10, 100, 1000]),
        (Real(0, 1), 3, [0.0, 0.5, 1.0]),
        (Real(0, 1), 1, [0.5]),
    ],
    ids=repr,
)
def test_grid_values(space, num_points, expected):
    assert space.grid(num_points) == expected


def test_real_log_grid_is_log_spaced_with_exact_bounds():
    values = Real(1e-3, 10.0, log=True).grid(5)
    assert values[0] == 1e-3 and values[-1] == 10.0
    np.testing.assert_allclose(values, [1e-3, 1e-2, 1e-1, 1.0, 10.0], rtol=1e-12)
    assert all(type(v) is float for v in values)


def test_int_log_grid_has_no_duplicates():
    values = Int(1, 20, log=True).grid(15)
    assert len(values) == len(set(values)) and values[0] == 1 and values[-1] == 20
    assert values == sorted(values)


@pytest.mark.parametrize(
    'bad, error',
    [
        (0, ValueError),
        (-1, ValueError),
        # a wrong type is a TypeError (was ValueError before the checks were shared)
        (2.5, TypeError),
        ('x', TypeError),
        (True, TypeError),
    ],
)
def test_grid_rejects_bad_num_points(bad, error):
    with pytest.raises(error, match=r'^num_points must be an int >= 1, got '):
        Real(0, 1).grid(bad)


# --------------------------------------------------------------------------- contains, size


@pytest.mark.parametrize(
    'space, value, expected',
    [
        (Real(0, 1), 0.5, True),
        (Real(0, 1), 1, True),
        (Real(0, 1), 1.5, False),
        (Real(0, 1), float('nan'), False),
        (Real(0, 1), 'x', False),
        (Real(0, 1), True, False),
        (Int(0, 5), 3, True),
        (Int(0, 5), np.int64(3), True),
        (Int(0, 5), 3.0, False),
        (Int(0, 5), 6, False),
        (Int(0, 5), True, False),
        (Categorical(1, 2), np.int64(1), True),
        (Categorical(1, 2), 3, False),
        (Categorical(1, 2), True, False),
        (Bool(), True, True),
        (Bool(), 1, False),
    ],
    ids=repr,
)
def test_contains(space, value, expected):
    assert space.contains(value) is expected


def test_sizes():
    assert Real(0, 1).size == math.inf
    assert Int(-2, 2).size == 5
    assert Categorical('a', 'b', 'c').size == 3
    assert Bool().size == 2


# --------------------------------------------------------------------------- equality, repr


def test_equality_by_type_and_parameters():
    assert Real(0, 1) == Real(0.0, 1.0, default=0.5)
    assert Real(0, 1) != Real(0, 1, default=0.2)
    assert Real(1, 10) != Real(1, 10, log=True)
    assert Int(1, 3) != Real(1, 3)
    assert Categorical('a', 'b') != Categorical('b', 'a')
    assert Categorical(False, True) != Bool()
    assert Real(0, 1, name='x') == Real(0, 1)  # the name is not a parameter
    assert len({Real(0, 1), Real(0, 1), Int(0, 1)}) == 2


@pytest.mark.parametrize(
    'space',
    SPACES
    + [
        Real(0, 1, default=0.25, name='w'),
        Bool(default=True),
        Categorical(3, 1, 2, default=2),
        Int(1, 8, log=True, name='n'),
    ],
    ids=repr,
)
def test_repr_evaluates_to_an_equal_space(space):
    rebuilt = eval(repr(space), {name: getattr(space_mod, name) for name in space_mod.__all__})
    assert rebuilt == space and rebuilt.name == space.name


# --------------------------------------------------------------------------- era A


def test_era_a_spellings():
    opt = List('optimizer', ['sgd', 'adam'])
    assert type(opt) is Categorical and opt.name == 'optimizer' and opt.choices == ('sgd', 'adam')
    layers = Linear('layers', 1, 4)
    assert type(layers) is Int and layers.name == 'layers' and not layers.log
    lr = Linear('lr', 0.1, 1.0)
    assert type(lr) is Real and not lr.log
    assert type(Linear('mixed', 1, 2.0)) is Real
    assert type(Linear('np', np.int64(1), np.int64(5))) is Int
    units = Log('units', 8, 512)
    assert type(units) is Int and units.log
    wd = Log('wd', 1e-6, 1e-2, default=1e-4)
    assert type(wd) is Real and wd.log and wd.default == 1e-4
    for space in (opt, layers, lr, units, wd):
        assert isinstance(space, Space)


def test_public_names():
    assert set(space_mod.__all__) == {
        'Space',
        'Categorical',
        'Real',
        'Int',
        'Bool',
        'List',
        'Linear',
        'Log',
        'SearchSpace',
    }
    assert issubclass(Bool, Categorical)


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: space_mod.Log('lr', 0.0, 1.0), ValueError),
        (lambda: space_mod.Log('lr', 1, 0), ValueError),
        (lambda: space_mod.Linear('lr', 0.5, 0.1), ValueError),
        (lambda: space_mod.Linear('lr', 'a', 1.0), TypeError),
        (lambda: space_mod.Real(0.1, 1.0, default=5.0, name='lr'), ValueError),
        (lambda: space_mod.Int(1.5, 4, name='lr'), ValueError),
        (lambda: space_mod.Real(float('nan'), 1.0, name='lr'), ValueError),
        (lambda: space_mod.List('lr', []), ValueError),
        (lambda: space_mod.List('lr', 'sgd'), TypeError),
        (lambda: space_mod.List('lr', [1, 1]), ValueError),
        (lambda: space_mod.Categorical('a', default='b', name='lr'), ValueError),
        (lambda: space_mod.Bool(default=1, name='lr'), TypeError),
    ],
)
def test_every_space_error_names_the_hyperparameter(make, error):
    with pytest.raises(error, match="'lr'"):
        make()


def test_space_errors_keep_their_message_without_a_name():
    with pytest.raises(ValueError, match=r"^lower must be > 0 when log=True, got lower=0.0$"):
        space_mod.Real(0.0, 1.0, log=True)


def test_shared_checks_in_nested_choices_and_named_choices():
    # a choice index of a wrong type is a TypeError (was ValueError before the checks were shared)
    nested = Categorical(space_mod.Dict(a=Real(0, 1)), 'b')
    assert nested.sample(choice=1) == 'b'
    with pytest.raises(TypeError, match=r"^choice must be an int between 0 and 1, got '1' of type str$"):
        nested.sample(choice='1')
    with pytest.raises(ValueError, match=r'^choice must be an int between 0 and 1, got 5$'):
        nested.sample(choice=5)
    # an empty name among Nets/Optimizers/... is a wrong value: ValueError (was TypeError)
    with pytest.raises(
        ValueError, match=r"^Nets item #1 \(a network name\) must be a non-empty str, got ''$"
    ):
        Nets(['compact_cnn', ''])
    with pytest.raises(
        TypeError, match=r'^Nets item #0 \(a network name\) must be a non-empty str, got 3 of type int$'
    ):
        Nets([3])
