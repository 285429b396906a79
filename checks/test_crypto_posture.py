"""Cryptographic posture of the SQL port, from the TLS probe: versions, suites, key exchange, key.

The probe connects to the host and port of the URL, sends the PostgreSQL SSLRequest and
completes TLS handshakes without logging in, so it needs no privilege and changes
nothing. Behind a load balancer each handshake may reach another node.
"""

import pytest

from pytest_crdb_security.evidence.tls_model import TlsEvidence
from pytest_crdb_security.grading.crypto_posture import (
    grade_cipher_suites,
    grade_key_exchange,
    grade_protocol_versions,
    grade_server_key,
)
from pytest_crdb_security.verdicts import conclude

pytestmark = pytest.mark.crypto_posture


@pytest.mark.check("tls-protocol-versions", "TLS protocol versions")
@pytest.mark.severity("high")
def test_tls_protocol_versions(crdb_tls: TlsEvidence) -> None:
    """The SQL port should reject TLS 1.0 and 1.1 and accept TLS 1.2 and 1.3.

    Each version is offered alone. CockroachDB's minimum is TLS 1.2 and cannot be
    lowered, so an accepted TLS 1.0 or 1.1 points at a TLS proxy or load balancer in
    front of the nodes: configure it for TLS 1.2 and 1.3 only.
    """
    conclude(grade_protocol_versions(crdb_tls))


@pytest.mark.check("tls-cipher-suites", "TLS cipher suites")
@pytest.mark.severity("medium")
def test_tls_cipher_suites(crdb_tls: TlsEvidence) -> None:
    """The SQL port should accept only AEAD suites with forward secrecy.

    Suites are tested one per handshake with sslyze when it is installed, with
    ``openssl s_client -starttls postgres`` otherwise. CockroachDB accepts CBC and RSA
    key exchange suites only with ``COCKROACH_TLS_ENABLE_OLD_CIPHER_SUITES=true``:
    unset it on every node and restart them.
    """
    conclude(grade_cipher_suites(crdb_tls))


@pytest.mark.check("tls-post-quantum", "Post-quantum key exchange")
@pytest.mark.severity("info")
def test_tls_post_quantum(crdb_tls: TlsEvidence) -> None:
    """Informational: whether TLS 1.3 handshakes negotiate the hybrid X25519MLKEM768 group.

    CockroachDB uses X25519MLKEM768 by default from v26.2. Testing it needs OpenSSL 3.5
    or later on the machine that runs the audit.
    """
    conclude(grade_key_exchange(crdb_tls))


@pytest.mark.check("tls-server-key", "TLS server key")
@pytest.mark.severity("high")
def test_tls_server_key(crdb_tls: TlsEvidence) -> None:
    """The served certificate's key should be RSA of 2048+ bits or EC of 256+ bits.

    Remediation: ``cockroach cert create-node`` with ``--key-size 2048`` or more, then
    restart or send SIGHUP to each node to load the new certificate.
    """
    conclude(grade_server_key(crdb_tls))
