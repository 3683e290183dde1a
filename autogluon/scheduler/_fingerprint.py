"""What a checkpoint was written for: the search space and the training function.

``resume=True`` compares the stored fingerprint with the scheduler's own, so a changed search
space or another training function is a clear error instead of two searches mixed in one
checkpoint. Fingerprints are plain strings, stable across processes and machines.
"""

import hashlib
import re
import sys
import types

__all__ = ["fingerprint", "check_fingerprint"]


def _unwrap(fn):
    """The user's function behind decorators (TrainFunction.fn, functools.wraps' __wrapped__)."""
    seen = set()
    while id(fn) not in seen:
        seen.add(id(fn))
        inner = getattr(fn, "fn", None)
        if callable(inner) and not isinstance(fn, types.FunctionType):
            fn = inner
            continue
        inner = getattr(fn, "__wrapped__", None)
        if callable(inner):
            fn = inner
            continue
        break
    return fn


def _function_name(fn):
    """``(module, qualified name)`` of the user's function."""
    fn = _unwrap(fn)
    module = getattr(fn, "__module__", None) or type(fn).__module__
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return module, name


def _code_digest(code, out):
    out.update(code.co_code)
    out.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_digest(const, out)
        else:
            out.update(repr(const).encode())


def _function_code(fn):
    """A hash of the function's byte code (None when it has none, e.g. a callable object)."""
    code = getattr(_unwrap(fn), "__code__", None)
    if code is None:
        return None
    digest = hashlib.sha256()
    _code_digest(code, digest)
    return "py%d.%d:%s" % (sys.version_info[0], sys.version_info[1], digest.hexdigest()[:16])


def _space_text(space):
    if space is None:
        return None
    try:
        items = sorted(space.items())
    except (AttributeError, TypeError):
        text = repr(space)
    else:
        text = "{%s}" % ", ".join("%r: %r" % kv for kv in items)
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)  # choices such as functions: no addresses


def fingerprint(space, train_fn):
    """``{'space': str, 'train_fn': 'module.qualname', 'train_fn_name': 'qualname',
    'train_fn_code': str or None}``."""
    module, name = _function_name(train_fn)
    return {
        "space": _space_text(space),
        "train_fn": "%s.%s" % (module, name),
        "train_fn_name": name,
        "train_fn_code": _function_code(train_fn),
    }


def check_fingerprint(stored, current, where, logger):
    """Raise ValueError when ``stored`` (from the checkpoint at ``where``) is another search.

    A different search space or training function (by qualified name; the module may differ, as
    when a notebook's function moved into a module) is an error; the same function with changed
    code is a warning (editing a function between runs is common, and the checkpoint cannot tell
    a fix from a different experiment). A checkpoint written before fingerprints existed
    (``stored`` None) is accepted.
    """
    if not isinstance(stored, dict):
        return
    diffs = []
    for key, shown, what in (
        ("space", "space", "search space"),
        ("train_fn_name", "train_fn", "training function"),
    ):
        if stored.get(key) is not None and current.get(key) is not None and stored[key] != current[key]:
            diffs.append("its %s was %s, this scheduler's is %s" % (what, stored[shown], current[shown]))
    if diffs:
        raise ValueError(
            "cannot resume from %s: it was written by another search (%s). Resuming would mix the "
            "two searches. To start a fresh search, pass resume=False (the old trials there are "
            "replaced) or use another checkpoint path (task.fit: another savedir)" % (where, "; ".join(diffs))
        )
    old, new = stored.get("train_fn_code"), current.get("train_fn_code")
    if old and new and old != new and old.split(":")[0] == new.split(":")[0]:
        logger.warning(
            "resuming from %s: the code of %s changed since the checkpoint was written; "
            "the finished trials there were run with the old code",
            where,
            current.get("train_fn"),
        )
