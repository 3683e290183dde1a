"""Bayesian optimization with scikit-optimize: ``SKoptSearcher`` (``'bayesopt'``, alias ``'skopt'``).

scikit-optimize is imported only when a searcher is built, so ``import autogluon`` stays fast.
"""

import copy
import logging
import math
import numbers

import numpy as np

from ..core._validate import check_bool, check_choice, check_instance, check_int, fail_type, fail_value
from ..space import Categorical, Int, Real
from ._base import BaseSearcher
from ._random import draw_unseen

logger = logging.getLogger(__name__)

__all__ = ['SKoptSearcher', 'BayesOptSearcher']

_ESTIMATORS = ('GP', 'RF', 'ET', 'GBRT')
_ACQ_FUNCS = {'ei': 'EI', 'lcb': 'LCB', 'pi': 'PI', 'gp_hedge': 'gp_hedge'}
_ACQ_OPTIMIZERS = ('auto', 'sampling', 'lbfgs')
_PENDING = ('cl_min', 'cl_mean', 'cl_max')
_SEED_BOUND = 2**31 - 1
_N_POINTS = 2000  # random candidates the acquisition function is evaluated at (skopt's default: 10000)
_STATE_KEYS = ('pending', 'levels', 'seen', 'default_done', 'hedge_gains', 'hedge_candidates')


def _import_skopt():
    try:
        import skopt  # noqa: F401
        from skopt import Optimizer
        from skopt.space import Categorical as SkCategorical
        from skopt.space import Integer as SkInteger
        from skopt.space import Real as SkReal
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "searcher 'bayesopt' (SKoptSearcher) needs scikit-optimize: pip install scikit-optimize"
        ) from exc
    return Optimizer, SkReal, SkInteger, SkCategorical


_GBRT_CLASS = None


def _gbrt_estimator(random_state):
    """skopt's GBRT surrogate (3 quantile regressors), marked as a regressor for scikit-learn >= 1.6.

    skopt's ``GradientBoostingQuantileRegressor`` lists ``BaseEstimator`` before ``RegressorMixin``, so recent
    scikit-learn does not see it as a regressor and ``skopt.Optimizer(base_estimator='GBRT')`` fails; this
    subclass only fixes the tag.
    """
    global _GBRT_CLASS
    if _GBRT_CLASS is None:
        from skopt.learning import GradientBoostingQuantileRegressor

        class _GBRTQuantileRegressor(GradientBoostingQuantileRegressor):
            _estimator_type = 'regressor'

            def __sklearn_tags__(self):
                tags = super().__sklearn_tags__()
                tags.estimator_type = 'regressor'
                return tags

        _GBRT_CLASS = _GBRTQuantileRegressor
    from sklearn.ensemble import GradientBoostingRegressor

    return _GBRT_CLASS(
        base_estimator=GradientBoostingRegressor(n_estimators=30, loss='quantile'), random_state=random_state
    )


def _time_key(time):
    """A report's time as a float level, or None when it cannot be one."""
    if isinstance(time, (bool, np.bool_)) or not isinstance(time, numbers.Real):
        return None
    time = float(time)
    return time if math.isfinite(time) else None


def _normal_scores(values):
    """``values`` replaced by the standard normal quantiles of their ranks (ties share their mean rank).

    The surrogate then sees evenly spread targets: a few failed trials (e.g. accuracy 0.1 beside 0.9x) no
    longer squash the differences among the good ones, which are the ones the acquisition has to resolve.
    """
    from scipy.special import ndtri
    from scipy.stats import rankdata

    values = np.asarray(values, dtype=float)
    return [float(v) for v in ndtri((rankdata(values) - 0.5) / len(values))]


class SKoptSearcher(BaseSearcher):
    """Bayesian optimization on scikit-optimize (``searcher='bayesopt'``).

    A surrogate model (``base_estimator``: ``'GP'``, ``'RF'``, ``'ET'``, ``'GBRT'``, or a scikit-learn
    regressor whose ``predict`` accepts ``return_std``) is fit to the rewards seen so far, and the next
    configuration maximizes the acquisition function (``acq_func``: ``'EI'``, ``'LCB'``, ``'PI'`` or
    ``'gp_hedge'``, a portfolio of the three). ``Real``, ``Int`` (both also ``log=True``), ``Categorical``
    and ``Bool`` spaces are modelled; any other kind of space raises a ``TypeError`` at construction.

    The first configuration is the space's defaults (``first_is_default``); until the data the model would
    be fit on holds ``n_initial_points`` observations, configurations are drawn at random. Log-scale ``Real``
    and ``Int`` spaces reach the surrogate as ``log(value)`` (then scaled to [0, 1] for a GP), so a length
    scale covers the same factor of the value anywhere in the range. No configuration
    is suggested twice: when the acquisition's optimum was already suggested, the searcher takes another
    candidate of the ``gp_hedge`` portfolio or a random unseen configuration, and returns None once a finite
    space is used up.

    **Pending trials.** A suggested configuration is pending until :meth:`update` or
    :meth:`evaluation_failed` is called for it. Pending configurations enter the model with a *constant
    liar* value (``pending_strategy``, named as in ``skopt.Optimizer.ask`` for the minimized objective
    ``-reward``: ``'cl_min'`` pretends they got the best reward seen so far, ``'cl_max'`` the worst,
    ``'cl_mean'`` the mean), so trials running at the same time get different suggestions.

    **Rung evidence (multi-fidelity).** The scheduler calls :meth:`on_report` for every report of a trial
    (reward larger-is-better, ``time`` the value of its ``time_attr``, e.g. the epoch). The searcher keeps one
    observation per configuration and time level. As in BOHB, the surrogate is fit on the *highest* level
    that holds at least ``n_initial_points`` observations, so trials that Hyperband stopped early count as
    evidence at their rungs, and the model moves up to longer training once enough trials got there; pending
    configurations without a result at that level get the liar value. When no level has enough observations
    (or nothing was ever reported through :meth:`on_report`, as when the searcher is driven by hand), the
    model is fit on the rewards given to :meth:`update`. Set ``rung_evidence=False`` to use only those.

    Each suggestion fits a fresh ``skopt.Optimizer`` on all data, seeded from ``self.rng``: the state is
    plain data (observations, pending configurations, the RNG and the ``gp_hedge`` gains), so
    :meth:`state_dict` / :meth:`load_state_dict` (and pickling) restore the exact next suggestions.

    Parameters
    ----------
    configspace : SearchSpace, dict, list of named spaces or ConfigSpace.ConfigurationSpace
    seed : int or None
        Seeds all randomness; ``random_state`` is accepted as an alias (era-A option name).
    base_estimator : str or regressor, default 'GP'
    acq_func : str, default 'EI'
    acq_optimizer : 'sampling', 'lbfgs' (GP only) or 'auto' (skopt's choice), default 'sampling'
    n_initial_points : int >= 1, default 5
    acq_func_kwargs, acq_optimizer_kwargs : dict or None
        Passed to ``skopt.Optimizer`` (e.g. ``{'xi': 0.01}``, ``{'n_points': 5000}``); ``n_points`` (the
        random candidates the acquisition function is evaluated at) defaults to 2000.
    pending_strategy : 'cl_min', 'cl_mean' or 'cl_max', default 'cl_min'
    rung_evidence : bool, default True
    warp_rewards : bool, default True
        Fit the surrogate on the standard normal quantiles of the rewards' ranks (pending liars included)
        instead of the rewards: a few failed trials (accuracy 0.1 beside 0.9x) no longer flatten the
        differences among the good configurations, and the GP's Gaussian noise model fits the targets.
    first_is_default : bool, default True
    max_retries : int, default 100
        Random draws tried before an infinite space counts as used up.

    Example::

        >>> from autogluon.space import Real, Categorical
        >>> searcher = SKoptSearcher({'lr': Real(1e-4, 1e-1, log=True), 'act': Categorical('relu', 'tanh')},
        ...                          base_estimator='RF', acq_func='EI', n_initial_points=3, seed=0)
        >>> for _ in range(5):
        ...     config = searcher.get_config()
        ...     searcher.update(config, reward=-abs(config['lr'] - 0.01))
        >>> searcher.get_best_reward() <= 0
        True
    """

    def __init__(
        self,
        configspace,
        seed=None,
        base_estimator='GP',
        acq_func='EI',
        acq_optimizer='sampling',
        n_initial_points=5,
        acq_func_kwargs=None,
        acq_optimizer_kwargs=None,
        pending_strategy='cl_min',
        rung_evidence=True,
        first_is_default=True,
        max_retries=100,
        random_state=None,
        warp_rewards=True,
        **kwargs,
    ):
        if seed is None and random_state is not None:
            seed = random_state
        elif random_state is not None and random_state != seed:
            logger.info("SKoptSearcher: seed=%r is used, random_state=%r is ignored", seed, random_state)
        super().__init__(configspace, seed=seed, **kwargs)
        self.base_estimator = self._check_estimator(base_estimator)
        self.acq_func = check_choice('acq_func', acq_func, tuple(_ACQ_FUNCS.values()))
        self.acq_optimizer = check_choice('acq_optimizer', acq_optimizer, _ACQ_OPTIMIZERS)
        if self.acq_optimizer == 'lbfgs' and self.base_estimator != 'GP':
            raise ValueError(
                f"acq_optimizer='lbfgs' needs base_estimator='GP' (it follows the model's "
                f"gradients), got base_estimator={base_estimator!r}; use 'sampling' or 'auto'"
            )
        self.n_initial_points = check_int('n_initial_points', n_initial_points, low=1)
        self.acq_func_kwargs = dict(
            check_instance('acq_func_kwargs', acq_func_kwargs, dict, 'a dict', allow_none=True) or {}
        )
        self.acq_optimizer_kwargs = dict(
            check_instance('acq_optimizer_kwargs', acq_optimizer_kwargs, dict, 'a dict', allow_none=True)
            or {}
        )
        self.acq_optimizer_kwargs.setdefault('n_points', _N_POINTS)
        self.pending_strategy = check_choice('pending_strategy', pending_strategy, _PENDING)
        self.rung_evidence = check_bool('rung_evidence', rung_evidence)
        self.warp_rewards = check_bool('warp_rewards', warp_rewards)
        self.first_is_default = check_bool('first_is_default', first_is_default)
        self.max_retries = check_int('max_retries', max_retries, low=1)

        _, sk_real, sk_integer, sk_categorical = _import_skopt()
        # (name, our space, skopt dimension or None for a one-value space that needs no modelling). Log-scale
        # spaces are modelled as uniform Reals over [log(lower), log(upper)]: skopt's log-uniform Integer gives
        # wrong transformed bounds outside the GP's normalized space, so every suggestion would clip to `upper`.
        self._dims = []
        for name, space in self.configspace.items():
            if isinstance(space, Categorical):
                dim = sk_categorical(list(range(space.size)), name=name) if space.size > 1 else None
            elif isinstance(space, (Int, Real)) and space.log:
                dim = sk_real(math.log(space.lower), math.log(space.upper), name=name)
            elif isinstance(space, Int):
                dim = sk_integer(space.lower, space.upper, name=name)
            elif isinstance(space, Real):
                dim = sk_real(space.lower, space.upper, name=name)
            else:
                raise TypeError(
                    f"SKoptSearcher cannot model hyperparameter {name!r} of type "
                    f"{type(space).__name__} ({space!r}); supported spaces: Real, Int, Categorical, "
                    f"Bool. Use searcher='random' for this search space"
                )
            self._dims.append((name, space, dim))
        self._model_dims = [(name, space, dim) for name, space, dim in self._dims if dim is not None]
        self._size = self.configspace.size

        self._seen = set()  # keys of every config suggested or reported
        self._default_done = not self.first_is_default
        self._pending = {}  # key -> config: suggested, no final result yet
        self._levels = {}  # time level -> {key: (config, reward)} from on_report
        self._hedge_gains = None  # gp_hedge portfolio gains, carried from one fitted optimizer to the next
        self._hedge_candidates = None
        if self._model_dims:
            self._make_optimizer(0)  # surface option errors (e.g. a bad regressor) now, not mid-run

    # -- validation ----------------------------------------------------------------
    @staticmethod
    def _check_estimator(base_estimator):
        allowed = f"one of {', '.join(map(repr, _ESTIMATORS))} or a scikit-learn regressor instance"
        if isinstance(base_estimator, str):
            if base_estimator.upper() not in _ESTIMATORS:
                raise fail_value('base_estimator', allowed, base_estimator)
            return base_estimator.upper()
        if (
            not isinstance(base_estimator, type)
            and callable(getattr(base_estimator, 'fit', None))
            and callable(getattr(base_estimator, 'predict', None))
        ):
            return base_estimator
        raise fail_type('base_estimator', allowed, base_estimator)

    # -- conversions -----------------------------------------------------------------
    def _key(self, config):
        try:
            return self.configspace._key(config)
        except (KeyError, ValueError, TypeError):
            return None  # not a config of this space

    def _to_point(self, config):
        point = []
        for name, space, dim in self._model_dims:
            value = config[name]
            if isinstance(space, Categorical):
                point.append(space._index(value))
            elif space.log:
                point.append(min(max(math.log(value), dim.low), dim.high))
            elif isinstance(space, Int):
                point.append(int(value))
            else:
                point.append(min(max(float(value), space.lower), space.upper))
        return point

    def _to_config(self, point):
        values = {}
        for (name, space, _), value in zip(self._model_dims, point):
            if isinstance(space, Categorical):
                values[name] = space.choices[int(value)]
                continue
            value = float(value)
            if space.log:
                value = math.exp(value)
            if isinstance(space, Int):
                value = int(round(value))
            values[name] = min(max(value, space.lower), space.upper)
        return {name: values[name] if dim is not None else space.default for name, space, dim in self._dims}

    # -- the model ---------------------------------------------------------------------
    def _make_optimizer(self, random_state):
        optimizer_cls = _import_skopt()[0]
        estimator = self.base_estimator
        if estimator == 'GBRT':
            estimator = _gbrt_estimator(random_state)
        elif not isinstance(estimator, str):
            from sklearn.base import clone

            estimator = clone(estimator)
            if 'random_state' in estimator.get_params(deep=False) and estimator.random_state is None:
                estimator.set_params(random_state=random_state)  # seeded like the built-in surrogates
        return optimizer_cls(
            [dim for _, _, dim in self._model_dims],
            base_estimator=estimator,
            n_initial_points=0,
            acq_func=self.acq_func,
            acq_optimizer=self.acq_optimizer,
            random_state=random_state,
            acq_func_kwargs=dict(self.acq_func_kwargs),
            acq_optimizer_kwargs=dict(self.acq_optimizer_kwargs),
        )

    def _finished(self):
        """{key: (config, reward)} of the final rewards given to update (the latest per config)."""
        data = {}
        for config, reward in self._results:
            key = self._key(config)
            if key is not None and math.isfinite(reward):
                data[key] = (config, reward)
        return data

    def _training_data(self):
        """``(observations {key: (config, reward)}, level)`` the model is fit on, or ``(None, None)``.

        ``level`` is the time level of the rung evidence used, or None for the final rewards.
        """
        if self.rung_evidence:
            for level in sorted(self._levels, reverse=True):
                if len(self._levels[level]) >= self.n_initial_points:
                    return self._levels[level], level
        finished = self._finished()
        if len(finished) >= self.n_initial_points:
            return finished, None
        return None, None

    def _model_config(self, data):
        points = [self._to_point(config) for config, _ in data.values()]
        values = [-reward for _, reward in data.values()]  # skopt minimizes
        if self.pending_strategy == 'cl_min':
            liar = min(values)
        elif self.pending_strategy == 'cl_max':
            liar = max(values)
        else:
            liar = float(np.mean(values))
        for key, config in self._pending.items():
            if key not in data:
                points.append(self._to_point(config))
                values.append(liar)
        if self.warp_rewards:
            values = _normal_scores(values)
        optimizer = self._make_optimizer(int(self.rng.integers(_SEED_BOUND)))
        hedge = self.acq_func == 'gp_hedge'
        if hedge and self._hedge_gains is not None:
            # Carry the portfolio across refits as one long-lived skopt.Optimizer would: the next tell
            # charges each acquisition function with the new model's prediction at its last candidate.
            optimizer.gains_ = np.array(self._hedge_gains, dtype=float)
            optimizer.next_xs_ = [np.array(x, dtype=float) for x in self._hedge_candidates]
        optimizer.tell(points, values)
        if hedge:
            self._hedge_gains = [float(g) for g in optimizer.gains_]
            self._hedge_candidates = [[float(v) for v in np.ravel(x)] for x in optimizer.next_xs_]
        best = getattr(optimizer, '_next_x', None)
        proposals = [best if best is not None else optimizer.ask()]
        for x in getattr(optimizer, 'next_xs_', []):  # the other acquisition functions' optima
            proposals.append(optimizer.space.inverse_transform(np.asarray(x).reshape(1, -1))[0])
        for point in proposals:
            config = self._to_config(point)
            key = self._key(config)
            if key not in self._seen:
                self._seen.add(key)
                return config
        logger.debug(
            "SKoptSearcher: the acquisition optimum %s was suggested before; drawing at random", proposals[0]
        )
        return None

    def _random_config(self):
        return draw_unseen(self)

    def _next_config(self):
        if self._size != math.inf and len(self._seen) >= self._size:
            return None
        config = None
        if self._model_dims and self._default_done:
            data, level = self._training_data()
            if data is not None:
                try:
                    config = self._model_config(data)
                except Exception:  # a numerical failure of the surrogate must not end the whole search
                    logger.exception(
                        "SKoptSearcher: fitting the %s surrogate on %d observations failed; "
                        "suggesting a random configuration instead",
                        self.base_estimator,
                        len(data),
                    )
                    config = None
                if config is not None:
                    logger.debug(
                        "SKoptSearcher: model fit on %d observations (%s), %d pending: %s",
                        len(data),
                        'final rewards' if level is None else f'level {level:g}',
                        len(self._pending),
                        config,
                    )
        if config is None:
            config = self._random_config()
        if config is not None:
            self._pending[self._key(config)] = dict(config)
        return config

    # -- feedback ------------------------------------------------------------------
    def register_pending(self, config, **kwargs):
        """``config`` runs now: until its result arrives the model sees it with the liar value."""
        key = self._key(config)
        if key is None:
            return
        self._seen.add(key)
        self._pending[key] = dict(config)

    def update(self, config, reward, **kwargs):
        """Record the final (best) ``reward`` of ``config``'s trial; it is no longer pending."""
        super().update(config, reward, **kwargs)
        key = self._key(config)
        if key is not None:
            self._seen.add(key)
            self._pending.pop(key, None)

    def evaluation_failed(self, config, **kwargs):
        """The trial of ``config`` failed: it is no longer pending and is never suggested again."""
        super().evaluation_failed(config, **kwargs)
        key = self._key(config)
        if key is not None:
            self._seen.add(key)
            self._pending.pop(key, None)

    def on_report(self, config, reward, time, **kwargs):
        """One intermediate result: ``config`` reached ``reward`` (larger is better) at ``time`` (e.g. epoch)."""
        level = _time_key(time)
        key = self._key(config)
        if (
            level is None
            or key is None
            or isinstance(reward, (bool, np.bool_))
            or not isinstance(reward, numbers.Real)
            or not math.isfinite(reward)
        ):
            logger.debug("SKoptSearcher.on_report ignores config=%r reward=%r time=%r", config, reward, time)
            return
        self._seen.add(key)
        self._levels.setdefault(level, {})[key] = (dict(config), float(reward))

    # -- state -----------------------------------------------------------------------
    def state_dict(self):
        state = super().state_dict()
        state['pending'] = [dict(config) for config in self._pending.values()]
        state['levels'] = [
            [level, [[dict(config), reward] for config, reward in obs.values()]]
            for level, obs in self._levels.items()
        ]
        state['seen'] = [list(key) for key in self._seen]
        state['default_done'] = self._default_done
        state['hedge_gains'] = copy.deepcopy(self._hedge_gains)
        state['hedge_candidates'] = copy.deepcopy(self._hedge_candidates)
        return state

    def load_state_dict(self, state):
        super().load_state_dict(state)
        missing = [k for k in _STATE_KEYS if k not in state]
        if missing:
            raise ValueError(
                f"state is missing keys {missing}; pass what SKoptSearcher.state_dict() returned"
            )
        self._pending = {}
        for config in state['pending']:
            key = self._key(config)
            if key is not None:
                self._pending[key] = dict(config)
        self._levels = {}
        for level, observations in state['levels']:
            obs = self._levels.setdefault(float(level), {})
            for config, reward in observations:
                key = self._key(config)
                if key is not None:
                    obs[key] = (dict(config), float(reward))
        self._seen = {tuple(key) for key in state['seen']}
        self._default_done = bool(state['default_done'])
        self._hedge_gains = copy.deepcopy(state['hedge_gains'])
        self._hedge_candidates = copy.deepcopy(state['hedge_candidates'])

    def __repr__(self):
        return (
            f"SKoptSearcher(base_estimator={self.base_estimator!r}, acq_func={self.acq_func!r}, "
            f"num_suggested={self._num_suggested}, num_results={len(self._results)}, "
            f"best_reward={self.get_best_reward()!r})"
        )


BayesOptSearcher = SKoptSearcher
