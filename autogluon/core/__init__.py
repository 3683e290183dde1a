"""Framework-agnostic helpers: decorators for training functions and searchable objects, serialization
for workers."""
from ._decorators import TrainFunction, args, autogluon_method, autogluon_register_args
from ._objects import autogluon_function, autogluon_object, func, obj

__all__ = ["TrainFunction", "args", "autogluon_method", "autogluon_register_args", "obj", "func",
           "autogluon_object", "autogluon_function"]
