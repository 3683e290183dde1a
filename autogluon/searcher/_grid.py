"""Grid search: walk the cartesian product of every space's grid values in a fixed order."""

import logging

from ..core._validate import check_int
from ._base import BaseSearcher, register_delta_aware

logger = logging.getLogger(__name__)


class GridSearcher(BaseSearcher):
    """Hand out the configs of ``SearchSpace.grid(num_grid_points)`` in order, then None.

    Continuous spaces get ``num_grid_points`` values each (bounds included); ``seed`` is accepted for a
    uniform interface but unused.

    Example::

        >>> from autogluon.space import Categorical, Real
        >>> searcher = GridSearcher({'act': Categorical('relu', 'tanh'), 'lr': Real(0.1, 0.3)},
        ...                         num_grid_points=2)
        >>> [searcher.get_config() for _ in range(2)]
        [{'act': 'relu', 'lr': 0.1}, {'act': 'relu', 'lr': 0.3}]
    """

    def __init__(self, configspace, num_grid_points=4, seed=None, **kwargs):
        super().__init__(configspace, seed=seed, **kwargs)
        self.num_grid_points = check_int('num_grid_points', num_grid_points, low=2)
        self._position = 0
        # Grid values per name; the config at a position is decoded from them (no generator is kept, so
        # the searcher pickles). Same order as SearchSpace.grid: the first name varies slowest.
        self._axes = [(name, space.grid(self.num_grid_points)) for name, space in self.configspace.items()]
        self._total = 1
        for _, values in self._axes:
            self._total *= len(values)

    def _config_at(self, position):
        config = {}
        for name, values in reversed(self._axes):
            position, index = divmod(position, len(values))
            config[name] = values[index]
        return {name: config[name] for name, _ in self._axes}

    def _next_config(self):
        if self._position >= self._total:
            return None
        config = self._config_at(self._position)
        self._position += 1
        return config

    @register_delta_aware
    def state_dict(self):
        state = super().state_dict()
        state['position'] = self._position
        state['num_grid_points'] = self.num_grid_points
        return state

    def _delta_ops(self, mark):
        return super()._delta_ops(mark) + [('set', ('position',), self._position)]

    def load_state_dict(self, state):
        super().load_state_dict(state)
        if 'position' not in state:
            raise ValueError("state is missing key 'position'; pass what GridSearcher.state_dict() returned")
        if state.get('num_grid_points', self.num_grid_points) != self.num_grid_points:
            raise ValueError(
                f"state was saved with num_grid_points={state['num_grid_points']!r}, this searcher "
                f"uses {self.num_grid_points}"
            )
        self._position = int(state['position'])
