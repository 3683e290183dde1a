"""Which scheduler ``fit`` builds, and with which arguments.

``fit(trial_scheduler=...)`` takes ``'fifo'``, ``'hyperband'`` or a scheduler class. What each gets
is written down here, not guessed:

- :data:`MEANT_FOR`: every argument ``fit`` offers, and the scheduler classes whose ``**kwargs``
  take it. A class also gets an argument it names as a parameter. A class of the user's that can
  take neither way an argument meant for it gets a WARNING naming the argument (it keeps its own
  default); ``dask_client`` it cannot take is a TypeError before anything starts.
- The searcher is given by name (or class, or object) with ``searcher_options``: the scheduler
  builds it. ``RLScheduler`` gets no searcher (its controller picks the configurations).
- ``max_metric``: ``'fifo'`` and ``'hyperband'`` get ``terminator=`` a :class:`GoalTerminator`
  around the terminator they would build themselves (so a report reaching the goal stops every
  running trial and nothing is promoted), and ``max_reward=max_metric`` (no new trial starts). A
  class of the user's keeps its own terminator (``fit`` does not know what it builds) and gets
  ``max_reward`` only: new trials stop, running ones finish; a class that cannot take
  ``max_reward`` is warned about like any other argument.
"""

import inspect
import logging

logger = logging.getLogger('autogluon.image_classification')

__all__ = [
    'MEANT_FOR',
    'BUILT_IN',
    'scheduler_class',
    'instantiate_scheduler',
    'check_dask_client',
    'goal_arguments',
    'Goal',
    'GoalTerminator',
]

#: fit's names of its schedulers.
BUILT_IN = ('fifo', 'hyperband')

#: argument -> the classes (by name, subclasses included) whose ``**kwargs`` take it; None: any.
MEANT_FOR = {
    'searcher': None,
    'checkpoint': None,
    'resume': None,
    'num_trials': None,
    'time_attr': None,
    'reward_attr': None,
    'visualizer': None,
    'searcher_options': ('TaskScheduler',),
    'seed': ('TaskScheduler',),
    'progress': ('TaskScheduler',),
    'preload': ('TaskScheduler',),
    'dask_client': ('TaskScheduler',),
    'terminator': ('TaskScheduler',),
    'max_t': ('Hyperband_Scheduler',),
    'grace_period': ('Hyperband_Scheduler',),
    'reduction_factor': ('Hyperband_Scheduler',),
    'max_reward': ('FIFO_Scheduler', 'Hyperband_Scheduler'),
}
#: Arguments offered only when the user asked for them: not taking one is always a WARNING.
_ASKED = ('searcher_options', 'max_reward')
#: Arguments a class never gets: RLScheduler picks its own configurations.
_NOT_FOR = {'RLScheduler': ('searcher', 'searcher_options')}


def scheduler_class(trial_scheduler):
    """The class of ``trial_scheduler`` (``'fifo'``, ``'hyperband'`` or a class with ``run()``)."""
    from ..core._validate import fail_type, fail_value
    from ..scheduler import FIFO_Scheduler, Hyperband_Scheduler

    allowed = '%s or a scheduler class' % ' or '.join(repr(s) for s in BUILT_IN)
    if isinstance(trial_scheduler, str):
        key = trial_scheduler.strip().lower()
        if key not in BUILT_IN:
            raise fail_value('trial_scheduler', allowed, trial_scheduler)
        return FIFO_Scheduler if key == 'fifo' else Hyperband_Scheduler
    if isinstance(trial_scheduler, type):
        if not callable(getattr(trial_scheduler, 'run', None)):
            raise TypeError(
                'trial_scheduler class %s has no run() method; subclass '
                'autogluon.scheduler.FIFO_Scheduler or Hyperband_Scheduler' % trial_scheduler.__name__
            )
        return trial_scheduler
    raise fail_type('trial_scheduler', allowed + ' (fit instantiates it)', trial_scheduler)


def _kinds(cls):
    return {base.__name__ for base in inspect.getmro(cls)}


def _signature(cls):
    """``(named parameters, takes **kwargs, takes 4 positional arguments)`` of ``cls``."""
    params = inspect.signature(cls).parameters.values()
    named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    var_kw = any(p.kind == p.VAR_KEYWORD for p in params)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    by_position = len(positional) >= 4 or any(p.kind == p.VAR_POSITIONAL for p in params)
    return named, var_kw, by_position


def _meant(cls, name):
    """True when ``name`` is an argument for ``cls`` (its kind is among :data:`MEANT_FOR`'s)."""
    meant = MEANT_FOR.get(name)
    return meant is None or bool(_kinds(cls) & set(meant))


def _takes(cls, name, named, var_kw):
    return name in named or (var_kw and _meant(cls, name))


def check_dask_client(cls):
    """TypeError when the class ``cls`` cannot take ``dask_client`` (asked before any file is
    written: the trials would otherwise run on this machine instead of the cluster)."""
    named, var_kw, _ = _signature(cls)
    if not _takes(cls, 'dask_client', named, var_kw):
        raise TypeError(
            'trial_scheduler %s does not accept dask_client (its __init__ has no '
            'dask_client parameter and no **kwargs to pass it on to '
            'Hyperband_Scheduler/FIFO_Scheduler)' % cls.__name__
        )


def _split(cls, offered):
    """``(given, dropped)``: the offered arguments ``cls`` takes, and those meant for it that it
    cannot take. Arguments for other kinds of scheduler (Hyperband's rungs for a FIFO class) are
    left out without a word, unless the user asked for them (``searcher_options``,
    ``max_reward`` from ``max_metric``)."""
    named, var_kw, _ = _signature(cls)
    never = set()
    for kind in _kinds(cls):
        never.update(_NOT_FOR.get(kind, ()))
    given, dropped = {}, []
    for name, value in offered.items():
        if name in never:
            logger.info('%s chooses its own configurations: it gets no %s', cls.__name__, name)
        elif _takes(cls, name, named, var_kw):
            given[name] = value
        elif _meant(cls, name) or name in _ASKED:
            dropped.append(name)
        else:
            logger.debug('%s is not an argument of %s: not given', name, cls.__name__)
    return given, sorted(dropped)


def instantiate_scheduler(cls, train_fn, args, resource, offered, user_options):
    """``cls(train_fn, args, resource, ...)`` with the ``offered`` arguments it takes (see
    :data:`MEANT_FOR`), then ``user_options`` (fit's ``scheduler_options``) as given. An offered
    argument it cannot take is a WARNING naming it."""
    if 'dask_client' in offered:
        check_dask_client(cls)
    kwargs, dropped = _split(cls, offered)
    if dropped:
        logger.warning(
            'trial_scheduler %s does not accept %s (no parameter of that name, no '
            '**kwargs for it): left at its defaults',
            cls.__name__,
            ', '.join(dropped),
        )
    kwargs.update(user_options)
    try:
        if _signature(cls)[2] and 'searcher' in kwargs:
            searcher = kwargs.pop('searcher')
            return cls(train_fn, args, resource, searcher, **kwargs)
        return cls(train_fn=train_fn, args=args, resource=resource, **kwargs)
    except TypeError as exc:
        raise TypeError(
            'cannot instantiate trial_scheduler %s with arguments %s: %s'
            % (cls.__name__, sorted(['train_fn', 'args', 'resource'] + list(kwargs)), exc)
        ) from exc


# ----------------------------------------------------------------------------------------------
# max_metric


class Goal:
    """fit's ``max_metric``, shared by the terminator wrapper and fit (``reached``)."""

    def __init__(self, max_metric):
        self.max_metric = max_metric
        self.reached = False
        self.task_id = None


def _inner_terminator(key, kwargs):
    """The terminator the built-in scheduler ``key`` would build from ``kwargs`` (its
    constructor arguments): ``terminator`` as given (an object, or a name built with the
    scheduler's settings), else FIFO's ``'none'`` or Hyperband's rule of its ``type``."""
    from ..scheduler.terminator import terminator_factory

    settings = dict(
        time_attr=kwargs['time_attr'],
        reward_attr=kwargs['reward_attr'],
        mode=kwargs.get('mode', 'max'),
        seed=kwargs.get('seed'),
    )
    name = kwargs.get('terminator')
    if key == 'hyperband':
        settings.update(
            max_t=kwargs['max_t'],
            grace_period=kwargs['grace_period'],
            reduction_factor=kwargs['reduction_factor'],
            brackets=kwargs.get('brackets', 1),
        )
        if name is None:
            name = 'hyperband_promotion' if kwargs.get('type') == 'promotion' else 'hyperband'
    elif name is None:
        name = 'none'
    return terminator_factory(name, **settings) if isinstance(name, str) else name


def goal_arguments(key, goal, offered, user_options):
    """What ``max_metric`` adds to the arguments of the scheduler ``key`` (a name in
    :data:`BUILT_IN`, or None for a class of the user's): ``max_reward``, and for a built-in
    scheduler ``terminator`` (a :class:`GoalTerminator`)."""
    extra = {'max_reward': goal.max_metric}
    if key in BUILT_IN:
        inner = _inner_terminator(key, dict(offered, **user_options))
        extra['terminator'] = GoalTerminator(inner, goal, offered['reward_attr'])
    return extra


class GoalTerminator:
    """Wraps a terminator: once a report reaches ``max_metric`` every running trial stops and
    nothing is promoted. The wrapped terminator still sees every report first."""

    def __init__(self, inner, goal, reward_attr):
        self._inner = inner
        self._goal = goal
        self._reward_attr = reward_attr
        self._own_info = None

    @property
    def inner(self):
        return self._inner

    def on_task_report(self, task, result):
        keep = self._inner.on_task_report(task, result)
        reward = result.get(self._reward_attr)
        if not self._goal.reached and reward is not None and reward >= self._goal.max_metric:
            self._goal.reached = True
            self._goal.task_id = getattr(task, 'task_id', None)
            logger.info(
                'trial %s reached max_metric=%g (%s=%.4f): stopping the search',
                self._goal.task_id,
                self._goal.max_metric,
                self._reward_attr,
                reward,
            )
        if self._goal.reached:
            self._own_info = {'reason': 'max_metric reached'}
            return False
        self._own_info = None
        return keep

    @property
    def last_stop_info(self):
        if self._own_info is not None:
            return self._own_info
        return getattr(self._inner, 'last_stop_info', None)

    def get_promotable(self):
        if self._goal.reached:
            return None
        return self._inner.get_promotable()

    def state_dict(self):
        """Its own state and the wrapped terminator's, separately (the scheduler restores the
        wrapped one by its class, with or without this wrapper around it on resume)."""
        fn = getattr(self._inner, 'state_dict', None)
        return {
            'wrapper': {
                'max_metric': self._goal.max_metric,
                'reached': self._goal.reached,
                'task_id': self._goal.task_id,
            },
            'inner_class': type(self._inner).__name__,
            'inner': fn() if callable(fn) else None,
        }

    def load_state_dict(self, state):
        if not (isinstance(state, dict) and set(state) == {'wrapper', 'inner_class', 'inner'}):
            # written before this wrapper saved itself: the wrapped terminator's state alone
            state = {'wrapper': {}, 'inner_class': type(self._inner).__name__, 'inner': state}
        if state['inner_class'] != type(self._inner).__name__:
            raise ValueError(
                'cannot load the state of a %s into %s' % (state['inner_class'], type(self._inner).__name__)
            )
        own = state['wrapper']
        if own.get('reached') and own.get('max_metric') == self._goal.max_metric:
            self._goal.reached = True
            self._goal.task_id = own.get('task_id')
        if state['inner'] is not None:
            self._inner.load_state_dict(state['inner'])

    def __getattr__(self, name):
        if name.startswith('__') or name in ('_inner', '_goal', '_reward_attr', '_own_info'):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __repr__(self):
        return repr(self._inner)
