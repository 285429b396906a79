"""Matching the URL's host against the names of a server certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pytest_crdb_security.parsing.hostnames import certificate_names, dns_name_matches, match_host

_KEY = ec.generate_private_key(ec.SECP256R1())


def certificate(names: list[str] | None, common_name: str = "node") -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(_KEY.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if names is not None:
        entries: list[x509.GeneralName] = []
        for name in names:
            try:
                entries.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                entries.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(entries), critical=False)
    return builder.sign(_KEY, hashes.SHA256())


NODE = certificate(["localhost", "db.example.com", "*.nodes.example.com", "127.0.0.1", "::1"])


@pytest.mark.parametrize(
    ("host", "matched_by"),
    [
        ("127.0.0.1", "IP:127.0.0.1"),
        ("::1", "IP:::1"),
        ("[::1]", "IP:::1"),
        ("0:0:0:0:0:0:0:1", "IP:::1"),
        ("localhost", "DNS:localhost"),
        ("DB.Example.COM", "DNS:db.example.com"),
        ("db.example.com.", "DNS:db.example.com"),
        ("n1.nodes.example.com", "DNS:*.nodes.example.com"),
        ("127.0.0.2", None),
        ("a.b.nodes.example.com", None),
        ("nodes.example.com", None),
        ("example.com", None),
        ("other.example.com", None),
    ],
)
def test_match_host(host: str, matched_by: str | None) -> None:
    match = match_host(NODE, host)

    assert match.matched_by == matched_by
    assert match.matches is (matched_by is not None)
    assert match.host == host


def test_ip_host_does_not_match_dns_name() -> None:
    # An IP address written as a DNS entry is not an IP address entry.
    match = match_host(certificate(["127.0.0.1.example"]), "127.0.0.1")

    assert not match.matches


def test_common_name_only_without_alternative_names() -> None:
    with_san = certificate(["localhost"], common_name="db.example.com")
    without_san = certificate(None, common_name="db.example.com")

    assert not match_host(with_san, "db.example.com").matches
    assert match_host(without_san, "db.example.com").matched_by == "CN:db.example.com"
    assert certificate_names(without_san) == (("CN:db.example.com",), False)


def test_names_listed_for_the_detail() -> None:
    names, from_san = certificate_names(NODE)

    assert from_san
    assert names == (
        "DNS:localhost",
        "DNS:db.example.com",
        "DNS:*.nodes.example.com",
        "IP:127.0.0.1",
        "IP:::1",
    )


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.com", "example.com", False),
        ("a.*.example.com", "a.b.example.com", False),
        ("f*.example.com", "foo.example.com", False),
        ("*", "localhost", False),
        ("", "localhost", False),
        ("localhost", "", False),
        ("EXAMPLE.com", "example.COM", True),
    ],
)
def test_dns_name_matches(pattern: str, host: str, matches: bool) -> None:
    assert dns_name_matches(pattern, host) is matches
