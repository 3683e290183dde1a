"""``ag.Nets`` and ``ag.Optimizers``: the era-A spellings of the network and optimizer choices.

Both are :class:`autogluon.space.Categorical` spaces with a fixed hyperparameter name
(``'net'`` and ``'optimizer'``), so ``task.fit`` and every searcher treat them as any other
categorical hyperparameter. No MXNet is imported here.

>>> import autogluon as ag
>>> nets = ag.Nets(['compact_cnn', 'cifar_resnet20_v1'])
>>> nets.name, nets.default
('net', 'compact_cnn')
>>> ag.Optimizers(['sgd', 'adam']).choices
('sgd', 'adam')
"""
from ._space import Categorical

__all__ = ['Nets', 'Optimizers', 'OPTIMIZER_NAMES']

#: Optimizers the image-classification task trains with.
OPTIMIZER_NAMES = ('sgd', 'nag', 'adam')


def _names(values, what, cls_name):
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = tuple(values[0])
    if not values:
        raise ValueError('%s needs at least one %s, e.g. %s([...])' % (cls_name, what, cls_name))
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value:
            raise TypeError('%s: each %s is given by its name (a non-empty str); item #%d is %r of '
                            'type %s' % (cls_name, what, i, value, type(value).__name__))
        if value.lower() in out:
            raise ValueError('%s: %r is listed twice' % (cls_name, value))
        out.append(value.lower())
    return out


class Nets(Categorical):
    """Candidate networks by name: our compact CNNs (``'compact_cnn'``, ``'compact_cnn_small'``,
    ``'compact_cnn_large'``) or GluonCV model-zoo names (``'cifar_resnet20_v1'``,
    ``'resnet18_v1'``, ``'mobilenet0.25'``, ...). The first is the default.

    ``Nets(['resnet18_v1', 'cifar_resnet20_v1'])`` or ``Nets('resnet18_v1', 'cifar_resnet20_v1')``.
    Names are checked by ``task.fit`` (which knows GluonCV's list).
    """

    def __init__(self, *nets, name='net'):
        super().__init__(*_names(nets, 'network', 'Nets'), name=name)

    def __repr__(self):
        return 'Nets(%r)' % (list(self.choices),)


class Optimizers(Categorical):
    """Candidate optimizers by name, among ``'sgd'``, ``'nag'`` (both with momentum) and
    ``'adam'``. The first is the default.

    ``Optimizers(['sgd', 'adam'])``. With the task's default search space, ``lr`` is the
    learning rate of sgd/nag and ``adam_lr`` that of adam; an ``lr`` given to ``fit`` applies
    to every optimizer.
    """

    def __init__(self, *optimizers, name='optimizer'):
        names = _names(optimizers, 'optimizer', 'Optimizers')
        unknown = [n for n in names if n not in OPTIMIZER_NAMES]
        if unknown:
            raise ValueError('Optimizers: unknown optimizer(s) %s; allowed: %s'
                             % (', '.join(repr(u) for u in unknown), ', '.join(OPTIMIZER_NAMES)))
        super().__init__(*names, name=name)

    def __repr__(self):
        return 'Optimizers(%r)' % (list(self.choices),)
