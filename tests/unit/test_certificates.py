import datetime as dt
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from pytest_crdb_security.evidence.certs import (
    CertificateFile,
    CertificatesDirectory,
    KeyFile,
    read_certificates_directory,
)
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.grading.encryption import grade_certificate_file, grade_tls_directory
from pytest_crdb_security.parsing.certificates import CertificateParseError, parse_certificates
from pytest_crdb_security.verdicts import CouldNotEvaluate, Verdict

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

# DER encodings of signature algorithm OIDs. sha256WithRSAEncryption and the weak ones
# have the same length, so a SHA-256 certificate can be rewritten into a SHA-1 one,
# because this cryptography build refuses to sign with SHA-1 or MD5. The rewritten
# signature no longer verifies, which parsing does not check.
SHA256_WITH_RSA = bytes.fromhex("2a864886f70d01010b")
SHA1_WITH_RSA = bytes.fromhex("2a864886f70d010105")
MD5_WITH_RSA = bytes.fromhex("2a864886f70d010104")

_RSA_2048 = rsa.generate_private_key(65537, 2048)


def make_certificate(
    common_name: str = "node",
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey = _RSA_2048,
    days: int = 365,
    is_ca: bool = False,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=400))
        .not_valid_after(NOW + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm)


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def with_weak_hash(certificate: x509.Certificate, oid: bytes) -> bytes:
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert der.count(SHA256_WITH_RSA) == 2
    return der.replace(SHA256_WITH_RSA, oid)


def write(path: Path, data: bytes, mode: int = 0o644) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


def test_parse_pem_bundle_skips_key_blocks() -> None:
    key_pem = _RSA_2048.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    data = pem(make_certificate("ca", is_ca=True)) + key_pem + pem(make_certificate("node"))

    infos = parse_certificates(data)

    assert [info.common_name for info in infos] == ["ca", "node"]
    assert infos[0].is_ca
    assert not infos[1].is_ca
    assert infos[0].self_signed


def test_parse_rsa_certificate_facts() -> None:
    info = parse_certificates(pem(make_certificate(days=100)))[0]

    assert info.key_type == "RSA"
    assert info.key_bits == 2048
    assert info.key_label() == "RSA 2048"
    assert info.signature_hash == "sha256"
    assert info.signature_algorithm == "sha256WithRSAEncryption"
    assert info.subject == "CN=node"
    assert info.name() == "CN=node"
    assert info.not_after == NOW + dt.timedelta(days=100)
    assert info.not_after.tzinfo is not None
    assert 99.9 < info.days_left(NOW + dt.timedelta(seconds=1)) < 100


def test_parse_ec_and_ed25519_keys() -> None:
    ec_info = parse_certificates(pem(make_certificate(key=ec.generate_private_key(ec.SECP384R1()))))
    ed_info = parse_certificates(pem(make_certificate(key=ed25519.Ed25519PrivateKey.generate())))

    assert ec_info[0].key_label() == "EC secp384r1"
    assert ec_info[0].key_bits == 384
    assert ed_info[0].key_type == "Ed25519"
    assert ed_info[0].signature_hash is None


def test_parse_der_certificate() -> None:
    der = make_certificate("client.root").public_bytes(serialization.Encoding.DER)

    assert parse_certificates(der)[0].common_name == "client.root"


@pytest.mark.parametrize(("oid", "name"), [(SHA1_WITH_RSA, "sha1"), (MD5_WITH_RSA, "md5")])
def test_parse_weak_signature_hash(oid: bytes, name: str) -> None:
    info = parse_certificates(with_weak_hash(make_certificate(), oid))[0]

    assert info.signature_hash == name


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a certificate", "not a valid PEM or DER certificate"),
        (b"-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n", "without a CERTIFICATE"),
        (b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "not a valid"),
    ],
)
def test_parse_errors(data: bytes, message: str) -> None:
    with pytest.raises(CertificateParseError, match=message):
        parse_certificates(data)


def test_read_directory_pairs_keys_and_lists_items(tmp_path: Path) -> None:
    write(tmp_path / "ca.crt", pem(make_certificate("ca", is_ca=True)))
    write(tmp_path / "node.crt", pem(make_certificate("node")))
    write(tmp_path / "node.key", b"key", 0o600)
    write(tmp_path / "client.root.crt", pem(make_certificate("root")))
    write(tmp_path / "client.root.key", b"key", 0o640)
    write(tmp_path / "client.root.key.pk8", b"key", 0o600)
    write(tmp_path / "extra.pem", pem(make_certificate("extra")))
    write(tmp_path / "ui.pem", b"-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n")
    write(tmp_path / "README", b"ignored")
    (tmp_path / "..data").mkdir()
    (tmp_path / "sub").mkdir()

    directory = read_certificates_directory(tmp_path)

    assert isinstance(directory, CertificatesDirectory)
    assert directory.item_names == [
        "ca.crt", "client.root.crt", "extra.pem", "node.crt", "client.root.key.pk8", "ui.pem",
    ]
    node = directory.item("node.crt")
    assert isinstance(node, CertificateFile)
    assert node.key == KeyFile("node.key", 0o600, os.getuid())
    client = directory.item("client.root.crt")
    assert isinstance(client, CertificateFile)
    assert client.key is not None
    assert client.key.mode_text == "0640"
    ca = directory.item("ca.crt")
    assert isinstance(ca, CertificateFile)
    assert ca.key is None
    assert directory.item("README") is None


def test_read_directory_records_unparseable_file(tmp_path: Path) -> None:
    write(tmp_path / "broken.crt", b"garbage")

    directory = read_certificates_directory(tmp_path)

    assert isinstance(directory, CertificatesDirectory)
    broken = directory.item("broken.crt")
    assert isinstance(broken, CertificateFile)
    assert broken.certificates == ()
    assert broken.error is not None
    assert "not a valid PEM or DER certificate" in broken.error


def test_read_directory_missing(tmp_path: Path) -> None:
    result = read_certificates_directory(tmp_path / "nope")

    assert isinstance(result, Unavailable)
    assert "does not exist; check --crdb-certs-dir" in result.reason


def test_read_directory_not_a_directory(tmp_path: Path) -> None:
    result = read_certificates_directory(write(tmp_path / "file", b""))

    assert isinstance(result, Unavailable)
    assert "is not a directory" in result.reason


def test_read_directory_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def deny(path: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "scandir", deny)

    result = read_certificates_directory(tmp_path)

    assert isinstance(result, Unavailable)
    expected = f"cannot read certificates directory {str(tmp_path)!r}: Permission denied"
    assert result.reason == expected


def directory_with(tmp_path: Path, files: dict[str, tuple[bytes, int]]) -> CertificatesDirectory:
    for name, (data, mode) in files.items():
        write(tmp_path / name, data, mode)
    directory = read_certificates_directory(tmp_path)
    assert isinstance(directory, CertificatesDirectory)
    return directory


def grade_file(
    tmp_path: Path, name: str, data: bytes, key_mode: int | None = None
) -> tuple[Verdict, str]:
    files = {name: (data, 0o644)}
    if key_mode is not None:
        files[name.removesuffix(".crt") + ".key"] = (b"key", key_mode)
    item = directory_with(tmp_path, files).item(name)
    assert item is not None
    grade = grade_certificate_file(item, NOW)
    return grade.verdict, grade.detail


@pytest.mark.parametrize(
    ("days", "verdict", "fragment"),
    [
        (365, Verdict.PASS, "valid until"),
        (90, Verdict.PASS, "(90 days)"),
        (89, Verdict.WARN, "in 89 days"),
        (30, Verdict.WARN, "in 30 days"),
        (29, Verdict.FAIL, "in 29 days"),
        (-1, Verdict.FAIL, "expired on"),
    ],
)
def test_certificate_expiry_thresholds(
    tmp_path: Path, days: int, verdict: Verdict, fragment: str
) -> None:
    found, detail = grade_file(tmp_path, "node.crt", pem(make_certificate(days=days)), 0o600)

    assert found is verdict
    assert fragment in detail
    assert detail.startswith("node.crt: ")


@pytest.mark.parametrize(
    ("key", "verdict", "fragment"),
    [
        (rsa.generate_private_key(65537, 1024), Verdict.FAIL, "RSA key of 1024 bits, under 2048"),
        (ec.generate_private_key(ec.SECP192R1()), Verdict.FAIL, "EC key of 192 bits, under 256"),
        (ec.generate_private_key(ec.SECP256R1()), Verdict.PASS, "EC secp256r1 key"),
        (ed25519.Ed25519PrivateKey.generate(), Verdict.PASS, "Ed25519 key"),
    ],
)
def test_certificate_key_strength(
    tmp_path: Path,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    verdict: Verdict,
    fragment: str,
) -> None:
    found, detail = grade_file(tmp_path, "node.crt", pem(make_certificate(key=key)), 0o600)

    assert found is verdict
    assert fragment in detail


@pytest.mark.parametrize(("oid", "name"), [(SHA1_WITH_RSA, "SHA1"), (MD5_WITH_RSA, "MD5")])
def test_certificate_weak_signature_fails(tmp_path: Path, oid: bytes, name: str) -> None:
    found, detail = grade_file(tmp_path, "node.crt", with_weak_hash(make_certificate(), oid))

    assert found is Verdict.FAIL
    assert f"is signed with {name}" in detail


def test_certificate_bundle_names_each_certificate(tmp_path: Path) -> None:
    data = pem(make_certificate("ca", is_ca=True), make_certificate("old-ca", days=10, is_ca=True))

    found, detail = grade_file(tmp_path, "ca.crt", data)

    assert found is Verdict.FAIL
    assert "CN=old-ca expires on" in detail
    assert "2 certificates: CN=ca (CA)" in detail


@pytest.mark.parametrize(
    ("mode", "verdict", "fragment"),
    [
        (0o600, Verdict.PASS, "node.key mode 0600"),
        (0o400, Verdict.PASS, "node.key mode 0400"),
        (0o700, Verdict.PASS, "node.key mode 0700"),
        (0o604, Verdict.FAIL, "other users can access the private key"),
        (0o644, Verdict.FAIL, "node.key has mode 0644"),
    ],
)
def test_certificate_key_permissions_from_files(
    tmp_path: Path, mode: int, verdict: Verdict, fragment: str
) -> None:
    found, detail = grade_file(tmp_path, "node.crt", pem(make_certificate()), mode)

    assert found is verdict
    assert fragment in detail


def test_unparseable_certificate_is_could_not_evaluate(tmp_path: Path) -> None:
    item = directory_with(tmp_path, {"node.crt": (b"garbage", 0o644)}).item("node.crt")
    assert item is not None

    with pytest.raises(CouldNotEvaluate, match=r"node\.crt: not a valid PEM or DER certificate"):
        grade_certificate_file(item, NOW)


def test_tls_directory_summary(tmp_path: Path) -> None:
    directory = directory_with(
        tmp_path,
        {
            "ca.crt": (pem(make_certificate("ca", days=3000, is_ca=True)), 0o644),
            "node.crt": (pem(make_certificate("node", days=200)), 0o644),
            "node.key": (b"key", 0o600),
        },
    )

    grade = grade_tls_directory(directory, NOW)

    assert grade.verdict is Verdict.PASS
    assert grade.detail.startswith(f"2 files in {tmp_path}; earliest expiry node.crt on ")
    assert "every certificate is valid for 90+ days" in grade.detail


def test_tls_directory_lists_problems_and_unparseable(tmp_path: Path) -> None:
    directory = directory_with(
        tmp_path,
        {
            "node.crt": (pem(make_certificate("node", days=60)), 0o644),
            "node.key": (b"key", 0o600),
            "broken.pem": (b"-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", 0o644),
            "ca.key": (b"key", 0o600),
        },
    )

    grade = grade_tls_directory(directory, NOW)

    assert grade.verdict is Verdict.WARN
    assert "node.crt: expires on" in grade.detail
    assert "broken.pem: not a valid PEM or DER certificate" in grade.detail
    assert "(not evaluated)" in grade.detail
    assert "ca.key is in the certificates directory" in grade.detail


def test_tls_directory_without_files_is_could_not_evaluate(tmp_path: Path) -> None:
    directory = directory_with(tmp_path, {"notes.txt": (b"", 0o644)})

    with pytest.raises(CouldNotEvaluate, match="no certificate"):
        grade_tls_directory(directory, NOW)
