"""The TLS probe of the SQL port: SSLRequest, served certificate, versions, suites, groups.

The first connection decides what follows: a reply other than ``S``, or a failed
handshake, ends the probe. Otherwise the remaining handshakes (chain verification,
one per TLS version, one per cipher suite, the hybrid key exchange) run in parallel
threads, each with its own timeout, and the whole probe stays within the settings'
budget. Behind a load balancer the handshakes may reach different nodes.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.evidence.tls_chain import chain_from_openssl, served_certificate
from pytest_crdb_security.evidence.tls_ciphers import assemble_scan, openssl_cipher_tasks
from pytest_crdb_security.evidence.tls_handshake import (
    ClientContexts,
    ProbeConnectionError,
    ServedHandshake,
    open_sslrequest,
    probe_protocol,
    served_handshake,
    verify_chain,
)
from pytest_crdb_security.evidence.tls_key_exchange import HYBRID_GROUP, probe_key_exchange
from pytest_crdb_security.evidence.tls_model import (
    PROTOCOL_LABELS,
    ChainTrust,
    CipherResult,
    CipherScan,
    ProbeStatus,
    ProtocolResult,
    ServedCertificate,
    TlsEvidence,
    TrustStatus,
    Untestable,
    unavailable_evidence,
)
from pytest_crdb_security.evidence.tls_settings import Deadline, TlsProbeSettings
from pytest_crdb_security.evidence.tls_sslyze import scan_ciphers_sslyze, sslyze_installed
from pytest_crdb_security.evidence.tls_tools import OpensslTool, find_openssl
from pytest_crdb_security.parsing.sslrequest import ReplyKind, SslRequestReply

logger = logging.getLogger("pytest_crdb_security.tls")

# Parallel handshakes; each is short and mostly waits on the network or a child process.
PROBE_WORKERS = 8
# How long collecting a result may wait past the deadline for a step already running.
COLLECT_GRACE_SECONDS = 5.0

T = TypeVar("T")
CipherEvidence = CipherScan | Untestable | Unavailable


def probe_tls(
    settings: TlsProbeSettings, contexts: ClientContexts, deadline: Deadline
) -> TlsEvidence:
    """Probe the SQL port of ``settings``; network and TLS errors become evidence."""
    started = time.monotonic()
    logger.debug("TLS probe of %s started", settings.address)
    try:
        sock, reply = open_sslrequest(settings)
    except ProbeConnectionError as error:
        reason = str(error)
        logger.debug("TLS probe of %s could not connect: %s", settings.address, reason)
        return unavailable_evidence(
            settings.address, Unavailable(reason), reason, time.monotonic() - started
        )
    if reply.kind is not ReplyKind.TLS:
        sock.close()
        reason = f"the server {reply.describe()}"
        return unavailable_evidence(settings.address, reply, reason, time.monotonic() - started)
    try:
        served = served_handshake(sock, contexts.default, settings)
    except OSError as error:
        reason = (
            f"the TLS handshake with {settings.address} failed after the server answered S:"
            f" {_ssl_error_text(error)}"
        )
        logger.debug("TLS probe of %s: %s", settings.address, reason)
        return unavailable_evidence(settings.address, reply, reason, time.monotonic() - started)

    evidence = _probe_in_parallel(settings, contexts, deadline, reply, served, started)
    logger.debug("TLS probe of %s finished in %.2f s", settings.address, evidence.seconds)
    return evidence


def _ssl_error_text(error: OSError) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return error.reason.replace("_", " ").lower()
    return error.strerror or str(error) or type(error).__name__


def _probe_in_parallel(
    settings: TlsProbeSettings,
    contexts: ClientContexts,
    deadline: Deadline,
    reply: SslRequestReply,
    served: ServedHandshake,
    started: float,
) -> TlsEvidence:
    tool = find_openssl(deadline.bound(settings.connect_timeout))
    client = contexts.client_certificate_loaded
    pool = ThreadPoolExecutor(PROBE_WORKERS, thread_name_prefix="crdb-tls-probe")
    try:
        trust_future = pool.submit(verify_chain, settings, contexts)
        protocol_futures = [
            pool.submit(_protocol_step, settings, label, contexts.pinned[label], deadline)
            for label in PROTOCOL_LABELS
        ]
        chain_future = None
        if served.chain is None:
            chain_future = pool.submit(chain_from_openssl, tool, settings, deadline, client)
        key_future = pool.submit(probe_key_exchange, tool, settings, deadline, client)
        collect_ciphers = _start_cipher_scan(pool, tool, settings, deadline, client)

        trust = _collect(trust_future, deadline, "the chain verification")
        protocols = tuple(
            _protocol_result(label, future, deadline)
            for label, future in zip(PROTOCOL_LABELS, protocol_futures, strict=True)
        )
        chain: tuple[bytes, ...] | str | Unavailable = served.chain or ()
        if chain_future is not None:
            chain = _collect(chain_future, deadline, "openssl s_client -showcerts")
        key_exchange = _collect(key_future, deadline, f"the {HYBRID_GROUP} handshake")
        ciphers = collect_ciphers()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)

    if isinstance(trust, Unavailable):
        trust = ChainTrust(TrustStatus.ERROR, trust.reason)
    if isinstance(chain, Unavailable):
        chain = f"only the leaf is known: {chain.reason}"
    certificate: ServedCertificate | Unavailable
    try:
        certificate = served_certificate(served.leaf, chain, settings, trust)
    except ValueError as error:
        certificate = Unavailable(
            f"the certificate served by {settings.address} does not parse: {error}"
        )
    return TlsEvidence(
        address=settings.address,
        reply=reply,
        handshake=served.handshake,
        certificate=certificate,
        protocols=protocols,
        ciphers=ciphers,
        key_exchange=key_exchange,
        notes=contexts.notes,
        seconds=time.monotonic() - started,
    )


def _protocol_step(
    settings: TlsProbeSettings, label: str, context: ssl.SSLContext | str, deadline: Deadline
) -> ProtocolResult:
    if deadline.expired():
        return ProtocolResult(label, ProbeStatus.FAILED, deadline.reason())
    return probe_protocol(settings, label, context)


def _protocol_result(
    label: str, future: Future[ProtocolResult], deadline: Deadline
) -> ProtocolResult:
    result = _collect(future, deadline, f"the {label} handshake")
    if isinstance(result, Unavailable):
        return ProtocolResult(label, ProbeStatus.FAILED, result.reason)
    return result


def _collect(future: Future[T], deadline: Deadline, step: str) -> T | Unavailable:
    """Wait for one step; a step that overruns or breaks becomes Unavailable."""
    try:
        return future.result(timeout=deadline.remaining() + COLLECT_GRACE_SECONDS)
    except FutureTimeout:
        return Unavailable(f"{step} did not finish within the {deadline.seconds:g} s budget")
    except CancelledError:
        return Unavailable(f"{step} was cancelled")
    except Exception as error:
        # A bug in one step must not lose the evidence of the others. The check that
        # reads this piece ends as ERROR and names the exception.
        logger.exception("TLS probe step %s failed", step)
        return Unavailable(f"{step} failed: {type(error).__name__}: {error}")


def _start_cipher_scan(
    pool: ThreadPoolExecutor,
    tool: OpensslTool | Untestable,
    settings: TlsProbeSettings,
    deadline: Deadline,
    client: bool,
) -> Callable[[], CipherEvidence]:
    """Submit the cipher suite handshakes; return the function that collects them."""
    if sslyze_installed():
        sslyze_future = pool.submit(scan_ciphers_sslyze, settings, deadline, client)
        return lambda: _collect(sslyze_future, deadline, "the sslyze scan")
    if isinstance(tool, Untestable):
        untestable = Untestable(
            f"cannot list cipher suites: sslyze is not installed and {tool.reason}"
        )
        return lambda: untestable

    started = time.monotonic()
    futures = [pool.submit(task) for task in openssl_cipher_tasks(tool, settings, deadline, client)]

    def collect() -> CipherEvidence:
        results: list[CipherResult] = []
        for future in futures:
            value = _collect(future, deadline, "a cipher suite handshake")
            if isinstance(value, Unavailable):
                results.append(CipherResult("TLS", "(one suite)", ProbeStatus.FAILED, value.reason))
            else:
                results.extend(value)
        return assemble_scan(tool, results, time.monotonic() - started)

    return collect
