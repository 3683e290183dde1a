"""The checkpoint journal: after every save, snapshot + journal read back as the scheduler's
state_dict(); torn records are dropped; old single-file checkpoints still load; a resumed run
goes on from a journaled checkpoint."""

import os
import pickle
import struct

import pytest
from helpers_sched import linear_fn

from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskStatus, _journal
from autogluon.scheduler._checkpoint import FORMAT, load_checkpoint
from autogluon.scheduler.terminator import MedianStoppingRule

CPU1 = {"num_cpus": 1, "num_gpus": 0}


def _normalized(state):
    """Order-free parts sorted: the same state whatever order sets and trials were written in."""
    state = dict(state)
    state["tasks"] = sorted(state["tasks"], key=lambda t: t["task_id"])
    state["rerun"] = sorted(state["rerun"], key=lambda t: t["task_id"])
    searcher = dict(state["searcher"])
    if "seen" in searcher:
        searcher["seen"] = sorted(map(tuple, searcher["seen"]))
    state["searcher"] = searcher
    if (
        isinstance(state.get("terminator"), dict)
        and "stopped" in state["terminator"]
        and state["terminator"].get("kind") == "MedianStoppingRule"
    ):
        state["terminator"] = dict(state["terminator"], stopped=sorted(state["terminator"]["stopped"]))
    return state


def _scheduler(kind, ck, **extra):
    common = dict(
        checkpoint=ck, num_trials=24, seed=3, progress=False, max_concurrent=2, executor="inprocess"
    )
    common.update(extra)
    args = {"epochs": 9}
    if kind == "median":
        rule = MedianStoppingRule("epoch", "accuracy", grace_period=1, min_samples_required=3)
        return FIFO_Scheduler(linear_fn, args, CPU1, "random", time_attr="epoch", terminator=rule, **common)
    if kind == "grid":
        return FIFO_Scheduler(
            linear_fn, args, CPU1, "grid", searcher_options={"num_grid_points": 30}, **common
        )
    if kind.startswith("hyperband"):
        return Hyperband_Scheduler(
            linear_fn,
            args,
            CPU1,
            "random",
            time_attr="epoch",
            max_t=9,
            grace_period=1,
            reduction_factor=3,
            brackets=2,
            type=kind.split("-")[1],
            visualizer="none",
            **common,
        )
    return FIFO_Scheduler(linear_fn, args, CPU1, "random", **common)


@pytest.mark.parametrize("kind", ["fifo", "grid", "median", "hyperband-stopping", "hyperband-promotion"])
def test_snapshot_and_journal_read_back_as_the_state_at_every_save(tmp_path, kind, monkeypatch):
    monkeypatch.setattr(_journal, "_MIN_COMPACT_BYTES", 4096)  # several rewrites of the snapshot too
    ck = str(tmp_path / "ck.ag")
    sched = _scheduler(kind, ck)
    original = sched.save
    seen = {"appended": 0, "saves": 0}

    def checked_save(checkpoint=None):
        before = os.path.getsize(ck + ".journal") if os.path.exists(ck + ".journal") else None
        original(checkpoint)
        after = os.path.getsize(ck + ".journal")
        seen["appended"] += before is not None and after > before
        seen["saves"] += 1
        assert _normalized(load_checkpoint(ck)) == _normalized(sched.state_dict())

    sched.save = checked_save
    sched.run()
    assert seen["saves"] >= 10 and seen["appended"] >= 5, seen
    # the end of the run leaves one complete file, no journal
    assert sorted(os.listdir(tmp_path)) == ["ck.ag"]
    assert _normalized(load_checkpoint(ck)) == _normalized(sched.state_dict())


def _journaled_checkpoint(tmp_path):
    """A checkpoint as a killed run leaves it: a snapshot plus a journal with records."""
    ck = str(tmp_path / "ck.ag")
    sched = _scheduler("median", ck, num_trials=10)
    states = []
    original = sched.save

    def save_and_stop(checkpoint=None):
        original(checkpoint)
        states.append(_normalized(sched.state_dict()))
        if len(states) == 6:
            raise KeyboardInterrupt  # as a kill: the run ends before its final snapshot

    sched.save = save_and_stop
    sched._save_at_end = lambda: sched._journal._close_file()  # no final snapshot, as after SIGKILL
    with pytest.raises(KeyboardInterrupt):
        sched.run()
    return ck, states


def test_a_torn_last_record_is_dropped(tmp_path, caplog):
    ck, states = _journaled_checkpoint(tmp_path)
    journal = ck + ".journal"
    assert _normalized(load_checkpoint(ck)) == states[-1]
    size = os.path.getsize(journal)
    with open(journal, "rb") as f:
        data = f.read()
    # the offsets where the frames end: cutting inside the last one gives the state before it
    ends, offset = [], 0
    while offset < len(data):
        length = struct.unpack(">2sII", data[offset : offset + 10])[1]
        offset += 10 + length
        ends.append(offset)
    assert len(ends) >= 3 and ends[-1] == size
    for cut in (ends[-2] + 1, ends[-2] + 10, size - 1):
        with open(journal, "r+b") as f:
            f.truncate(cut)
        assert _normalized(load_checkpoint(ck)) == states[-2]
        assert "dropped an incomplete or corrupt record" in caplog.text
    with open(journal, "r+b") as f:  # a flipped byte in a middle record: it and the rest go
        f.truncate(ends[-2])
        f.seek(ends[-3] + 20)
        byte = f.read(1)
        f.seek(ends[-3] + 20)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert _normalized(load_checkpoint(ck)) == states[-3]


def test_resume_from_a_journal_runs_no_finished_trial_again(tmp_path):
    ck, states = _journaled_checkpoint(tmp_path)
    state = load_checkpoint(ck)
    finished = {t["task_id"]: t for t in state["tasks"] if t["status"] in TaskStatus.FINISHED}
    assert len(finished) >= 3
    resumed = _scheduler("median", ck, num_trials=10, resume=True)
    for tid, t in finished.items():
        assert resumed.tasks[tid].history == t["history"] and resumed.tasks[tid].status == t["status"]
    resumed.run()
    assert len(resumed.tasks) == 10
    for tid, t in finished.items():  # not run again: the same object state, not a fresh history
        assert resumed.tasks[tid].end_time == t["end_time"]
    configs = [repr(sorted(t.config.items())) for t in resumed.tasks.values()]
    assert len(set(configs)) == len(configs)  # no configuration twice
    assert sorted(os.listdir(tmp_path)) == ["ck.ag"]


def test_a_stale_journal_beside_a_newer_snapshot_is_ignored(tmp_path):
    ck, states = _journaled_checkpoint(tmp_path)
    with open(ck + ".journal", "rb") as f:
        stale = f.read()
    sched = _scheduler("median", ck, num_trials=10, resume=True)
    sched.save()  # a whole snapshot, no journal: as a kill right after a compaction
    with open(ck + ".journal", "wb") as f:
        f.write(stale)
    assert _normalized(load_checkpoint(ck)) == _normalized(sched.state_dict())


def test_a_version_1_checkpoint_written_by_the_old_code_still_loads(tmp_path):
    # What the single-file code wrote: {"format", "version": 1, "state"} and nothing beside it.
    donor = _scheduler("median", None, num_trials=4).run()
    ck = tmp_path / "old.ag"
    ck.write_bytes(pickle.dumps({"format": FORMAT, "version": 1, "state": donor.state_dict()}))
    resumed = _scheduler("median", str(ck), num_trials=6, resume=True)
    assert resumed.training_history == donor.training_history
    resumed.run()
    assert len(resumed.tasks) == 6
    assert load_checkpoint(str(ck))["tasks"][0]["task_id"] == 0


def test_bytes_written_per_save_do_not_grow_with_the_run(tmp_path):
    ck = str(tmp_path / "ck.ag")
    sched = _scheduler("median", ck, num_trials=80)
    original = sched.save
    written = []
    last = {}

    def measured_save(checkpoint=None):
        original(checkpoint)
        total = 0
        for path in (ck, ck + ".journal"):
            if not os.path.exists(path):
                continue
            st = os.stat(path)
            before = last.get(path)
            if before is None or before[0] != st.st_ino:
                total += st.st_size  # a new file: written whole
            else:
                total += st.st_size - before[1]  # appended to
            last[path] = (st.st_ino, st.st_size)
        written.append(total)

    sched.save = measured_save
    sched.run()
    early, late = sorted(written[2:12]), sorted(written[-11:-1])
    # a whole-state file grows with every trial (the last saves write ~30x the early ones)
    assert late[5] <= 2 * early[5], (early, late)
