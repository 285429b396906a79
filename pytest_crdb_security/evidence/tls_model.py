"""Evidence records of the TLS probe of the SQL port.

Every field is a value or the reason it could not be collected (``Unavailable``, graded
as could-not-evaluate). ``Untestable`` is different: the server was reachable but the
local tools cannot test the property, for example when no ``openssl`` command exists.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.parsing.certificates import CertificateInfo
from pytest_crdb_security.parsing.hostnames import HostMatch
from pytest_crdb_security.parsing.sslrequest import SslRequestReply

TLS_1_0 = "TLS 1.0"
TLS_1_1 = "TLS 1.1"
TLS_1_2 = "TLS 1.2"
TLS_1_3 = "TLS 1.3"
PROTOCOL_LABELS = (TLS_1_0, TLS_1_1, TLS_1_2, TLS_1_3)
# Deprecated by RFC 8996; a server that accepts them fails the protocol check.
DEPRECATED_PROTOCOLS = (TLS_1_0, TLS_1_1)


@dataclass(frozen=True)
class Untestable:
    """The reason the local tools cannot test a property of a reachable server."""

    reason: str


class ProbeStatus(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNTESTABLE = "untestable"  # the local library or tool cannot offer it
    FAILED = "failed"  # the probe got no result: network error or timeout


@dataclass(frozen=True)
class Handshake:
    """The TLS version and cipher suite of a handshake with the local defaults."""

    protocol: str  # "TLS 1.3"
    cipher: str


class TrustStatus(enum.Enum):
    VERIFIED = "verified"
    FAILED = "failed"  # the verification failed
    NOT_CHECKED = "not checked"  # the URL sets no sslrootcert
    ERROR = "error"  # the verification could not run


@dataclass(frozen=True)
class ChainTrust:
    """Whether the served chain verifies against the URL's ``sslrootcert``."""

    status: TrustStatus
    detail: str


@dataclass(frozen=True)
class ServedCertificate:
    """The certificate chain the server sent, and the CA certificates that issued it.

    ``issuers`` are the certificates of ``sslrootcert`` whose subject is the issuer of
    the last served certificate. ``chain_note`` explains why only the leaf is known.
    """

    leaf: CertificateInfo
    served_chain: tuple[CertificateInfo, ...]
    issuers: tuple[CertificateInfo, ...]
    host: HostMatch
    trust: ChainTrust
    chain_note: str | None = None


@dataclass(frozen=True)
class ProtocolResult:
    protocol: str  # one of PROTOCOL_LABELS
    status: ProbeStatus
    detail: str


@dataclass(frozen=True)
class CipherResult:
    protocol: str  # TLS_1_2 or TLS_1_3
    name: str  # OpenSSL name, or the IANA name when sslyze tested it
    status: ProbeStatus
    detail: str = ""


@dataclass(frozen=True)
class CipherScan:
    """Cipher suites tested one by one, with the tool that tested them."""

    tool: str
    results: tuple[CipherResult, ...]
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    def with_status(self, status: ProbeStatus) -> tuple[CipherResult, ...]:
        return tuple(result for result in self.results if result.status is status)


@dataclass(frozen=True)
class KeyExchangeProbe:
    """A TLS 1.3 handshake offering the hybrid post-quantum group, or why it could not run.

    ``group`` is the group the server chose. With ``status`` UNTESTABLE, ``group`` is the
    one chosen when the local tool offered its default groups, if that handshake ran.
    """

    status: ProbeStatus
    offered: str
    group: str | None
    detail: str


@dataclass(frozen=True)
class TlsEvidence:
    """Everything the TLS probe found about the SQL port ``address``."""

    address: str
    reply: SslRequestReply | Unavailable
    handshake: Handshake | Unavailable
    certificate: ServedCertificate | Unavailable
    protocols: tuple[ProtocolResult, ...] | Unavailable
    ciphers: CipherScan | Untestable | Unavailable
    key_exchange: KeyExchangeProbe | Untestable | Unavailable
    notes: tuple[str, ...] = field(default_factory=tuple)
    seconds: float = 0.0


def unavailable_evidence(
    address: str, reply: SslRequestReply | Unavailable, reason: str, seconds: float
) -> TlsEvidence:
    """Return evidence where nothing past the SSLRequest reply could be collected."""
    missing = Unavailable(reason)
    return TlsEvidence(
        address=address,
        reply=reply,
        handshake=missing,
        certificate=missing,
        protocols=missing,
        ciphers=missing,
        key_exchange=missing,
        seconds=seconds,
    )
