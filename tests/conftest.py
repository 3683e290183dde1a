"""Shared fixtures. Every test is checked for processes it left behind."""

import os
import time

import psutil
import pytest


def _descendants():
    try:
        return {p.pid: p for p in psutil.Process(os.getpid()).children(recursive=True)}
    except psutil.Error:
        return {}


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """Fail a test that leaves a process it started running (workers must never outlive a run)."""
    before = set(_descendants())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        left = {pid: p for pid, p in _descendants().items() if pid not in before}
        alive = []
        for p in left.values():
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.Error:
                pass
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    assert not alive, "processes left running after the test: %s" % [
        (p.pid, " ".join(p.cmdline()[:4])) for p in alive
    ]
