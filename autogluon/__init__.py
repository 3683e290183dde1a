"""autogluon: hyperparameter search and early stopping for any training function,
and an image-classification task on MXNet/GluonCV.

``import autogluon as ag`` is fast: it imports neither MXNet nor GluonCV and
starts no threads or processes. ``autogluon.image_classification`` loads them on
first use.
"""
import importlib

from . import _logging, space, searcher, scheduler
from .core import TrainFunction, args, autogluon_method, autogluon_register_args
from .space._choices import Nets, Optimizers  # plain spaces: no MXNet, no image task import

__version__ = "0.1.0"

# Warnings and failed trials reach stderr even when the user configured no logging; theirs wins if they do.
_logging.install(__name__)

__all__ = ["space", "searcher", "scheduler", "image_classification", "args", "autogluon_method",
           "autogluon_register_args", "TrainFunction", "Nets", "Optimizers", "__version__"]


def __getattr__(name):
    # The image task imports MXNet; load it only when asked for.
    if name == "image_classification":
        module = importlib.import_module(".image_classification", __name__)
        globals()[name] = module
        return module
    raise AttributeError("module 'autogluon' has no attribute %r" % name)
