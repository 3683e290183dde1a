"""Run trials on a Dask cluster (``dask.distributed``).

The driver keeps its event loop, searcher and terminator. For each *slot* (one trial's worth of
resources somewhere on the cluster) it submits one long-running Dask task, the *launcher*. The
launcher, on a Dask worker, starts our usual trial worker process
(``python -m autogluon.scheduler._worker --connect HOST:PORT``) with the slot's thread limits and
GPU ids; that process connects back to a listener in the driver (authenticated with a random key,
and over TLS when the Dask client uses TLS: see :mod:`._channel`) and then speaks exactly the
protocol of a local worker, so reports reach the driver and decisions reach the trial as promptly
as locally. The listener never waits on a peer: handshakes run in threads under a deadline, and a
peer that fails or stays silent (a port scan, a health check) is dropped and logged. Trials run
one after the other in the same process, so imports are paid once per slot.

Per-trial ``num_cpus``/``num_gpus`` become Dask resources ``CPU``/``GPU`` (start workers with
``dask worker ADDRESS --nthreads N --resources "CPU=8 GPU=2"``). Within a worker, the launcher picks
free GPU ids (and CPU ids to pin to) from a per-process registry.

A killed trial (time limit, hang) is ended by setting a Dask ``Event`` that the launcher watches;
it kills the trial's process group and starts a fresh process for the slot. A worker lost
mid-trial drops the connection: the driver fails (or retries) that trial, and Dask re-runs the
launcher elsewhere, which connects again.
"""

import json
import logging
import os
import secrets
import selectors
import socket
import ssl
import sys
import threading
import time
import uuid

from ..core._validate import check_seconds
from . import _wire
from ._channel import TLS_FAILED, TrialChannelError, TrialListener, client_tls_context, tls_config_of
from ._executor import Executor
from ._procs import end_process
from .resource import Slot, count_slots, validate_resource

__all__ = ["DaskExecutor", "get_dask_client"]

logger = logging.getLogger(__name__)

_registry_lock = threading.Lock()
_in_use = {"cpu": set(), "gpu": set()}
_said_unencrypted = False


def get_dask_client(dask_client):
    """A ``distributed.Client`` from a client or a scheduler address such as ``'tcp://10.0.0.5:8786'``."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is an optional extra
        raise ImportError(
            "dask_client needs the 'distributed' package: pip install 'autogluon[dask]'"
        ) from exc
    if isinstance(dask_client, Client):
        return dask_client
    if isinstance(dask_client, str):
        return Client(dask_client)
    raise TypeError(
        "dask_client must be a distributed.Client or a scheduler address like "
        "'tcp://10.0.0.5:8786', got %r" % (dask_client,)
    )


def _acquire(kind, available, count):
    with _registry_lock:
        free = [i for i in available if i not in _in_use[kind]]
        if len(free) < count:
            return []
        chosen = free[:count]
        _in_use[kind].update(chosen)
        return chosen


def _release(kind, ids):
    with _registry_lock:
        _in_use[kind].difference_update(ids)


def _worker_tls(worker):
    """The Dask worker's own TLS settings, checked, as JSON for the trial process."""
    cfg = tls_config_of(worker.security, "worker")
    if cfg is None:
        raise TrialChannelError(
            "the driver's trial channel uses TLS (its Dask client does) but the Dask worker %s has no TLS "
            "certificate: start it with --tls-ca-file, --tls-cert and --tls-key" % worker.address
        )
    try:
        client_tls_context(cfg)  # fail here, once and with the reason, not in every trial process
    except (OSError, ValueError, ssl.SSLError) as exc:
        raise TrialChannelError(
            "the Dask worker %s cannot use its TLS certificates for the trial channel: %s"
            % (worker.address, exc)
        ) from exc
    return json.dumps(cfg)


def _launcher(
    address, authkey_hex, slot_index, num_cpus, num_gpus, kill_event_name, preload, sys_path, tls=False
):
    """The Dask task that holds one slot: runs trial worker processes until the driver is done."""
    from distributed import Event, get_worker

    worker = get_worker()
    tls_env = {_wire.ENV_TLS: _worker_tls(worker)} if tls else {}
    module = _wire.TLS_WORKER_MODULE if tls else _wire.WORKER_MODULE
    total_gpus = int(worker.state.total_resources.get("GPU", 0)) if hasattr(worker, "state") else 0
    gpu_ids = _acquire("gpu", list(range(total_gpus)), num_gpus) if num_gpus else []
    cpu_ids = (
        _acquire("cpu", sorted(os.sched_getaffinity(0)), num_cpus) if hasattr(os, "sched_getaffinity") else []
    )
    kill_event = Event(kill_event_name)
    done_event = Event(kill_event_name.rsplit("-kill-", 1)[0] + "-done")
    slot = Slot(slot_index, cpu_ids or range(num_cpus), gpu_ids)
    try:
        while True:
            # pin_cpus: with more slots than cores here, the launcher got no CPU ids: do not pin
            env = _wire.worker_env(
                slot,
                preload,
                os.getpid(),
                sys_path + sys.path,
                pin_cpus=bool(cpu_ids),
                extra={_wire.ENV_AUTHKEY: authkey_hex, _wire.ENV_SLOT: str(slot_index), **tls_env},
            )
            proc = _wire.start_worker(env, connect=address, module=module)
            killed = False
            while proc.poll() is None:
                if kill_event.wait(timeout=0.2):
                    kill_event.clear()
                    end_process(proc, timeout=None)  # with everything it started (setsid children too)
                    killed = True
            if done_event.is_set():
                return proc.returncode
            if tls and proc.returncode == TLS_FAILED:
                raise TrialChannelError(
                    "the trial process on the Dask worker %s could not set up TLS to the driver "
                    "at %s (the reason is in that worker's log)" % (worker.address, address)
                )
            if killed or proc.returncode not in (0, 3):
                continue  # a killed or crashed trial process: start a fresh one for the slot
            return proc.returncode
    finally:
        _release("gpu", gpu_ids)
        _release("cpu", cpu_ids)


def _driver_tls_context(client):
    """The server-side TLS context for the trial listener when the Dask client uses TLS, else None."""
    security = getattr(client, "security", None)
    address = client.scheduler.address
    if not (address.startswith("tls://") or getattr(security, "require_encryption", False)):
        return None
    try:
        ctx = security.get_listen_args("client")["ssl_context"]
    except (OSError, ValueError, ssl.SSLError) as exc:
        raise ValueError(
            "the Dask client uses TLS but its certificates cannot serve the trial channel "
            "(tls_ca_file, tls_client_cert, tls_client_key of its Security): %s" % exc
        ) from exc
    if ctx is None:
        raise ValueError(
            "the Dask client uses TLS (%s, require_encryption=%s) but its Security has no "
            "tls_ca_file and tls_client_cert; the trial channel needs them to use TLS too"
            % (address, getattr(security, "require_encryption", None))
        )
    return ctx


def _say_unencrypted(listen_host):
    global _said_unencrypted
    if _said_unencrypted:
        return
    _said_unencrypted = True
    loopback = listen_host in ("localhost", "::1") or listen_host.startswith("127.")
    logger.log(
        logging.INFO if loopback else logging.WARNING,
        "the trial channel (trial processes -> this driver at %s) is not encrypted, as the Dask client "
        "does not use TLS: configurations and results cross the network in the clear",
        listen_host,
    )


def _local_ip_towards(address):
    """The IP of this machine on the route to the Dask scheduler."""
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    if host in ("127.0.0.1", "localhost", "::1") or address.startswith("inproc"):
        return "127.0.0.1"
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((host, 9))
        return probe.getsockname()[0]
    except OSError:
        return socket.gethostbyname(socket.gethostname())
    finally:
        probe.close()


class DaskExecutor(Executor):
    """Trials on the workers of a Dask cluster (see the module docstring).

    Parameters
    ----------
    dask_client : distributed.Client or str
        The cluster, or its scheduler address.
    listen_host : str, optional
        The address trial processes use to reach the driver (default: this machine's address on
        the route to the Dask scheduler, or ``$AUTOGLUON_DRIVER_HOST``).
    slot_wait_timeout : float
        Seconds a trial waits for its slot's process to (re)connect before it is failed.
    handshake_timeout : float
        Seconds a new connection to the trial listener has to finish its handshake (TLS, key, hello)
        before it is dropped; handshakes never hold up the run.

    When the client uses TLS (a ``tls://`` scheduler or ``require_encryption``), the trial channel
    uses TLS with the client's certificate and CA on the driver and each Dask worker's own on the
    trial side; ValueError if the client's certificates cannot serve it.
    """

    def __init__(
        self, dask_client, listen_host=None, slot_wait_timeout=300.0, preload=(), handshake_timeout=10.0
    ):
        handshake_timeout = check_seconds("handshake_timeout", handshake_timeout, allow_none=False)
        self.client = get_dask_client(dask_client)
        self.listen_host = (
            listen_host
            or os.environ.get("AUTOGLUON_DRIVER_HOST")
            or _local_ip_towards(self.client.scheduler.address)
        )
        self.slot_wait_timeout = slot_wait_timeout
        self.handshake_timeout = float(handshake_timeout)
        self.preload = list(preload)
        self._ssl_context = _driver_tls_context(self.client)
        if self._ssl_context is None:
            _say_unencrypted(self.listen_host)
        self._reset()

    def _reset(self):
        self._listener = None
        self._selector = None
        self._conns = {}  # slot index -> _wire.WorkerLink
        self._pending = {}  # slot index -> (spec, time queued) waiting for a connection
        self._futures = {}
        self._payload = None
        self._run_id = None
        self._slots = {}

    # -- planning -----------------------------------------------------------------
    def plan_slots(self, resource, max_concurrent=None, name="resource"):
        """Slots across the cluster for a per-trial ``resource``; ValueError if no worker fits one."""
        resource = validate_resource(resource, name)
        need_c, need_g = resource["num_cpus"], resource["num_gpus"]
        workers = self.client.scheduler_info().get("workers", {})
        if not workers:
            raise ValueError("the Dask cluster at %s has no workers" % self.client.scheduler.address)
        offers = []
        for info in workers.values():
            res = info.get("resources") or {}
            offers.append((int(res.get("CPU", info.get("nthreads", 1))), int(res.get("GPU", 0))))
        count = count_slots(resource, offers, max_concurrent)
        if count == 0:
            raise ValueError(
                "%s asks for num_cpus=%d, num_gpus=%d per trial but no Dask worker has that much "
                "(workers offer %s); start workers with --resources \"CPU=.. GPU=..\""
                % (name, need_c, need_g, ", ".join(sorted({"CPU=%d GPU=%d" % o for o in offers})))
            )
        self._uses_resources = any(info.get("resources") for info in workers.values())
        self._need = (need_c, need_g)
        return [Slot(i, range(need_c), range(need_g)) for i in range(count)]

    # -- life cycle -----------------------------------------------------------------
    def start(self, slots, fn_payload):
        self._payload = fn_payload
        self._slots = {s.index: s for s in slots}
        self._run_id = uuid.uuid4().hex[:12]
        self._authkey = secrets.token_bytes(32)
        self._listener = TrialListener(
            self.listen_host, self._authkey, self._ssl_context, self.handshake_timeout
        )
        self._selector = selectors.DefaultSelector()
        for fileobj in self._listener.fileobjs():
            self._selector.register(fileobj, selectors.EVENT_READ, ("listen", None))
        for slot in slots:
            self._launch(slot.index)

    def _event_name(self, slot_index):
        return "autogluon-%s-kill-%d" % (self._run_id, slot_index)

    def _launch(self, slot_index):
        need_c, need_g = self._need
        host, port = self._listener.address
        resources = {"CPU": need_c, **({"GPU": need_g} if need_g else {})} if self._uses_resources else None
        self._futures[slot_index] = self.client.submit(
            _launcher,
            "%s:%d" % (host, port),
            self._authkey.hex(),
            slot_index,
            need_c,
            need_g,
            self._event_name(slot_index),
            self.preload,
            list(sys.path),
            self._ssl_context is not None,
            resources=resources,
            pure=False,
            key="autogluon-slot-%s-%d" % (self._run_id, slot_index),
        )

    def _accept(self):
        """Take the connections whose handshake finished (in the listener's threads)."""
        for conn, hello, peer in self._listener.on_readable():
            self._take(conn, hello, peer)

    def _take(self, conn, hello, peer):
        try:
            hello = _wire.decode(hello)
        except _wire.WireError:
            pass
        if type(hello) is not _wire.Hello or hello.slot not in self._slots:
            logger.warning(
                "trial listener: dropped an authenticated connection from %s:%s that sent %.80r "
                "instead of a hello for one of this run's slots",
                peer[0],
                peer[1],
                hello,
            )
            conn.close()
            return
        slot_index, pid = hello
        old = self._conns.pop(slot_index, None)
        if old is not None:
            old.close(self._selector)
        handle = _wire.WorkerLink(self._slots[slot_index], conn, pid)
        self._conns[slot_index] = handle
        self._selector.register(conn, selectors.EVENT_READ, ("conn", handle))
        logger.debug("slot %d connected from pid %d", slot_index, pid)
        pending = self._pending.pop(slot_index, None)
        if pending is not None:
            handle.send_run(pending[0], self._payload)

    def submit(self, slot_index, spec):
        handle = self._conns.get(slot_index)
        if handle is None:
            self._pending[slot_index] = (spec, time.monotonic())
        else:
            try:
                handle.send_run(spec, self._payload)
            except (OSError, EOFError):
                handle.close(self._selector)
                self._conns.pop(slot_index, None)
                self._pending[slot_index] = (spec, time.monotonic())

    def reply(self, slot_index, task_id, decision):
        handle = self._conns.get(slot_index)
        if handle is not None:
            handle.send_decision(task_id, decision)  # a lost connection: poll reports it

    def poll(self, timeout):
        events = []
        self._listener.expire()
        for key, _ in self._selector.select(min(timeout, 0.5) if timeout is not None else 0.5):
            kind, handle = key.data
            if kind == "listen":
                self._accept()
                continue
            try:
                handle.drain(events)
            except (EOFError, OSError):
                events.append(
                    _wire.died_event(
                        handle.slot.index,
                        handle.task_id,
                        "the trial process on the Dask cluster (pid %s) went away" % handle.pid,
                    )
                )
                handle.close(self._selector)
                self._conns.pop(handle.slot.index, None)
        events.extend(self._check_slots())
        return events

    def _check_slots(self):
        """Re-run launchers that Dask gave up on; fail trials that waited too long for a slot."""
        events = []
        now = time.monotonic()
        for slot_index, future in list(self._futures.items()):
            if future.status == "error" and isinstance(future.exception(), TrialChannelError):
                raise TrialChannelError(str(future.exception()))  # a setup error: re-running cannot help
            if future.status in ("error", "cancelled", "lost") and slot_index not in self._conns:
                logger.warning(
                    "the Dask task holding slot %d ended (%s); submitting it again", slot_index, future.status
                )
                self._launch(slot_index)
        for slot_index, (spec, since) in list(self._pending.items()):
            if now - since > self.slot_wait_timeout:
                del self._pending[slot_index]
                events.append(
                    _wire.died_event(
                        slot_index,
                        spec["task_id"],
                        "no Dask worker took slot %d for %gs" % (slot_index, self.slot_wait_timeout),
                    )
                )
        return events

    def kill(self, slot_index):
        from distributed import Event

        self._pending.pop(slot_index, None)
        handle = self._conns.pop(slot_index, None)
        if handle is not None:
            handle.close(self._selector)
            Event(self._event_name(slot_index), client=self.client).set()

    def shutdown(self):
        from distributed import Event, wait

        if self._listener is not None:
            self._listener.close()  # no new connections
        for handle in list(self._conns.values()):
            handle.send_exit()
            handle.close(self._selector)
        futures = list(self._futures.values())
        if futures:
            # Launchers must not start new processes; those still running a trial are killed.
            Event("autogluon-%s-done" % self._run_id, client=self.client).set()
            for slot_index in self._futures:
                if slot_index in self._conns and self._conns[slot_index].task_id is None:
                    continue  # idle: it exits on the message above
                Event(self._event_name(slot_index), client=self.client).set()
            try:
                wait(futures, timeout=10)
            except Exception:  # noqa: BLE001 -- timeouts and lost workers alike: cancel below
                logger.warning("Dask slot tasks did not end within 10s; cancelling them", exc_info=True)
            self.client.cancel(futures)
        if self._selector is not None:
            self._selector.close()
        self._reset()
