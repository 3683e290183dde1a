"""Ship user objects (training functions, args, searchers) to worker processes.

Objects that a fresh worker can import by name go by reference. Objects whose
module a fresh process cannot import -- a notebook cell, a script's
``__main__``, a module built with ``exec`` -- go by value, with dill.
"""

import io
import sys
import types

__all__ = ["dumps", "loads", "module_is_importable", "needs_value"]


def module_is_importable(module_name):
    """True if a fresh Python process could import ``module_name`` by name."""
    if module_name in (None, "__main__", "__mp_main__", "builtins"):
        return module_name == "builtins"
    module = sys.modules.get(module_name)
    if module is None:
        return True  # not loaded here: pickle's normal import-by-name applies
    if getattr(module, "__file__", None):
        return True
    spec = getattr(module, "__spec__", None)
    # Built-in and frozen modules have a spec with an origin but no file.
    return spec is not None and spec.origin in ("built-in", "frozen")


def _needs_value(obj):
    module_name = getattr(obj, "__module__", None)
    return module_name not in (None, "__main__") and not module_is_importable(module_name)


def needs_value(obj, _depth=0):
    """True if ``obj`` (or a value inside a dict/list/tuple/set of it) comes from a module a worker
    cannot import, so plain pickle (by reference) would fail in the worker."""
    if _depth > 8:
        return False
    if isinstance(obj, (str, bytes, int, float, bool, type(None))):
        return False
    if isinstance(obj, dict):
        return any(needs_value(k, _depth + 1) or needs_value(v, _depth + 1) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return any(needs_value(v, _depth + 1) for v in obj)
    target = obj if isinstance(obj, (types.FunctionType, type)) else type(obj)
    module_name = getattr(target, "__module__", None)
    return module_name in ("__main__", "__mp_main__") or _needs_value(target)


def dumps(obj):
    """Serialize ``obj`` for a worker process.

    Functions and classes from modules that a worker cannot import are
    relabelled as ``__main__`` members while dill writes them, which makes dill
    store them (and the globals they use) by value; the labels are restored
    afterwards.
    """
    import dill

    relabelled = []

    class _Pickler(dill.Pickler):
        def save(self, o, save_persistent_id=True):
            if isinstance(o, (types.FunctionType, type)) and _needs_value(o):
                relabelled.append((o, o.__module__))
                try:
                    o.__module__ = "__main__"
                except (TypeError, AttributeError):
                    relabelled.pop()
            return super().save(o, save_persistent_id)

    buffer = io.BytesIO()
    try:
        _Pickler(buffer, protocol=dill.settings["protocol"], recurse=True).dump(obj)
    finally:
        for o, name in reversed(relabelled):
            o.__module__ = name
    return buffer.getvalue()


def loads(data):
    import dill

    return dill.loads(data)
