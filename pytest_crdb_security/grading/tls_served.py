"""Grading of what the SQL port serves: the SSLRequest reply and the served certificate."""

from __future__ import annotations

import datetime as dt

from pytest_crdb_security.context import Deployment
from pytest_crdb_security.evidence.model import Unavailable, require
from pytest_crdb_security.evidence.tls_model import (
    ServedCertificate,
    TlsEvidence,
    TrustStatus,
)
from pytest_crdb_security.grading.encryption import (
    EXPIRY_FAIL_DAYS,
    EXPIRY_WARN_DAYS,
    WEAK_HASHES,
)
from pytest_crdb_security.grading.text import join_names
from pytest_crdb_security.parsing.certificates import CertificateInfo
from pytest_crdb_security.parsing.sslrequest import ReplyKind, SslRequestReply
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

CLOUD_MANAGED = "certificate managed by CockroachDB Cloud"

_RANK = {Verdict.PASS: 0, Verdict.WARN: 1, Verdict.FAIL: 2}

Finding = tuple[Verdict, str]


def grade_served_certificate(
    evidence: TlsEvidence, deployment: Deployment, now: dt.datetime
) -> Grade:
    """Grade the TLS the SQL port serves.

    Self-hosted: ``N`` to SSLRequest (plaintext) or an ErrorResponse is FAIL. A leaf or
    CA certificate expired or expiring within 30 days, a SHA-1 or MD5 signature, or a
    certificate not valid for the URL's host is FAIL. Expiry within 30 to 90 days, a
    certificate not yet valid, or a chain that does not verify against ``sslrootcert``
    is WARN. Otherwise PASS. A probe that could not connect is could-not-evaluate.

    Cloud is graded the same way, from what the probe saw rather than from the promise
    that CockroachDB Cloud enforces TLS. The detail notes that Cloud manages the
    certificate. A plaintext reply suggests that the URL does not reach the Cloud cluster.
    """
    cloud = deployment is Deployment.CLOUD
    reply = _tls_reply(evidence)
    if reply.kind is ReplyKind.PLAINTEXT:
        detail = _plaintext_detail(evidence.address)
        if cloud:
            detail += (
                ", although CockroachDB Cloud enforces TLS; check that the URL points at"
                " the Cloud cluster"
            )
        return Grade(Verdict.FAIL, detail)
    if reply.kind is ReplyKind.ERROR:
        return Grade(Verdict.FAIL, _error_detail(evidence.address, reply))
    require(evidence.handshake)
    certificate = require(evidence.certificate)

    findings = certificate_findings(certificate, now)
    facts = served_facts(evidence, certificate, now)
    if cloud:
        facts = f"{CLOUD_MANAGED}; {facts}"
    if certificate.trust.status is TrustStatus.ERROR and not findings:
        raise CouldNotEvaluate(f"the chain {certificate.trust.detail} ({facts})")
    if not findings:
        return Grade(Verdict.PASS, facts)
    verdict = max((verdict for verdict, _ in findings), key=lambda verdict: _RANK[verdict])
    ordered = sorted(findings, key=lambda finding: -_RANK[finding[0]])
    return Grade(verdict, "; ".join(text for _, text in ordered) + f" ({facts})")


def _tls_reply(evidence: TlsEvidence) -> SslRequestReply:
    """Return the SSLRequest reply; raise could-not-evaluate when there is none to grade."""
    reply = evidence.reply
    if isinstance(reply, Unavailable):
        raise CouldNotEvaluate(f"the TLS probe could not run: {reply.reason}")
    if reply.kind in (ReplyKind.CLOSED, ReplyKind.UNEXPECTED, ReplyKind.MALFORMED):
        raise CouldNotEvaluate(f"{evidence.address} {reply.describe()}")
    return reply


def _plaintext_detail(address: str) -> str:
    return (
        f"{address} answered N to SSLRequest: the SQL port offers no TLS (insecure mode),"
        " so data crosses the network in plaintext, and an insecure node authenticates no"
        " one: any client can log in as any user, root included"
    )


def _error_detail(address: str, reply: SslRequestReply) -> str:
    code = f" (SQLSTATE {reply.sqlstate})" if reply.sqlstate else ""
    return (
        f"{address} answered SSLRequest with an error: {reply.message!r}{code};"
        " clients that require TLS cannot connect"
    )


def certificate_findings(certificate: ServedCertificate, now: dt.datetime) -> list[Finding]:
    """List the problems of the served chain, its issuing CA, its host name and its trust."""
    leaf = certificate.leaf
    findings = _validity_findings(leaf, "the server certificate", now)
    findings += _signature_findings(leaf, "the server certificate")
    for served in certificate.served_chain:
        role = f"the served {'CA' if served.is_ca else 'chain'} certificate {served.name()}"
        findings += _validity_findings(served, role, now)
        if not served.self_signed:
            findings += _signature_findings(served, role)
    for issuer in certificate.issuers:
        findings += _validity_findings(issuer, f"the CA certificate {issuer.name()}", now)

    host = certificate.host
    if not host.matches:
        listed = join_names(list(host.names)) if host.names else "no names"
        findings.append(
            (Verdict.FAIL, f"the certificate is not valid for host {host.host} (it lists {listed})")
        )
    if certificate.trust.status is TrustStatus.FAILED:
        findings.append((Verdict.WARN, f"the chain {certificate.trust.detail}"))
    return findings


def _validity_findings(info: CertificateInfo, role: str, now: dt.datetime) -> list[Finding]:
    days = info.days_left(now)
    when = _date(info.not_after)
    if days < 0:
        return [(Verdict.FAIL, f"{role} expired on {when}")]
    findings: list[Finding] = []
    if days < EXPIRY_FAIL_DAYS:
        findings.append((Verdict.FAIL, f"{role} expires on {when}, in {int(days)} days"))
    elif days < EXPIRY_WARN_DAYS:
        findings.append((Verdict.WARN, f"{role} expires on {when}, in {int(days)} days"))
    if info.not_before > now:
        findings.append((Verdict.WARN, f"{role} is not valid before {_date(info.not_before)}"))
    return findings


def _signature_findings(info: CertificateInfo, role: str) -> list[Finding]:
    if info.signature_hash in WEAK_HASHES:
        weak = info.signature_hash.upper()
        return [(Verdict.FAIL, f"{role} is signed with {weak} ({info.signature_algorithm})")]
    return []


def served_facts(evidence: TlsEvidence, certificate: ServedCertificate, now: dt.datetime) -> str:
    """Describe what was served, for the detail of any verdict."""
    leaf = certificate.leaf
    days = leaf.days_left(now)
    validity = (
        f"expired on {_date(leaf.not_after)}"
        if days < 0
        else f"valid until {_date(leaf.not_after)} ({int(days)} days)"
    )
    parts = [
        f"{leaf.name()} issued by {_issuer_name(leaf)}, {leaf.key_label()} key,"
        f" {leaf.signature_algorithm}, {validity}"
    ]
    for served in certificate.served_chain:
        parts.append(f"served {served.name()} valid until {_date(served.not_after)}")
    for issuer in certificate.issuers:
        parts.append(f"CA {issuer.name()} (sslrootcert) valid until {_date(issuer.not_after)}")
    host = certificate.host
    if host.matches:
        parts.append(f"host {host.host} matches {host.matched_by}")
    if certificate.trust.status is not TrustStatus.FAILED:
        # A chain that fails to verify is already one of the findings.
        parts.append(f"chain {certificate.trust.detail}")
    if not isinstance(evidence.handshake, Unavailable):
        parts.append(f"{evidence.handshake.protocol} with {evidence.handshake.cipher}")
    if certificate.chain_note:
        parts.append(certificate.chain_note)
    parts.extend(evidence.notes)
    return "; ".join(parts)


def _issuer_name(info: CertificateInfo) -> str:
    for part in info.issuer.split(","):
        if part.startswith("CN="):
            return part
    return info.issuer or "(empty issuer)"


def _date(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d")
