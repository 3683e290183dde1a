"""``ag.Nets`` and ``ag.Optimizers`` live in :mod:`autogluon.space` (so ``import autogluon`` stays
light); the task re-exports them."""
from ..space._choices import OPTIMIZER_NAMES, Nets, Optimizers

__all__ = ['Nets', 'Optimizers', 'OPTIMIZER_NAMES']
