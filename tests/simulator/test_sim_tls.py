"""TLS material and the TLS options of scenarios."""

from __future__ import annotations

import dataclasses
import ssl
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sim_helpers import TEST_SCENARIOS, scenario_named
from sim_wire_client import SSL_REQUEST, WireClient, error_fields

from pytest_crdb_security.simulator import ScenarioError, SimulatedCluster, load_scenario
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


def _pinned_client(version: ssl.TLSVersion, ciphers: str | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = version
        context.maximum_version = version
    if ciphers is not None:
        context.set_ciphers(ciphers)
    return context


def _handshake(cluster: SimulatedCluster, context: ssl.SSLContext) -> tuple[str, str]:
    """Return the negotiated version and cipher suite, or raise ssl.SSLError."""
    with WireClient(cluster.host, cluster.port) as client:
        assert client.request_code(SSL_REQUEST) == b"S"
        with context.wrap_socket(client.sock) as wrapped:
            client.sock = wrapped
            return wrapped.version() or "", wrapped.cipher()[0]


def test_min_version_tls_1_0_with_legacy_ciphers() -> None:
    tls = TlsConfig(min_version="1.0", legacy_ciphers=True)
    with _cluster_with(tls) as cluster:
        version, cipher = _handshake(
            cluster, _pinned_client(ssl.TLSVersion.TLSv1, "ALL:@SECLEVEL=0")
        )

    assert version == "TLSv1"
    assert cipher.startswith("ECDHE-RSA-AES")


def test_default_rejects_tls_1_1() -> None:
    with (
        _cluster_with(TlsConfig()) as cluster,
        pytest.raises(ssl.SSLError, match="TLSV1_ALERT_PROTOCOL_VERSION"),
    ):
        _handshake(cluster, _pinned_client(ssl.TLSVersion.TLSv1_1, "ALL:@SECLEVEL=0"))


def test_legacy_ciphers_accept_cbc_and_rsa_key_exchange() -> None:
    with _cluster_with(TlsConfig(legacy_ciphers=True)) as cluster:
        for suite in ("ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "AES256-SHA"):
            _, cipher = _handshake(cluster, _pinned_client(ssl.TLSVersion.TLSv1_2, suite))
            assert cipher == suite


def test_default_ciphers_reject_cbc() -> None:
    with (
        _cluster_with(TlsConfig()) as cluster,
        pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE"),
    ):
        _handshake(cluster, _pinned_client(ssl.TLSVersion.TLSv1_2, "ECDHE-RSA-AES128-SHA"))


def test_certificate_names() -> None:
    with _cluster_with(TlsConfig(names=("db.example.internal", "10.0.0.5"))) as cluster:
        certificate, _ = _server_certificate(cluster)

    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["db.example.internal"]
    assert [str(address) for address in names.get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]


@pytest.mark.parametrize(
    ("tls", "expected"),
    [
        ({"min_version": "0.9"}, "tls.min_version: invalid value '0.9'; quote \"1.0\""),
        (
            {"min_version": "1.3", "max_version": "1.2"},
            "tls.min_version: 1.3 is above max_version; lower min_version",
        ),
        (
            {"min_version": "1.0"},
            "tls.min_version: TLS 1.0 has no suite in common with the default suites;"
            " add legacy_ciphers: true",
        ),
        ({"legacy_ciphers": "yes"}, "tls.legacy_ciphers: expected true or false, got 'yes'"),
        ({"names": []}, "tls.names: must be a non-empty list of strings"),
        ({"names": "localhost"}, "tls.names: must be a non-empty list of strings"),
    ],
)
def test_tls_option_errors(tmp_path: Path, tls: dict[str, object], expected: str) -> None:
    document = yaml.safe_load((TEST_SCENARIOS / "redacted.yaml").read_text(encoding="utf-8"))
    document["tls"] = tls
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)

    assert expected in str(caught.value)


def test_tls_options_load(tmp_path: Path) -> None:
    document = yaml.safe_load((TEST_SCENARIOS / "redacted.yaml").read_text(encoding="utf-8"))
    document["tls"] = {
        "min_version": 1.1,
        "legacy_ciphers": True,
        "names": ["db.example.internal"],
    }
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    tls = load_scenario(path).tls

    assert tls.min_version == "1.1"
    assert tls.legacy_ciphers
    assert tls.names == ("db.example.internal",)
