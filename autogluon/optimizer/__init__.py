"""``ag.optimizer`` (and its module ``ag.optimizers``): optimizers with search spaces for
``ag.Optimizers([...])``. See :mod:`autogluon.optimizer.optimizers`."""

from . import optimizers
from .optimizers import NAG, SGD, Adam, Optimizer, RMSProp, get_optim

__all__ = ['optimizers', 'Optimizer', 'get_optim', 'SGD', 'NAG', 'Adam', 'RMSProp']
