"""``autogluon.task``: where the 2019 releases kept their tasks.

``ag.task.image_classification`` is :mod:`autogluon.image_classification` (loaded on first use,
since it imports MXNet), and so is ``ag.task.ImageClassification`` (the first public release's
task class); the text, tabular and object-detection tasks are not part of this library.
"""

import importlib

from .._unsupported import UNSUPPORTED, unsupported_error

__all__ = ["image_classification", "ImageClassification"]


def __getattr__(name):
    if name == "image_classification":
        module = importlib.import_module("autogluon.image_classification")
        globals()[name] = module
        return module
    if name == "ImageClassification":  # the first public release's task class
        value = importlib.import_module("autogluon.image_classification").ImageClassification
        globals()[name] = value
        return value
    if name in UNSUPPORTED:
        raise unsupported_error("autogluon.task.%s" % name, name)
    raise AttributeError("module 'autogluon.task' has no attribute %r" % name)
