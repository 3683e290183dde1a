"""A Dask cluster with TLS, started from the ``dask scheduler`` / ``dask worker`` command lines on
127.0.0.1 with certificates made here: the trial channel back to the driver must use TLS too."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import types
from multiprocessing.connection import Client as PlainClient

import pytest

distributed = pytest.importorskip("distributed", reason="the 'distributed' package is the dask extra")
psutil = pytest.importorskip("psutil", reason="psutil comes with distributed")

from distributed.security import Security  # noqa: E402
from helpers_sched import linear_fn  # noqa: E402

from autogluon.distributed import DaskExecutor  # noqa: E402
from autogluon.scheduler import FIFO_Scheduler, TaskStatus  # noqa: E402

CPU1 = {"num_cpus": 1, "num_gpus": 0}
OPENSSL = shutil.which("openssl")


def _openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_certs(folder):
    """Two CAs; certificates for the scheduler and worker and for the client from the first, one for
    a worker from the second; and a bundle of both CAs (EC keys: quick)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    with open(os.path.join(folder, "leaf.ext"), "w") as f:
        f.write(
            "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"
        )
    for ca, leaves in (("ca", ("node", "client")), ("ca2", ("node2",))):
        _openssl(
            "req",
            "-x509",
            *ec,
            "-keyout",
            ca + ".key",
            "-out",
            ca + ".pem",
            "-days",
            "2",
            "-subj",
            "/CN=ag-test-" + ca,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            cwd=folder,
        )
        for name in leaves:
            _openssl(
                "req",
                *ec,
                "-keyout",
                name + ".key",
                "-out",
                name + ".csr",
                "-subj",
                "/CN=" + name,
                cwd=folder,
            )
            _openssl(
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                ca + ".pem",
                "-CAkey",
                ca + ".key",
                "-CAcreateserial",
                "-out",
                name + ".pem",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
                cwd=folder,
            )
    with open(os.path.join(folder, "bundle.pem"), "w") as out:
        for ca in ("ca.pem", "ca2.pem"):
            with open(os.path.join(folder, ca)) as f:
                out.write(f.read())
    return lambda name: os.path.join(folder, name)


def _dask_cli():
    exe = os.path.join(os.path.dirname(sys.executable), "dask")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "dask"]


def _start(args, log_path):
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            _dask_cli() + args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _scheduler_address(scheduler_file, proc, timeout=60):
    import json

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("dask scheduler exited with %s" % proc.returncode)
        try:
            with open(scheduler_file) as f:
                return json.load(f)["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    raise RuntimeError("dask scheduler did not write %s within %ds" % (scheduler_file, timeout))


def _stop_all(procs):
    """Stop the CLI processes and everything they started (nanny, worker, trial processes)."""
    tree = []
    for proc in procs:
        try:
            root = psutil.Process(proc.pid)
            tree += [root] + root.children(recursive=True)
        except psutil.NoSuchProcess:
            pass
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    _, alive = psutil.wait_procs(tree, timeout=10)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=10)
    for proc in procs:
        proc.wait(timeout=10)
    return alive


@contextlib.contextmanager
def _tls_cluster(folder, scheduler, worker, client_certs):
    """``dask scheduler`` and ``dask worker`` (2 threads, CPU=2) with TLS on 127.0.0.1, and a TLS Client.

    Each of ``scheduler``, ``worker``, ``client_certs`` is (CA file, certificate, key)."""

    def tls(ca, cert, key):
        return ["--tls-ca-file", ca, "--tls-cert", cert, "--tls-key", key]

    scheduler_file = os.path.join(folder, "scheduler.json")
    procs = [
        _start(
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--protocol",
                "tls",
                "--no-dashboard",
                "--scheduler-file",
                scheduler_file,
                *tls(*scheduler),
            ],
            os.path.join(folder, "scheduler.log"),
        )
    ]
    client = None
    try:
        address = _scheduler_address(scheduler_file, procs[0])
        assert address.startswith("tls://127.0.0.1:")
        procs.append(
            _start(
                [
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "2",
                    "--nworkers",
                    "1",
                    "--resources",
                    "CPU=2",
                    "--memory-limit",
                    "0",
                    "--no-dashboard",
                    "--local-directory",
                    os.path.join(folder, "dask-worker"),
                    *tls(*worker),
                ],
                os.path.join(folder, "worker.log"),
            )
        )
        ca, cert, key = client_certs
        security = Security(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, require_encryption=True)
        client = distributed.Client(address, security=security, timeout=30)
        client.wait_for_workers(1, timeout=45)
        deadline = time.monotonic() + 45  # on a loaded machine the worker may still be settling in
        while not client.scheduler_info().get("workers") and time.monotonic() < deadline:
            time.sleep(0.5)
        yield client
    finally:
        if client is not None:
            client.close()
        left = _stop_all(procs)
        assert not left, "processes left running: %s" % left


@pytest.fixture
def certs(tmp_path):
    if OPENSSL is None:
        pytest.skip("needs the openssl command to make test certificates")
    return _make_certs(str(tmp_path))


@pytest.fixture
def tls_cluster(tmp_path, certs):
    node = (certs("ca.pem"), certs("node.pem"), certs("node.key"))
    with _tls_cluster(
        str(tmp_path), node, node, (certs("ca.pem"), certs("client.pem"), certs("client.key"))
    ) as c:
        yield c


def _try_plain(address, authkey, outcome):
    """A plain-TCP client that even holds the run's key: over TLS it must not get in."""
    try:
        conn = PlainClient(address, authkey=authkey)
    except Exception as exc:  # noqa: BLE001 -- the failure is what the test wants to see
        outcome.append(type(exc).__name__)
    else:
        outcome.append("connected")
        conn.close()


def test_the_trial_channel_uses_tls_when_the_dask_client_does(tls_cluster):
    executor = DaskExecutor(tls_cluster)
    executor.handshake_timeout = 2.0
    s = FIFO_Scheduler(
        linear_fn,
        {"epochs": 6, "sleep": 0.3},
        CPU1,
        "random",
        checkpoint=None,
        num_trials=3,
        time_out=60,
        progress=False,
        executor=executor,
    )
    seen, plain, threads = set(), [], []
    original = s._emit

    def emit(hook, *args):
        original(hook, *args)
        if hook == "on_report":
            seen.update(getattr(h.conn, "tls_version", lambda: "plain")() for h in executor._conns.values())
            if not threads:
                threads.append(
                    threading.Thread(
                        target=_try_plain,
                        args=(executor._listener.address, executor._authkey, plain),
                        daemon=True,
                    )
                )
                threads[0].start()

    s._emit = emit
    s.run()
    threads[0].join(15)
    assert len(s.tasks) == 3 and all(t.status == TaskStatus.COMPLETED for t in s.tasks.values()), (
        s.get_trials()
    )
    assert seen and seen <= {"TLSv1.2", "TLSv1.3"}, seen
    assert plain and plain != ["connected"], plain


def test_a_tls_client_without_certificates_for_the_channel_is_refused():
    from autogluon.scheduler._dask import _driver_tls_context

    fake = types.SimpleNamespace(
        security=Security(require_encryption=True),
        scheduler=types.SimpleNamespace(address="tls://127.0.0.1:1"),
    )
    with pytest.raises(ValueError, match="tls_ca_file and tls_client_cert"):
        _driver_tls_context(fake)
    fake.scheduler.address = "tcp://127.0.0.1:1"
    fake.security = Security(require_encryption=False)
    assert _driver_tls_context(fake) is None


def test_a_worker_without_tls_certificates_is_refused_for_a_tls_channel(tmp_path):
    from autogluon.scheduler._channel import TrialChannelError
    from autogluon.scheduler._dask import _worker_tls

    worker = types.SimpleNamespace(security=Security(require_encryption=False), address="tcp://127.0.0.1:2")
    with pytest.raises(TrialChannelError, match="has no TLS certificate"):
        _worker_tls(worker)
    worker.security = Security(
        tls_ca_file=str(tmp_path / "missing-ca.pem"), tls_worker_cert=str(tmp_path / "missing.pem")
    )
    with pytest.raises(TrialChannelError, match="cannot use its TLS certificates"):
        _worker_tls(worker)


def test_a_worker_certificate_the_driver_does_not_accept_stops_the_run_with_the_reason(
    tmp_path, certs, caplog
):
    # The scheduler accepts both CAs, so the cluster works; the driver's CA (the client's) does not
    # accept the worker's certificate, so no trial process can open the trial channel.
    from autogluon.scheduler._channel import TrialChannelError

    scheduler = (certs("bundle.pem"), certs("node.pem"), certs("node.key"))
    worker = (certs("ca.pem"), certs("node2.pem"), certs("node2.key"))
    with _tls_cluster(
        str(tmp_path), scheduler, worker, (certs("ca.pem"), certs("client.pem"), certs("client.key"))
    ) as client:
        s = FIFO_Scheduler(
            linear_fn,
            None,
            CPU1,
            "random",
            checkpoint=None,
            num_trials=2,
            time_out=60,
            progress=False,
            dask_client=client,
        )
        start = time.monotonic()
        with pytest.raises(TrialChannelError, match="could not set up TLS to the driver"):
            s.run()
        assert time.monotonic() - start < 30
    assert any(
        "dropped a connection from 127.0.0.1:" in r.getMessage() and "CERTIFICATE" in r.getMessage().upper()
        for r in caplog.records
    ), [r.getMessage() for r in caplog.records]
