"""Match the host of the connection URL against the names a server certificate carries.

The rules follow RFC 6125. An IP address matches an IP address entry of the subject
alternative names. A DNS name matches a DNS entry, case-insensitively, with ``*``
allowed only as the whole left-most label. The common name counts only when the
certificate has no subject alternative names, as in libpq, although Go clients ignore
it even then.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class HostMatch:
    """Whether the certificate names ``host``, which entry matched and every name listed."""

    host: str
    matched_by: str | None  # such as "IP:127.0.0.1" or "DNS:*.example.com"
    names: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return self.matched_by is not None


def certificate_names(certificate: x509.Certificate) -> tuple[tuple[str, ...], bool]:
    """Return the names of the certificate as ``DNS:x``, ``IP:x`` or ``CN:x``, and whether
    they come from the subject alternative names."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return tuple(f"CN:{attribute.value!s}" for attribute in common_names), False
    names = [f"DNS:{name}" for name in extension.value.get_values_for_type(x509.DNSName)]
    names += [f"IP:{address}" for address in extension.value.get_values_for_type(x509.IPAddress)]
    return tuple(names), True


def match_host(certificate: x509.Certificate, host: str) -> HostMatch:
    """Decide whether ``certificate`` is valid for ``host`` (a DNS name or an IP address)."""
    names, _ = certificate_names(certificate)
    requested = host.strip().strip("[]")
    try:
        address = ipaddress.ip_address(requested)
    except ValueError:
        address = None

    for name in names:
        kind, _, value = name.partition(":")
        if address is not None:
            if kind == "IP" and _same_address(value, address):
                return HostMatch(host, name, names)
            continue
        if kind in ("DNS", "CN") and dns_name_matches(value, requested):
            return HostMatch(host, name, names)
    return HostMatch(host, None, names)


def _same_address(value: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(value) == address
    except ValueError:
        return False


def dns_name_matches(pattern: str, host: str) -> bool:
    """Match one DNS name of a certificate, possibly ``*.example.com``, against ``host``."""
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if not pattern or not host:
        return False
    if not pattern.startswith("*."):
        return "*" not in pattern and pattern == host
    suffix = pattern[1:]  # ".example.com"
    if "*" in suffix or suffix.count(".") < 2:
        # A wildcard directly under a top-level domain (*.com) is not honoured.
        return False
    label, dot, rest = host.partition(".")
    return bool(label) and bool(dot) and "." + rest == suffix
