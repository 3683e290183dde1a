"""One live run per folder: an advisory lock a crashed run cannot leave stuck.

A scheduler's ``run()`` locks its checkpoint folder and ``task.fit`` its ``savedir`` folder before
either touches ``trials/`` or ``data/`` there. The lock is ``fcntl.flock`` on ``.autogluon.lock``
in the folder: the kernel drops it when the holding process ends, however it ends (SIGKILL
included), so a folder is never left locked by a dead run. The file holds the holder's pid and
command line for the error message, and is removed when the lock is released.

The lock is re-entrant within one thread (``task.fit`` holds it, its scheduler's ``run()`` takes it
again); another thread of the same process is refused like another process.
"""

import errno
import fcntl
import logging
import os
import socket
import sys
import threading
import time

__all__ = ["FolderInUseError", "FolderNotWritableError", "FolderLock", "lock_folder", "LOCK_NAME"]

LOCK_NAME = ".autogluon.lock"

logger = logging.getLogger(__name__)

# flock errors of filesystems without locks (some network filesystems): run unlocked, with a warning
_NO_LOCKS = {getattr(errno, name) for name in ("ENOLCK", "EOPNOTSUPP", "ENOTSUP") if hasattr(errno, name)}

_GUARD = threading.Lock()
_HELD = {}  # real path of a folder -> FolderLock held by this process


class FolderInUseError(RuntimeError):
    """The folder is in use by another live run (another process, or another thread)."""


class FolderNotWritableError(OSError):
    """The folder cannot be created or written to."""


class FolderLock:
    """A held lock on ``folder``; :meth:`release` it (or use it as a context manager)."""

    def __init__(self, folder, key, fd):
        self.folder = folder
        self._key = key
        self._fd = fd
        self._count = 1
        self._thread = threading.get_ident()

    @property
    def held(self):
        return self._fd is not None

    def release(self):
        with _GUARD:
            if self._fd is None:
                return
            self._count -= 1
            if self._count > 0:
                return
            _HELD.pop(self._key, None)
            fd, self._fd = self._fd, None
            try:
                # Unlink while still locked: a process that opened this file meanwhile sees
                # that the path no longer names it once it gets the lock, and retries.
                os.unlink(os.path.join(self.folder, LOCK_NAME))
            except OSError:
                pass
            finally:
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                except OSError:  # a filesystem without locks: there is nothing to unlock
                    pass
                finally:
                    os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def __repr__(self):
        return "FolderLock(%r, held=%s)" % (self.folder, self.held)


def _holder(path):
    """What the lock file says about its holder (``'pid 123 (python x.py) on host since ...'``)."""
    try:
        with open(path) as f:
            text = f.read(2000).strip()
    except OSError:
        return None
    return text or None


def _open_locked(path, folder, what):
    """An fd holding the lock on ``path``, or FolderInUseError naming the holder."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise FolderNotWritableError(
                exc.errno,
                "%s %s is not writable: cannot create %s (%s); give a writable "
                "folder" % (what, folder, LOCK_NAME, exc.strerror or exc),
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in _NO_LOCKS:
                logger.warning(
                    "%s %s: this filesystem does not support locks (%s); a second run "
                    "in this folder will not be detected",
                    what,
                    folder,
                    exc.strerror or exc,
                )
                return fd
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = _holder(path)
            raise FolderInUseError(
                "%s %s is in use by another live run%s. Two runs in one folder overwrite each "
                "other's trials and data: give this run another folder, or wait until that run "
                "ends (a run that crashed or was killed frees the folder at once)"
                % (what, folder, " (%s)" % holder if holder else "")
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        # The previous holder removed the file between our open and our lock: try again.
        os.close(fd)


def lock_folder(folder, what="folder"):
    """Lock ``folder`` (created if missing) for this run; returns a :class:`FolderLock`.

    ``what`` names the folder in errors (e.g. ``'checkpoint folder'``, ``'savedir'``).
    Raises :class:`FolderInUseError` if a live run holds it, :class:`FolderNotWritableError` if
    it cannot be created or written.
    """
    folder = os.path.abspath(os.fspath(folder))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise FolderNotWritableError(
            exc.errno,
            "%s %s cannot be created (%s); give a writable folder" % (what, folder, exc.strerror or exc),
        ) from exc
    key = os.path.realpath(folder)
    with _GUARD:
        held = _HELD.get(key)
        if held is not None:
            if held._thread != threading.get_ident():
                raise FolderInUseError(
                    "%s %s is in use by another run in this process (pid %d, another thread): "
                    "give this run another folder, or wait until that run ends" % (what, folder, os.getpid())
                )
            held._count += 1
            return held
        path = os.path.join(folder, LOCK_NAME)
        fd = _open_locked(path, folder, what)
        try:
            info = "pid %d (%s) on %s since %s" % (
                os.getpid(),
                " ".join(sys.argv)[:200] or sys.executable,
                socket.gethostname(),
                time.strftime("%Y-%m-%d %H:%M:%S"),
            )
            os.ftruncate(fd, 0)
            os.write(fd, info.encode("utf-8", "replace"))
        except OSError as exc:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            raise FolderNotWritableError(
                exc.errno,
                "%s %s is not writable (%s); give a writable folder" % (what, folder, exc.strerror or exc),
            ) from exc
        lock = FolderLock(folder, key, fd)
        _HELD[key] = lock
        return lock
