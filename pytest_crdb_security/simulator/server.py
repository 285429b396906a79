"""SimulatedCluster: a loopback pgwire server that responds like a CockroachDB cluster."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from pytest_crdb_security.simulator.certificates import TlsMaterial
from pytest_crdb_security.simulator.connection import ClientConnection
from pytest_crdb_security.simulator.executor import Executor
from pytest_crdb_security.simulator.runtime import ClusterRuntime
from pytest_crdb_security.simulator.scenario import Scenario

logger = logging.getLogger("pytest_crdb_security.simulator")

# How often the accept loop checks whether the cluster is stopping, in seconds.
ACCEPT_POLL_SECONDS = 0.05
JOIN_TIMEOUT_SECONDS = 2.0


def _loopback_address(host: str) -> str:
    """Return the loopback IP for `host`; raise ValueError for any other address."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host {host!r} is not an IP address; use 127.0.0.1 or ::1") from None
    if not address.is_loopback:
        raise ValueError(f"host {host!r} is not a loopback address; use 127.0.0.1 or ::1")
    return str(address)


class SimulatedCluster:
    """A simulated CockroachDB cluster serving one scenario on a loopback port.

    Use it as a context manager: the server thread starts on entry and stops,
    closing every connection, on exit.
    """

    def __init__(self, scenario: Scenario, host: str = "127.0.0.1", port: int = 0) -> None:
        self.scenario = scenario
        self.host = _loopback_address(host)
        self.port = port
        self._requested_port = port
        self._runtime: ClusterRuntime | None = None
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[ClientConnection] = set()
        self._connections_lock = threading.Lock()

    def __enter__(self) -> SimulatedCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def ca_cert_path(self) -> Path | None:
        """CA certificate (PEM) that signed the node certificate; None when insecure."""
        if self._runtime is None or self._runtime.tls is None:
            return None
        return self._runtime.tls.ca_path

    @property
    def statements(self) -> list[str]:
        """Copy of every statement text received so far, in order.

        Simple-protocol queries count once per statement; extended-protocol
        statements count once per Parse message.
        """
        return self._running_runtime().statements()

    def clear_statements(self) -> None:
        """Forget the statements received so far."""
        self._running_runtime().clear_statements()

    @property
    def unexpected_errors(self) -> list[str]:
        """Exceptions that broke a connection handler; empty unless the simulator has a bug."""
        return self._running_runtime().unexpected_errors()

    def url(
        self,
        user: str | None = None,
        password: str | None = None,
        database: str = "defaultdb",
    ) -> str:
        """Return a libpq URL for this cluster.

        Without `user`, the URL uses the scenario's audit user and password.
        With a `user` but no `password`, it uses that user's scenario password.
        Secure clusters get `sslmode=verify-full` against `ca_cert_path`; an
        insecure one gets `sslmode=disable` and no password unless one is given.
        """
        name = user or self.scenario.audit_user
        if password is None and self.scenario.tls.enabled:
            account = self.scenario.user(name)
            password = account.password if account is not None else None
        credentials = quote(name, safe="")
        if password is not None:
            credentials += ":" + quote(password, safe="")
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = f"postgresql://{credentials}@{host}:{self.port}/{quote(database, safe='')}"
        if self.ca_cert_path is None:
            return f"{base}?sslmode=disable"
        return f"{base}?sslmode=verify-full&sslrootcert={quote(str(self.ca_cert_path), safe='/')}"

    def start(self) -> SimulatedCluster:
        """Create the certificates, bind the port and start serving."""
        if self._runtime is not None:
            raise RuntimeError("the simulated cluster is already running")
        tls = TlsMaterial(self.scenario.tls) if self.scenario.tls.enabled else None
        runtime = ClusterRuntime(self.scenario, Executor(self.scenario), tls)
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            listener = socket.create_server((self.host, self._requested_port), family=family)
        except OSError:
            if tls is not None:
                tls.cleanup()
            raise
        listener.settimeout(ACCEPT_POLL_SECONDS)

        self._runtime = runtime
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._stopping.clear()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"crdb-simulator-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()
        logger.info(
            "simulated cluster %s (%s) listening on %s:%d",
            self.scenario.name,
            self.scenario.version,
            self.host,
            self.port,
        )
        return self

    def stop(self) -> None:
        """Stop accepting, close every connection, join the threads and delete the certs."""
        if self._runtime is None:
            return
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(JOIN_TIMEOUT_SECONDS)
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            connection.interrupt()
        for connection in connections:
            connection.thread.join(JOIN_TIMEOUT_SECONDS)
        if self._listener is not None:
            self._listener.close()
        if self._runtime.tls is not None:
            self._runtime.tls.cleanup()
        logger.info("simulated cluster %s on port %d stopped", self.scenario.name, self.port)
        self._listener = None
        self._accept_thread = None
        self._runtime = None

    def _running_runtime(self) -> ClusterRuntime:
        if self._runtime is None:
            raise RuntimeError("the simulated cluster is not running; call start() first")
        return self._runtime

    def _accept_loop(self) -> None:
        assert self._listener is not None and self._runtime is not None
        number = 0
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError as error:
                if not self._stopping.is_set():
                    logger.warning("accept failed on port %d: %s", self.port, error)
                return
            sock.settimeout(None)
            number += 1
            connection = ClientConnection(sock, self._runtime, number)
            with self._connections_lock:
                self._connections.add(connection)
            connection.thread.start()
            self._forget_finished()

    def _forget_finished(self) -> None:
        with self._connections_lock:
            self._connections = {
                connection for connection in self._connections if connection.thread.is_alive()
            }
