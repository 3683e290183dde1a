"""Trials on a real dask.distributed LocalCluster (worker processes, loopback only)."""

import logging
import os
import signal
import socket
import ssl
import threading
import time

import pytest

distributed = pytest.importorskip("distributed", reason="the 'distributed' package is the dask extra")

from helpers_sched import StopAtEpoch, curve_fn, linear_fn, marker_fn  # noqa: E402

from autogluon.distributed import DaskExecutor, DistributedFIFOScheduler, DistributedHyperbandScheduler  # noqa: E402
from autogluon.scheduler import FIFO_Scheduler, Hyperband_Scheduler, TaskStatus  # noqa: E402

CPU1 = {"num_cpus": 1, "num_gpus": 0}


def _cluster(**kw):
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        **kw,
    )


@pytest.fixture(scope="module")
def client():
    with _cluster(resources={"CPU": 1}) as cluster, distributed.Client(cluster) as c:
        yield c


def test_fifo_on_dask_matches_the_local_run(client):
    local = FIFO_Scheduler(
        linear_fn, None, CPU1, "random", checkpoint=None, num_trials=6, seed=2, progress=False
    ).run()
    remote = DistributedFIFOScheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=None,
        num_trials=6,
        seed=2,
        progress=False,
        dask_client=client,
    ).run()
    assert len(remote._slots) == 2
    assert remote.training_history == local.training_history
    assert all(t.status == TaskStatus.COMPLETED for t in remote.tasks.values())


def test_hyperband_on_dask_with_worker_resources(client):
    s = DistributedHyperbandScheduler(
        curve_fn,
        {"epochs": 9},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=10,
        max_t=9,
        grace_period=1,
        reduction_factor=3,
        seed=0,
        visualizer="none",
        progress=False,
        dask_client=client,
    ).run()
    statuses = {t.status for t in s.tasks.values()}
    assert TaskStatus.STOPPED in statuses and TaskStatus.COMPLETED in statuses
    assert DistributedHyperbandScheduler is Hyperband_Scheduler


def test_stop_decision_reaches_the_trial_before_it_goes_on(client, tmp_path):
    s = FIFO_Scheduler(
        marker_fn,
        {"marker_dir": str(tmp_path)},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=3,
        terminator=StopAtEpoch(2),
        progress=False,
        dask_client=client,
    ).run()
    assert all(t.status == TaskStatus.STOPPED for t in s.tasks.values())
    assert max(int(n.split("-e")[1]) for n in os.listdir(tmp_path)) == 2


def test_time_limit_kills_trials_on_the_cluster(client):
    start = time.monotonic()
    s = FIFO_Scheduler(
        linear_fn,
        {"epochs": 100, "sleep": 0.2},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=4,
        time_out=2.0,
        progress=False,
        dask_client=client,
    ).run()
    assert time.monotonic() - start < 8
    assert all(t.status == TaskStatus.STOPPED for t in s.tasks.values())
    # the slots came back: a next run on the same client works
    s.run(num_trials=5, time_out=30)
    assert s.tasks[4].status == TaskStatus.STOPPED or s.tasks[4].status == TaskStatus.COMPLETED


def test_checkpoint_and_resume_on_dask(client, tmp_path):
    ck = str(tmp_path / "ck.ag")
    FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=ck,
        num_trials=3,
        seed=1,
        progress=False,
        dask_client=client,
    ).run()
    s = FIFO_Scheduler(
        linear_fn,
        None,
        CPU1,
        "random",
        checkpoint=ck,
        num_trials=5,
        seed=1,
        progress=False,
        resume=True,
        dask_client=client,
    )
    assert len(s.tasks) == 3
    s.run()
    assert len(s.tasks) == 5 and s.num_finished == 5


def test_a_trial_larger_than_any_worker_is_refused(client):
    with pytest.raises(ValueError, match="no Dask worker has that much"):
        FIFO_Scheduler(
            linear_fn, None, {"num_cpus": 2, "num_gpus": 0}, "random", checkpoint=None, dask_client=client
        )
    with pytest.raises(ValueError, match="num_gpus=1"):
        FIFO_Scheduler(
            linear_fn, None, {"num_cpus": 1, "num_gpus": 1}, "random", checkpoint=None, dask_client=client
        )


def test_bad_dask_client_is_a_type_error():
    with pytest.raises(TypeError, match="dask_client"):
        FIFO_Scheduler(linear_fn, None, CPU1, "random", checkpoint=None, dask_client=42)


def test_worker_killed_mid_trial_the_run_completes():
    with _cluster() as cluster, distributed.Client(cluster) as c:
        s = FIFO_Scheduler(
            linear_fn,
            {"epochs": 12, "sleep": 0.1},
            CPU1,
            "random",
            checkpoint=None,
            num_trials=6,
            seed=0,
            progress=False,
            dask_client=c,
            max_retries=1,
        )
        killed = []

        def kill_one_worker(task, result):
            if not killed and result["epoch"] == 3:
                pids = c.run(os.getpid)
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        s._active_callbacks = []
        original = s._emit

        def emit(hook, *args):
            original(hook, *args)
            if hook == "on_report":
                kill_one_worker(*args)

        s._emit = emit
        s.run()
        assert killed
        assert len(s.tasks) == 6
        assert all(t.status == TaskStatus.COMPLETED for t in s.tasks.values()), s.get_trials()
        assert any(t.attempts == 2 for t in s.tasks.values())  # the trial on the lost worker ran again


def _intrude(executor, peers, release):
    """Open a silent connection and a garbage-sending one to the run's trial listener, hold them open."""
    deadline = time.monotonic() + 30
    while getattr(executor, "_listener", None) is None and time.monotonic() < deadline:
        time.sleep(0.005)
    address = executor._listener.address
    silent = socket.create_connection(address)
    garbage = socket.create_connection(address)
    garbage.sendall(b"GET / HTTP/1.0\r\n\r\n")
    peers.update(silent=silent.getsockname()[1], garbage=garbage.getsockname()[1])
    release.wait(20)  # a listener that waits on the silent peer is stuck until this closes it
    silent.close()
    garbage.close()


def test_a_silent_or_garbage_peer_on_the_trial_listener_does_not_stall_the_run(client, caplog):
    caplog.set_level(logging.WARNING)
    executor = DaskExecutor(client)
    executor.handshake_timeout = 1.0
    s = FIFO_Scheduler(
        linear_fn,
        {"epochs": 5, "sleep": 0.3},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=4,
        time_out=60,
        progress=False,
        executor=executor,
    )
    peers, release = {}, threading.Event()
    intruder = threading.Thread(target=_intrude, args=(executor, peers, release), daemon=True)
    intruder.start()
    start = time.monotonic()
    try:
        s.run()
    finally:
        elapsed = time.monotonic() - start
        release.set()
        intruder.join(30)
    assert elapsed < 15, elapsed
    assert len(s.tasks) == 4 and all(t.status == TaskStatus.COMPLETED for t in s.tasks.values()), (
        s.get_trials()
    )
    dropped = [r.getMessage() for r in caplog.records if "dropped a connection from" in r.getMessage()]
    assert any(
        "127.0.0.1:%d " % peers["silent"] in m and "no complete handshake within 1s" in m for m in dropped
    ), dropped
    assert any("127.0.0.1:%d " % peers["garbage"] in m and "bad message length" in m for m in dropped), (
        dropped
    )


def test_a_tls_trial_channel_on_workers_without_certificates_stops_the_run_with_the_reason(client):
    from autogluon.scheduler._channel import TrialChannelError

    executor = DaskExecutor(client)
    executor._ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # as if the client used TLS
    s = FIFO_Scheduler(
        linear_fn, None, CPU1, "random", checkpoint=None, num_trials=2, progress=False, executor=executor
    )
    start = time.monotonic()
    with pytest.raises(TrialChannelError, match="has no TLS certificate: start it with --tls-ca-file"):
        s.run()
    assert time.monotonic() - start < 20


def test_a_plain_trial_channel_says_it_is_unencrypted(client, caplog, monkeypatch):
    from autogluon.scheduler import _dask

    monkeypatch.setattr(_dask, "_said_unencrypted", False)
    caplog.set_level(logging.INFO, logger="autogluon.scheduler._dask")
    DaskExecutor(client)
    DaskExecutor(client)
    said = [
        r for r in caplog.records if "trial channel" in r.getMessage() and "not encrypted" in r.getMessage()
    ]
    assert len(said) == 1 and said[0].levelno == logging.INFO  # once; INFO as it listens on 127.0.0.1 only
    monkeypatch.setattr(_dask, "_said_unencrypted", False)
    _dask._say_unencrypted("10.0.0.5")  # a driver listening on a network: louder
    assert caplog.records[-1].levelno == logging.WARNING and "10.0.0.5" in caplog.records[-1].getMessage()
