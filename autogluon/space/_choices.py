"""``ag.Nets``, ``ag.Optimizers``, ``ag.Losses`` and ``ag.Metrics``: the era-A spellings of the
network, optimizer, loss and metric choices.

All are :class:`autogluon.space.Categorical` spaces with a fixed hyperparameter name
(``'net'``, ``'optimizer'``, ``'loss'``, ``'metric'``), so ``task.fit`` and every searcher treat them as any other
categorical hyperparameter. No MXNet is imported here.

>>> import autogluon as ag
>>> nets = ag.Nets(['compact_cnn', 'cifar_resnet20_v1'])
>>> nets.name, nets.default
('net', 'compact_cnn')
>>> ag.Optimizers(['sgd', 'adam']).choices
('sgd', 'adam')
"""

from ..core._validate import check_str
from ._space import Categorical

__all__ = ['Nets', 'Optimizers', 'Losses', 'Metrics', 'OPTIMIZER_NAMES', 'LOSS_NAMES', 'METRIC_NAMES']

#: Optimizers the image-classification task trains with.
OPTIMIZER_NAMES = ('sgd', 'nag', 'adam', 'rmsprop')
#: Loss and metric names of the 2019 release; the image task trains with the first of each.
LOSS_NAMES = (
    'SoftmaxCrossEntropyLoss',
    'L2Loss',
    'L1Loss',
    'SigmoidBinaryCrossEntropyLoss',
    'KLDivLoss',
    'HuberLoss',
    'HingeLoss',
    'SquaredHingeLoss',
    'LogisticLoss',
    'TripletLoss',
    'CTCLoss',
    'CosineEmbeddingLoss',
    'PoissonNLLLoss',
    'DistillationSoftmaxCrossEntropyLoss',
    'MixSoftmaxCrossEntropyLoss',
)
METRIC_NAMES = (
    'Accuracy',
    'TopKAccuracy',
    'F1',
    'MCC',
    'Perplexity',
    'MAE',
    'MSE',
    'RMSE',
    'CrossEntropy',
    'PearsonCorrelation',
)


def _names(values, what, cls_name, lower=True):
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = tuple(values[0])
    if not values:
        raise ValueError('%s needs at least one %s, e.g. %s([...])' % (cls_name, what, cls_name))
    out = []
    for i, value in enumerate(values):
        if not lower and isinstance(value, str) and value:
            if value in out:
                raise ValueError('%s: %r is listed twice' % (cls_name, value))
            out.append(value)
            continue
        check_str('%s item #%d (a %s name)' % (cls_name, i, what), value)
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
    """Candidate optimizers, among ``'sgd'``, ``'nag'`` (both with momentum), ``'adam'`` and
    ``'rmsprop'``: names, or ``ag.optimizers.SGD(lr=..., momentum=..., wd=...)``-style objects whose
    hyperparameters (values or spaces) are searched with the choice. The first is the default.

    ``Optimizers(['sgd', 'adam'])`` or ``Optimizers([ag.optimizers.Adam(lr=ag.space.Log('lr',
    1e-4, 1e-2)), 'sgd'])``. ``objects`` maps a name to its optimizer object (names given as
    strings have none). With the task's default search space, ``lr`` is the learning rate of
    sgd/nag and ``adam_lr``/``rmsprop_lr`` those of adam/rmsprop; an ``lr`` given to ``fit``
    applies to every optimizer.
    """

    def __init__(self, *optimizers, name='optimizer'):
        if len(optimizers) == 1 and isinstance(optimizers[0], (list, tuple)):
            optimizers = tuple(optimizers[0])
        objects = {}
        items = []
        for item in optimizers:
            if hasattr(item, 'get_hyper_params') and isinstance(getattr(item, 'name', None), str):
                if item.name in objects:
                    raise ValueError('Optimizers: %r is listed twice' % item.name)
                objects[item.name] = item
                items.append(item.name)
            else:
                items.append(item)
        names = _names(tuple(items), 'optimizer', 'Optimizers')
        unknown = [n for n in names if n not in OPTIMIZER_NAMES]
        if unknown:
            raise ValueError(
                'Optimizers: unknown optimizer(s) %s; allowed: %s'
                % (', '.join(repr(u) for u in unknown), ', '.join(OPTIMIZER_NAMES))
            )
        super().__init__(*names, name=name)
        self.objects = objects

    def __repr__(self):
        return 'Optimizers(%r)' % ([self.objects.get(n, n) for n in self.choices],)


class _NamedChoices(Categorical):
    """Candidates given by their 2019 names, checked against ``KNOWN``."""

    KNOWN = ()
    WHAT = ''

    def __init__(self, *items, name=None):
        names = _names(items, self.WHAT, type(self).__name__, lower=False)
        unknown = [n for n in names if n not in self.KNOWN]
        if unknown:
            raise ValueError(
                '%s: unknown %s(s) %s; the 2019 names are %s'
                % (type(self).__name__, self.WHAT, ', '.join(repr(u) for u in unknown), ', '.join(self.KNOWN))
            )
        super().__init__(*names, name=name or self.WHAT)

    def __repr__(self):
        return '%s(%r)' % (type(self).__name__, list(self.choices))


class Losses(_NamedChoices):
    """Candidate losses by their 2019 names (``'SoftmaxCrossEntropyLoss'``, ``'L2Loss'``, ...).

    ``Losses(['SoftmaxCrossEntropyLoss'])``. The image task trains classifiers with softmax
    cross-entropy (with label smoothing, see ``task.fit``): ``fit`` accepts only that loss and
    says so for any other.
    """

    KNOWN = LOSS_NAMES
    WHAT = 'loss'


class Metrics(_NamedChoices):
    """Candidate metrics by their 2019 names (``'Accuracy'``, ``'TopKAccuracy'``, ...).

    ``Metrics(['Accuracy'])``. The image task selects models by top-1 accuracy on the
    validation split: ``fit`` accepts only ``'Accuracy'`` and says so for any other.
    """

    KNOWN = METRIC_NAMES
    WHAT = 'metric'
