"""Conversion between SearchSpace and ConfigSpace.ConfigurationSpace (imported lazily by callers)."""

import logging

import ConfigSpace as CS

from ..core._validate import check_instance
from ._space import Bool, Categorical, Int, Real, _to_python

logger = logging.getLogger(__name__)

# ConfigSpace sorts hyperparameters by name, and rounds float bounds and defaults to 10 decimals; we keep our
# order and the exact floats in the space's meta data, so that a round trip gives back an equal SearchSpace.
_ORDER_KEY = 'autogluon_order'
_EXACT_KEY = 'autogluon_exact'


def _close(exact, rounded):
    return abs(exact - rounded) <= 1e-10 + 1e-9 * abs(exact)


def _real(hp, exact):
    lower, upper, default = float(hp.lower), float(hp.upper), float(hp.default_value)
    log = bool(hp.log)
    if (
        isinstance(exact, (list, tuple))
        and len(exact) == 3
        and all(_close(float(e), r) for e, r in zip(exact, (lower, upper, default)))
    ):
        lower, upper, default = (float(e) for e in exact)
    else:
        # ConfigSpace's own default is the rounded midpoint: prefer our unrounded one when they agree.
        midpoint = Real(lower, upper, log=log).default
        if _close(midpoint, default):
            default = midpoint
    return Real(lower, upper, default=default, log=log)


def _hyperparameters(cs):
    if hasattr(cs, 'values') and callable(cs.values):
        return list(cs.values())
    return list(cs.get_hyperparameters())  # ConfigSpace < 1.0


def _conditions(cs):
    return list(cs.conditions) if hasattr(cs, 'conditions') else list(cs.get_conditions())


def _forbiddens(cs):
    return list(cs.forbidden_clauses) if hasattr(cs, 'forbidden_clauses') else list(cs.get_forbiddens())


def _convert(hp, param, exact):
    kind = type(hp).__name__
    if isinstance(hp, CS.UniformFloatHyperparameter):
        return _real(hp, exact.get(hp.name))
    if isinstance(hp, CS.UniformIntegerHyperparameter):
        return Int(int(hp.lower), int(hp.upper), default=int(hp.default_value), log=bool(hp.log))
    if isinstance(hp, CS.CategoricalHyperparameter):
        choices = [_to_python(c) for c in hp.choices]
        weights = getattr(hp, 'weights', None)
        if weights is not None and len(set(float(w) for w in weights)) > 1:
            logger.warning(
                "%s: weights of categorical hyperparameter %r are ignored (sampling is uniform)",
                param,
                hp.name,
            )
        default = _to_python(hp.default_value)
        if len(choices) == 2 and all(type(c) is bool for c in choices) and choices[0] is False:
            return Bool(default=default)
        return Categorical(*choices, default=default)
    if isinstance(hp, CS.OrdinalHyperparameter):
        return Categorical(*[_to_python(c) for c in hp.sequence], default=_to_python(hp.default_value))
    if isinstance(hp, CS.Constant):
        return Categorical(_to_python(hp.value))
    raise ValueError(
        f"{param}: hyperparameter {hp.name!r} is a {kind}, which is not supported; supported "
        f"are UniformFloat, UniformInteger, Categorical, Ordinal and Constant hyperparameters"
    )


def from_configspace(cs, param='configspace'):
    """Return ``{name: Space}`` for a ConfigurationSpace without conditions or forbidden clauses."""
    check_instance(param, cs, CS.ConfigurationSpace, 'a ConfigSpace.ConfigurationSpace')
    if _conditions(cs):
        raise ValueError(
            f"{param}: ConfigurationSpace with conditions is not supported "
            f"(found {len(_conditions(cs))} condition(s)); remove the conditions"
        )
    if _forbiddens(cs):
        raise ValueError(
            f"{param}: ConfigurationSpace with forbidden clauses is not supported "
            f"(found {len(_forbiddens(cs))} forbidden clause(s)); remove them"
        )
    meta = getattr(cs, 'meta', None)
    meta = meta if isinstance(meta, dict) else {}
    exact = meta.get(_EXACT_KEY)
    exact = exact if isinstance(exact, dict) else {}
    spaces = {hp.name: _convert(hp, param, exact) for hp in _hyperparameters(cs)}
    order = meta.get(_ORDER_KEY)
    if isinstance(order, (list, tuple)) and sorted(order) == sorted(spaces):
        spaces = {name: spaces[name] for name in order}
    return spaces


def to_configspace(search_space):
    """Build a ConfigurationSpace holding one hyperparameter per space, keeping their names."""
    names = list(search_space.names)
    exact = {
        name: [space.lower, space.upper, space.default]
        for name, space in search_space.items()
        if isinstance(space, Real)
    }
    try:
        cs = CS.ConfigurationSpace(meta={_ORDER_KEY: names, _EXACT_KEY: exact})
    except TypeError:  # very old ConfigSpace without meta
        cs = CS.ConfigurationSpace()
    hps = [space.to_configspace(name) for name, space in search_space.items()]
    if hasattr(cs, 'add'):
        cs.add(hps)
    else:  # ConfigSpace < 1.0
        cs.add_hyperparameters(hps)
    return cs


__all__ = ['from_configspace', 'to_configspace']
