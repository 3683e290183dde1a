"""Searcher arguments use the shared checks: a wrong type is a TypeError, a wrong value a ValueError, and
the message names the parameter and what is allowed."""

import numpy as np
import pytest

from autogluon.searcher import RLSearcher, sample_from
from autogluon.space import Categorical, Int

SPACE = {'act': Categorical('relu', 'tanh'), 'units': Int(1, 4)}


@pytest.mark.parametrize(
    'kwargs, error, message',
    [
        # all of these were ValueError before the checks were shared, whatever the mistake
        (
            {'controller_lr': '0.1'},
            TypeError,
            r"^controller_lr must be a finite number > 0, got '0.1' of type str$",
        ),
        ({'controller_lr': 0}, ValueError, r"^controller_lr must be a finite number > 0, got 0$"),
        (
            {'controller_lr': float('inf')},
            ValueError,
            r"^controller_lr must be a finite number > 0, got inf$",
        ),
        (
            {'controller_batch_size': 2.0},
            TypeError,
            r"^controller_batch_size must be an int >= 1, got 2.0 of type float$",
        ),
        (
            {'ema_baseline_decay': 1.5},
            ValueError,
            r"^ema_baseline_decay must be a finite number between 0 and 1, got 1.5$",
        ),
        ({'hidden_size': None}, TypeError, r"^hidden_size must be an int >= 1, got None of type NoneType$"),
        ({'num_bins': 1}, ValueError, r"^num_bins must be an int >= 2, got 1$"),
        (
            {'softmax_temperature': 0.0},
            ValueError,
            r"^softmax_temperature must be a finite number >= 1e-06, got 0.0$",
        ),
    ],
)
def test_rl_searcher_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        RLSearcher(SPACE, **kwargs)


def test_sample_from_arguments():
    with pytest.raises(TypeError, match=r"^func must be a function taking no arguments, got 3 of type int$"):
        sample_from(3)
    with pytest.raises(TypeError, match=r"^rng must be a numpy.random.Generator .*, got 0 of type int$"):
        sample_from(lambda: 1).sample(0)
    assert sample_from(lambda: 1).sample(np.random.default_rng(0)) == 1
