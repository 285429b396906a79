"""TLS handshakes with Python's ``ssl`` module: SSLRequest, served certificate, versions.

The probe never authenticates and never sends a startup message: each connection
sends SSLRequest, completes or fails one TLS handshake, and closes. Certificates are
not verified during evidence gathering, so an expired or untrusted certificate can be
read. A separate handshake verifies the chain against ``sslrootcert`` when given.
"""

from __future__ import annotations

import socket
import ssl
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.evidence.tls_model import (
    TLS_1_0,
    TLS_1_1,
    TLS_1_2,
    TLS_1_3,
    ChainTrust,
    Handshake,
    ProbeStatus,
    ProtocolResult,
    TrustStatus,
)
from pytest_crdb_security.evidence.tls_settings import SYSTEM_ROOTS, TlsProbeSettings
from pytest_crdb_security.parsing.openssl_output import parse_openssl_version
from pytest_crdb_security.parsing.sslrequest import (
    SSL_REQUEST,
    ReplyKind,
    SslRequestReply,
    error_body_length,
    interpret_reply,
)

PINNED_VERSIONS = {
    TLS_1_0: ssl.TLSVersion.TLSv1,
    TLS_1_1: ssl.TLSVersion.TLSv1_1,
    TLS_1_2: ssl.TLSVersion.TLSv1_2,
    TLS_1_3: ssl.TLSVersion.TLSv1_3,
}
# OpenSSL 3 refuses to offer TLS 1.0 and 1.1 at security level 1 and above, so the
# contexts pinned to those versions lower it to 0.
LEGACY_PROTOCOL_CIPHERS = "ALL:@SECLEVEL=0"
_PYTHON_PROTOCOL_NAMES = {
    "TLSv1": TLS_1_0,
    "TLSv1.1": TLS_1_1,
    "TLSv1.2": TLS_1_2,
    "TLSv1.3": TLS_1_3,
}
# ssl.SSLError reasons raised by the local library, not by the server's reply.
LOCAL_SSL_REASONS = frozenset({"NO_CIPHERS_AVAILABLE", "NO_PROTOCOLS_AVAILABLE"})


def local_library() -> str:
    """Return the TLS library of Python's ``ssl`` module, such as ``OpenSSL 3.0.19``."""
    try:
        return parse_openssl_version(ssl.OPENSSL_VERSION).label
    except ValueError:
        return ssl.OPENSSL_VERSION


class ProbeConnectionError(Exception):
    """The probe could not connect or got no reply; the message names the address."""


@dataclass(frozen=True)
class ClientContexts:
    """Client TLS contexts, built before the probe thread starts.

    ``verify`` is None when the URL gives no ``sslrootcert``. ``pinned`` maps each
    protocol label to a context that offers only that version, or to the reason the
    local library cannot build one.
    """

    default: ssl.SSLContext
    verify: ssl.SSLContext | Unavailable | None
    pinned: Mapping[str, ssl.SSLContext | str]
    client_certificate_loaded: bool
    notes: tuple[str, ...] = ()


def build_contexts(settings: TlsProbeSettings) -> ClientContexts:
    """Build every client context the probe uses.

    Call it on the main thread: pinning TLS 1.0 or 1.1 emits a DeprecationWarning that
    is silenced here, and ``warnings.catch_warnings`` is not safe to use from a second
    thread while pytest runs tests.
    """
    notes: list[str] = []
    default = _evidence_context()
    problem = _load_client_certificate(default, settings)
    loaded = settings.client_certificate is not None and problem is None
    if problem is not None:
        notes.append(problem)

    pinned: dict[str, ssl.SSLContext | str] = {}
    for label, version in PINNED_VERSIONS.items():
        pinned[label] = _pinned_context(label, version)
        context = pinned[label]
        if loaded and isinstance(context, ssl.SSLContext):
            _load_client_certificate(context, settings)

    verify = _verifying_context(settings)
    if loaded and isinstance(verify, ssl.SSLContext):
        _load_client_certificate(verify, settings)
    return ClientContexts(default, verify, pinned, loaded, tuple(notes))


def _evidence_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _pinned_context(label: str, version: ssl.TLSVersion) -> ssl.SSLContext | str:
    context = _evidence_context()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = version
            context.maximum_version = version
        if version < ssl.TLSVersion.TLSv1_2:
            context.set_ciphers(LEGACY_PROTOCOL_CIPHERS)
    except (ValueError, ssl.SSLError) as error:
        return f"cannot test {label} with the local {local_library()}: {error}"
    return context


def _verifying_context(settings: TlsProbeSettings) -> ssl.SSLContext | Unavailable | None:
    roots = settings.root_certificates
    if roots is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # The host name is matched separately, so that a mismatch and an untrusted
    # chain are reported as two findings.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    try:
        if roots == SYSTEM_ROOTS:
            context.load_default_certs()
        else:
            context.load_verify_locations(cafile=roots)
    except (OSError, ssl.SSLError) as error:
        return Unavailable(f"cannot load sslrootcert {roots!r}: {_error_text(error)}")
    return context


def _load_client_certificate(context: ssl.SSLContext, settings: TlsProbeSettings) -> str | None:
    if settings.client_certificate is None:
        return None
    try:
        context.load_cert_chain(
            settings.client_certificate,
            settings.client_key,
            # Without sslpassword an encrypted key fails to load, instead of OpenSSL
            # prompting on the terminal, which would stall the audit.
            password=settings.client_key_password or _empty_password,
        )
    except (OSError, ssl.SSLError) as error:
        hint = ""
        if isinstance(error, ssl.SSLError) and not settings.client_key_password:
            hint = "; an encrypted key needs sslpassword"
        return (
            f"the client certificate {settings.client_certificate!r} (sslcert) was not used:"
            f" {_error_text(error)}{hint}"
        )
    return None


def _empty_password() -> str:
    return ""


def _error_text(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return error.reason.replace("_", " ").lower()
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def describe_connection_error(error: OSError, settings: TlsProbeSettings) -> str:
    """Say why connecting to the SQL port failed, in the words of the error."""
    if isinstance(error, socket.gaierror):
        return f"cannot resolve host {settings.host!r}: {error.strerror or error}"
    if isinstance(error, ConnectionRefusedError):
        return f"the connection to {settings.address} was refused"
    if isinstance(error, TimeoutError):
        return f"connecting to {settings.address} timed out after {settings.connect_timeout:g} s"
    return f"cannot connect to {settings.address}: {_error_text(error)}"


def open_sslrequest(settings: TlsProbeSettings) -> tuple[socket.socket, SslRequestReply]:
    """Connect, send SSLRequest and read the reply; the caller closes the socket.

    Raise ProbeConnectionError when the connection fails or no reply arrives in time.
    """
    try:
        sock = socket.create_connection(
            (settings.host, settings.port), timeout=settings.connect_timeout
        )
    except OSError as error:
        raise ProbeConnectionError(describe_connection_error(error, settings)) from None
    try:
        sock.sendall(SSL_REQUEST)
        data = _read_reply(sock)
    except TimeoutError:
        sock.close()
        raise ProbeConnectionError(
            f"{settings.address} did not reply to SSLRequest within {settings.connect_timeout:g} s"
        ) from None
    except OSError as error:
        sock.close()
        raise ProbeConnectionError(
            f"the connection to {settings.address} failed after SSLRequest: {_error_text(error)}"
        ) from None
    return sock, interpret_reply(data)


def _read_reply(sock: socket.socket) -> bytes:
    first = sock.recv(1)
    if first != b"E":
        return first
    header = _receive_up_to(sock, 4)
    length = error_body_length(header)
    if length is None:
        return first + header
    return first + header + _receive_up_to(sock, length)


def _receive_up_to(sock: socket.socket, count: int) -> bytes:
    """Read ``count`` bytes or fewer when the peer closes or stops sending in time."""
    data = b""
    try:
        while len(data) < count:
            chunk = sock.recv(count - len(data))
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    return data


def start_tls(
    sock: socket.socket, context: ssl.SSLContext, settings: TlsProbeSettings
) -> ssl.SSLSocket:
    """Run the TLS handshake on a socket whose SSLRequest got the reply ``S``.

    On failure ``wrap_socket`` closes the socket and the error propagates.
    """
    return context.wrap_socket(sock, server_hostname=settings.server_name)


def protocol_label(name: str | None) -> str:
    """Turn Python's ``TLSv1.3`` into the report's ``TLS 1.3``."""
    return _PYTHON_PROTOCOL_NAMES.get(name or "", name or "unknown")


@dataclass(frozen=True)
class ServedHandshake:
    """The parameters, the leaf and, when Python can read it, the chain of a handshake."""

    handshake: Handshake
    leaf: bytes
    chain: tuple[bytes, ...] | None  # DER, leaf first; None when Python cannot read it


def served_handshake(
    sock: socket.socket, context: ssl.SSLContext, settings: TlsProbeSettings
) -> ServedHandshake:
    """Complete the handshake on ``sock`` and read what the server presented."""
    with start_tls(sock, context, settings) as tls:
        leaf = tls.getpeercert(binary_form=True)
        cipher = tls.cipher()
        handshake = Handshake(protocol_label(tls.version()), cipher[0] if cipher else "unknown")
        chain = _unverified_chain(tls)
    if not leaf:
        raise ssl.SSLError("the server presented no certificate")
    return ServedHandshake(handshake, leaf, chain)


def _unverified_chain(tls: ssl.SSLSocket) -> tuple[bytes, ...] | None:
    # NOTE: SSLSocket.get_unverified_chain is public from Python 3.13, where it returns
    # DER bytes; this branch has not run here, because the project is tested on 3.11.
    if sys.version_info < (3, 13):
        return None
    method = getattr(tls, "get_unverified_chain", None)
    if method is None:
        return None
    chain = method()
    if not isinstance(chain, list) or not all(isinstance(item, bytes) for item in chain):
        return None
    return tuple(chain)


def verify_chain(settings: TlsProbeSettings, contexts: ClientContexts) -> ChainTrust:
    """Verify the served chain against ``sslrootcert`` in a handshake of its own."""
    roots = settings.root_certificates
    if contexts.verify is None:
        return ChainTrust(
            TrustStatus.NOT_CHECKED,
            "not verified against a CA, because the URL sets no sslrootcert",
        )
    if isinstance(contexts.verify, Unavailable):
        return ChainTrust(TrustStatus.ERROR, contexts.verify.reason)
    where = "the system trust store" if roots == SYSTEM_ROOTS else f"sslrootcert {roots}"
    try:
        sock, reply = open_sslrequest(settings)
    except ProbeConnectionError as error:
        return ChainTrust(TrustStatus.ERROR, f"could not verify against {where}: {error}")
    if reply.kind is not ReplyKind.TLS:
        sock.close()
        return ChainTrust(
            TrustStatus.ERROR,
            f"could not verify against {where}: the server {reply.describe()} this time",
        )
    try:
        with start_tls(sock, contexts.verify, settings):
            pass
    except ssl.SSLCertVerificationError as error:
        message = error.verify_message or _error_text(error)
        return ChainTrust(TrustStatus.FAILED, f"does not verify against {where}: {message}")
    except OSError as error:
        return ChainTrust(
            TrustStatus.ERROR, f"could not verify against {where}: {_error_text(error)}"
        )
    return ChainTrust(TrustStatus.VERIFIED, f"verifies against {where}")


def local_hello_problem(context: ssl.SSLContext) -> str | None:
    """Return why ``context`` cannot produce a ClientHello, or None when it can.

    The handshake runs on memory buffers, so nothing is sent. It distinguishes a version
    the local library cannot offer from one the server rejects.
    """
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = context.wrap_bio(incoming, outgoing, server_side=False)
    try:
        client.do_handshake()
    except ssl.SSLWantReadError:
        return None if outgoing.pending else "it produced no ClientHello"
    except ssl.SSLError as error:
        return _error_text(error)
    return None


def probe_protocol(
    settings: TlsProbeSettings, label: str, context: ssl.SSLContext | str
) -> ProtocolResult:
    """Offer only ``label`` (such as ``TLS 1.0``) and report whether the server accepts it."""
    if isinstance(context, str):
        return ProtocolResult(label, ProbeStatus.UNTESTABLE, context)
    problem = local_hello_problem(context)
    if problem is not None:
        return ProtocolResult(
            label,
            ProbeStatus.UNTESTABLE,
            f"cannot test {label} with the local {local_library()}: {problem}",
        )
    try:
        sock, reply = open_sslrequest(settings)
    except ProbeConnectionError as error:
        return ProtocolResult(label, ProbeStatus.FAILED, str(error))
    if reply.kind is not ReplyKind.TLS:
        sock.close()
        return ProtocolResult(label, ProbeStatus.FAILED, f"the server {reply.describe()} this time")
    try:
        with start_tls(sock, context, settings) as tls:
            cipher = tls.cipher()
    except ssl.SSLError as error:
        if error.reason in LOCAL_SSL_REASONS:
            return ProtocolResult(
                label,
                ProbeStatus.UNTESTABLE,
                f"cannot test {label} with the local {local_library()}: {_error_text(error)}",
            )
        return ProtocolResult(label, ProbeStatus.REJECTED, _error_text(error))
    except TimeoutError:
        return ProtocolResult(
            label,
            ProbeStatus.FAILED,
            f"the {label} handshake timed out after {settings.connect_timeout:g} s",
        )
    except OSError as error:
        return ProtocolResult(
            label,
            ProbeStatus.REJECTED,
            f"the server closed the connection during the handshake ({_error_text(error)})",
        )
    return ProtocolResult(label, ProbeStatus.ACCEPTED, cipher[0] if cipher else "")
