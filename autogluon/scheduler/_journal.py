"""An append-only journal beside a compact snapshot: checkpoints whose cost per finished trial
does not grow with the number of trials.

Files, for a checkpoint path ``P``:

* ``P``: the snapshot, an envelope of version 2 (see ``_checkpoint.py``) with the scheduler's
  whole ``state_dict()`` and the random ``epoch`` of the journal that continues it;
* ``P.journal``: a header frame naming that epoch, then one frame per save: the operations that
  turn the state at the previous save into the state at this one (trials that ended or started,
  the trials to re-run, and the searcher's and terminator's ``state_delta()``).

A frame is ``b"AJ"``, the payload's length and CRC-32 (4 bytes each, big-endian), then the
payload (a pickle). A frame cut short by a kill, or one whose checksum fails, ends the journal:
it and anything after it are dropped, so a reader sees the state of the last complete save.
The snapshot is rewritten (``compact``) on the first save of each run, when the journal has grown
past the snapshot's size (so the rewrites cost O(1) per save amortized), and at the end of a run,
which also removes the journal. A snapshot is written before its journal, so a kill between the
two leaves a newer snapshot beside the older journal, whose epoch no longer matches and which is
ignored (its records are in the snapshot).
"""

import logging
import os
import pickle
import struct
import zlib

from ._checkpoint import CheckpointError, _dumps, _fsync_folder, save_checkpoint
from ._task import TaskStatus

__all__ = ["Journal", "read_journal", "apply_ops", "journal_path"]

logger = logging.getLogger(__name__)

_MAGIC = b"AJ"
_HEAD = struct.Struct(">2sII")
JOURNAL_FORMAT = "autogluon.scheduler.journal"
_MIN_COMPACT_BYTES = 1 << 20  # never rewrite the snapshot for a journal smaller than this


def journal_path(path):
    return path + ".journal"


def _frame(obj):
    payload = _dumps(obj)
    return _HEAD.pack(_MAGIC, len(payload), zlib.crc32(payload)) + payload


def read_journal(path, epoch):
    """The records of the journal at ``path`` that continue the snapshot of ``epoch`` (a list)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    records, offset = [], 0
    while offset < len(data):
        head = data[offset : offset + _HEAD.size]
        if len(head) < _HEAD.size:
            break
        magic, length, crc = _HEAD.unpack(head)
        payload = data[offset + _HEAD.size : offset + _HEAD.size + length]
        if magic != _MAGIC or len(payload) < length or zlib.crc32(payload) != crc:
            break
        try:
            records.append(pickle.loads(payload))
        except Exception as exc:  # a frame with a good checksum that still does not load
            raise CheckpointError(
                "journal %s: record %d cannot be read (%s: %s)"
                % (path, len(records), type(exc).__name__, exc)
            ) from exc
        offset += _HEAD.size + length
    if offset < len(data):
        logger.warning(
            "journal %s: dropped an incomplete or corrupt record at byte %d of %d (a save "
            "cut short); the state is that of the last complete save",
            path,
            offset,
            len(data),
        )
    if not records or not isinstance(records[0], dict) or records[0].get("format") != JOURNAL_FORMAT:
        if data:
            logger.warning("journal %s has no valid header; ignored", path)
        return []
    if records[0].get("epoch") != epoch:
        return []  # an older journal, already folded into the snapshot
    return records[1:]


def apply_ops(state, records):
    """Replay journal ``records`` (lists of operations) onto a snapshot ``state``, in place."""
    tasks = {t["task_id"]: t for t in state["tasks"]}
    ordered = {}  # path -> dict used as an ordered set, for 'add'/'discard' on a list
    for ops in records:
        for op in ops:
            kind = op[0]
            if kind == "task":
                tasks[op[1]["task_id"]] = op[1]
            elif kind == "untask":
                tasks.pop(op[1], None)
            elif kind in ("add", "discard"):
                members = ordered.get(op[1])
                if members is None:
                    members = ordered[op[1]] = dict.fromkeys(_get(state, op[1]))
                if kind == "add":
                    members[op[2]] = None
                else:
                    members.pop(op[2], None)
            elif kind == "set":
                _flush(state, ordered, op[1])
                parent, key = _parent(state, op[1])
                parent[key] = op[2]
            elif kind == "extend":
                parent, key = _parent(state, op[1])
                if isinstance(parent, dict) and key not in parent:
                    parent[key] = []
                parent[key].extend(op[2])
            else:
                raise CheckpointError("journal: unknown operation %r" % (kind,))
    _flush(state, ordered, ())
    state["tasks"] = list(tasks.values())
    return state


def _get(state, path):
    for key in path:
        state = state[key]
    return state


def _parent(state, path):
    return _get(state, path[:-1]), path[-1]


def _flush(state, ordered, prefix):
    """Write back the ordered sets under ``prefix`` (before something replaces them)."""
    for path in [p for p in ordered if p[: len(prefix)] == prefix]:
        parent, key = _parent(state, path)
        parent[key] = list(ordered.pop(path))


class Journal:
    """The checkpoint of one :meth:`TaskScheduler.run`: records per save, snapshots now and then.

    Also a callback: it notes the trials that start or end, whose state the next record carries.
    """

    def __init__(self, path, fsync=True):
        self.path = path
        self.fsync = fsync
        self._file = None
        self._epoch = None
        self._snapshot_bytes = 0
        self._journal_bytes = 0
        self._changed = {}  # task_id -> Task, in the order they changed

    # -- the callback side ---------------------------------------------------------
    def on_run_start(self, scheduler):
        pass

    def on_task_start(self, task):
        self._changed[task.task_id] = task

    def on_report(self, task, result):
        pass

    def on_task_end(self, task):
        self._changed[task.task_id] = task

    def on_run_end(self):
        pass

    # -- saving ----------------------------------------------------------------------
    def save(self, scheduler):
        """Append a record of what changed, or rewrite the snapshot when it is time to."""
        if self._file is None or self._journal_bytes > max(self._snapshot_bytes, _MIN_COMPACT_BYTES):
            self.compact(scheduler)
            return
        try:
            self._append(record_ops(scheduler, self._changed.values()))
        except BaseException:
            self._close_file()  # what this record held is lost: the next save writes a snapshot
            raise
        self._changed = {}

    def compact(self, scheduler, keep_journal=True):
        """Write the whole state as a new snapshot, then start an empty journal after it."""
        self._close_file()
        state = scheduler._full_state()
        for part in (scheduler.searcher, scheduler.terminator):
            delta = getattr(part, "state_delta", None)
            if callable(delta):
                delta()  # the snapshot is the new mark of the deltas
        self._changed = {}
        self._epoch = os.urandom(8).hex() if keep_journal else None
        save_checkpoint(state, self.path, fsync=self.fsync, journal=self._epoch)
        self._snapshot_bytes = os.path.getsize(self.path)
        journal = journal_path(self.path)
        if not keep_journal:
            if os.path.exists(journal):
                os.unlink(journal)
                if self.fsync:
                    _fsync_folder(journal)
            return
        tmp = journal + ".tmp"
        with open(tmp, "wb") as f:
            f.write(_frame({"format": JOURNAL_FORMAT, "epoch": self._epoch}))
            f.flush()
            if self.fsync:
                os.fsync(f.fileno())
        os.replace(tmp, journal)
        if self.fsync:
            _fsync_folder(journal)
        self._file = open(journal, "ab")
        self._journal_bytes = self._file.tell()

    def _append(self, ops):
        data = _frame(ops)
        self._file.write(data)
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        self._journal_bytes += len(data)

    def close(self, scheduler=None):
        """End of the run: a last snapshot holds everything (when given the scheduler); no journal."""
        try:
            if scheduler is not None:
                self.compact(scheduler, keep_journal=False)
        finally:
            self._close_file()

    def _close_file(self):
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                logger.exception("closing the journal %s failed", journal_path(self.path))
            self._file = None


def record_ops(scheduler, changed):
    """The operations that bring the state of the previous save to the scheduler's state now."""
    ops = []
    for task in changed:
        if task.status in (TaskStatus.RUNNING, TaskStatus.PENDING):
            ops.append(("untask", task.task_id))  # it is in "rerun" now
        else:
            ops.append(("task", task.to_state()))
    running = sorted(
        (t for t in scheduler._running.values() if t.status == TaskStatus.RUNNING), key=lambda t: t.task_id
    )
    ids = {t.task_id for t in running}
    rerun = running + [t for t in scheduler._requeue if t.task_id not in ids]
    ops.append(
        (
            "set",
            ("rerun",),
            [{"task_id": t.task_id, "config": t.config, "attempts": t.attempts} for t in rerun],
        )
    )
    ops.append(("set", ("next_task_id",), scheduler._next_task_id))
    ops += _part_ops(
        scheduler.searcher,
        "searcher",
        lambda: scheduler.searcher.state_dict() if hasattr(scheduler.searcher, "state_dict") else None,
    )
    ops += _part_ops(scheduler.terminator, "terminator", scheduler._terminator_state)
    return ops


def _part_ops(part, key, whole):
    delta = getattr(part, "state_delta", None)
    ops = delta() if callable(delta) else None
    if ops is None:
        return [("set", (key,), whole())]
    return [(op[0], (key,) + tuple(op[1])) + tuple(op[2:]) for op in ops]
