"""Read a node's certificates directory (``--crdb-certs-dir``) into evidence records.

Files named ``*.key`` are never opened: only their permission bits and owner are taken
from ``stat``. A ``*.pem`` file is read to tell a certificate from a key, and the
content of a key is not kept.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.parsing.certificates import (
    PEM_CERTIFICATE_MARKER,
    CertificateInfo,
    CertificateParseError,
    parse_certificates,
)

CERTIFICATE_SUFFIXES = (".crt", ".pem")
KEY_SUFFIXES = (".key", ".key.pk8")
# Certificates are a few KiB, so a larger file is not read as one.
MAX_CERTIFICATE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class KeyFile:
    """A private key file: its name, permission bits and owner."""

    name: str
    mode: int  # permission bits only, e.g. 0o600
    uid: int

    @property
    def mode_text(self) -> str:
        return f"{self.mode:04o}"


@dataclass(frozen=True)
class CertificateFile:
    """A certificate file with the certificates it contains, or why it could not be read."""

    name: str
    certificates: tuple[CertificateInfo, ...] = ()
    error: str | None = None
    key: KeyFile | None = None  # node.key for node.crt, client.root.key for client.root.crt


@dataclass(frozen=True)
class CertificatesDirectory:
    """Everything found in the certificates directory, one item per file to grade."""

    path: Path
    certificate_files: tuple[CertificateFile, ...]
    unpaired_keys: tuple[KeyFile, ...]

    @property
    def item_names(self) -> list[str]:
        """Names of the files graded one by one: certificates, then keys without one."""
        return [file.name for file in self.certificate_files] + [
            key.name for key in self.unpaired_keys
        ]

    def item(self, name: str) -> CertificateFile | KeyFile | None:
        for file in self.certificate_files:
            if file.name == name:
                return file
        for key in self.unpaired_keys:
            if key.name == name:
                return key
        return None


def read_certificates_directory(path: Path) -> CertificatesDirectory | Unavailable:
    """List and parse the directory; Unavailable names the directory and the error."""
    if not path.exists():
        return Unavailable(
            f"certificates directory {str(path)!r} does not exist; check --crdb-certs-dir"
        )
    if not path.is_dir():
        return Unavailable(f"{str(path)!r} is not a directory; pass the node's --certs-dir")
    try:
        # Names starting with "." are skipped, such as the ..data links of Kubernetes
        # secret volumes.
        names = sorted(entry.name for entry in os.scandir(path) if not entry.name.startswith("."))
    except OSError as error:
        return Unavailable(
            f"cannot read certificates directory {str(path)!r}: {error.strerror or error}"
        )

    keys: dict[str, KeyFile] = {}
    certificates: list[tuple[str, tuple[CertificateInfo, ...], str | None]] = []
    for name in names:
        file_path = path / name
        if not file_path.is_file():
            continue
        if name.endswith(KEY_SUFFIXES):
            key = _key_file(file_path)
            if key is not None:
                keys[name] = key
        elif name.endswith(CERTIFICATE_SUFFIXES):
            read = _read_certificate_file(file_path)
            if read is None:
                # A .pem file without a certificate is taken for a private key.
                key = _key_file(file_path)
                if key is not None:
                    keys[name] = key
                continue
            certificates.append((name, *read))

    files = []
    paired: set[str] = set()
    for name, infos, problem in certificates:
        key_name = _key_name_for(name)
        key = keys.get(key_name) if key_name else None
        if key is not None and key_name is not None:
            paired.add(key_name)
        files.append(CertificateFile(name, infos, problem, key))
    unpaired = tuple(key for name, key in sorted(keys.items()) if name not in paired)
    return CertificatesDirectory(path, tuple(files), unpaired)


def _key_name_for(certificate_name: str) -> str | None:
    if certificate_name.endswith(".crt"):
        return certificate_name.removesuffix(".crt") + ".key"
    return None


def _key_file(path: Path) -> KeyFile | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return KeyFile(path.name, stat.S_IMODE(status.st_mode), status.st_uid)


def _read_certificate_file(path: Path) -> tuple[tuple[CertificateInfo, ...], str | None] | None:
    """Return the certificates or an error text, or None for a PEM file with only a key."""
    try:
        if path.stat().st_size > MAX_CERTIFICATE_BYTES:
            limit = MAX_CERTIFICATE_BYTES // 1024
            return (), f"larger than {limit} KiB, so not read as a certificate"
        data = path.read_bytes()
    except OSError as read_error:
        return (), f"cannot read it: {read_error.strerror or read_error}"
    if PEM_CERTIFICATE_MARKER not in data and b"PRIVATE KEY-----" in data:
        return None
    try:
        return tuple(parse_certificates(data)), None
    except CertificateParseError as parse_error:
        return (), str(parse_error)
