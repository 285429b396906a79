"""TLS material of a simulated cluster: a CA and a node certificate made at start."""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import ssl
import tempfile
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pytest_crdb_security.simulator.scenario import ECDSA_P256, RSA_1024, TlsConfig

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

CA_COMMON_NAME = "Cockroach CA"
NODE_COMMON_NAME = "node"
CA_LIFETIME = timedelta(days=3650)
# Go's recommended TLS 1.2 suites, which CockroachDB uses: ECDHE with AES-GCM or ChaCha20.
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"
# Go's other suites, which COCKROACH_TLS_ENABLE_OLD_CIPHER_SUITES=true adds: ECDHE with
# AES-CBC, and RSA key exchange with AES-GCM or AES-CBC. The 3DES and RC4 suites are left
# out because the OpenSSL 3.0.19 build the project is tested with offers neither.
LEGACY_TLS12_CIPHERS = (
    "ECDHE+AES+SHA1:ECDHE+AES+SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384"
    ":AES128-SHA:AES256-SHA:AES128-SHA256"
)
TLS_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def _new_key(key_type: str) -> PrivateKey:
    if key_type == ECDSA_P256:
        return ec.generate_private_key(ec.SECP256R1())
    bits = 1024 if key_type == RSA_1024 else 2048
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cockroach"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_certificate(key: PrivateKey, now: datetime) -> x509.Certificate:
    name = _name(CA_COMMON_NAME)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _node_validity(config: TlsConfig, now: datetime) -> tuple[datetime, datetime]:
    lifetime = timedelta(days=config.not_after_days)
    if config.expired:
        not_after = now - timedelta(days=1)
        return not_after - lifetime, not_after
    return now - timedelta(hours=1), now + lifetime


def _node_certificate(
    key: PrivateKey, ca_key: PrivateKey, ca: x509.Certificate, config: TlsConfig, now: datetime
) -> x509.Certificate:
    not_before, not_after = _node_validity(config, now)
    names = [_alternative_name(name) for name in config.names]
    return (
        x509.CertificateBuilder()
        .subject_name(_name(NODE_COMMON_NAME))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _alternative_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class TlsMaterial:
    """CA and node certificate in a private temporary directory, plus the server context.

    The directory contains `ca.crt`, `node.crt` and `node.key` (mode 0600) and is
    deleted by `cleanup`.
    """

    def __init__(self, config: TlsConfig) -> None:
        now = datetime.now(timezone.utc)
        ca_key = _new_key(ECDSA_P256 if config.key == ECDSA_P256 else "rsa-2048")
        ca = _ca_certificate(ca_key, now)
        node_key = _new_key(config.key)
        self.node_certificate = _node_certificate(node_key, ca_key, ca, config, now)

        self.directory = Path(tempfile.mkdtemp(prefix="crdb-sim-certs-"))
        self.ca_path = self.directory / "ca.crt"
        self.ca_path.write_bytes(_pem(ca))
        node_path = self.directory / "node.crt"
        node_path.write_bytes(_pem(self.node_certificate))
        key_path = self.directory / "node.key"
        key_path.touch(mode=0o600)
        key_path.write_bytes(_key_pem(node_key))
        os.chmod(key_path, 0o600)

        self.context = _server_context(config)
        self.context.load_cert_chain(node_path, key_path)

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def _server_context(config: TlsConfig) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    minimum = TLS_VERSIONS[config.min_version]
    if minimum < ssl.TLSVersion.TLSv1_2:
        # Python deprecates TLS 1.0 and 1.1, which a scenario may enable on purpose.
        # NOTE: catch_warnings is not thread-safe; start such a cluster on the main thread.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = minimum
    else:
        context.minimum_version = minimum
    if config.max_version is not None:
        context.maximum_version = TLS_VERSIONS[config.max_version]
    ciphers = TLS12_CIPHERS
    if config.legacy_ciphers:
        ciphers += ":" + LEGACY_TLS12_CIPHERS
    # OpenSSL's default security level rejects 1024-bit RSA keys, TLS 1.0 and TLS 1.1.
    if config.key == RSA_1024 or config.min_version < "1.2":
        ciphers += ":@SECLEVEL=0"
    context.set_ciphers(ciphers)
    return context


def random_secret() -> int:
    """Return a random signed 32-bit value for BackendKeyData."""
    return secrets.randbits(31)
