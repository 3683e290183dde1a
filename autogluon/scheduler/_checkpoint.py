"""Atomic save and guarded load of scheduler checkpoints (dill pickles).

A checkpoint is a pickle: loading one runs code, so only load your own.
"""
import logging
import os
import pickle
import tempfile

__all__ = ["CheckpointError", "save_checkpoint", "load_checkpoint", "FORMAT"]

logger = logging.getLogger(__name__)

FORMAT = "autogluon.scheduler.checkpoint"
VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, truncated, corrupt or not ours."""


def save_checkpoint(state, path, fsync=True):
    """Write ``state`` to ``path`` atomically: a temp file in the same folder, then rename.

    The previous checkpoint stays in place until the new one is complete.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    envelope = {"format": FORMAT, "version": VERSION, "state": state}
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_dumps(envelope))
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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
        with open(path, "rb") as f:
            envelope = pickle.load(f)  # dill-written parts load through dill's importable helpers
    except Exception as exc:  # dill/pickle raise many types for bad bytes
        raise CheckpointError("checkpoint file %s is truncated or corrupt and cannot be read (%s: %s)"
                              % (path, type(exc).__name__, exc)) from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise CheckpointError("file %s is not an autogluon scheduler checkpoint" % path)
    if envelope.get("version") != VERSION:
        raise CheckpointError("checkpoint file %s has version %r; this library reads version %d"
                              % (path, envelope.get("version"), VERSION))
    return envelope["state"]
