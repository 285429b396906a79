"""Connection start: SSL negotiation, the startup packet and password authentication."""

from __future__ import annotations

import hmac
import logging
import socket
import ssl
from collections.abc import Callable

from pytest_crdb_security.simulator import pgwire
from pytest_crdb_security.simulator.certificates import random_secret
from pytest_crdb_security.simulator.errors import SqlError
from pytest_crdb_security.simulator.pgwire import BodyReader, MessageStream
from pytest_crdb_security.simulator.runtime import ClusterRuntime
from pytest_crdb_security.simulator.session_state import Session
from pytest_crdb_security.simulator.session_vars import VARIABLES, find_variable, normalize_value
from pytest_crdb_security.simulator.versions import Release

logger = logging.getLogger("pytest_crdb_security.simulator")

SECURE_MODE_MESSAGE = "node is running secure mode, SSL connection required"

# ParameterStatus order of CockroachDB's `statusReportParams`, then session_authorization.
STATUS_PARAMETERS = (
    "server_version",
    "server_encoding",
    "client_encoding",
    "application_name",
    "datestyle",
    "intervalstyle",
    "is_superuser",
    "timezone",
    "integer_datetimes",
    "standard_conforming_strings",
    "crdb_version",
)


class Startup:
    """Runs the startup phase of one connection until it is authenticated or rejected."""

    def __init__(
        self,
        sock: socket.socket,
        runtime: ClusterRuntime,
        on_tls: Callable[[ssl.SSLSocket], None],
    ) -> None:
        self._runtime = runtime
        self._on_tls = on_tls
        self.stream = MessageStream(sock, exact_reads=True)
        self._tls_active = False

    def run(self) -> Session | None:
        """Return the authenticated session, or None after an error was sent."""
        parameters = self._read_startup_parameters()
        if parameters is None:
            return None
        tls = self._runtime.scenario.tls
        if tls.enabled and not self._tls_active:
            self._reject(SqlError("08P01", SECURE_MODE_MESSAGE))
            return None

        session = self._authenticate(parameters)
        if session is not None:
            self.stream.exact_reads = False
        return session

    def _reject(self, error: SqlError) -> None:
        logger.debug("rejected a connection: %s (SQLSTATE %s)", error.message, error.sqlstate)
        self.stream.send_now(pgwire.error_response(error))

    def _read_startup_parameters(self) -> dict[str, str] | None:
        tls = self._runtime.scenario.tls
        while True:
            code, body = self.stream.read_startup()
            if code == pgwire.SSL_REQUEST:
                if tls.sslrequest_error is not None:
                    self._reject(SqlError("08P01", tls.sslrequest_error))
                    return None
                if not tls.enabled or self._tls_active or self._runtime.tls is None:
                    self.stream.send_now(b"N")
                    continue
                self._start_tls()
                continue
            if code == pgwire.GSSENC_REQUEST:
                self.stream.send_now(b"N")
                continue
            if code == pgwire.CANCEL_REQUEST:
                logger.debug("ignored a cancel request")
                return None
            if code >> 16 != 3:
                self._reject(SqlError("08P01", f"unknown protocol version {code}"))
                return None
            if code & 0xFFFF:
                # NOTE: how CockroachDB responds to a request for protocol 3.2 is
                # unconfirmed; the simulator offers 3.0 as PostgreSQL does.
                self.stream.write(pgwire.negotiate_protocol_version(0))
            return _parse_parameters(body)

    def _start_tls(self) -> None:
        if self.stream.has_buffered_input:
            raise SqlError("08P01", "received unencrypted data after SSL request")
        assert self._runtime.tls is not None
        self.stream.send_now(b"S")
        wrapped = self._runtime.tls.context.wrap_socket(self.stream.sock, server_side=True)
        self._on_tls(wrapped)
        self.stream = MessageStream(wrapped, exact_reads=True)
        self._tls_active = True

    def _read_password(self) -> str:
        self.stream.send_now(pgwire.authentication_cleartext_password())
        message_type, body = self.stream.read_message()
        if message_type != b"p":
            raise SqlError("08P01", f"expected a password message, got {message_type!r}")
        return BodyReader(body).cstring()

    def _authenticate(self, parameters: dict[str, str]) -> Session | None:
        runtime = self._runtime
        scenario = runtime.scenario
        user_name = parameters.get("user", "").lower()
        password = self._read_password() if scenario.tls.enabled else None

        account = scenario.user(user_name)
        privileges = runtime.executor.privileges
        failed = SqlError("28P01", f"password authentication failed for user {user_name}")
        if account is None:
            self._reject(failed)
            return None
        if not privileges.can_log_in(user_name):
            self._reject(SqlError("28000", f"{user_name} does not have login privilege"))
            return None
        if password is not None and (
            account.password is None
            or not hmac.compare_digest(account.password.encode(), password.encode())
        ):
            self._reject(failed)
            return None

        session = Session.start(
            scenario, user_name, parameters.get("database", ""), privileges.is_admin(user_name)
        )
        try:
            _apply_startup_variables(session, parameters, scenario.release)
        except SqlError as error:
            self._reject(error)
            return None
        self._send_welcome(session)
        return session

    def _send_welcome(self, session: Session) -> None:
        self.stream.write(pgwire.authentication_ok())
        for name in STATUS_PARAMETERS:
            status_name = VARIABLES[name].status_name or name
            self.stream.write(pgwire.parameter_status(status_name, session.variables[name]))
        self.stream.write(pgwire.parameter_status("session_authorization", session.user))
        self.stream.write(pgwire.backend_key_data(self._runtime.next_process_id(), random_secret()))
        self.stream.write(pgwire.ready_for_query(session.transaction_status))
        self.stream.flush()


def _parse_parameters(body: bytes) -> dict[str, str]:
    reader = BodyReader(body)
    parameters: dict[str, str] = {}
    while True:
        try:
            name = reader.cstring()
        except SqlError:
            break
        if not name:
            break
        parameters[name] = reader.cstring()
    return parameters


def _option_assignments(options: str) -> list[tuple[str, str]]:
    """Parse libpq `options` such as `-c allow_unsafe_internals=on --search_path=app`."""
    words = options.split()
    assignments: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "-c" and index + 1 < len(words):
            word = words[index + 1]
            index += 1
        elif word.startswith("-c") or word.startswith("--"):
            word = word[2:]
        name, _, value = word.partition("=")
        assignments.append((name.replace("-", "_"), value))
        index += 1
    return assignments


def _apply_startup_variables(
    session: Session, parameters: dict[str, str], release: Release
) -> None:
    assignments = [
        (name, value)
        for name, value in parameters.items()
        if name not in ("user", "database", "options") and name.lower() in VARIABLES
    ]
    assignments += _option_assignments(parameters.get("options", ""))
    for name, value in assignments:
        variable = find_variable(name, release)
        session.variables[variable.name] = normalize_value(variable, value)
