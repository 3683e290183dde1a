"""Framework-agnostic helpers: decorators for training functions and searchable objects, serialization
for workers, and the shared argument checks (:mod:`autogluon.core._validate`).

The public names are loaded on first use, so that every package (``autogluon.space`` included, which
``_objects`` itself builds on) can import ``autogluon.core._validate`` without an import cycle.
"""

import importlib

_EXPORTS = {
    "TrainFunction": "._decorators",
    "args": "._decorators",
    "autogluon_method": "._decorators",
    "autogluon_register_args": "._decorators",
    "obj": "._objects",
    "func": "._objects",
    "autogluon_object": "._objects",
    "autogluon_function": "._objects",
}

__all__ = [
    "TrainFunction",
    "args",
    "autogluon_method",
    "autogluon_register_args",
    "obj",
    "func",
    "autogluon_object",
    "autogluon_function",
]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
