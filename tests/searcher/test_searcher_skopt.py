"""SKoptSearcher ('bayesopt'): determinism, no duplicates, pending trials, state, rung evidence, registry."""

import logging
import math
import pickle

import pytest
from skopt.learning import RandomForestRegressor

import autogluon as ag
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskStatus
from autogluon.searcher import SEARCHERS, BayesOptSearcher, SKoptSearcher, get_searcher, searcher_factory
from autogluon.space import Bool, Categorical, Int, Real, SearchSpace, Space

FAST = {'acq_optimizer_kwargs': {'n_points': 300}}


def space():
    return {
        'lr': Real(1e-4, 1e-1, log=True),
        'units': Int(8, 512, log=True),
        'layers': Int(1, 4),
        'act': Categorical('relu', 'tanh', 'gelu'),
        'bn': Bool(),
        'epochs': 3,
    }


def objective(config):
    return (
        -((math.log10(config['lr']) + 2.0) ** 2)
        - (math.log2(config['units']) - 6.0) ** 2 / 8.0
        - 0.1 * abs(config['layers'] - 2)
        + (0.3 if config['act'] == 'tanh' else 0.0)
        + 0.1 * config['bn']
    )


def run(searcher, n, objective=objective):
    configs = []
    for _ in range(n):
        config = searcher.get_config()
        configs.append(config)
        if config is None:
            break
        searcher.update(config, objective(config))
    return configs


def small_forest():
    return RandomForestRegressor(n_estimators=25, min_samples_leaf=3)


def make(**kw):
    options = dict(base_estimator='RF', acq_func='EI', n_initial_points=4, seed=0, **FAST)
    options.update(kw)
    return SKoptSearcher(options.pop('space', space()), **options)


class SpyForest(RandomForestRegressor):
    """skopt's forest surrogate that records the targets of every fit (targets are -reward)."""

    fits = []

    def fit(self, X, y):
        SpyForest.fits.append([float(v) for v in y])
        return super().fit(X, y)


@pytest.fixture
def spy():
    SpyForest.fits = []
    yield SpyForest
    SpyForest.fits = []


# --------------------------------------------------------------------------- suggestions


def test_first_config_is_default_then_model_improves_on_random():
    searcher = make()
    configs = run(searcher, 14)
    assert configs[0] == SearchSpace.from_any(space()).default()
    assert all(SearchSpace.from_any(space()).contains(c) for c in configs)
    assert type(configs[1]['units']) is int and type(configs[1]['lr']) is float
    assert type(configs[1]['bn']) is bool
    assert max(objective(c) for c in configs[4:]) >= max(objective(c) for c in configs[:4])


def test_same_seed_same_sequence_other_seed_differs():
    a, b, c = run(make(seed=5), 9), run(make(seed=5), 9), run(make(seed=6), 9)
    assert a == b
    assert a[1:] != c[1:]
    assert run(make(seed=5, first_is_default=False), 2)[0] != a[0]


@pytest.mark.parametrize(
    'estimator, acq', [('RF', 'PI'), ('ET', 'LCB'), ('GBRT', 'EI'), ('ET', 'gp_hedge'), ('gp', 'ei')]
)
def test_estimators_and_acquisitions(estimator, acq):
    options = dict(acq_optimizer='sampling') if estimator == 'gp' else {}
    searcher = make(base_estimator=estimator, acq_func=acq, n_initial_points=3, **options)
    configs = run(searcher, 5)
    assert len({SearchSpace.from_any(space())._key(c) for c in configs}) == 5
    assert (
        searcher.acq_func in ('EI', 'PI', 'LCB', 'gp_hedge') and searcher.base_estimator == estimator.upper()
    )
    again = make(base_estimator=estimator, acq_func=acq, n_initial_points=3, **options)
    assert run(again, 5) == configs  # seeded, GBRT's and the forests' own randomness included


def test_no_duplicates_until_finite_space_used_up():
    finite = {'act': Categorical('relu', 'tanh', 'gelu'), 'layers': Int(1, 4)}
    searcher = make(space=finite, n_initial_points=2)
    configs = run(searcher, 13, objective=lambda c: c['layers'] * (c['act'] == 'tanh'))
    assert configs[-1] is None and searcher.get_config() is None
    keys = [(c['act'], c['layers']) for c in configs[:-1]]
    assert len(keys) == 12 == len(set(keys))


def test_one_value_spaces_are_fixed_and_empty_space_gives_default_once():
    searcher = make(space={'k': Categorical('only'), 'x': Real(0, 1)}, n_initial_points=2)
    assert {c['k'] for c in run(searcher, 4, objective=lambda c: c['x'])} == {'only'}
    empty = make(space={'epochs': 3})
    assert empty.get_config() == {} and empty.get_config() is None


# --------------------------------------------------------------------------- pending trials


def test_concurrent_suggestions_differ_and_pending_enter_the_model_as_liars(spy):
    searcher = make(
        base_estimator=SpyForest(n_estimators=20, min_samples_leaf=1),
        pending_strategy='cl_max',
        warp_rewards=False,
    )
    rewards = []
    for _ in range(4):
        config = searcher.get_config()
        searcher.update(config, objective(config))
        rewards.append(objective(config))
    running = [searcher.get_config() for _ in range(4)]  # four trials at once, no result yet
    keys = {SearchSpace.from_any(space())._key(c) for c in running}
    assert len(keys) == 4
    # the k-th concurrent suggestion was fit on 4 results + k pending configs valued at the worst reward
    targets = spy.fits[-4:]
    for k, y in enumerate(targets):
        assert y[:4] == [-r for r in rewards]
        assert y[4:] == [max(-r for r in rewards)] * k
    searcher.update(running[0], 1.0)
    searcher.evaluation_failed(running[1])
    searcher.get_config()
    assert len(spy.fits[-1]) == 5 + 2  # 5 results + the 2 trials still running; the failed one is gone
    assert running[1] not in run(searcher, 20)


def test_register_pending_of_a_foreign_config_and_cl_min(spy):
    searcher = make(base_estimator=SpyForest(n_estimators=10))
    run(searcher, 4)
    foreign = {'lr': 0.01, 'units': 64, 'layers': 2, 'act': 'tanh', 'bn': True}
    searcher.register_pending(foreign)
    searcher.register_pending({'not': 'in the space'})  # ignored
    config = searcher.get_config()
    assert config != foreign
    y = spy.fits[-1]
    assert len(y) == 5 and y[4] == min(y[:4])  # cl_min: the liar is the best value so far


# --------------------------------------------------------------------------- state


def drive(searcher, steps, start=0):
    """A deterministic mix of suggestions, pending trials, reports, results and failures."""
    out = []
    for i in range(start, start + steps):
        config = searcher.get_config()
        out.append(config)
        searcher.register_pending(config)
        searcher.on_report(config, objective(config) / 2, 1)
        if i % 3 == 0:
            searcher.on_report(config, objective(config), 2)
        if i % 4 == 1:
            searcher.evaluation_failed(config)
        elif i % 4 != 2:  # every fourth trial stays running
            searcher.update(config, objective(config))
    return out


@pytest.mark.parametrize('acq', ['EI', 'gp_hedge'])
def test_state_round_trip_mid_run_matches_twin(acq):
    def build(seed=0):
        return make(acq_func=acq, n_initial_points=3, base_estimator=small_forest(), seed=seed)

    original, twin = build(), build()
    assert drive(original, 6) == drive(twin, 6)
    state = pickle.loads(pickle.dumps(original.state_dict()))
    restored = build(seed=99)
    restored.load_state_dict(state)
    pickled = pickle.loads(pickle.dumps(original))
    expected = drive(twin, 4, start=6)
    assert drive(restored, 4, start=6) == expected
    assert drive(pickled, 4, start=6) == expected
    assert restored.get_best_config_reward() == twin.get_best_config_reward()
    if acq == 'gp_hedge':
        assert twin._hedge_gains is not None and restored._hedge_gains == twin._hedge_gains


def test_load_state_rejects_foreign_state():
    from autogluon.searcher import RandomSampling

    with pytest.raises(ValueError, match='pending'):
        make().load_state_dict(RandomSampling(space()).state_dict())


# --------------------------------------------------------------------------- rung evidence


def test_model_fits_the_highest_level_with_enough_observations(spy):
    searcher = make(
        base_estimator=SpyForest(n_estimators=10),
        n_initial_points=3,
        space={'x': Real(0, 1)},
        warp_rewards=False,
    )
    configs = [searcher.get_config() for _ in range(6)]  # six trials start
    assert not spy.fits  # nothing known yet: random suggestions
    for i, c in enumerate(configs):
        searcher.on_report(c, 0.1 * i, 1)  # everyone reaches rung 1
    for c in configs[3:]:
        searcher.update(c, 0.1)  # three stopped early (their best reward is final)
    for i, c in enumerate(configs[:2]):
        searcher.on_report(c, 0.5 + i, 3)  # two reach rung 3: too few for the model
    searcher.get_config()
    # fit on rung 1 (6 observations); the three configs still running have a rung-1 result: no liars
    assert spy.fits[-1] == [-0.1 * i for i in range(6)]
    searcher.on_report(configs[2], 0.7, 3)
    searcher.get_config()
    # rung 3 now has 3 observations; the config suggested above has no rung-3 result: a pending liar
    assert spy.fits[-1] == [-0.5, -1.5, -0.7, -1.5]


def test_levels_too_sparse_fall_back_to_final_rewards(spy):
    searcher = make(
        base_estimator=SpyForest(n_estimators=10),
        n_initial_points=3,
        space={'x': Real(0, 1)},
        warp_rewards=False,
    )
    for i in range(4):
        c = searcher.get_config()
        searcher.on_report(c, 5.0, 0.37 + i)  # e.g. wall-clock time: one observation per level
        searcher.update(c, float(i))
    searcher.get_config()
    assert spy.fits[-1] == [-0.0, -1.0, -2.0, -3.0]


def test_rung_evidence_can_be_switched_off(spy):
    searcher = make(
        base_estimator=SpyForest(n_estimators=10),
        n_initial_points=2,
        rung_evidence=False,
        space={'x': Real(0, 1)},
        warp_rewards=False,
    )
    configs = [searcher.get_config() for _ in range(4)]
    for c in configs:
        searcher.on_report(c, 9.0, 1)
    searcher.update(configs[0], 1.0)
    searcher.update(configs[1], 2.0)
    searcher.get_config()
    assert spy.fits[-1] == [-1.0, -2.0, -2.0, -2.0]  # two results, two pending (cl_min); no rung data


@pytest.mark.parametrize(
    'reward, time', [(float('nan'), 1), (1.0, float('inf')), (1.0, 'epoch'), (True, 1), (1.0, None)]
)
def test_on_report_ignores_unusable_reports(reward, time):
    searcher = make()
    searcher.on_report(searcher.get_config(), reward, time)
    assert searcher._levels == {}


# --------------------------------------------------------------------------- validation and registry


class Weird(Space):
    @property
    def default(self):
        return 0

    def sample(self, rng):
        return 0

    def contains(self, value):
        return value == 0

    @property
    def size(self):
        return 1

    def _params(self):
        return ()


@pytest.mark.parametrize(
    'kwargs, error, fragment',
    [
        ({'space': {'w': Weird(), 'x': Real(0, 1)}}, TypeError, "hyperparameter 'w' of type Weird"),
        ({'base_estimator': 'SVM'}, ValueError, "'GP', 'RF', 'ET', 'GBRT'"),
        # a wrong type is a TypeError (was ValueError before the checks were shared)
        (
            {'base_estimator': 3},
            TypeError,
            '^base_estimator must be .* regressor instance, got 3 of type int$',
        ),
        ({'acq_func': 'MES'}, ValueError, "'EI', 'LCB', 'PI', 'gp_hedge'"),
        (
            {'acq_func': None},
            TypeError,
            '^acq_func must be one of .*, got None of type NoneType$',
        ),  # was ValueError
        ({'acq_optimizer': 'lbfgs'}, ValueError, "needs base_estimator='GP'"),
        ({'acq_optimizer': 'adam'}, ValueError, 'acq_optimizer'),
        ({'n_initial_points': 0}, ValueError, 'n_initial_points'),
        (
            {'n_initial_points': '5'},
            TypeError,
            '^n_initial_points must be an int >= 1, got .5. of type str$',
        ),  # was ValueError
        ({'pending_strategy': 'kriging'}, ValueError, "'cl_min', 'cl_mean', 'cl_max'"),
        ({'acq_func_kwargs': [1]}, TypeError, 'acq_func_kwargs'),
        ({'rung_evidence': 'yes'}, TypeError, 'rung_evidence'),
    ],
)
def test_clear_errors(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        make(**kwargs)


class BrokenForest(RandomForestRegressor):
    def fit(self, X, y):
        raise FloatingPointError('surrogate blew up')


def test_a_failing_surrogate_is_logged_and_the_search_goes_on(caplog):
    searcher = make(base_estimator=BrokenForest(), n_initial_points=2, space={'x': Real(0, 1)})
    configs = run(searcher, 4, objective=lambda c: c['x'])
    assert None not in configs and len({c['x'] for c in configs}) == 4
    failures = [r for r in caplog.records if r.levelname == 'ERROR' and 'surrogate' in r.getMessage()]
    assert len(failures) == 2 and 'surrogate blew up' in failures[0].exc_text


def test_estimator_class_instead_of_instance_is_rejected():
    # a class is the wrong type (an instance is needed): TypeError (was ValueError before the checks were shared)
    with pytest.raises(TypeError, match='^base_estimator must be .* regressor instance, got .* of type'):
        make(base_estimator=RandomForestRegressor)


def test_weird_space_error_suggests_random():
    with pytest.raises(TypeError, match="searcher='random'"):
        SKoptSearcher({'w': Weird()})


def test_registry_names_and_aliases():
    assert SEARCHERS['bayesopt'] is SKoptSearcher and SEARCHERS['skopt'] is SKoptSearcher
    assert BayesOptSearcher is SKoptSearcher and ag.searcher.SKoptSearcher is SKoptSearcher
    built = searcher_factory('BayesOpt', space(), base_estimator='RF', acq_func='EI', seed=1)
    assert isinstance(built, SKoptSearcher) and (built.base_estimator, built.acq_func) == ('RF', 'EI')
    assert get_searcher('skopt', space(), random_state=3).seed == 3
    assert get_searcher(built) is built
    with pytest.raises(ValueError) as info:
        searcher_factory('bayes', space())
    assert 'bayesopt' in str(info.value) and 'random' in str(info.value)


# --------------------------------------------------------------------------- end to end


@ag.args(x=ag.space.Real(0.0, 1.0), act=ag.space.Categorical('a', 'b'), epochs=4)
def bump_fn(args, reporter):
    """Accuracy peaks at x = 0.7 with act 'b', and grows with the epoch."""
    for epoch in range(1, args.epochs + 1):
        accuracy = (1.0 - (args.x - 0.7) ** 2 - (0.0 if args.act == 'b' else 0.2)) * epoch / args.epochs
        reporter(epoch=epoch, training_epoch=epoch, accuracy=accuracy)


def test_fifo_scheduler_with_bayesopt():
    scheduler = FIFO_Scheduler(
        bump_fn,
        None,
        {'num_cpus': 1, 'num_gpus': 0},
        'bayesopt',
        searcher_options={'base_estimator': 'RF', 'acq_func': 'EI', 'n_initial_points': 4},
        num_trials=12,
        checkpoint=None,
        progress=False,
        seed=0,
    )
    assert isinstance(scheduler.searcher, SKoptSearcher)
    scheduler.run()
    tasks = list(scheduler.tasks.values())
    assert len(tasks) == 12 and all(t.status == TaskStatus.COMPLETED for t in tasks)
    assert tasks[0].config == {'x': 0.5, 'act': 'a'}
    assert len({(t.config['x'], t.config['act']) for t in tasks}) == 12
    assert scheduler.get_best_reward() > 0.9
    assert not scheduler.searcher._pending


def test_hyperband_scheduler_with_bayesopt_learns_from_rungs(caplog):
    caplog.set_level(logging.DEBUG, logger='autogluon.searcher')
    scheduler = Hyperband_Scheduler(
        bump_fn,
        None,
        {'num_cpus': 1, 'num_gpus': 0},
        'bayesopt',
        searcher_options={'base_estimator': 'RF', 'acq_func': 'EI', 'n_initial_points': 4},
        num_trials=12,
        checkpoint=None,
        progress=False,
        seed=0,
        max_t=4,
        grace_period=1,
        reduction_factor=2,
        visualizer='none',
    )
    scheduler.run()
    tasks = list(scheduler.tasks.values())
    assert len(tasks) == 12
    assert any(t.status == TaskStatus.STOPPED for t in tasks)
    searcher = scheduler.searcher
    assert searcher._levels and max(searcher._levels) >= 2.0
    assert sum(len(obs) for obs in searcher._levels.values()) == sum(len(t.history) for t in tasks)
    fits = [r.getMessage() for r in caplog.records if 'model fit on' in r.getMessage()]
    assert fits and any('level' in m for m in fits)
    assert len({(t.config['x'], t.config['act']) for t in tasks}) == 12


# --------------------------------------------------------------------------- learning (issue 17)


def test_log_scaled_parameters_reach_the_surrogate_in_log_space(spy):
    seen = []

    class SpyX(RandomForestRegressor):
        def fit(self, X, y):
            seen.append([list(map(float, row)) for row in X])
            return super().fit(X, y)

    searcher = SKoptSearcher(
        {'lr': Real(1e-4, 1.0, log=True), 'units': Int(1, 10000, log=True)},
        base_estimator=SpyX(n_estimators=5),
        acq_func='EI',
        n_initial_points=2,
        seed=0,
        first_is_default=False,
    )
    for config in ({'lr': 1e-2, 'units': 100}, {'lr': 1e-4, 'units': 10000}):
        searcher.register_pending(config)
        searcher.update(config, 0.5)
    searcher.get_config()
    # the forest sees log(value): 1e-2 lies halfway between 1e-4 and 1 there, as 100 between 1 and 1e4
    assert seen[-1][0] == pytest.approx([math.log(1e-2), math.log(100)], abs=1e-9)
    assert seen[-1][1] == pytest.approx([math.log(1e-4), math.log(10000)], abs=1e-9)


def test_rewards_reach_the_surrogate_as_normal_scores_of_their_ranks(spy):
    searcher = make(base_estimator=SpyForest(n_estimators=10), n_initial_points=4, space={'x': Real(0, 1)})
    rewards = [0.95, 0.1, 0.96, 0.94]  # one failed trial far below three good ones
    for reward in rewards:
        searcher.update(searcher.get_config(), reward)
    searcher.get_config()
    y = spy.fits[-1]
    # targets are -reward ranked: best (0.96) lowest; evenly spread, so 0.1 no longer squashes the others
    assert y == pytest.approx([-0.3186, 1.1503, -1.1503, 0.3186], abs=1e-4)
    plain = make(
        base_estimator=SpyForest(n_estimators=10),
        n_initial_points=4,
        space={'x': Real(0, 1)},
        warp_rewards=False,
    )
    for reward in rewards:
        plain.update(plain.get_config(), reward)
    plain.get_config()
    assert spy.fits[-1] == [-r for r in rewards]
    with pytest.raises(TypeError, match='warp_rewards'):
        make(warp_rewards='yes')


def svm_like(config):
    """A cheap stand-in for an RBF-SVM's accuracy over log C, log gamma: a smooth ridge, and a failure
    plateau (0.1) for large gamma, as digits gives."""
    c, g = math.log10(config['C']), math.log10(config['gamma'])
    if g > -1.0:
        return 0.1
    return 0.98 - 0.004 * (c - 1.0) ** 2 - 0.02 * (g + 3.0) ** 2 - 0.01 * abs(c + g - 1.0)


def test_seeded_bayesopt_beats_seeded_random_on_a_2d_log_scaled_function():
    space2 = {'C': Real(1e-3, 1e4, log=True), 'gamma': Real(1e-6, 10.0, log=True)}
    best = {'random': [], 'bayesopt': []}
    for seed in range(5):
        for name in best:
            searcher = get_searcher(name, space2, seed=seed, first_is_default=False)
            best[name].append(max(svm_like(c) for c in run(searcher, 12, objective=svm_like)))
    ordered = {name: sorted(values) for name, values in best.items()}
    assert ordered['bayesopt'][2] > ordered['random'][2]  # median over 5 seeds
    assert sum(b > r for b, r in zip(best['bayesopt'], best['random'])) >= 4
