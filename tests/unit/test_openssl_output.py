"""Parsing of `openssl version` and `openssl s_client` output, and what a run shows."""

from __future__ import annotations

import pytest

from pytest_crdb_security.parsing.openssl_output import (
    HandshakeOutcome,
    classify_s_client,
    parse_openssl_version,
    parse_s_client,
)

CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGUtcGxhY2Vob2xkZXIwCgYIKoZIzj0E
-----END CERTIFICATE-----"""

# OpenSSL 3.0.19 against a TLS 1.3 server, -showcerts, verification errors included.
ACCEPTED_TLS13 = f"""CONNECTED(00000003)
---
Certificate chain
 0 s:O = Cockroach, CN = node
   i:O = Cockroach, CN = Cockroach CA
{CERTIFICATE}
 1 s:O = Cockroach, CN = Cockroach CA
   i:O = Cockroach, CN = Cockroach CA
{CERTIFICATE}
---
Server certificate
subject=O = Cockroach, CN = node
---
Peer signing digest: SHA256
Peer signature type: RSA-PSS
Server Temp Key: X25519, 253 bits
---
SSL handshake has read 1405 bytes and written 385 bytes
Verification error: unable to verify the first certificate
---
New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384
Server public key is 2048 bit
Verify return code: 21 (unable to verify the first certificate)
---
"""
ACCEPTED_STDERR = """depth=0 O = Cockroach, CN = node
verify error:num=20:unable to get local issuer certificate
verify return:1
DONE
"""

REJECTED_SUITE = """CONNECTED(00000003)
---
no peer certificate available
---
New, (NONE), Cipher is (NONE)
SSL-Session:
    Protocol  : TLSv1.2
    Cipher    : 0000
---
"""
REJECTED_STDERR = (
    "40E74B49467F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake"
    " failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n"
)
PROTOCOL_ALERT = (
    "40C7E94A957F0000:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol"
    " version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70\n"
)
NO_CIPHER_MATCH = (
    "Call to SSL_CONF_cmd(-cipher, RC4-SHA:@SECLEVEL=0) failed\n"
    "40F7A962E57F0000:error:0A0000B9:SSL routines:SSL_CTX_set_cipher_list:no cipher"
    " match:../ssl/ssl_lib.c:2741:\n"
)
GROUP_CANNOT_BE_SET = (
    "Call to SSL_CONF_cmd(-groups, X25519MLKEM768) failed\n"
    "4057F45A627F0000:error:0A080106:SSL routines:gid_cb:passed invalid"
    " argument:../ssl/t1_lib.c:748:group 'X25519MLKEM768' cannot be set\n"
)
CONNECTION_REFUSED = (
    "4097B334067F0000:error:8000006F:system library:BIO_connect:Connection"
    " refused:../crypto/bio/bio_sock2.c:117:calling connect()\n"
    "4097B334067F0000:error:10000067:BIO routines:BIO_connect:connect"
    " error:../crypto/bio/bio_sock2.c:119:\n"
    "connect:errno=111\n"
)
NAME_NOT_KNOWN = (
    "40370BFACB7F0000:error:10080002:BIO routines:BIO_lookup_ex:system"
    " lib:../crypto/bio/bio_addr.c:746:Name or service not known\n"
    "connect:errno=0\n"
)
# The server answered N to the SSLRequest that -starttls postgres sent.
NO_TLS = """CONNECTED(00000003)
---
no peer certificate available
---
SSL handshake has read 1 bytes and written 8 bytes
---
New, (NONE), Cipher is (NONE)
---
"""
# The summary lines OpenSSL 3.5 prints for a hybrid and for a classical group.
HYBRID_35 = """CONNECTED(00000003)
---
Peer signature type: rsa_pss_rsae_sha256
Negotiated TLS1.3 group: X25519MLKEM768
---
New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256
---
"""
CLASSICAL_35 = """CONNECTED(00000003)
Peer Temp Key: X25519, 253 bits
New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256
"""
BRIEF_35 = """CONNECTION ESTABLISHED
Protocol version: TLSv1.3
Ciphersuite: TLS_AES_256_GCM_SHA384
Negotiated TLS1.3 group: X25519MLKEM768
DONE
"""
ECDH_TEMP_KEY = """CONNECTED(00000003)
Server Temp Key: ECDH, prime256v1, 256 bits
New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256
"""


@pytest.mark.parametrize(
    ("text", "name", "numbers"),
    [
        ("OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)", "OpenSSL", (3, 0, 19)),
        ("OpenSSL 3.5.0 8 Apr 2025 (Library: OpenSSL 3.5.0 8 Apr 2025)", "OpenSSL", (3, 5, 0)),
        ("OpenSSL 3.0.2 15 Mar 2022 (Library: OpenSSL 3.5.1 1 Jul 2025)", "OpenSSL", (3, 5, 1)),
        ("OpenSSL 1.1.1w  11 Sep 2023\n", "OpenSSL", (1, 1, 1)),
        ("LibreSSL 3.3.6", "LibreSSL", (3, 3, 6)),
    ],
)
def test_openssl_version(text: str, name: str, numbers: tuple[int, ...]) -> None:
    version = parse_openssl_version(text)

    assert version.name == name
    assert version.numbers == numbers


def test_hybrid_needs_openssl_35() -> None:
    assert parse_openssl_version("OpenSSL 3.5.0 8 Apr 2025").at_least(3, 5)
    assert not parse_openssl_version("OpenSSL 3.0.19 27 Jan 2026").at_least(3, 5)
    assert not parse_openssl_version("LibreSSL 4.0.0").at_least(3, 5)


@pytest.mark.parametrize(
    "text", ["", "   \n", "openssl: command not found", "WolfSSL 5.0", "3.0.2"]
)
def test_unrecognised_openssl_version(text: str) -> None:
    with pytest.raises(ValueError, match="unrecognised `openssl version` output"):
        parse_openssl_version(text)


def test_accepted_handshake_with_chain() -> None:
    output = parse_s_client(ACCEPTED_TLS13, ACCEPTED_STDERR)

    assert output.connected
    assert output.protocol == "TLSv1.3"
    assert output.cipher == "TLS_AES_256_GCM_SHA384"
    assert output.group == "X25519"
    assert len(output.certificates) == 2
    assert output.certificates[0] == CERTIFICATE
    assert output.errors == ()
    assert classify_s_client(output) == (
        HandshakeOutcome.ACCEPTED,
        "TLSv1.3 TLS_AES_256_GCM_SHA384",
    )


def test_certificates_only_from_standard_output() -> None:
    output = parse_s_client("", CERTIFICATE)

    assert output.certificates == ()


CLASSIFIED = [
    (
        "suite rejected",
        REJECTED_SUITE,
        REJECTED_STDERR,
        HandshakeOutcome.REJECTED,
        "sslv3 alert handshake failure",
    ),
    (
        "version rejected",
        REJECTED_SUITE,
        PROTOCOL_ALERT,
        HandshakeOutcome.REJECTED,
        "tlsv1 alert protocol version",
    ),
    (
        "suite unknown locally",
        "",
        NO_CIPHER_MATCH,
        HandshakeOutcome.LOCAL_UNSUPPORTED,
        "-cipher RC4-SHA:@SECLEVEL=0 was rejected",
    ),
    (
        "group unknown locally",
        "",
        GROUP_CANNOT_BE_SET,
        HandshakeOutcome.LOCAL_UNSUPPORTED,
        "-groups X25519MLKEM768 was rejected",
    ),
    (
        "connection refused",
        "",
        CONNECTION_REFUSED,
        HandshakeOutcome.CONNECT_FAILED,
        "connect failed (errno 111): Connection refused",
    ),
    (
        "name not known",
        "",
        NAME_NOT_KNOWN,
        HandshakeOutcome.CONNECT_FAILED,
        "connect failed (errno 0): Name or service not known",
    ),
    (
        "no TLS after SSLRequest",
        NO_TLS,
        "",
        HandshakeOutcome.NO_HANDSHAKE,
        "openssl s_client completed no TLS handshake",
    ),
    ("empty output", "", "", HandshakeOutcome.CONNECT_FAILED, "openssl s_client did not connect"),
    (
        "unknown option",
        "",
        "s_client: Unknown option: -groups\ns_client: Use -help for summary.\n",
        HandshakeOutcome.LOCAL_UNSUPPORTED,
        "s_client rejected its arguments: Unknown option: -groups",
    ),
    (
        "garbage",
        "\x00\x01 random text\n---\n",
        "usage: s_client [options]",
        HandshakeOutcome.CONNECT_FAILED,
        "openssl s_client did not connect",
    ),
    (
        "cut after CONNECTED",
        "CONNECTED(00000003)\n",
        "",
        HandshakeOutcome.NO_HANDSHAKE,
        "openssl s_client completed no TLS handshake",
    ),
]


@pytest.mark.parametrize(
    ("stdout", "stderr", "outcome", "reason"),
    [case[1:] for case in CLASSIFIED],
    ids=[case[0] for case in CLASSIFIED],
)
def test_classify_s_client(
    stdout: str, stderr: str, outcome: HandshakeOutcome, reason: str
) -> None:
    assert classify_s_client(parse_s_client(stdout, stderr)) == (outcome, reason)


def test_no_session_values_are_none() -> None:
    output = parse_s_client(REJECTED_SUITE, REJECTED_STDERR)

    assert output.protocol is None
    assert output.cipher is None


@pytest.mark.parametrize(
    ("stdout", "group", "protocol", "cipher"),
    [
        (HYBRID_35, "X25519MLKEM768", "TLSv1.3", "TLS_AES_128_GCM_SHA256"),
        (CLASSICAL_35, "X25519", "TLSv1.3", "TLS_AES_128_GCM_SHA256"),
        (BRIEF_35, "X25519MLKEM768", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
        (ECDH_TEMP_KEY, "prime256v1", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"),
        (
            "New, TLSv1.2, Cipher is DHE-RSA-AES128-SHA\nServer Temp Key: DH, 2048 bits\n",
            "DH",
            "TLSv1.2",
            "DHE-RSA-AES128-SHA",
        ),
        ("Server Temp Key: \n", None, None, None),
    ],
)
def test_key_exchange_group(
    stdout: str, group: str | None, protocol: str | None, cipher: str | None
) -> None:
    output = parse_s_client(stdout)

    assert output.group == group
    assert output.protocol == protocol
    assert output.cipher == cipher
