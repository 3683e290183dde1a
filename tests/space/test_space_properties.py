"""Property tests: for random valid spaces, samples, defaults and grid points are always members."""

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autogluon.space import Bool, Categorical, Int, Real, SearchSpace

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-9, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def reals(draw):
    log = draw(st.booleans())
    bound = positive if log else finite
    lower, upper = sorted([draw(bound), draw(bound)])
    assume(lower < upper)
    default = None
    if draw(st.booleans()):
        default = draw(st.floats(min_value=lower, max_value=upper))
    return Real(lower, upper, default=default, log=log)


@st.composite
def ints(draw):
    log = draw(st.booleans())
    lo = 1 if log else -(10**6)
    lower = draw(st.integers(min_value=lo, max_value=10**6))
    upper = draw(st.integers(min_value=lower + 1, max_value=lower + 10**7))
    default = draw(st.none() | st.integers(min_value=lower, max_value=upper))
    return Int(lower, upper, default=default, log=log)


choice_values = st.one_of(
    st.integers(-5, 5),
    st.text(max_size=3),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.tuples(st.integers(0, 3), st.text(max_size=2)),
)


@st.composite
def categoricals(draw):
    choices = draw(st.lists(choice_values, min_size=1, max_size=6, unique_by=lambda v: (type(v) is bool, v)))
    try:
        return Categorical(*choices)
    except ValueError:  # e.g. 1 and 1.0 are duplicates
        assume(False)


spaces = st.one_of(reals(), ints(), categoricals(), st.builds(Bool, default=st.booleans()))


@settings(max_examples=150, deadline=None)
@given(space=spaces, seed=st.integers(0, 2**32 - 1))
def test_samples_and_default_are_members(space, seed):
    assert space.contains(space.default)
    rng = np.random.default_rng(seed)
    values = [space.sample(rng) for _ in range(20)]
    assert all(space.contains(v) and not isinstance(v, np.generic) for v in values)
    again = np.random.default_rng(seed)
    assert [space.sample(again) for _ in range(20)] == values


@settings(max_examples=100, deadline=None)
@given(space=spaces, num_points=st.integers(1, 12))
def test_grid_points_are_members(space, num_points):
    grid = space.grid(num_points)
    assert grid and all(space.contains(v) for v in grid)
    if space.size != math.inf and space.size <= num_points:
        assert len(grid) == space.size


@settings(max_examples=50, deadline=None)
@given(
    parts=st.dictionaries(st.text(alphabet='abcxyz', min_size=1, max_size=4), spaces, max_size=4),
    seed=st.integers(0, 1000),
)
def test_search_space_configs_are_members(parts, seed):
    space = SearchSpace(parts)
    assert space.contains(space.default())
    rng = np.random.default_rng(seed)
    assert all(space.contains(space.sample(rng)) for _ in range(10))
