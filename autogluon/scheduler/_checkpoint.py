"""Atomic save and guarded load of scheduler checkpoints (dill pickles).

A checkpoint is a pickle: loading one runs code, so only load your own. Version 1 is one
file holding the whole state; version 2 is the same envelope plus the epoch of a journal
(``<path>.journal``, see ``_journal.py``) whose records continue it. Both load.
"""

import contextlib
import gc
import logging
import os
import pickle
import tempfile

__all__ = ["CheckpointError", "save_checkpoint", "load_checkpoint", "FORMAT"]

logger = logging.getLogger(__name__)

FORMAT = "autogluon.scheduler.checkpoint"
VERSION = 2
_READABLE = (1, 2)


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, truncated, corrupt or not ours."""


def save_checkpoint(state, path, fsync=True, journal=None):
    """Write ``state`` to ``path`` atomically: a temp file in the same folder, then rename.

    The previous checkpoint stays in place until the new one is complete. ``journal``: the
    epoch of the journal that continues this snapshot (None: no journal, the file is complete).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    envelope = {"format": FORMAT, "version": VERSION, "state": state, "journal": journal}
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            _dump(envelope, f)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
        if fsync:
            _fsync_folder(path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _dump(obj, f):
    """Pickle ``obj`` straight into the file ``f`` (no copy of a big state in memory)."""
    try:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        import dill

        f.seek(0)
        f.truncate()
        dill.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


@contextlib.contextmanager
def _no_gc():
    """Unpickling a big state makes hundreds of thousands of containers, each allocation counting
    towards a cyclic garbage collection that finds nothing: pause it (about 2x faster loads)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fsync_folder(path):
    """Make a rename or unlink in the folder of ``path`` durable (where the OS allows it)."""
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        logger.debug("fsync of the folder of %s is not supported here", path)
    finally:
        os.close(fd)


def _dumps(obj):
    # The state is plain data almost always: the C pickler is ~50x faster than dill's.
    # Configurations holding functions or classes fall back to dill.
    try:
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        import dill

        return dill.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def load_checkpoint(path):
    """Read a checkpoint written by :func:`save_checkpoint`; clear errors name the file."""

    if not os.path.exists(path):
        raise CheckpointError("checkpoint file %s does not exist" % path)
    if os.path.getsize(path) == 0:
        raise CheckpointError("checkpoint file %s is empty" % path)
    try:
        with open(path, "rb") as f, _no_gc():
            envelope = pickle.load(f)  # dill-written parts load through dill's importable helpers
    except Exception as exc:  # dill/pickle raise many types for bad bytes
        raise CheckpointError(
            "checkpoint file %s is truncated or corrupt and cannot be read (%s: %s)"
            % (path, type(exc).__name__, exc)
        ) from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise CheckpointError("file %s is not an autogluon scheduler checkpoint" % path)
    if envelope.get("version") not in _READABLE:
        raise CheckpointError(
            "checkpoint file %s has version %r; this library reads versions %s"
            % (path, envelope.get("version"), " and ".join(map(str, _READABLE)))
        )
    state = envelope["state"]
    if envelope.get("journal"):
        from ._journal import apply_ops, journal_path, read_journal

        with _no_gc():
            records = read_journal(journal_path(path), envelope["journal"])
        if records:
            try:
                state = apply_ops(state, records)
            except (KeyError, IndexError, TypeError, AttributeError) as exc:
                raise CheckpointError(
                    "checkpoint %s: its journal does not apply to its snapshot (%s: %s)"
                    % (path, type(exc).__name__, exc)
                ) from exc
    return state
