"""Settings of the TLS probe: host, port, libpq TLS parameters and time limits."""

from __future__ import annotations

import ipaddress
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from pytest_crdb_security.target import Target

# libpq parameters of the URL and the environment variables libpq reads for them.
# NOTE: libpq also falls back to ~/.postgresql/root.crt, postgresql.crt and
# postgresql.key; the probe does not, so name such files in the URL.
_PARAMETER_VARIABLES = {
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslsni": "PGSSLSNI",
}
SYSTEM_ROOTS = "system"


@dataclass(frozen=True)
class TlsProbeSettings:
    """Address, TLS parameters and time limits of the probe.

    ``repr`` leaves out ``client_key_password``, and the plugin registers it with the
    redactor.
    """

    host: str
    port: int
    server_name: str | None  # SNI; None for an IP address or with sslsni=0
    root_certificates: str | None  # a PEM file, "system" for the system store, or None
    client_certificate: str | None
    client_key: str | None
    client_key_password: str | None = field(default=None, repr=False)
    connect_timeout: float = 10.0  # seconds, for connecting and for each read
    budget: float = 60.0  # seconds the whole probe may take

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def probe_settings(
    target: Target, timeout: int, environment: Mapping[str, str] | None = None
) -> TlsProbeSettings:
    """Read the libpq TLS parameters of the target URL, then of the environment.

    ``timeout`` is the ``--crdb-timeout`` in seconds. Connecting waits as long as the SQL
    session does: a third of it, at least 5 s. The whole probe may take twice the
    timeout, at least 20 s.
    """
    environment = os.environ if environment is None else environment
    query = dict(parse_qsl(urlsplit(target.url).query, keep_blank_values=True))
    values = {
        name: query.get(name) or environment.get(variable) or None
        for name, variable in _PARAMETER_VARIABLES.items()
    }
    password = query.get("sslpassword") or None
    server_name = None if _is_ip_address(target.host) or values["sslsni"] == "0" else target.host
    return TlsProbeSettings(
        host=target.host,
        port=target.port,
        server_name=server_name,
        root_certificates=values["sslrootcert"],
        client_certificate=values["sslcert"],
        client_key=values["sslkey"],
        client_key_password=password,
        connect_timeout=float(max(5, timeout // 3)),
        budget=float(max(20, 2 * timeout)),
    )


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class Deadline:
    """A point in monotonic time after which the probe starts no new connection.

    ``cancel`` (safe from any thread) makes it expire at once, so that a probe still
    running when pytest ends stops after the connections already open.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def remaining(self) -> float:
        if self._cancelled.is_set():
            return 0.0
        return max(0.0, self._end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def reason(self) -> str:
        """Say why a step did not run after the deadline expired."""
        if self._cancelled.is_set():
            return "not tested: the audit ended before this step ran"
        return f"not tested: the TLS probe used up its {self.seconds:g} s budget"

    def bound(self, timeout: float) -> float:
        """Return ``timeout`` cut to the time left, but at least 0.1 s."""
        return max(0.1, min(timeout, self.remaining()))
