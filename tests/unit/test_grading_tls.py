"""Grading of the TLS probe's evidence: served certificate and cryptographic posture."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pytest_crdb_security.context import Deployment
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.evidence.tls_model import (
    TLS_1_0,
    TLS_1_1,
    TLS_1_2,
    TLS_1_3,
    ChainTrust,
    CipherResult,
    CipherScan,
    Handshake,
    KeyExchangeProbe,
    ProbeStatus,
    ProtocolResult,
    ServedCertificate,
    TlsEvidence,
    TrustStatus,
    Untestable,
)
from pytest_crdb_security.grading.crypto_posture import (
    grade_cipher_suites,
    grade_key_exchange,
    grade_protocol_versions,
    grade_server_key,
)
from pytest_crdb_security.grading.tls_served import grade_served_certificate
from pytest_crdb_security.parsing.certificates import CertificateInfo
from pytest_crdb_security.parsing.hostnames import HostMatch
from pytest_crdb_security.parsing.sslrequest import ReplyKind, SslRequestReply
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
ADDRESS = "db.example.com:26257"
TOOL = "openssl s_client of OpenSSL 3.0.19, one suite per handshake"

ACCEPTED = ProbeStatus.ACCEPTED
REJECTED = ProbeStatus.REJECTED
UNTESTABLE = ProbeStatus.UNTESTABLE
FAILED = ProbeStatus.FAILED


def info(
    name: str = "node",
    days: float = 365,
    key_type: str = "RSA",
    bits: int | None = 2048,
    signature_hash: str | None = "sha256",
    is_ca: bool = False,
    self_signed: bool = False,
) -> CertificateInfo:
    return CertificateInfo(
        subject=f"CN={name}",
        common_name=name,
        issuer=f"CN={name}" if self_signed else "CN=Cockroach CA,O=Cockroach",
        self_signed=self_signed,
        is_ca=is_ca,
        not_before=NOW - dt.timedelta(days=10),
        not_after=NOW + dt.timedelta(days=days),
        key_type=key_type,
        key_bits=bits,
        curve="secp256r1" if key_type == "EC" else None,
        signature_hash=signature_hash,
        signature_algorithm=f"{signature_hash}WithRSAEncryption",
    )


CA = info("Cockroach CA", days=3000, is_ca=True, self_signed=True)


def served(
    leaf: CertificateInfo | None = None,
    trust: TrustStatus = TrustStatus.VERIFIED,
    matched: bool = True,
    issuers: tuple[CertificateInfo, ...] = (CA,),
    chain: tuple[CertificateInfo, ...] = (),
) -> ServedCertificate:
    details = {
        TrustStatus.VERIFIED: "verifies against sslrootcert certs/ca.crt",
        TrustStatus.FAILED: (
            "does not verify against sslrootcert certs/ca.crt: certificate has expired"
        ),
        TrustStatus.NOT_CHECKED: "not verified against a CA, because the URL sets no sslrootcert",
        TrustStatus.ERROR: "could not verify against sslrootcert certs/ca.crt: timed out",
    }
    return ServedCertificate(
        leaf=leaf or info(),
        served_chain=chain,
        issuers=issuers,
        host=HostMatch(
            "db.example.com",
            "DNS:db.example.com" if matched else None,
            ("DNS:db.example.com",) if matched else ("DNS:other.example.com", "IP:10.0.0.1"),
        ),
        trust=ChainTrust(trust, details[trust]),
    )


def protocols(**statuses: ProbeStatus) -> tuple[ProtocolResult, ...]:
    defaults = {TLS_1_0: REJECTED, TLS_1_1: REJECTED, TLS_1_2: ACCEPTED, TLS_1_3: ACCEPTED}
    labels = {"v10": TLS_1_0, "v11": TLS_1_1, "v12": TLS_1_2, "v13": TLS_1_3}
    for key, status in statuses.items():
        defaults[labels[key]] = status
    details = {ACCEPTED: "TLS_AES_128_GCM_SHA256", REJECTED: "tlsv1 alert protocol version"}
    return tuple(
        ProtocolResult(
            label,
            status,
            details.get(
                status, f"cannot test {label} with the local OpenSSL 3.0.19: no ciphers available"
            )
            if status is not FAILED
            else "connecting to db.example.com:26257 timed out after 10 s",
        )
        for label, status in defaults.items()
    )


MODERN_SCAN = CipherScan(
    TOOL,
    (
        CipherResult(TLS_1_2, "ECDHE-RSA-AES128-GCM-SHA256", ACCEPTED),
        CipherResult(TLS_1_2, "AES128-SHA", REJECTED),
        CipherResult(TLS_1_2, "RC4-SHA", UNTESTABLE),
        CipherResult(TLS_1_3, "TLS_AES_128_GCM_SHA256", ACCEPTED),
    ),
)


def evidence(**changes: object) -> TlsEvidence:
    base = TlsEvidence(
        address=ADDRESS,
        reply=SslRequestReply(ReplyKind.TLS),
        handshake=Handshake(TLS_1_3, "TLS_AES_128_GCM_SHA256"),
        certificate=served(),
        protocols=protocols(),
        ciphers=MODERN_SCAN,
        key_exchange=KeyExchangeProbe(
            UNTESTABLE,
            "the local default groups",
            "X25519",
            "OpenSSL 3.0.19 cannot offer X25519MLKEM768, so install OpenSSL 3.5+ to test it",
        ),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


PLAINTEXT = SslRequestReply(ReplyKind.PLAINTEXT)
ERROR_REPLY = SslRequestReply(ReplyKind.ERROR, message="no TLS here", sqlstate="08P01")
NOT_RUN = Unavailable("the connection to db.example.com:26257 was refused")


def grade(evidence: TlsEvidence, deployment: Deployment = Deployment.SELF_HOSTED) -> Grade:
    return grade_served_certificate(evidence, deployment, NOW)


# Served certificate, self-hosted.


def test_served_certificate_pass() -> None:
    result = grade(evidence())

    assert result.verdict is Verdict.PASS
    assert result.detail == (
        "CN=node issued by CN=Cockroach CA, RSA 2048 key, sha256WithRSAEncryption, valid until"
        " 2027-06-01 (365 days); CA CN=Cockroach CA (sslrootcert) valid until 2034-08-18; host"
        " db.example.com matches DNS:db.example.com; chain verifies against sslrootcert"
        " certs/ca.crt; TLS 1.3 with TLS_AES_128_GCM_SHA256"
    )


def test_plaintext_reply_fails() -> None:
    result = grade(evidence(reply=PLAINTEXT, handshake=NOT_RUN, certificate=NOT_RUN))

    assert result.verdict is Verdict.FAIL
    assert result.detail == (
        "db.example.com:26257 answered N to SSLRequest: the SQL port offers no TLS (insecure"
        " mode), so data crosses the network in plaintext, and an insecure node authenticates"
        " no one: any client can log in as any user, root included"
    )


def test_error_reply_fails_with_message() -> None:
    result = grade(evidence(reply=ERROR_REPLY, handshake=NOT_RUN, certificate=NOT_RUN))

    assert result.verdict is Verdict.FAIL
    assert result.detail == (
        "db.example.com:26257 answered SSLRequest with an error: 'no TLS here' (SQLSTATE 08P01);"
        " clients that require TLS cannot connect"
    )


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            NOT_RUN,
            "the TLS probe could not run: the connection to db.example.com:26257 was refused",
        ),
        (
            SslRequestReply(ReplyKind.CLOSED, problem="closed the connection without replying"),
            "db.example.com:26257 closed the connection without replying",
        ),
        (
            SslRequestReply(ReplyKind.UNEXPECTED, problem="replied b'H' to SSLRequest"),
            "db.example.com:26257 replied b'H' to SSLRequest",
        ),
    ],
)
def test_no_usable_reply_is_error(reply: SslRequestReply | Unavailable, reason: str) -> None:
    with pytest.raises(CouldNotEvaluate) as raised:
        grade(evidence(reply=reply))

    assert raised.value.reason == reason


def test_failed_handshake_is_error() -> None:
    failed = Unavailable(
        "the TLS handshake with db.example.com:26257 failed after the server answered S: x"
    )

    with pytest.raises(CouldNotEvaluate) as raised:
        grade(evidence(handshake=failed, certificate=failed))

    assert raised.value.reason == failed.reason


@pytest.mark.parametrize(
    ("days", "verdict", "problem"),
    [
        (120, Verdict.PASS, None),
        (90, Verdict.PASS, None),
        (89.5, Verdict.WARN, "the server certificate expires on 2026-08-29, in 89 days"),
        (45, Verdict.WARN, "the server certificate expires on 2026-07-16, in 45 days"),
        (30, Verdict.WARN, "the server certificate expires on 2026-07-01, in 30 days"),
        (29.5, Verdict.FAIL, "the server certificate expires on 2026-06-30, in 29 days"),
        (1, Verdict.FAIL, "the server certificate expires on 2026-06-02, in 1 days"),
        (-1, Verdict.FAIL, "the server certificate expired on 2026-05-31"),
    ],
)
def test_leaf_expiry_thresholds(days: float, verdict: Verdict, problem: str | None) -> None:
    result = grade(evidence(certificate=served(info(days=days))))

    assert result.verdict is verdict
    if problem is None:
        assert "expire" not in result.detail
    else:
        assert result.detail.startswith(problem + " (CN=node issued by")


def test_ca_expiry_from_sslrootcert() -> None:
    expiring_ca = info("Cockroach CA", days=40, is_ca=True, self_signed=True)

    result = grade(evidence(certificate=served(issuers=(expiring_ca,))))

    assert result.verdict is Verdict.WARN
    assert result.detail.startswith(
        "the CA certificate CN=Cockroach CA expires on 2026-07-11, in 40 days ("
    )


def test_served_intermediate_expired_and_sha1() -> None:
    intermediate = info("Intermediate", days=-3, is_ca=True, signature_hash="sha1")

    result = grade(evidence(certificate=served(chain=(intermediate,))))

    assert result.verdict is Verdict.FAIL
    assert result.detail.startswith(
        "the served CA certificate CN=Intermediate expired on 2026-05-29; the served CA"
        " certificate CN=Intermediate is signed with SHA1 (sha1WithRSAEncryption) ("
    )
    assert "served CN=Intermediate valid until 2026-05-29" in result.detail


def test_self_signed_served_root_signature_not_graded() -> None:
    root = info("Root", days=3000, is_ca=True, signature_hash="sha1", self_signed=True)

    assert grade(evidence(certificate=served(chain=(root,)))).verdict is Verdict.PASS


@pytest.mark.parametrize("weak", ["sha1", "md5"])
def test_weak_leaf_signature_fails(weak: str) -> None:
    result = grade(evidence(certificate=served(info(signature_hash=weak))))

    assert result.verdict is Verdict.FAIL
    assert result.detail.startswith(
        f"the server certificate is signed with {weak.upper()} ({weak}WithRSAEncryption) ("
    )


def test_host_mismatch_fails() -> None:
    result = grade(evidence(certificate=served(matched=False)))

    assert result.verdict is Verdict.FAIL
    assert result.detail.startswith(
        "the certificate is not valid for host db.example.com (it lists DNS:other.example.com,"
        " IP:10.0.0.1) ("
    )


def test_untrusted_chain_warns() -> None:
    result = grade(evidence(certificate=served(trust=TrustStatus.FAILED)))

    assert result.verdict is Verdict.WARN
    assert result.detail.startswith(
        "the chain does not verify against sslrootcert certs/ca.crt: certificate has expired ("
    )


def test_chain_not_checked_still_passes() -> None:
    result = grade(evidence(certificate=served(trust=TrustStatus.NOT_CHECKED)))

    assert result.verdict is Verdict.PASS
    assert "chain not verified against a CA, because the URL sets no sslrootcert" in result.detail


def test_verification_error_alone_is_error() -> None:
    with pytest.raises(CouldNotEvaluate) as raised:
        grade(evidence(certificate=served(trust=TrustStatus.ERROR)))

    assert raised.value.reason.startswith(
        "the chain could not verify against sslrootcert certs/ca.crt: timed out (CN=node"
    )


def test_verification_error_keeps_fail() -> None:
    result = grade(evidence(certificate=served(info(days=10), trust=TrustStatus.ERROR)))

    assert result.verdict is Verdict.FAIL


def test_several_problems_worst_first() -> None:
    result = grade(
        evidence(certificate=served(info(days=50), trust=TrustStatus.FAILED, matched=False))
    )

    assert result.verdict is Verdict.FAIL
    problems = result.detail.split(" (CN=node")[0].split("; ")
    assert problems[0].startswith("the certificate is not valid for host")
    assert problems[1].startswith("the server certificate expires on")
    assert problems[2].startswith("the chain does not verify")


def test_probe_notes_in_facts() -> None:
    note = "the client certificate 'client.crt' (sslcert) was not used: no such file"

    result = grade(evidence(notes=(note,)))

    assert result.detail.endswith(note)


# Served certificate, CockroachDB Cloud.


def test_cloud_grades_served_facts() -> None:
    result = grade(evidence(certificate=served(info(days=200))), Deployment.CLOUD)

    assert result.verdict is Verdict.PASS
    assert result.detail.startswith(
        "certificate managed by CockroachDB Cloud; CN=node issued by"
    )


def test_cloud_expiring_certificate_fails() -> None:
    result = grade(evidence(certificate=served(info(days=20))), Deployment.CLOUD)

    assert result.verdict is Verdict.FAIL
    assert "valid until 2026-06-21 (20 days)" in result.detail


def test_cloud_probe_not_run_is_error() -> None:
    with pytest.raises(CouldNotEvaluate, match="the TLS probe could not run"):
        grade(evidence(reply=NOT_RUN), Deployment.CLOUD)


def test_cloud_plaintext_contradiction_fails() -> None:
    result = grade(evidence(reply=PLAINTEXT), Deployment.CLOUD)

    assert result.verdict is Verdict.FAIL
    assert result.detail.endswith(
        "although CockroachDB Cloud enforces TLS; check that the URL points at the Cloud cluster"
    )


# TLS protocol versions.


def test_protocols_modern_only_info() -> None:
    result = grade_protocol_versions(evidence())

    assert result == Grade(Verdict.INFO, "accepts TLS 1.2 and TLS 1.3; rejects TLS 1.0 and TLS 1.1")


def test_protocols_tls12_only() -> None:
    result = grade_protocol_versions(evidence(protocols=protocols(v13=REJECTED)))

    assert result.detail == "accepts TLS 1.2; rejects TLS 1.0, TLS 1.1 and TLS 1.3"


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        ({"v10": ACCEPTED}, "TLS 1.0"),
        ({"v11": ACCEPTED}, "TLS 1.1"),
        ({"v10": ACCEPTED, "v11": ACCEPTED}, "TLS 1.0 and TLS 1.1"),
        ({"v10": ACCEPTED, "v11": FAILED}, "TLS 1.0"),
    ],
)
def test_protocols_deprecated_accepted_fails(
    changes: dict[str, ProbeStatus], accepted: str
) -> None:
    result = grade_protocol_versions(evidence(protocols=protocols(**changes)))

    assert result.verdict is Verdict.FAIL
    assert result.detail.startswith(f"accepts {accepted}, deprecated by RFC 8996; accepts ")


def test_protocols_untestable_locally_info() -> None:
    result = grade_protocol_versions(evidence(protocols=protocols(v10=UNTESTABLE, v11=UNTESTABLE)))

    assert result.verdict is Verdict.INFO
    assert result.detail == (
        "accepts TLS 1.2 and TLS 1.3; cannot test TLS 1.0 with the local OpenSSL 3.0.19: no"
        " ciphers available; cannot test TLS 1.1 with the local OpenSSL 3.0.19: no ciphers"
        " available; so the rejection of TLS 1.0 and TLS 1.1 is not confirmed"
    )


def test_protocols_deprecated_probe_failed_is_error() -> None:
    with pytest.raises(CouldNotEvaluate) as raised:
        grade_protocol_versions(evidence(protocols=protocols(v11=FAILED)))

    assert raised.value.reason == (
        "could not test TLS 1.1: connecting to db.example.com:26257 timed out after 10 s;"
        " accepts TLS 1.2 and TLS 1.3; rejects TLS 1.0"
    )


def test_protocols_modern_probe_failed_is_noted() -> None:
    result = grade_protocol_versions(evidence(protocols=protocols(v13=FAILED)))

    assert result.verdict is Verdict.INFO
    assert result.detail.endswith(
        "could not test TLS 1.3: connecting to db.example.com:26257 timed out after 10 s"
    )


# Posture items on a port without TLS, or when the probe could not run.

POSTURE = [grade_protocol_versions, grade_cipher_suites, grade_key_exchange, grade_server_key]


@pytest.mark.parametrize("grader", POSTURE)
@pytest.mark.parametrize(
    ("reply", "phrase"),
    [(PLAINTEXT, "answered N"), (ERROR_REPLY, "answered with an error: 'no TLS here'")],
)
def test_posture_without_tls_is_info(grader: object, reply: SslRequestReply, phrase: str) -> None:
    result = grader(evidence(reply=reply, handshake=NOT_RUN))  # type: ignore[operator]

    assert result.verdict is Verdict.INFO
    assert result.detail.startswith(f"nothing to assess: db.example.com:26257 {phrase}")
    assert result.detail.endswith("see the TLS served certificate check")


@pytest.mark.parametrize("grader", POSTURE)
def test_posture_probe_not_run_is_error(grader: object) -> None:
    with pytest.raises(CouldNotEvaluate, match="the TLS probe could not run: the connection"):
        grader(evidence(reply=NOT_RUN))  # type: ignore[operator]


# Cipher suites.


def test_ciphers_modern_info_names_untestable() -> None:
    result = grade_cipher_suites(evidence())

    assert result == Grade(
        Verdict.INFO,
        "accepts only modern suites: TLS 1.2: ECDHE-RSA-AES128-GCM-SHA256; TLS 1.3:"
        f" TLS_AES_128_GCM_SHA256; tested with {TOOL}; cannot test RC4-SHA, which the local"
        " tool cannot offer",
    )


def test_ciphers_legacy_warns() -> None:
    scan = CipherScan(
        TOOL,
        (
            CipherResult(TLS_1_2, "ECDHE-RSA-AES128-GCM-SHA256", ACCEPTED),
            CipherResult(TLS_1_2, "ECDHE-RSA-AES128-SHA", ACCEPTED),
            CipherResult(TLS_1_2, "AES128-GCM-SHA256", ACCEPTED),
        ),
    )

    result = grade_cipher_suites(evidence(ciphers=scan))

    assert result.verdict is Verdict.WARN
    assert result.detail.startswith(
        "accepts legacy suites: ECDHE-RSA-AES128-SHA (CBC mode), AES128-GCM-SHA256 (no forward"
        " secrecy); TLS 1.2: ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES128-SHA,"
    )


def test_ciphers_broken_fails_before_legacy() -> None:
    scan = CipherScan(
        TOOL,
        (
            CipherResult(TLS_1_2, "AES128-SHA", ACCEPTED),
            CipherResult(TLS_1_2, "NULL-SHA256", ACCEPTED),
        ),
    )

    result = grade_cipher_suites(evidence(ciphers=scan))

    assert result.verdict is Verdict.FAIL
    assert result.detail.startswith("accepts broken suites: NULL-SHA256 (NULL encryption); ")


def test_ciphers_unknown_name_warns() -> None:
    scan = CipherScan(
        TOOL, (CipherResult(TLS_1_2, "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC", ACCEPTED),)
    )

    result = grade_cipher_suites(evidence(ciphers=scan))

    assert result.verdict is Verdict.WARN
    assert "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC (name not recognised)" in result.detail


def test_ciphers_failed_probe_is_error() -> None:
    scan = dataclasses.replace(
        MODERN_SCAN,
        results=(*MODERN_SCAN.results, CipherResult(TLS_1_2, "AES256-SHA", FAILED, "timed out")),
    )

    with pytest.raises(CouldNotEvaluate) as raised:
        grade_cipher_suites(evidence(ciphers=scan))

    assert raised.value.reason.startswith(
        "could not test 1 suite (AES256-SHA: timed out); TLS 1.2:"
    )


def test_ciphers_failure_keeps_legacy_warn() -> None:
    scan = CipherScan(
        TOOL,
        (
            CipherResult(TLS_1_2, "AES128-SHA", ACCEPTED),
            CipherResult(TLS_1_2, "AES256-SHA", FAILED, "timed out"),
        ),
    )

    assert grade_cipher_suites(evidence(ciphers=scan)).verdict is Verdict.WARN


def test_ciphers_no_tool_is_info_with_reason() -> None:
    reason = (
        "cannot list cipher suites: sslyze is not installed and the openssl command is not"
        " installed (not found on PATH)"
    )

    result = grade_cipher_suites(evidence(ciphers=Untestable(reason)))

    assert result == Grade(
        Verdict.INFO,
        f"{reason}; the handshake with the local defaults negotiated TLS 1.3 with"
        " TLS_AES_128_GCM_SHA256",
    )


def test_ciphers_unavailable_is_error() -> None:
    with pytest.raises(CouldNotEvaluate, match=r"^sslyze could not connect: refused$"):
        grade_cipher_suites(evidence(ciphers=Unavailable("sslyze could not connect: refused")))


# Post-quantum key exchange.


def test_key_exchange_untestable_names_local_openssl() -> None:
    result = grade_key_exchange(evidence())

    assert result == Grade(
        Verdict.INFO,
        "cannot test: OpenSSL 3.0.19 cannot offer X25519MLKEM768, so install OpenSSL 3.5+ to"
        " test it; offered the local default groups, the server chose X25519",
    )


def test_key_exchange_hybrid_negotiated() -> None:
    probe = KeyExchangeProbe(
        ACCEPTED, "X25519MLKEM768:X25519", "X25519MLKEM768", "with OpenSSL 3.5.0"
    )

    result = grade_key_exchange(evidence(key_exchange=probe))

    assert result == Grade(
        Verdict.INFO,
        "post-quantum hybrid key exchange: the server chose X25519MLKEM768 when offered"
        " X25519MLKEM768:X25519 (with OpenSSL 3.5.0)",
    )


def test_key_exchange_classical_chosen() -> None:
    probe = KeyExchangeProbe(ACCEPTED, "X25519MLKEM768:X25519", "X25519", "with OpenSSL 3.5.0")

    result = grade_key_exchange(evidence(key_exchange=probe))

    assert result.verdict is Verdict.INFO
    assert result.detail.startswith("no post-quantum key exchange: the server chose X25519 when")


def test_key_exchange_rejected() -> None:
    probe = KeyExchangeProbe(
        REJECTED, "X25519MLKEM768:X25519", None, "sslv3 alert handshake failure"
    )

    result = grade_key_exchange(evidence(key_exchange=probe))

    assert result.detail == (
        "no post-quantum key exchange: the server rejected a TLS 1.3 handshake offering"
        " X25519MLKEM768:X25519 (sslv3 alert handshake failure)"
    )


def test_key_exchange_without_tls13() -> None:
    result = grade_key_exchange(
        evidence(
            handshake=Handshake(TLS_1_2, "ECDHE-RSA-AES128-GCM-SHA256"),
            protocols=protocols(v13=REJECTED),
        )
    )

    assert result == Grade(
        Verdict.INFO,
        "no post-quantum key exchange: the server rejects TLS 1.3 (tlsv1 alert protocol"
        " version), and X25519MLKEM768 exists only in TLS 1.3",
    )


def test_key_exchange_no_openssl() -> None:
    reason = "cannot test X25519MLKEM768: the openssl command is not installed (not found on PATH)"

    assert grade_key_exchange(evidence(key_exchange=Untestable(reason))) == Grade(
        Verdict.INFO, reason
    )


def test_key_exchange_failed_is_error() -> None:
    with pytest.raises(CouldNotEvaluate, match="handshake failed: timed out"):
        grade_key_exchange(
            evidence(key_exchange=Unavailable("the X25519MLKEM768 handshake failed: timed out"))
        )


# Server key.


@pytest.mark.parametrize(
    ("key_type", "bits", "verdict", "detail"),
    [
        ("RSA", 2048, Verdict.INFO, "RSA key of 2048 bits in the server certificate CN=node"),
        ("RSA", 4096, Verdict.INFO, "RSA key of 4096 bits in the server certificate CN=node"),
        (
            "RSA",
            1024,
            Verdict.FAIL,
            "RSA key of 1024 bits in the server certificate CN=node: RSA keys need 2048 bits or"
            " more",
        ),
        (
            "EC",
            256,
            Verdict.INFO,
            "EC key on secp256r1 (256 bits) in the server certificate CN=node",
        ),
        (
            "EC",
            192,
            Verdict.FAIL,
            "EC key on secp256r1 (192 bits) in the server certificate CN=node: EC keys need 256"
            " bits or more",
        ),
        ("Ed25519", 256, Verdict.INFO, "Ed25519 key in the server certificate CN=node"),
        (
            "DSA",
            2048,
            Verdict.FAIL,
            "DSA key of 2048 bits in the server certificate CN=node: DSA keys cannot be used with"
            " TLS 1.3",
        ),
    ],
)
def test_server_key(key_type: str, bits: int, verdict: Verdict, detail: str) -> None:
    leaf = info(key_type=key_type, bits=bits)

    result = grade_server_key(evidence(certificate=served(leaf)))

    assert result == Grade(verdict, detail)
