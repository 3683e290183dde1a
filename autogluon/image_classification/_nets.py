"""Network registry of the image-classification task.

A network is named by a string: one of this module's own compact CNNs (built for small images
on a CPU) or any GluonCV model-zoo classification name (``'cifar_resnet20_v1'``,
``'resnet18_v1'``, ``'mobilenet0.25'``, ...). MXNet and GluonCV are imported inside the
functions, never at module import.

>>> net = get_net('compact_cnn', num_classes=10)            # doctest: +SKIP
>>> net = get_net('resnet18_v1', 4, pretrained=True)        # doctest: +SKIP
"""

import logging
import os

from ..core._validate import fail_type

logger = logging.getLogger(__name__)

__all__ = ['get_net', 'check_net_name', 'default_nets', 'list_nets', 'OWN_NETS', 'SMALL_IMAGE_MAX']

#: Images up to this side are "small": small-image networks, no resizing.
SMALL_IMAGE_MAX = 64

# Our own compact CNNs: stages of 3x3 conv + BN + ReLU, 2x2 max-pool between stages, then a
# BN'd hidden dense layer with dropout. Measured on one core of the development machine
# (Fashion-MNIST, 28x28x1, batch 128): 'compact_cnn' trains ~800 images/s.
OWN_NETS = {
    'compact_cnn': dict(stages=((32,), (64, 64), (128,)), dense=256, dropout=0.3),
    'compact_cnn_small': dict(stages=((32,), (64,), (128,)), dense=256, dropout=0.3),
    'compact_cnn_large': dict(stages=((32, 32), (64, 64), (128, 128)), dense=256, dropout=0.3),
}

_SMALL_GPU = ['cifar_resnet20_v1', 'compact_cnn', 'cifar_resnet56_v1', 'cifar_wideresnet16_10']
_SMALL_CPU = ['compact_cnn', 'cifar_resnet20_v1']
_LARGE_GPU = ['resnet18_v1', 'mobilenet1.0', 'resnet50_v1b']
_LARGE_CPU = ['mobilenet0.25', 'resnet18_v1']


def default_nets(image_size, num_gpus=0):
    """Default candidate networks for images of side ``image_size`` (the first is the default).

    Small images (<= 64 px) get compact CNNs and GluonCV's CIFAR ResNets; larger ones get
    ImageNet-style networks. On a CPU the cheaper networks come first.
    """
    if image_size <= SMALL_IMAGE_MAX:
        return list(_SMALL_GPU if num_gpus else _SMALL_CPU)
    return list(_LARGE_GPU if num_gpus else _LARGE_CPU)


# GluonCV model-zoo modules whose networks are image classifiers (the zoo also holds detection,
# segmentation, pose, action-recognition, depth and tracking models, and int8 quantized ones).
_CLASSIFIER_MODULES = frozenset(
    [
        'alexnet',
        'cifarresnet',
        'cifarresnext',
        'cifarwideresnet',
        'densenet',
        'dla',
        'googlenet',
        'hrnet',
        'inception',
        'mobilenet',
        'mobilenetv3',
        'nasnet',
        'pruned_resnet.resnetv1b_pruned',
        'residual_attentionnet',
        'resnest',
        'resnet',
        'resnetv1b',
        'resnext',
        'senet',
        'shufflenet',
        'squeezenet',
        'vgg',
        'xception',
        'yolo.darknet',
    ]
)


def _gluoncv_names():
    """GluonCV model-zoo names of image classifiers."""
    from gluoncv.model_zoo import model_zoo

    names = []
    for name, constructor in model_zoo._models.items():
        module = getattr(constructor, '__module__', '').replace('gluoncv.model_zoo.', '', 1)
        if module not in _CLASSIFIER_MODULES:
            continue
        if module == 'hrnet' and not name.endswith('_c'):  # hrnet_*_s are segmentation networks
            continue
        names.append(name)
    return names


def list_nets():
    """Every network name ``get_net`` accepts: our compact CNNs, then GluonCV's image classifiers.

    Imports GluonCV. Detection, segmentation, pose and video models of GluonCV's model zoo are
    not classifiers of single images and are not listed (``fit`` rejects them by name).
    """
    return sorted(OWN_NETS) + sorted(_gluoncv_names())


def check_net_name(name, param='nets'):
    """Raise ValueError (listing the choices) unless ``name`` is a known network name."""
    if not isinstance(name, str):
        raise fail_type(param, 'a network name (a str)', name)
    if name.lower() in OWN_NETS:
        return name.lower()
    names = _gluoncv_names()
    if name.lower() in names:
        return name.lower()
    raise ValueError(
        '%s: unknown network %r; choose one of our compact CNNs (%s), a GluonCV CIFAR '
        'network (%s) or another GluonCV image classifier (%d in all, see '
        'autogluon.image_classification.list_nets())'
        % (
            param,
            name,
            ', '.join(sorted(OWN_NETS)),
            ', '.join(n for n in names if n.startswith('cifar_')),
            len(names),
        )
    )


def _compact_cnn(num_classes, stages, dense, dropout):
    from mxnet.gluon import nn

    net = nn.HybridSequential(prefix='compactcnn_')
    with net.name_scope():
        for widths in stages:
            for width in widths:
                net.add(nn.Conv2D(width, 3, padding=1, use_bias=False), nn.BatchNorm(), nn.Activation('relu'))
            net.add(nn.MaxPool2D(2, ceil_mode=True))
        net.add(nn.Flatten())
        if dense:
            net.add(nn.Dense(dense, use_bias=False), nn.BatchNorm(), nn.Activation('relu'))
        if dropout:
            net.add(nn.Dropout(dropout))
        net.add(nn.Dense(num_classes))
    return net


def model_store_root():
    """Where GluonCV keeps pretrained weights: ``$MXNET_HOME/models`` or ``~/.mxnet/models``."""
    if 'MXNET_HOME' in os.environ:
        return os.path.join(os.environ['MXNET_HOME'], 'models')
    return os.path.expanduser(os.path.join('~', '.mxnet', 'models'))


def _pretrained_file(name):
    """The local pretrained-weights file of ``name``; never downloads."""
    from gluoncv.model_zoo import model_store

    try:
        file_name = '%s-%s.params' % (name, model_store.short_hash(name))
    except (ValueError, KeyError):
        raise ValueError(
            'network %r has no pretrained weights in the GluonCV model store; use pretrained=False' % name
        ) from None
    root = model_store_root()
    path = os.path.join(root, file_name)
    if not os.path.exists(path):
        raise FileNotFoundError(
            'pretrained weights of %r are not in the local model store (looked for %s). Nothing '
            'is downloaded here: copy the file there (or set MXNET_HOME), or train from scratch '
            'with pretrained=False' % (name, path)
        )
    return path


def get_net(name, num_classes, pretrained=False):
    """A new, uninitialized (or pretrained-backbone) network ``name`` with ``num_classes`` outputs.

    With ``pretrained=True`` the GluonCV weights are read from the local model store (no
    download; a missing file raises FileNotFoundError saying where it was looked for), and the
    output layer is replaced by a freshly initialized one for ``num_classes``.
    Returns ``(net, initialized)``: ``initialized`` is True when parameters were loaded.
    """
    key = name.lower()
    if key in OWN_NETS:
        if pretrained:
            raise ValueError(
                'network %r is trained from scratch: it has no pretrained weights; '
                'use pretrained=False' % name
            )
        return _compact_cnn(num_classes, **OWN_NETS[key]), False
    from gluoncv.model_zoo import get_model

    if not pretrained:
        return get_model(key, classes=num_classes), False
    import mxnet as mx
    from mxnet.gluon import nn

    path = _pretrained_file(key)
    net = get_model(key, pretrained=False)
    net.load_parameters(path, ignore_extra=True)
    output = getattr(net, 'output', None)
    if not isinstance(output, nn.Dense):
        raise ValueError(
            'cannot adapt the pretrained network %r to %d classes (it has no Dense '
            '`output` layer); use pretrained=False' % (name, num_classes)
        )
    with net.name_scope():
        net.output = nn.Dense(num_classes)
    net.output.initialize(mx.init.Xavier())
    logger.info('loaded pretrained %s from %s', name, path)
    return net, True
