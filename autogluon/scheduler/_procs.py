"""Process trees: find and kill every process a trial started, on Linux through ``/proc``.

A trial's training function may start processes of its own (a data loader's
workers, a ``subprocess``), and those may start more or leave their session
(``setsid``). The worker's guard process (see ``_worker``) is a *child
subreaper*, so such orphans are re-parented to it instead of to init and stay
in its tree, where these helpers find them.
"""

import logging
import os
import signal
import subprocess

__all__ = ["descendants", "kill_descendants", "kill_tree", "end_process", "set_child_subreaper"]

logger = logging.getLogger(__name__)

_PR_SET_CHILD_SUBREAPER = 36


def set_child_subreaper():
    """Make this process the reaper of its orphaned descendants (Linux >= 3.4); False if not possible."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents():
    """``{pid: parent pid}`` of every live (not zombie) process."""
    parents = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return parents
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read()
        except OSError:  # it ended meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) >= 2 and fields[0] != b"Z":
            parents[int(name)] = int(fields[1])
    return parents


def descendants(pid):
    """The pids of every live descendant of ``pid`` (children first); empty when /proc is missing."""
    children = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = [], list(children.get(pid, ()))
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo.extend(children.get(child, ()))
    return found


def kill_descendants(pid, exclude=(), rounds=5):
    """SIGKILL every descendant of ``pid`` except ``exclude``; repeat while new ones appear.

    Returns the pids that were signalled.
    """
    killed = []
    for _ in range(rounds):
        victims = [p for p in descendants(pid) if p not in exclude and p not in killed]
        if not victims:
            break
        for victim in victims:
            _sigkill(os.kill, victim)
        killed.extend(victims)
    return killed


def kill_tree(pid):
    """SIGKILL ``pid``, its process group (when it leads one) and all its descendants."""
    kill_descendants(pid)
    _sigkill(os.killpg, pid)
    _sigkill(os.kill, pid)


def _sigkill(kill, target):
    """``kill(target, SIGKILL)`` (``os.kill`` or ``os.killpg``); a target that is gone (or not ours) is no error."""
    try:
        kill(target, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def end_process(proc, timeout=5.0):
    """End a worker process (a :class:`subprocess.Popen`): if it still runs, :func:`kill_tree` it (its
    guard, the worker and everything its trials started); then reap it, waiting at most ``timeout``
    seconds (None: as long as it takes)."""
    if proc.poll() is None:
        kill_tree(proc.pid)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:  # pragma: no cover - kernel trouble
        logger.error("process %d did not exit after SIGKILL", proc.pid)
