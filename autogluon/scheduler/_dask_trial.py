"""Entry point of a trial process on a Dask cluster whose trial channel uses TLS.

``python -m autogluon.scheduler._dask_trial --connect HOST:PORT`` with ``$AUTOGLUON_AUTHKEY`` and
``$AUTOGLUON_TLS`` (the Dask worker's TLS settings as JSON: CA, certificate and key, as paths on
this machine or as PEM text) set by the launcher. It connects over TLS, verifying the driver's
certificate against the CA and showing the worker's, then runs the ordinary trial worker loop
(:func:`autogluon.scheduler._worker.main`) over that connection.
"""

import json
import os
import socket
import ssl
import sys

from . import _wire, _worker
from ._channel import TLS_FAILED, client_tls_context, connect


def _connect_tls(address):
    host, port = address.rsplit(":", 1)
    authkey = _wire.pop_authkey()
    ctx = client_tls_context(json.loads(os.environ.pop(_wire.ENV_TLS)))
    try:
        conn = connect(host.strip("[]"), int(port), authkey, ssl_context=ctx)
    except ssl.SSLError as exc:
        if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
            sys.exit(1)  # dropped during the handshake: the launcher starts a fresh process
        # Certificates that do not fit: the launcher makes this the run's error.
        sys.stderr.write("autogluon trial process: TLS to the driver at %s failed: %s\n" % (address, exc))
        sys.exit(TLS_FAILED)
    except (ConnectionRefusedError, TimeoutError, socket.gaierror):
        sys.exit(3)  # the driver is gone or unreachable: nothing to do
    except (EOFError, OSError):
        sys.exit(1)  # dropped during the handshake (reset, closed): the launcher starts a fresh process
    _wire.send_hello(conn)
    return conn


def main(address):
    _worker.main(connect=address, connector=_connect_tls)


if __name__ == "__main__":
    main(sys.argv[sys.argv.index("--connect") + 1])
