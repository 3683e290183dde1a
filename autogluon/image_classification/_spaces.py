"""``ag.Nets``, ``ag.Optimizers``, ``ag.Losses`` and ``ag.Metrics`` live in :mod:`autogluon.space`
(so ``import autogluon`` stays light); the task re-exports them."""

from ..space._choices import OPTIMIZER_NAMES, Losses, Metrics, Nets, Optimizers

__all__ = ['Nets', 'Optimizers', 'Losses', 'Metrics', 'OPTIMIZER_NAMES']
