"""autogluon: hyperparameter search and early stopping for any training function,
and an image-classification task on MXNet/GluonCV.

``import autogluon as ag`` is fast: it imports neither MXNet nor GluonCV and
starts no threads or processes. ``autogluon.image_classification`` loads them on
first use.
"""

import importlib

from . import _logging, optimizer, resource, scheduler, searcher, space, utils
from ._unsupported import UNSUPPORTED, UnsupportedFinder, unsupported_error
from .core import (
    TrainFunction,
    args,
    autogluon_function,
    autogluon_method,
    autogluon_object,
    autogluon_register_args,
    func,
    obj,
)
from .optimizer import NAG, SGD, Adam, RMSProp, get_optim, optimizers
from .scheduler import Task  # Aug 2019: autogluon.Task(fn, args, resources)
from .space import Bool, Categorical, Choice, Dict, Int, List, Real, Space  # first public release: ag.Real...
from .space._choices import Losses, Metrics, Nets, Optimizers  # plain spaces: no MXNet
from .utils import download, get_cpu_count, get_gpu_count, unzip

__version__ = "0.1.0"

# Warnings and failed trials reach stderr even when the user configured no logging; theirs wins if they do.
_logging.install(__name__)
UnsupportedFinder.install()  # a clear ImportError for the 2019 modules this library does not carry

__all__ = [
    "space",
    "searcher",
    "scheduler",
    "image_classification",
    "task",
    "utils",
    "args",
    "autogluon_method",
    "autogluon_register_args",
    "TrainFunction",
    "Nets",
    "Optimizers",
    "Losses",
    "Metrics",
    "optimizer",
    "optimizers",
    "SGD",
    "NAG",
    "Adam",
    "RMSProp",
    "get_optim",
    "get_cpu_count",
    "get_gpu_count",
    "download",
    "unzip",
    "__version__",
    "resource",
    "Task",
    "obj",
    "func",
    "autogluon_object",
    "autogluon_function",
    "Space",
    "Real",
    "Int",
    "Categorical",
    "Choice",
    "Bool",
    "List",
    "Dict",
    "ImageClassification",
]


def __getattr__(name):
    # The image task imports MXNet; load it only when asked for.
    if name in ("image_classification", "task"):
        module = importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    if name == "ImageClassification":  # first public release: from autogluon import ImageClassification
        value = importlib.import_module(".image_classification", __name__).ImageClassification
        globals()[name] = value
        return value
    if name in UNSUPPORTED:
        raise unsupported_error("autogluon.%s" % name, name)
    raise AttributeError("module 'autogluon' has no attribute %r" % name)
