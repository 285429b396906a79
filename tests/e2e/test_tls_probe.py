"""The TLS probe against simulated clusters and small loopback servers, without pytest runs.

The loopback servers reply to the SSLRequest with whatever bytes a case needs, so the
probe's handling of replies that no CockroachDB node sends can be checked too.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pytest_crdb_security.evidence import tls_background, tls_tools
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.evidence.tls_background import BackgroundTlsProbe
from pytest_crdb_security.evidence.tls_chain import served_certificate
from pytest_crdb_security.evidence.tls_handshake import build_contexts
from pytest_crdb_security.evidence.tls_model import (
    ChainTrust,
    CipherScan,
    KeyExchangeProbe,
    ProbeStatus,
    ServedCertificate,
    TlsEvidence,
    TrustStatus,
)
from pytest_crdb_security.evidence.tls_probe import probe_tls
from pytest_crdb_security.evidence.tls_settings import Deadline, TlsProbeSettings, probe_settings
from pytest_crdb_security.evidence.tls_tools import OpensslTool, run_s_client
from pytest_crdb_security.parsing.openssl_output import parse_openssl_version
from pytest_crdb_security.parsing.sslrequest import ReplyKind
from pytest_crdb_security.simulator import SimulatedCluster, load_scenario
from pytest_crdb_security.target import parse_target_url
from pytest_crdb_security.verdicts import CouldNotEvaluate

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture(scope="module")
def default_cluster() -> Iterator[SimulatedCluster]:
    with SimulatedCluster(load_scenario(SCENARIOS / "tls_default.yaml")) as cluster:
        yield cluster


def settings_for(url: str, timeout: int = 30) -> TlsProbeSettings:
    return probe_settings(parse_target_url(url), timeout, {})


def probe(settings: TlsProbeSettings, deadline: Deadline | None = None) -> TlsEvidence:
    return probe_tls(settings, build_contexts(settings), deadline or Deadline(settings.budget))


def loopback_settings(port: int, connect_timeout: float = 2.0) -> TlsProbeSettings:
    return TlsProbeSettings(
        "127.0.0.1", port, None, None, None, None, connect_timeout=connect_timeout, budget=10
    )


@contextmanager
def replying_server(reply: bytes, close: bool = True) -> Iterator[int]:
    """Serve on a loopback port: read the 8-byte SSLRequest, send ``reply``, then close
    (or keep the connection open until the server stops)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stopping = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(2)
            try:
                connection.recv(8)
                connection.sendall(reply)
            except OSError:
                pass
            if close:
                connection.close()
            else:
                held.append(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopping.set()
        thread.join(2)
        listener.close()
        for connection in held:
            connection.close()


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return int(listener.getsockname()[1])


def write_certificate(path: Path, common_name: str, is_ca: bool) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key


# A simulated cluster with the default TLS.


def test_default_cluster_evidence(default_cluster: SimulatedCluster) -> None:
    evidence = probe(settings_for(default_cluster.url()))

    assert evidence.reply == evidence.reply.__class__(ReplyKind.TLS)
    assert not isinstance(evidence.handshake, Unavailable)
    assert evidence.handshake.protocol == "TLS 1.3"
    assert isinstance(evidence.certificate, ServedCertificate)
    assert evidence.certificate.trust.status is TrustStatus.VERIFIED
    assert evidence.certificate.host.matched_by == "IP:127.0.0.1"
    assert [issuer.common_name for issuer in evidence.certificate.issuers] == ["Cockroach CA"]
    assert not isinstance(evidence.protocols, Unavailable)
    assert {result.protocol: result.status for result in evidence.protocols} == {
        "TLS 1.0": ProbeStatus.REJECTED,
        "TLS 1.1": ProbeStatus.REJECTED,
        "TLS 1.2": ProbeStatus.ACCEPTED,
        "TLS 1.3": ProbeStatus.ACCEPTED,
    }
    assert isinstance(evidence.ciphers, CipherScan)
    assert len(evidence.ciphers.results) == 28
    assert evidence.ciphers.with_status(ProbeStatus.FAILED) == ()
    assert isinstance(evidence.key_exchange, KeyExchangeProbe)
    assert evidence.key_exchange.group == "X25519"


def test_chain_against_another_ca_does_not_verify(
    default_cluster: SimulatedCluster, tmp_path: Path
) -> None:
    other_ca = tmp_path / "other-ca.crt"
    write_certificate(other_ca, "Other CA", is_ca=True)
    url = default_cluster.url().split("?")[0] + f"?sslmode=verify-full&sslrootcert={other_ca}"

    evidence = probe(settings_for(url))

    assert isinstance(evidence.certificate, ServedCertificate)
    assert evidence.certificate.trust == ChainTrust(
        TrustStatus.FAILED,
        f"does not verify against sslrootcert {other_ca}: unable to get local issuer certificate",
    )
    assert evidence.certificate.issuers == ()
    assert evidence.certificate.chain_note == (
        f"sslrootcert {str(other_ca)!r} contains no certificate of the issuer"
        " CN=Cockroach CA,O=Cockroach"
    )


def test_missing_sslrootcert_is_verification_error(
    default_cluster: SimulatedCluster, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.crt"
    url = default_cluster.url().split("?")[0] + f"?sslrootcert={missing}"

    evidence = probe(settings_for(url))

    assert isinstance(evidence.certificate, ServedCertificate)
    assert evidence.certificate.trust == ChainTrust(
        TrustStatus.ERROR, f"cannot load sslrootcert {str(missing)!r}: No such file or directory"
    )


def test_unusable_client_certificate_is_noted(
    default_cluster: SimulatedCluster, tmp_path: Path
) -> None:
    missing = tmp_path / "client.auditor.crt"
    url = default_cluster.url() + f"&sslcert={missing}&sslkey={tmp_path / 'client.auditor.key'}"

    evidence = probe(settings_for(url))

    assert evidence.notes == (
        f"the client certificate {str(missing)!r} (sslcert) was not used: No such file or"
        " directory",
    )
    assert isinstance(evidence.certificate, ServedCertificate)


def test_client_certificate_is_presented(default_cluster: SimulatedCluster, tmp_path: Path) -> None:
    certificate = tmp_path / "client.auditor.crt"
    key = write_certificate(certificate, "auditor", is_ca=False)
    key_path = tmp_path / "client.auditor.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"key-password-9x"),
        )
    )
    url = (
        default_cluster.url()
        + f"&sslcert={certificate}&sslkey={key_path}&sslpassword=key-password-9x"
    )
    settings = settings_for(url)

    contexts = build_contexts(settings)
    evidence = probe_tls(settings, contexts, Deadline(30))

    assert contexts.client_certificate_loaded
    assert evidence.notes == ()
    assert isinstance(evidence.ciphers, CipherScan)
    assert evidence.ciphers.with_status(ProbeStatus.FAILED) == ()


def test_encrypted_key_without_password_is_noted(
    default_cluster: SimulatedCluster, tmp_path: Path
) -> None:
    certificate = tmp_path / "client.auditor.crt"
    key = write_certificate(certificate, "auditor", is_ca=False)
    key_path = tmp_path / "client.auditor.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"key-password-9x"),
        )
    )
    settings = settings_for(default_cluster.url() + f"&sslcert={certificate}&sslkey={key_path}")

    # OpenSSL would prompt on the terminal for the password; the probe must not wait.
    contexts = build_contexts(settings)

    assert not contexts.client_certificate_loaded
    assert len(contexts.notes) == 1
    assert contexts.notes[0].startswith(
        f"the client certificate {str(certificate)!r} (sslcert) was not used: "
    )
    assert contexts.notes[0].endswith("; an encrypted key needs sslpassword")


def test_s_client_gets_key_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def run(arguments: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        seen["arguments"] = arguments
        seen["environment"] = options["env"]
        return subprocess.CompletedProcess(arguments, 0, "", "")

    monkeypatch.setattr(tls_tools.subprocess, "run", run)
    settings = TlsProbeSettings(
        "db.example.com", 26257, "db.example.com", None, "c.crt", "c.key", "Sentinel-Key-1"
    )
    tool = OpensslTool("/usr/bin/openssl", parse_openssl_version("OpenSSL 3.0.19"))

    run_s_client(tool, settings, ["-tls1_3"], 5, client_certificate=True)

    arguments = seen["arguments"]
    assert "Sentinel-Key-1" not in " ".join(arguments)
    assert arguments[arguments.index("-pass") + 1] == "env:CRDB_SECURITY_SSLKEY_PASSWORD"
    assert seen["environment"]["CRDB_SECURITY_SSLKEY_PASSWORD"] == "Sentinel-Key-1"
    assert arguments[:6] == [
        "/usr/bin/openssl",
        "s_client",
        "-connect",
        "db.example.com:26257",
        "-starttls",
        "postgres",
    ]
    assert arguments[6:8] == ["-servername", "db.example.com"]


def test_cancelled_deadline_stops_parallel_steps(default_cluster: SimulatedCluster) -> None:
    deadline = Deadline(30)
    deadline.cancel()

    evidence = probe(settings_for(default_cluster.url()), deadline)

    assert not isinstance(evidence.protocols, Unavailable)
    for result in evidence.protocols:
        assert result.status is ProbeStatus.FAILED
        assert result.detail == "not tested: the audit ended before this step ran"
    assert isinstance(evidence.ciphers, CipherScan)
    assert {result.status for result in evidence.ciphers.results} == {ProbeStatus.FAILED}
    assert evidence.key_exchange == Unavailable("not tested: the audit ended before this step ran")


# Servers that cannot be probed, or reply with something other than S.


def test_connection_refused() -> None:
    port = free_port()

    evidence = probe(loopback_settings(port))

    reason = f"the connection to 127.0.0.1:{port} was refused"
    assert evidence.reply == Unavailable(reason)
    assert evidence.handshake == Unavailable(reason)
    assert evidence.certificate == Unavailable(reason)
    assert evidence.ciphers == Unavailable(reason)


def test_no_reply_times_out() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        # The kernel completes the connection from the backlog, but no process replies.
        evidence = probe(loopback_settings(port, connect_timeout=0.3))

    assert evidence.reply == Unavailable(
        f"127.0.0.1:{port} did not reply to SSLRequest within 0.3 s"
    )


def test_unresolvable_host(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    settings = TlsProbeSettings("db.example.invalid", 26257, "db.example.invalid", None, None, None)

    evidence = probe(settings)

    assert evidence.reply == Unavailable(
        "cannot resolve host 'db.example.invalid': Name or service not known"
    )


@pytest.mark.parametrize(
    ("reply", "kind", "text"),
    [
        (b"N", ReplyKind.PLAINTEXT, "the server answered N: it does not offer TLS"),
        (b"", ReplyKind.CLOSED, "the server closed the connection without replying to SSLRequest"),
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", ReplyKind.UNEXPECTED, "the server replied b'H'"),
        (
            b"E\x00\x00\x00\x20SFATAL\x00",
            ReplyKind.MALFORMED,
            "the server replied to SSLRequest with an ErrorResponse cut short (7 of 28 bytes)",
        ),
    ],
    ids=["plaintext", "closed", "http", "truncated-error"],
)
def test_reply_other_than_s(reply: bytes, kind: ReplyKind, text: str) -> None:
    with replying_server(reply) as port:
        evidence = probe(loopback_settings(port))

    assert not isinstance(evidence.reply, Unavailable)
    assert evidence.reply.kind is kind
    assert isinstance(evidence.handshake, Unavailable)
    assert evidence.handshake.reason.startswith(text)


def test_error_response_is_read_in_full() -> None:
    body = b"SFATAL\x00C08P01\x00Mcannot use SSL/TLS over local connections\x00\x00"
    reply = b"E" + (len(body) + 4).to_bytes(4, "big") + body
    with replying_server(reply) as port:
        evidence = probe(loopback_settings(port))

    assert not isinstance(evidence.reply, Unavailable)
    assert evidence.reply.message == "cannot use SSL/TLS over local connections"
    assert evidence.reply.sqlstate == "08P01"


def test_handshake_failure_after_s() -> None:
    with replying_server(b"S" + b"\x15\x03\x03\x00\x02\x02\x28") as port:
        evidence = probe(loopback_settings(port))

    assert not isinstance(evidence.reply, Unavailable)
    assert evidence.reply.kind is ReplyKind.TLS
    assert isinstance(evidence.handshake, Unavailable)
    assert evidence.handshake.reason.startswith(
        f"the TLS handshake with 127.0.0.1:{port} failed after the server answered S: "
    )
    assert evidence.protocols == evidence.handshake


# The served chain, from DER certificates.


def test_chain_from_another_node_is_not_used(tmp_path: Path) -> None:
    leaf_path = tmp_path / "leaf.crt"
    other_path = tmp_path / "other.crt"
    write_certificate(leaf_path, "node", is_ca=False)
    write_certificate(other_path, "node", is_ca=False)
    leaf = x509.load_pem_x509_certificate(leaf_path.read_bytes())
    other = x509.load_pem_x509_certificate(other_path.read_bytes())
    der = serialization.Encoding.DER
    settings = loopback_settings(26257)
    trust = ChainTrust(TrustStatus.NOT_CHECKED, "not verified")

    certificate = served_certificate(
        leaf.public_bytes(der), (other.public_bytes(der), leaf.public_bytes(der)), settings, trust
    )

    assert certificate.served_chain == ()
    assert certificate.chain_note is not None
    assert certificate.chain_note.startswith(
        "only the leaf is known: the chain came from a connection that reached a server with"
        " another certificate"
    )


# The background runner.


def test_background_probe_overrun_is_could_not_evaluate(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def stuck(*args: object) -> TlsEvidence:
        release.wait(5)
        raise RuntimeError("released")

    monkeypatch.setattr(tls_background, "probe_tls", stuck)
    monkeypatch.setattr(tls_background, "COLLECT_GRACE_SECONDS", 0.05)
    settings = TlsProbeSettings(
        "127.0.0.1", 1, None, None, None, None, connect_timeout=0.1, budget=0.1
    )
    background = BackgroundTlsProbe(settings, build_contexts(settings))
    try:
        with pytest.raises(CouldNotEvaluate) as raised:
            background.result()
    finally:
        release.set()
        background.stop()

    assert raised.value.reason == (
        "the TLS probe of 127.0.0.1:1 did not finish within its 0.1 s budget"
    )


def test_background_probe_runs_while_caller_works(default_cluster: SimulatedCluster) -> None:
    settings = settings_for(default_cluster.url())
    started = time.monotonic()
    background = BackgroundTlsProbe(settings, build_contexts(settings))
    returned = time.monotonic() - started

    evidence = background.result()
    background.stop()

    # Starting returns before the probe's first handshake could finish.
    assert returned < evidence.seconds
    assert isinstance(evidence.certificate, ServedCertificate)
