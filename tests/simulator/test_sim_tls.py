"""TLS material and the TLS options of scenarios."""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sim_helpers import scenario_named
from sim_wire_client import SSL_REQUEST, WireClient, error_fields

from pytest_crdb_security.simulator import SimulatedCluster
from pytest_crdb_security.simulator.scenario import TlsConfig


@contextmanager
def _cluster_with(tls: TlsConfig) -> Iterator[SimulatedCluster]:
    scenario = dataclasses.replace(scenario_named("redacted"), tls=tls)
    with SimulatedCluster(scenario) as cluster:
        yield cluster


def _server_certificate(cluster: SimulatedCluster) -> tuple[x509.Certificate, str]:
    """Return the node certificate and the negotiated TLS version, without verifying."""
    with WireClient(cluster.host, cluster.port) as client:
        wrapped = client.start_tls(None)
        der = wrapped.getpeercert(binary_form=True)
        version = wrapped.version() or ""
    assert der is not None
    return x509.load_der_x509_certificate(der), version


def _common_name(name: x509.Name) -> str:
    return str(name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def test_default_certificates() -> None:
    with _cluster_with(TlsConfig()) as cluster:
        certificate, version = _server_certificate(cluster)
        assert cluster.ca_cert_path is not None
        ca = x509.load_pem_x509_certificate(cluster.ca_cert_path.read_bytes())
        directory = cluster.ca_cert_path.parent
        key_mode = stat.S_IMODE((directory / "node.key").stat().st_mode)
        directory_mode = stat.S_IMODE(directory.stat().st_mode)

    assert _common_name(certificate.subject) == "node"
    assert _common_name(certificate.issuer) == "Cockroach CA"
    assert _common_name(ca.subject) == "Cockroach CA"
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(address) for address in names.get_values_for_type(x509.IPAddress)] == [
        "127.0.0.1",
        "::1",
    ]
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 2048
    lifetime = certificate.not_valid_after_utc - datetime.now(timezone.utc)
    assert timedelta(days=364) < lifetime <= timedelta(days=365)
    assert version == "TLSv1.3"
    assert key_mode == 0o600
    assert directory_mode == 0o700


@pytest.mark.parametrize(
    ("tls", "key_class", "key_size"),
    [
        (TlsConfig(key="rsa-1024"), rsa.RSAPublicKey, 1024),
        (TlsConfig(key="ecdsa-p256"), ec.EllipticCurvePublicKey, 256),
    ],
)
def test_key_types(tls: TlsConfig, key_class: type, key_size: int) -> None:
    with _cluster_with(tls) as cluster:
        certificate, _ = _server_certificate(cluster)

    public_key = certificate.public_key()
    assert isinstance(public_key, key_class)
    assert public_key.key_size == key_size  # type: ignore[union-attr]


def test_short_validity() -> None:
    with _cluster_with(TlsConfig(not_after_days=45)) as cluster:
        certificate, _ = _server_certificate(cluster)
        with psycopg.crdb.connect(cluster.url(), autocommit=True) as connection:
            assert connection.execute("SELECT 1").fetchall() == [(1,)]

    lifetime = certificate.not_valid_after_utc - datetime.now(timezone.utc)
    assert timedelta(days=44) < lifetime <= timedelta(days=45)


def test_expired_certificate_fails_verification() -> None:
    with _cluster_with(TlsConfig(expired=True)) as cluster:
        certificate, _ = _server_certificate(cluster)
        with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
            psycopg.crdb.connect(cluster.url(), autocommit=True)

    assert certificate.not_valid_after_utc < datetime.now(timezone.utc)


def test_max_version_tls_1_2() -> None:
    with _cluster_with(TlsConfig(max_version="1.2")) as cluster:
        _, version = _server_certificate(cluster)

    assert version == "TLSv1.2"


def test_sslrequest_error() -> None:
    tls = TlsConfig(sslrequest_error="cannot use SSL/TLS over local connections")
    with _cluster_with(tls) as cluster, WireClient(cluster.host, cluster.port) as client:
        client.sock.sendall(b"\x00\x00\x00\x08" + SSL_REQUEST.to_bytes(4, "big"))
        message_type, body = client.read()

    assert message_type == b"E"
    assert error_fields(body)["M"] == "cannot use SSL/TLS over local connections"
