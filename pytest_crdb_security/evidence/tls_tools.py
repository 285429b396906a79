"""The local ``openssl`` command: finding it, reading its version, running ``s_client``.

``s_client -starttls postgres`` sends the SSLRequest itself. Every run has a timeout,
reads nothing from standard input (so it closes right after the handshake) and never
gets a password on its command line: a client key password travels in an environment
variable of the child process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from pytest_crdb_security.evidence.tls_model import Untestable
from pytest_crdb_security.evidence.tls_settings import TlsProbeSettings
from pytest_crdb_security.parsing.openssl_output import (
    OpensslVersion,
    SClientOutput,
    parse_openssl_version,
    parse_s_client,
)

_PASSWORD_VARIABLE = "CRDB_SECURITY_SSLKEY_PASSWORD"


@dataclass(frozen=True)
class OpensslTool:
    """An ``openssl`` command and the version of its TLS library."""

    path: str
    version: OpensslVersion

    @property
    def label(self) -> str:
        return self.version.label


def _run_openssl(
    arguments: Sequence[str], timeout: float, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``openssl`` with no standard input and capture its text output.

    Raises subprocess.TimeoutExpired or OSError, which each caller words for its step.
    """
    return subprocess.run(
        list(arguments),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
        env=environment,
    )


def find_openssl(timeout: float, command: str = "openssl") -> OpensslTool | Untestable:
    """Locate ``command`` on PATH and read its version."""
    path = shutil.which(command)
    if path is None:
        return Untestable(f"the {command} command is not installed (not found on PATH)")
    try:
        completed = _run_openssl([path, "version"], timeout)
    except subprocess.TimeoutExpired:
        return Untestable(f"`{path} version` did not finish within {timeout:g} s")
    except OSError as error:
        return Untestable(f"cannot run {path}: {error.strerror or error}")
    try:
        version = parse_openssl_version(completed.stdout)
    except ValueError as error:
        return Untestable(f"{path}: {error}")
    problem = _starttls_postgres_problem(path, timeout)
    if problem is not None:
        return Untestable(f"{path} ({version.label}) {problem}")
    return OpensslTool(path, version)


def _starttls_postgres_problem(path: str, timeout: float) -> str | None:
    """Return why ``s_client`` cannot speak the PostgreSQL SSLRequest, or None when it can.

    ``s_client`` validates ``-starttls`` before it handles ``-help``, so this connects
    nowhere: it exits 0 with the usage text, or 1 with the values it accepts.
    """
    try:
        completed = _run_openssl([path, "s_client", "-starttls", "postgres", "-help"], timeout)
    except subprocess.TimeoutExpired:
        return f"did not finish `s_client -help` within {timeout:g} s"
    except OSError as error:
        return f"cannot run s_client: {error.strerror or error}"
    if completed.returncode != 0:
        return "cannot start TLS over the PostgreSQL protocol (s_client -starttls postgres)"
    return None


@dataclass(frozen=True)
class SClientRun:
    """The parsed output of one ``s_client`` run, or why it produced none."""

    output: SClientOutput | None
    failure: str | None = None


def run_s_client(
    tool: OpensslTool,
    settings: TlsProbeSettings,
    options: Sequence[str],
    timeout: float,
    client_certificate: bool,
) -> SClientRun:
    """Run ``openssl s_client -starttls postgres`` against the SQL port with ``options``.

    ``client_certificate`` presents the URL's sslcert and sslkey, which Python's ``ssl``
    has already loaded successfully.
    """
    arguments = [tool.path, "s_client", "-connect", settings.address, "-starttls", "postgres"]
    if settings.server_name:
        arguments += ["-servername", settings.server_name]
    else:
        arguments.append("-noservername")
    environment = dict(os.environ)
    if client_certificate and settings.client_certificate:
        arguments += ["-cert", settings.client_certificate]
        if settings.client_key:
            arguments += ["-key", settings.client_key]
        if settings.client_key_password:
            environment[_PASSWORD_VARIABLE] = settings.client_key_password
            arguments += ["-pass", f"env:{_PASSWORD_VARIABLE}"]
    arguments += list(options)
    try:
        completed = _run_openssl(arguments, timeout, environment)
    except subprocess.TimeoutExpired:
        return SClientRun(None, f"openssl s_client did not finish within {timeout:g} s")
    except OSError as error:
        return SClientRun(None, f"cannot run {tool.path}: {error.strerror or error}")
    return SClientRun(parse_s_client(completed.stdout, completed.stderr))
