"""Read X.509 certificates (PEM bundles or DER) into the facts the TLS checks grade."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

PEM_CERTIFICATE_MARKER = b"-----BEGIN CERTIFICATE-----"


class CertificateParseError(ValueError):
    """The data contains no certificate that can be parsed."""


@dataclass(frozen=True)
class CertificateInfo:
    """Facts of one certificate that the audit grades. Times are timezone-aware UTC."""

    subject: str
    common_name: str | None
    issuer: str
    self_signed: bool
    is_ca: bool
    not_before: dt.datetime
    not_after: dt.datetime
    key_type: str  # RSA, EC, Ed25519, Ed448, DSA or the key class name
    key_bits: int | None
    curve: str | None
    signature_hash: str | None  # sha256, sha1, md5 and so on, None for Ed25519 and Ed448
    signature_algorithm: str

    def days_left(self, now: dt.datetime) -> float:
        return (self.not_after - now).total_seconds() / 86400

    def key_label(self) -> str:
        if self.key_type == "EC" and self.curve:
            return f"EC {self.curve}"
        if self.key_type in ("RSA", "DSA") and self.key_bits:
            return f"{self.key_type} {self.key_bits}"
        return self.key_type

    def name(self) -> str:
        return f"CN={self.common_name}" if self.common_name else self.subject or "(empty subject)"


def parse_certificates(data: bytes) -> list[CertificateInfo]:
    """Parse every certificate in PEM data, or one DER certificate.

    PEM blocks of other types (private keys, parameters) are skipped. Raise
    CertificateParseError when there is no certificate or it cannot be decoded.
    """
    try:
        if PEM_CERTIFICATE_MARKER in data:
            certificates = x509.load_pem_x509_certificates(data)
        elif b"-----BEGIN" in data:
            raise CertificateParseError("PEM data without a CERTIFICATE block")
        else:
            certificates = [x509.load_der_x509_certificate(data)]
    except ValueError as error:
        if isinstance(error, CertificateParseError):
            raise
        raise CertificateParseError(f"not a valid PEM or DER certificate ({error})") from None
    return [describe_certificate(certificate) for certificate in certificates]


def describe_certificate(certificate: x509.Certificate) -> CertificateInfo:
    key_type, key_bits, curve = _key_facts(certificate)
    try:
        hash_algorithm = certificate.signature_hash_algorithm
        signature_hash = hash_algorithm.name if hash_algorithm is not None else None
    except UnsupportedAlgorithm:
        signature_hash = None
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        is_ca = constraints.value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(),
        common_name=str(common_names[0].value) if common_names else None,
        issuer=certificate.issuer.rfc4514_string(),
        self_signed=certificate.subject == certificate.issuer,
        is_ca=is_ca,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        key_type=key_type,
        key_bits=key_bits,
        curve=curve,
        signature_hash=signature_hash,
        signature_algorithm=_signature_name(certificate),
    )


def _key_facts(certificate: x509.Certificate) -> tuple[str, int | None, str | None]:
    try:
        key = certificate.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return "unsupported key", None, None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size, key.curve.name
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, None
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456, None
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, None
    return type(key).__name__, None, None


def _signature_name(certificate: x509.Certificate) -> str:
    oid = certificate.signature_algorithm_oid
    name = getattr(oid, "_name", None)
    return str(name) if name and name != "Unknown OID" else oid.dotted_string
