"""Framework-agnostic helpers: decorators for training functions, serialization for workers."""
from ._decorators import TrainFunction, args, autogluon_method, autogluon_register_args

__all__ = ["TrainFunction", "args", "autogluon_method", "autogluon_register_args"]
