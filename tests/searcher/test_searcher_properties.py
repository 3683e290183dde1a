"""Property tests for searchers over random finite spaces: members only, no duplicates, exact exhaustion."""

import math
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from autogluon.searcher import GridSearcher, RandomSampling
from autogluon.space import Bool, Categorical, Int, SearchSpace

small_int = st.integers(-20, 20).flatmap(lambda lo: st.integers(lo + 1, lo + 5).map(lambda hi: Int(lo, hi)))
small_cat = st.lists(st.integers(0, 50), min_size=1, max_size=4, unique=True).map(lambda c: Categorical(*c))
finite_space = st.dictionaries(
    st.sampled_from("abcde"), st.one_of(small_int, small_cat, st.just(Bool())), min_size=0, max_size=3
).map(SearchSpace)


def _key(config):
    return tuple(sorted(config.items()))


@settings(max_examples=60, deadline=None)
@given(space=finite_space, seed=st.integers(0, 2**31))
def test_random_searcher_covers_a_finite_space_exactly_once(space, seed):
    searcher = RandomSampling(space, seed=seed)
    seen = []
    for _ in range(space.size + 3):
        config = searcher.get_config()
        if config is None:
            break
        assert space.contains(config)
        seen.append(_key(config))
        searcher.update(config, float(len(seen)))
    assert len(seen) == space.size == len(set(seen))
    assert searcher.get_config() is None
    assert searcher.get_best_reward() == (float(len(seen)) if seen else -math.inf)


@settings(max_examples=40, deadline=None)
@given(space=finite_space, seed=st.integers(0, 2**31), cut=st.integers(0, 6))
def test_state_round_trip_mid_run_gives_the_same_suggestions(space, seed, cut):
    a = RandomSampling(space, seed=seed)
    for _ in range(cut):
        config = a.get_config()
        if config is not None:
            a.update(config, 0.5)
    b = RandomSampling(space, seed=seed + 1)
    b.load_state_dict(pickle.loads(pickle.dumps(a.state_dict())))
    assert [a.get_config() for _ in range(5)] == [b.get_config() for _ in range(5)]


@settings(max_examples=40, deadline=None)
@given(space=finite_space)
def test_grid_searcher_enumerates_the_product(space):
    searcher = GridSearcher(space, num_grid_points=10)  # more points than any value set here
    configs = []
    while True:
        config = searcher.get_config()
        if config is None:
            break
        configs.append(_key(config))
    assert len(configs) == len(set(configs)) == space.size
