"""Grading of the cryptographic posture of the SQL port: TLS versions, cipher suites,
post-quantum key exchange and the server key.

These items are informational (INFO) unless the probe found a real weakness: TLS 1.0
or 1.1 accepted, a broken or legacy cipher suite accepted, or a weak server key. What
the local tools cannot test is reported as INFO with the reason, never as PASS.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_crdb_security.evidence.model import Unavailable, require
from pytest_crdb_security.evidence.tls_key_exchange import HYBRID_GROUP
from pytest_crdb_security.evidence.tls_model import (
    DEPRECATED_PROTOCOLS,
    TLS_1_3,
    CipherResult,
    CipherScan,
    KeyExchangeProbe,
    ProbeStatus,
    ProtocolResult,
    TlsEvidence,
    Untestable,
)
from pytest_crdb_security.grading.encryption import MIN_EC_BITS, MIN_RSA_BITS
from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.ciphers import CipherAssessment, CipherRisk, assess_cipher_suite
from pytest_crdb_security.parsing.sslrequest import ReplyKind
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict


def no_tls_grade(evidence: TlsEvidence) -> Grade | None:
    """Return the INFO grade for a port without TLS, None when TLS was negotiated.

    Raise could-not-evaluate when the probe could not connect or the handshake failed.
    A port without TLS is graded FAIL by the served-certificate check, so the posture
    items only report that there is nothing to assess.
    """
    reply = evidence.reply
    if isinstance(reply, Unavailable):
        raise CouldNotEvaluate(f"the TLS probe could not run: {reply.reason}")
    if reply.kind in (ReplyKind.PLAINTEXT, ReplyKind.ERROR):
        return Grade(
            Verdict.INFO,
            f"nothing to assess: {evidence.address} {reply.describe()}; see the TLS served"
            " certificate check",
        )
    if reply.kind is not ReplyKind.TLS:
        raise CouldNotEvaluate(f"{evidence.address} {reply.describe()}")
    require(evidence.handshake)
    return None


def grade_protocol_versions(evidence: TlsEvidence) -> Grade:
    """FAIL when TLS 1.0 or 1.1 is accepted; INFO listing the accepted versions otherwise.

    A deprecated version that could not be probed because of a network error is
    could-not-evaluate. One that the local library cannot offer is named in the INFO
    detail.
    """
    no_tls = no_tls_grade(evidence)
    if no_tls is not None:
        return no_tls
    results = require(evidence.protocols)
    accepted = _labels(results, ProbeStatus.ACCEPTED)
    rejected = _labels(results, ProbeStatus.REJECTED)
    summary = _protocol_summary(accepted, rejected)

    old = [label for label in accepted if label in DEPRECATED_PROTOCOLS]
    if old:
        return Grade(
            Verdict.FAIL, f"accepts {_either(old, 'and')}, deprecated by RFC 8996; {summary}"
        )
    failed = [result for result in results if result.status is ProbeStatus.FAILED]
    for result in failed:
        if result.protocol in DEPRECATED_PROTOCOLS:
            raise CouldNotEvaluate(f"could not test {result.protocol}: {result.detail}; {summary}")

    notes = [result.detail for result in results if result.status is ProbeStatus.UNTESTABLE]
    notes += [f"could not test {result.protocol}: {result.detail}" for result in failed]
    untested_old = [
        result.protocol
        for result in results
        if result.protocol in DEPRECATED_PROTOCOLS and result.status is ProbeStatus.UNTESTABLE
    ]
    if untested_old:
        notes.append(f"so the rejection of {_either(untested_old, 'and')} is not confirmed")
    return Grade(Verdict.INFO, "; ".join([summary, *notes]))


def _labels(results: Sequence[ProtocolResult], status: ProbeStatus) -> list[str]:
    return [result.protocol for result in results if result.status is status]


def _protocol_summary(accepted: list[str], rejected: list[str]) -> str:
    parts = []
    if accepted:
        parts.append(f"accepts {_either(accepted, 'and')}")
    if rejected:
        parts.append(f"rejects {_either(rejected, 'and')}")
    return "; ".join(parts) or "no TLS version could be tested"


def _either(items: Sequence[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def grade_cipher_suites(evidence: TlsEvidence) -> Grade:
    """FAIL when a broken suite is accepted (NULL, anonymous, EXPORT, RC4, DES, MD5), WARN
    for a legacy one (CBC, 3DES, no forward secrecy, or a name not recognised), INFO
    listing the accepted suites otherwise.

    Suites that could not be probed make the result could-not-evaluate unless a broken or
    legacy suite was already found. Without sslyze or ``openssl`` the result is INFO with
    the reason.
    """
    no_tls = no_tls_grade(evidence)
    if no_tls is not None:
        return no_tls
    ciphers = evidence.ciphers
    if isinstance(ciphers, Unavailable):
        raise CouldNotEvaluate(ciphers.reason)
    handshake = require(evidence.handshake)
    if isinstance(ciphers, Untestable):
        return Grade(
            Verdict.INFO,
            f"{ciphers.reason}; the handshake with the local defaults negotiated"
            f" {handshake.protocol} with {handshake.cipher}",
        )

    accepted = [
        (result, assess_cipher_suite(result.name))
        for result in ciphers.with_status(ProbeStatus.ACCEPTED)
    ]
    listing = _accepted_listing(ciphers)
    broken = [pair for pair in accepted if pair[1].risk is CipherRisk.BROKEN]
    legacy = [pair for pair in accepted if pair[1].risk in (CipherRisk.LEGACY, CipherRisk.UNKNOWN)]
    if broken:
        return Grade(Verdict.FAIL, f"accepts broken suites: {_weak(broken)}; {listing}")
    if legacy:
        return Grade(Verdict.WARN, f"accepts legacy suites: {_weak(legacy)}; {listing}")

    failed = ciphers.with_status(ProbeStatus.FAILED)
    if failed:
        first = failed[0]
        raise CouldNotEvaluate(
            f"could not test {plural(len(failed), 'suite')} ({first.name}: {first.detail});"
            f" {listing}"
        )
    untestable = [result.name for result in ciphers.with_status(ProbeStatus.UNTESTABLE)]
    detail = f"accepts only modern suites: {listing}"
    if untestable:
        detail += f"; cannot test {join_names(untestable)}, which the local tool cannot offer"
    return Grade(Verdict.INFO, detail)


def _accepted_listing(scan: CipherScan) -> str:
    by_protocol: dict[str, list[str]] = {}
    for result in scan.with_status(ProbeStatus.ACCEPTED):
        by_protocol.setdefault(result.protocol, []).append(result.name)
    listed = "; ".join(
        f"{protocol}: {', '.join(names)}" for protocol, names in sorted(by_protocol.items())
    )
    return f"{listed or 'no tested suite was accepted'}; tested with {scan.tool}"


def _weak(pairs: list[tuple[CipherResult, CipherAssessment]]) -> str:
    return ", ".join(
        f"{result.name} ({', '.join(assessment.weaknesses)})" for result, assessment in pairs
    )


def grade_key_exchange(evidence: TlsEvidence) -> Grade:
    """INFO on whether a TLS 1.3 handshake offering X25519MLKEM768 negotiates it.

    Without TLS 1.3 there is no hybrid key exchange. When the local OpenSSL is older
    than 3.5, the detail states that it cannot test it. A network error is
    could-not-evaluate.
    """
    no_tls = no_tls_grade(evidence)
    if no_tls is not None:
        return no_tls
    handshake = require(evidence.handshake)
    protocols = evidence.protocols
    tls13 = None
    if not isinstance(protocols, Unavailable):
        tls13 = next((result for result in protocols if result.protocol == TLS_1_3), None)
    if handshake.protocol != TLS_1_3 and tls13 is not None and tls13.status is ProbeStatus.REJECTED:
        return Grade(
            Verdict.INFO,
            f"no post-quantum key exchange: the server rejects TLS 1.3 ({tls13.detail}),"
            f" and {HYBRID_GROUP} exists only in TLS 1.3",
        )

    probe = evidence.key_exchange
    if isinstance(probe, Unavailable):
        raise CouldNotEvaluate(probe.reason)
    if isinstance(probe, Untestable):
        return Grade(Verdict.INFO, probe.reason)
    return Grade(Verdict.INFO, _key_exchange_detail(probe))


def _key_exchange_detail(probe: KeyExchangeProbe) -> str:
    if probe.status is ProbeStatus.UNTESTABLE:
        chosen = f"; offered {probe.offered}, the server chose {probe.group}" if probe.group else ""
        return f"cannot test: {probe.detail}{chosen}"
    if probe.status is ProbeStatus.REJECTED:
        return (
            f"no post-quantum key exchange: the server rejected a TLS 1.3 handshake offering"
            f" {probe.offered} ({probe.detail})"
        )
    if probe.group == HYBRID_GROUP:
        return (
            f"post-quantum hybrid key exchange: the server chose {HYBRID_GROUP} when offered"
            f" {probe.offered} ({probe.detail})"
        )
    return (
        f"no post-quantum key exchange: the server chose {probe.group or 'an unreported group'}"
        f" when offered {probe.offered} ({probe.detail})"
    )


def grade_server_key(evidence: TlsEvidence) -> Grade:
    """FAIL for an RSA key under 2048 bits, an EC key under 256 bits or a DSA key in the
    served certificate; INFO with the key type and size otherwise."""
    no_tls = no_tls_grade(evidence)
    if no_tls is not None:
        return no_tls
    leaf = require(evidence.certificate).leaf
    bits = leaf.key_bits or 0
    key = _key_description(leaf.key_type, bits, leaf.curve)
    facts = f"{key} in the server certificate {leaf.name()}"
    if leaf.key_type == "RSA" and bits < MIN_RSA_BITS:
        return Grade(Verdict.FAIL, f"{facts}: RSA keys need {MIN_RSA_BITS} bits or more")
    if leaf.key_type == "EC" and bits < MIN_EC_BITS:
        return Grade(Verdict.FAIL, f"{facts}: EC keys need {MIN_EC_BITS} bits or more")
    if leaf.key_type == "DSA":
        return Grade(Verdict.FAIL, f"{facts}: DSA keys cannot be used with TLS 1.3")
    return Grade(Verdict.INFO, facts)


def _key_description(key_type: str, bits: int, curve: str | None) -> str:
    if key_type in ("RSA", "DSA"):
        return f"{key_type} key of {bits} bits"
    if key_type == "EC":
        return f"EC key on {curve or 'an unnamed curve'} ({bits} bits)"
    return f"{key_type} key"
