"""Cipher suite enumeration with sslyze, used instead of ``openssl`` when it is installed.

sslyze is not a dependency of this project: it is imported only when present, and its
objects are handled as ``Any``. The calls follow sslyze's API from version 5 on
(``Scanner``, ``ServerScanRequest``, ``ServerNetworkConfiguration`` with
``ProtocolWithOpportunisticTlsEnum.POSTGRES``).

NOTE: this module has not run in the project's tests, because the test machine has no
sslyze; only the ``openssl`` path is tested.
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from pathlib import Path
from typing import Any

from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.evidence.tls_model import (
    TLS_1_2,
    TLS_1_3,
    CipherResult,
    CipherScan,
    ProbeStatus,
)
from pytest_crdb_security.evidence.tls_settings import Deadline, TlsProbeSettings

# Scan commands and the protocol label of their results.
_COMMANDS = (
    ("TLS_1_2_CIPHER_SUITES", "tls_1_2_cipher_suites", TLS_1_2),
    ("TLS_1_3_CIPHER_SUITES", "tls_1_3_cipher_suites", TLS_1_3),
)


def sslyze_installed() -> bool:
    return importlib.util.find_spec("sslyze") is not None


def scan_ciphers_sslyze(
    settings: TlsProbeSettings, deadline: Deadline, client_certificate: bool
) -> CipherScan | Unavailable:
    """Run sslyze's TLS 1.2 and TLS 1.3 cipher suite scans over the PostgreSQL SSLRequest."""
    if deadline.expired():
        return Unavailable(deadline.reason())
    started = time.monotonic()
    try:
        sslyze: Any = importlib.import_module("sslyze")
        request = _scan_request(sslyze, settings, client_certificate)
        scanner = sslyze.Scanner()
        scanner.queue_scans([request])
        results = list(scanner.get_results())
    except Exception as error:  # sslyze raises its own error types for bad input
        return Unavailable(f"sslyze failed: {type(error).__name__}: {error}")
    if len(results) != 1:
        return Unavailable(f"sslyze returned {len(results)} results for one server")
    return _scan_from_result(sslyze, results[0], time.monotonic() - started)


def _scan_request(sslyze: Any, settings: TlsProbeSettings, client_certificate: bool) -> Any:
    credentials = None
    if client_certificate and settings.client_certificate:
        credentials = sslyze.ClientAuthenticationCredentials(
            certificate_chain_path=Path(settings.client_certificate),
            key_path=Path(settings.client_key or settings.client_certificate),
            key_password=settings.client_key_password or "",
        )
    configuration = sslyze.ServerNetworkConfiguration(
        tls_server_name_indication=settings.server_name or settings.host,
        tls_opportunistic_encryption=sslyze.ProtocolWithOpportunisticTlsEnum.POSTGRES,
        tls_client_auth_credentials=credentials,
        network_timeout=int(settings.connect_timeout),
        network_max_retries=1,
    )
    commands = {getattr(sslyze.ScanCommand, name) for name, _, _ in _COMMANDS}
    return sslyze.ServerScanRequest(
        server_location=sslyze.ServerNetworkLocation(hostname=settings.host, port=settings.port),
        network_configuration=configuration,
        scan_commands=commands,
    )


def _scan_from_result(sslyze: Any, result: Any, seconds: float) -> CipherScan | Unavailable:
    if result.scan_status != sslyze.ServerScanStatusEnum.COMPLETED or result.scan_result is None:
        trace = result.connectivity_error_trace
        reason = str(trace).strip().splitlines()[-1] if trace else str(result.scan_status)
        return Unavailable(f"sslyze could not connect: {reason}")
    found: list[CipherResult] = []
    for _, attribute, protocol in _COMMANDS:
        attempt = getattr(result.scan_result, attribute)
        completed = sslyze.ScanCommandAttemptStatusEnum.COMPLETED
        if attempt.status != completed or attempt.result is None:
            reason = str(attempt.error_reason or attempt.status)
            found.append(CipherResult(protocol, "(all suites)", ProbeStatus.FAILED, reason))
            continue
        for accepted in attempt.result.accepted_cipher_suites:
            found.append(CipherResult(protocol, accepted.cipher_suite.name, ProbeStatus.ACCEPTED))
        for rejected in attempt.result.rejected_cipher_suites:
            found.append(
                CipherResult(
                    protocol,
                    rejected.cipher_suite.name,
                    ProbeStatus.REJECTED,
                    str(getattr(rejected, "error_message", "") or ""),
                )
            )
    tool = f"sslyze {_sslyze_version()}".strip()
    return CipherScan(tool=tool, results=tuple(found), seconds=seconds)


def _sslyze_version() -> str:
    try:
        module = importlib.import_module("sslyze.__version__")
    except ImportError:
        return ""
    return str(getattr(module, "__version__", ""))
