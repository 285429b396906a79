"""One client connection of the simulated cluster, served on its own thread."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading

from pytest_crdb_security.simulator import pgwire
from pytest_crdb_security.simulator.errors import ConnectionClosed, SqlError
from pytest_crdb_security.simulator.query_protocol import QueryLoop
from pytest_crdb_security.simulator.runtime import ClusterRuntime
from pytest_crdb_security.simulator.startup import Startup

logger = logging.getLogger("pytest_crdb_security.simulator")

# How long closing a TLS connection waits for the client's close_notify, in seconds.
TLS_SHUTDOWN_SECONDS = 0.1


class ClientConnection:
    """Serves one accepted socket until the client leaves or the cluster stops.

    `interrupt` may be called from another thread: it shuts the socket down,
    which wakes a blocked read (or TLS handshake) so that `serve` returns.
    """

    def __init__(self, sock: socket.socket, runtime: ClusterRuntime, number: int) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()
        self._socket: socket.socket = sock
        # A second descriptor of the same socket: shutting it down also stops
        # reads on the TLS socket that later wraps `sock`.
        self._waker = sock.dup()
        self._closed = False
        self._number = number
        self.thread = threading.Thread(
            target=self.serve, name=f"crdb-simulator-connection-{number}", daemon=True
        )

    def _replace_socket(self, wrapped: ssl.SSLSocket) -> None:
        with self._lock:
            self._socket = wrapped

    def interrupt(self) -> None:
        with self._lock:
            if self._closed:
                return
            with contextlib.suppress(OSError):
                self._waker.shutdown(socket.SHUT_RDWR)

    def serve(self) -> None:
        try:
            startup = Startup(self._socket, self._runtime, self._replace_socket)
            session = startup.run()
            if session is not None:
                QueryLoop(startup.stream, session, self._runtime).run()
        except ConnectionClosed:
            pass
        except SqlError as error:
            self._send_final_error(error)
        except (OSError, ssl.SSLError) as error:
            logger.debug("connection %d ended: %s", self._number, error)
        except Exception as error:
            logger.exception("unexpected error while serving connection %d", self._number)
            self._runtime.record_unexpected_error(f"{type(error).__name__}: {error}")
        finally:
            self._close()

    def _send_final_error(self, error: SqlError) -> None:
        with contextlib.suppress(OSError):
            self._socket.sendall(pgwire.error_response(error))

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            sock = self._socket
            self._waker.close()
        if isinstance(sock, ssl.SSLSocket):
            # Send close_notify as PostgreSQL does; libpq reports a bare EOF on
            # a TLS connection (for example after a cancel request) as an error.
            sock.settimeout(TLS_SHUTDOWN_SECONDS)
            with contextlib.suppress(OSError, ValueError):
                sock.unwrap()
        with contextlib.suppress(OSError):
            sock.close()
