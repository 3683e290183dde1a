"""The trial channel of a Dask run: trial processes connect back to a listener in the driver.

Messages are pickles framed as by :mod:`multiprocessing.connection` (a 4-byte length, then the
bytes), and a connection starts with its mutual HMAC challenge, so a trial process that uses
``multiprocessing.connection.Client`` talks to this listener unchanged. What this module adds:

* the listener never blocks its caller: it hands each new connection to a thread that runs the
  handshake under one deadline (``handshake_timeout``); a peer that stays silent, sends garbage,
  fails the TLS handshake or has the wrong key is closed and logged at WARNING with its address,
  and authenticated connections are handed to the driver's loop through a wake-up socket;
* optional TLS (an :class:`ssl.SSLContext` on each side) under the same framing and handshake.
"""

import logging
import os
import pickle
import queue
import select
import socket
import ssl
import struct
import tempfile
import threading
import time
from multiprocessing.connection import answer_challenge, deliver_challenge

from ._wire import no_delay

__all__ = ["Channel", "TrialListener", "TrialChannelError", "connect", "client_tls_context", "tls_config_of"]

logger = logging.getLogger(__name__)

TLS_FAILED = 4  # exit status of a trial process whose TLS handshake with the driver failed

# How many handshakes may be in flight at once; more connections are closed at once (a flood).
MAX_PENDING_HANDSHAKES = 32


class TrialChannelError(RuntimeError):
    """The trial channel cannot be set up as configured (e.g. TLS asked for, certificates missing)."""


class Channel:
    """A message connection over a (plain or TLS) socket, framed like ``multiprocessing.connection``.

    ``deadline`` (a ``time.monotonic()`` value), when set, bounds every blocking operation together;
    ``None`` means block as long as needed.
    """

    def __init__(self, sock, deadline=None):
        self.sock = sock
        self.deadline = deadline
        self._buf = bytearray()
        self._poller = None

    # -- bytes ---------------------------------------------------------------------
    def send_bytes(self, data):
        data = bytes(data)
        n = len(data)
        header = struct.pack("!i", n) if n <= 0x7FFFFFFF else struct.pack("!iQ", -1, n)
        self._arm()
        if n > 16384:
            self.sock.sendall(header)
            self.sock.sendall(data)
        else:
            self.sock.sendall(header + data)

    def recv_bytes(self, maxlength=None):
        size = struct.unpack("!i", self._take(4))[0]
        if size == -1:
            size = struct.unpack("!Q", self._take(8))[0]
        if size < 0 or (maxlength is not None and size > maxlength):
            raise OSError("bad message length %d on the trial channel" % size)
        return self._take(size)

    def _arm(self):
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out")
            self.sock.settimeout(left)

    def _take(self, n):
        while len(self._buf) < n:
            self._arm()
            chunk = self.sock.recv(max(65536, n - len(self._buf)))
            if not chunk:
                raise EOFError("the peer closed the trial channel")
            self._buf += chunk
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    # -- objects -------------------------------------------------------------------
    def send(self, obj):
        self.send_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))

    def recv(self):
        return pickle.loads(self.recv_bytes())

    def poll(self, timeout=0.0):
        """True when a message (or at least part of one, or EOF) is there to read."""
        if self._buf or (isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()):
            return True
        if self._poller is None:  # poll(2), not select(2): no limit on the descriptor's number
            self._poller = select.poll()
            self._poller.register(self.sock.fileno(), select.POLLIN)
        return bool(self._poller.poll(None if timeout is None else max(0.0, timeout) * 1000))

    def fileno(self):
        return self.sock.fileno()

    def tls_version(self):
        """The TLS protocol in use (e.g. ``'TLSv1.3'``), or None on a plain connection."""
        return self.sock.version() if isinstance(self.sock, ssl.SSLSocket) else None

    def close(self):
        self.sock.close()


def _cut(sock):
    """Shut a socket down both ways, so a thread blocked on it wakes up (the socket may be closed already)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _peer_name(peer):
    return "%s:%s" % (peer[0], peer[1]) if isinstance(peer, tuple) else str(peer)


def connect(host, port, authkey, ssl_context=None, timeout=60.0):
    """Connect to a :class:`TrialListener`; returns an authenticated :class:`Channel`."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if ssl_context is not None:
            sock = ssl_context.wrap_socket(sock, server_side=False)
        no_delay(sock)
        channel = Channel(sock, deadline=time.monotonic() + timeout)
        answer_challenge(channel, authkey)
        deliver_challenge(channel, authkey)
    except BaseException:
        sock.close()
        raise
    channel.deadline = None
    sock.settimeout(None)
    return channel


class TrialListener:
    """A TCP listener whose handshakes run off the caller's thread, each within ``handshake_timeout``.

    Register :meth:`fileobjs` with a selector; when one is readable call :meth:`on_readable`, which
    returns the connections that completed their handshake as ``(channel, hello, peer)``, where
    ``hello`` is the first message the peer sent after authenticating.
    """

    def __init__(self, host, authkey, ssl_context=None, handshake_timeout=10.0):
        self.authkey = authkey
        self.ssl_context = ssl_context
        self.handshake_timeout = handshake_timeout
        self._sock = socket.create_server((host, 0), backlog=128)
        self._sock.setblocking(False)
        self.address = self._sock.getsockname()[:2]
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._ready = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._in_flight = {}  # socket -> deadline of its handshake
        self._expired = set()
        self._closed = False

    def fileobjs(self):
        return (self._sock, self._wake_r)

    def on_readable(self):
        self._accept_all()
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        done = []
        while True:
            try:
                done.append(self._ready.get_nowait())
            except queue.Empty:
                return done

    def _accept_all(self):
        while not self._closed:
            try:
                sock, peer = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: try again on the next wake-up
                logger.warning("trial listener %s: accept failed: %s", _peer_name(self.address), exc)
                return
            with self._lock:
                flood = len(self._in_flight) >= MAX_PENDING_HANDSHAKES
                if not flood:
                    self._in_flight[sock] = time.monotonic() + self.handshake_timeout
            if flood:
                logger.warning(
                    "trial listener %s: dropped a connection from %s: %d handshakes already in progress",
                    _peer_name(self.address),
                    _peer_name(peer),
                    MAX_PENDING_HANDSHAKES,
                )
                sock.close()
                continue
            threading.Thread(
                target=self._handshake, args=(sock, peer), daemon=True, name="autogluon-trial-handshake"
            ).start()

    def _handshake(self, sock, peer):
        start = time.monotonic()
        conn = sock
        try:
            sock.settimeout(self.handshake_timeout)
            if self.ssl_context is not None:
                conn = self.ssl_context.wrap_socket(sock, server_side=True)  # the TLS handshake runs here
            no_delay(conn)
            channel = Channel(conn, deadline=start + self.handshake_timeout)
            deliver_challenge(channel, self.authkey)
            answer_challenge(channel, self.authkey)
            hello = channel.recv()
            channel.deadline = None
            conn.settimeout(None)
        except BaseException as exc:  # noqa: BLE001 -- whatever a stranger does, drop it and go on
            with self._lock:
                expired = sock in self._expired
            self._reject(conn, peer, exc, time.monotonic() - start, expired)
            return
        finally:
            with self._lock:
                self._in_flight.pop(sock, None)
                self._expired.discard(sock)
        if self._closed:  # the run ended during the handshake
            channel.close()
            return
        self._ready.put((channel, hello, peer))
        try:
            self._wake_w.send(b"\0")
        except OSError:  # the listener closed meanwhile; close() closes what is still queued
            pass

    def expire(self, now=None):
        """Cut the handshakes that are past their deadline (a peer that drips bytes, say)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            late = [s for s, deadline in self._in_flight.items() if deadline < now and s not in self._expired]
            self._expired.update(late)
        for sock in late:
            _cut(sock)

    def _reject(self, conn, peer, exc, elapsed, expired=False):
        try:
            conn.close()
        except OSError:
            pass
        if self._closed:
            logger.debug("trial listener closed during the handshake with %s", _peer_name(peer))
            return
        if expired or isinstance(exc, (TimeoutError, socket.timeout)):
            reason = "no complete handshake within %gs" % self.handshake_timeout
        else:
            reason = "%s: %s" % (type(exc).__name__, exc)
        logger.warning(
            "trial listener %s: dropped a connection from %s after %.1fs (%s)",
            _peer_name(self.address),
            _peer_name(peer),
            elapsed,
            reason,
        )

    def close(self):
        self._closed = True
        self._sock.close()
        with self._lock:
            pending = list(self._in_flight)
        for sock in pending:  # their handshake threads fail at once and end
            _cut(sock)
        while True:
            try:
                self._ready.get_nowait()[0].close()
            except queue.Empty:
                break
        self._wake_r.close()
        self._wake_w.close()


# -- TLS -----------------------------------------------------------------------------------
def tls_config_of(security, role):
    """The TLS settings of a ``distributed.Security`` for ``role``, as a JSON-able dict (or None)."""
    cfg = security.get_tls_config_for_role(role)
    if not (cfg.get("ca_file") and cfg.get("cert")):
        return None
    versions = {v: getattr(security, "tls_%s_version" % v, None) for v in ("min", "max")}
    cfg.update({"%s_version" % k: (v.name if v is not None else None) for k, v in versions.items()})
    return cfg


def client_tls_context(cfg):
    """A client-side context from :func:`tls_config_of`'s dict: verify the peer against the CA, show
    our certificate, no host name check (IP addresses and a dedicated CA, as Dask does)."""
    ca = cfg["ca_file"]
    ctx = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, **({"cadata": ca} if "\n" in ca else {"cafile": ca})
    )
    ctx.minimum_version = ssl.TLSVersion[cfg.get("min_version") or "TLSv1_2"]
    if cfg.get("max_version"):
        ctx.maximum_version = ssl.TLSVersion[cfg["max_version"]]
    cert, key = cfg["cert"], cfg.get("key")
    if "\n" in cert or (key and "\n" in key):  # certificates held in memory (Security.temporary())
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = _to_file(tmp, "cert.pem", cert), key and _to_file(tmp, "key.pem", key)
            ctx.load_cert_chain(cert, key)
    else:
        ctx.load_cert_chain(cert, key)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED
    if cfg.get("ciphers"):
        ctx.set_ciphers(cfg["ciphers"])
    return ctx


def _to_file(folder, name, text):
    if "\n" not in text:
        return text
    path = os.path.join(folder, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(text)
    return path
