"""Cipher suite enumeration with ``openssl s_client``, one suite per handshake.

TLS 1.2 suites are those Go implements, since CockroachDB is written in Go: its
default AEAD suites and its older suites (CBC, RSA key exchange, 3DES, RC4), some of
which ``COCKROACH_TLS_ENABLE_OLD_CIPHER_SUITES`` turns on. One more handshake offers
every other suite of the local OpenSSL, to find suites that a TLS proxy in front of the
nodes may add. TLS 1.3 has five suites, all
tested. The handshakes are independent, so the caller runs them in parallel.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from pytest_crdb_security.evidence.tls_model import (
    TLS_1_2,
    TLS_1_3,
    CipherResult,
    CipherScan,
    ProbeStatus,
)
from pytest_crdb_security.evidence.tls_settings import Deadline, TlsProbeSettings
from pytest_crdb_security.evidence.tls_tools import OpensslTool, SClientRun, run_s_client
from pytest_crdb_security.parsing.openssl_output import HandshakeOutcome, classify_s_client

TLS12_SUITES = (
    # Go's default suites: ECDHE with AES-GCM or ChaCha20-Poly1305.
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    # Go's other suites: CBC mode, RSA key exchange, 3DES and RC4.
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "AES128-SHA",
    "AES256-SHA",
    "AES128-SHA256",
    "DES-CBC3-SHA",
    "ECDHE-RSA-DES-CBC3-SHA",
    "RC4-SHA",
    "ECDHE-RSA-RC4-SHA",
    "ECDHE-ECDSA-RC4-SHA",
)
TLS13_SUITES = (
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256",
    "TLS_AES_128_CCM_8_SHA256",
)
# The sweep for other suites stops after this many accepted suites.
MAX_OTHER_SUITES = 8
OTHER_SUITES = "other suites of the local OpenSSL"
# Cipher strings lower the security level so that OpenSSL 3 offers weak suites at all.
_ANY_LEVEL = "@SECLEVEL=0"

CipherTask = Callable[[], list[CipherResult]]


def openssl_cipher_tasks(
    tool: OpensslTool, settings: TlsProbeSettings, deadline: Deadline, client_certificate: bool
) -> list[CipherTask]:
    """Return one task per suite plus the sweep for other suites; each returns results."""

    def run(options: list[str]) -> SClientRun:
        timeout = deadline.bound(settings.connect_timeout + 5)
        return run_s_client(tool, settings, options, timeout, client_certificate)

    def tls12(suite: str) -> list[CipherResult]:
        if deadline.expired():
            return [CipherResult(TLS_1_2, suite, ProbeStatus.FAILED, deadline.reason())]
        return [
            _suite_result(
                tool, TLS_1_2, suite, run(["-tls1_2", "-cipher", f"{suite}:{_ANY_LEVEL}"])
            )
        ]

    def tls13(suite: str) -> list[CipherResult]:
        if deadline.expired():
            return [CipherResult(TLS_1_3, suite, ProbeStatus.FAILED, deadline.reason())]
        return [_suite_result(tool, TLS_1_3, suite, run(["-tls1_3", "-ciphersuites", suite]))]

    def others() -> list[CipherResult]:
        return sweep_other_suites(run, deadline)

    tasks: list[CipherTask] = [functools.partial(tls12, suite) for suite in TLS12_SUITES]
    tasks += [functools.partial(tls13, suite) for suite in TLS13_SUITES]
    tasks.append(others)
    return tasks


def _suite_result(tool: OpensslTool, protocol: str, suite: str, run: SClientRun) -> CipherResult:
    if run.output is None:
        return CipherResult(protocol, suite, ProbeStatus.FAILED, run.failure or "no output")
    outcome, reason = classify_s_client(run.output)
    if outcome is HandshakeOutcome.ACCEPTED:
        if run.output.cipher != suite:
            # The server cannot pick a suite that was not offered; report what happened.
            return CipherResult(
                protocol, suite, ProbeStatus.FAILED, f"the server chose {run.output.cipher}"
            )
        return CipherResult(protocol, suite, ProbeStatus.ACCEPTED, reason)
    if outcome is HandshakeOutcome.REJECTED:
        return CipherResult(protocol, suite, ProbeStatus.REJECTED, reason)
    if outcome is HandshakeOutcome.LOCAL_UNSUPPORTED:
        return CipherResult(
            protocol, suite, ProbeStatus.UNTESTABLE, f"the local {tool.label} cannot offer it"
        )
    return CipherResult(protocol, suite, ProbeStatus.FAILED, reason)


def sweep_other_suites(
    run: Callable[[list[str]], SClientRun], deadline: Deadline
) -> list[CipherResult]:
    """Offer every TLS 1.2 suite not tested one by one, and then again without each suite
    the server picked, until it rejects the rest."""
    excluded = list(TLS12_SUITES)
    found: list[CipherResult] = []
    while len(found) < MAX_OTHER_SUITES:
        if deadline.expired():
            found.append(CipherResult(TLS_1_2, OTHER_SUITES, ProbeStatus.FAILED, deadline.reason()))
            return found
        cipher_string = ":".join(["ALL", "COMPLEMENTOFALL", *(f"!{name}" for name in excluded)])
        result = run(["-tls1_2", "-cipher", f"{cipher_string}:{_ANY_LEVEL}"])
        if result.output is None:
            found.append(
                CipherResult(TLS_1_2, OTHER_SUITES, ProbeStatus.FAILED, result.failure or "")
            )
            return found
        outcome, reason = classify_s_client(result.output)
        cipher = result.output.cipher
        if outcome is HandshakeOutcome.ACCEPTED and cipher and cipher not in excluded:
            found.append(
                CipherResult(TLS_1_2, cipher, ProbeStatus.ACCEPTED, "found among the other suites")
            )
            excluded.append(cipher)
            continue
        status = (
            ProbeStatus.REJECTED if outcome is HandshakeOutcome.REJECTED else ProbeStatus.FAILED
        )
        if outcome is HandshakeOutcome.LOCAL_UNSUPPORTED:
            status = ProbeStatus.UNTESTABLE
        found.append(CipherResult(TLS_1_2, OTHER_SUITES, status, reason))
        return found
    found.append(
        CipherResult(
            TLS_1_2,
            OTHER_SUITES,
            ProbeStatus.FAILED,
            f"stopped after {MAX_OTHER_SUITES} accepted suites; more may be accepted",
        )
    )
    return found


def assemble_scan(tool: OpensslTool, results: list[CipherResult], seconds: float) -> CipherScan:
    """Order the results as the suites were listed and name the tool."""
    return CipherScan(
        tool=f"openssl s_client of {tool.label}, one suite per handshake",
        results=tuple(results),
        seconds=seconds,
    )
