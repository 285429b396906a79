"""TLS probe settings from the target URL, the probe's deadline, and the openssl helpers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pytest_crdb_security.evidence import tls_key_exchange
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.evidence.tls_key_exchange import probe_key_exchange
from pytest_crdb_security.evidence.tls_model import KeyExchangeProbe, ProbeStatus, Untestable
from pytest_crdb_security.evidence.tls_settings import Deadline, TlsProbeSettings, probe_settings
from pytest_crdb_security.evidence.tls_tools import OpensslTool, SClientRun, find_openssl
from pytest_crdb_security.parsing.openssl_output import parse_openssl_version, parse_s_client
from pytest_crdb_security.target import parse_target_url


def settings_for(url: str, timeout: int = 30, **environment: str) -> TlsProbeSettings:
    return probe_settings(parse_target_url(url), timeout, environment)


def test_settings_from_url() -> None:
    settings = settings_for(
        "postgresql://auditor:secret@db.example.com:26258/defaultdb?sslmode=verify-full"
        "&sslrootcert=certs/ca.crt&sslcert=certs/client.auditor.crt"
        "&sslkey=certs/client.auditor.key&sslpassword=key-secret"
    )

    assert settings.host == "db.example.com"
    assert settings.port == 26258
    assert settings.address == "db.example.com:26258"
    assert settings.server_name == "db.example.com"
    assert settings.root_certificates == "certs/ca.crt"
    assert settings.client_certificate == "certs/client.auditor.crt"
    assert settings.client_key == "certs/client.auditor.key"
    assert settings.client_key_password == "key-secret"
    assert "key-secret" not in repr(settings)
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    ("url", "server_name", "address"),
    [
        ("postgresql://u@127.0.0.1:26257/d", None, "127.0.0.1:26257"),
        ("postgresql://u@[::1]:26257/d", None, "[::1]:26257"),
        ("postgresql://u@localhost/d", "localhost", "localhost:26257"),
        ("postgresql://u@db.example.com/d?sslsni=0", None, "db.example.com:26257"),
    ],
)
def test_server_name_indication(url: str, server_name: str | None, address: str) -> None:
    settings = settings_for(url)

    assert settings.server_name == server_name
    assert settings.address == address


def test_environment_fills_missing_parameters() -> None:
    settings = settings_for(
        "postgresql://u@db.example.com/d?sslrootcert=url-ca.crt",
        PGSSLROOTCERT="env-ca.crt",
        PGSSLCERT="env-client.crt",
        PGSSLKEY="env-client.key",
    )

    assert settings.root_certificates == "url-ca.crt"
    assert settings.client_certificate == "env-client.crt"
    assert settings.client_key == "env-client.key"


def test_no_tls_parameters() -> None:
    settings = settings_for("postgresql://u@db.example.com/d?sslmode=require")

    assert settings.root_certificates is None
    assert settings.client_certificate is None
    assert settings.client_key_password is None


@pytest.mark.parametrize(
    ("timeout", "connect", "budget"), [(30, 10.0, 60.0), (6, 5.0, 20.0), (90, 30.0, 180.0)]
)
def test_time_limits_follow_crdb_timeout(timeout: int, connect: float, budget: float) -> None:
    settings = settings_for("postgresql://u@db.example.com/d", timeout)

    assert settings.connect_timeout == connect
    assert settings.budget == budget


def test_deadline_bounds_and_cancel() -> None:
    deadline = Deadline(60)

    assert not deadline.expired()
    assert deadline.bound(5) == 5
    deadline.cancel()
    assert deadline.expired()
    assert deadline.cancelled
    assert deadline.bound(5) == 0.1
    assert deadline.reason() == "not tested: the audit ended before this step ran"


def test_deadline_expires() -> None:
    deadline = Deadline(0.01)
    time.sleep(0.02)

    assert deadline.expired()
    assert deadline.reason() == "not tested: the TLS probe used up its 0.01 s budget"


def test_find_openssl_missing_command() -> None:
    found = find_openssl(5, command="openssl-that-does-not-exist")

    assert found == Untestable(
        "the openssl-that-does-not-exist command is not installed (not found on PATH)"
    )


def fake_openssl(directory: Path, version: str, starttls_exit: int) -> str:
    """Write an executable that prints ``version`` and exits ``starttls_exit`` for s_client."""
    path = directory / "openssl"
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = version ]; then echo "{version}"; exit 0; fi\n'
        'echo "s_client: Value must be one of: smtp pop3" >&2\n'
        f"exit {starttls_exit}\n"
    )
    path.chmod(0o755)
    return str(path)


def test_find_openssl_without_starttls_postgres(tmp_path: Path) -> None:
    command = fake_openssl(tmp_path, "LibreSSL 3.8.2", starttls_exit=1)

    found = find_openssl(5, command=command)

    assert found == Untestable(
        f"{command} (LibreSSL 3.8.2) cannot start TLS over the PostgreSQL protocol"
        " (s_client -starttls postgres)"
    )


def test_find_openssl_unrecognised_version(tmp_path: Path) -> None:
    command = fake_openssl(tmp_path, "WolfSSL 5.0", starttls_exit=0)

    found = find_openssl(5, command=command)

    assert found == Untestable(f"{command}: unrecognised `openssl version` output 'WolfSSL 5.0'")


def test_find_openssl_reads_library_version() -> None:
    found = find_openssl(5)

    if isinstance(found, Untestable):
        pytest.fail(f"the machine that runs the tests needs openssl: {found.reason}")
    assert found.version.name == "OpenSSL"
    assert found.label.startswith("OpenSSL ")


# The key exchange probe with a stand-in for openssl s_client, so that the branches of
# an OpenSSL 3.5 tool run on any machine.

SETTINGS = TlsProbeSettings("db.example.com", 26257, "db.example.com", None, None, None)


def tool(version: str) -> OpensslTool:
    return OpensslTool("/usr/bin/openssl", parse_openssl_version(version))


def fake_s_client(
    monkeypatch: pytest.MonkeyPatch, stdout: str, stderr: str = "", failure: str | None = None
) -> list[list[str]]:
    calls: list[list[str]] = []

    def run(
        tool: OpensslTool,
        settings: TlsProbeSettings,
        options: list[str],
        timeout: float,
        client_certificate: bool,
    ) -> SClientRun:
        calls.append(list(options))
        if failure is not None:
            return SClientRun(None, failure)
        return SClientRun(parse_s_client(stdout, stderr))

    monkeypatch.setattr(tls_key_exchange, "run_s_client", run)
    return calls


SESSION = "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256\n"
HYBRID = "CONNECTED(00000003)\nNegotiated TLS1.3 group: X25519MLKEM768\n" + SESSION
CLASSICAL = "CONNECTED(00000003)\nPeer Temp Key: X25519, 253 bits\n" + SESSION
ALERT = "CONNECTED(00000003)\nNew, (NONE), Cipher is (NONE)\n"
ALERT_ERR = (
    "40E7:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:x.c:1:\n"
)


def test_key_exchange_hybrid_with_openssl_35(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_s_client(monkeypatch, HYBRID)

    result = probe_key_exchange(tool("OpenSSL 3.5.0 8 Apr 2025"), SETTINGS, Deadline(30), False)

    assert result == KeyExchangeProbe(
        ProbeStatus.ACCEPTED, "X25519MLKEM768:X25519", "X25519MLKEM768", "with OpenSSL 3.5.0"
    )
    assert calls == [["-tls1_3", "-groups", "X25519MLKEM768:X25519"]]


def test_key_exchange_classical_with_openssl_35(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_s_client(monkeypatch, CLASSICAL)

    result = probe_key_exchange(tool("OpenSSL 3.5.1"), SETTINGS, Deadline(30), False)

    assert isinstance(result, KeyExchangeProbe)
    assert result.status is ProbeStatus.ACCEPTED
    assert result.group == "X25519"


def test_key_exchange_rejected_with_openssl_35(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_s_client(monkeypatch, ALERT, ALERT_ERR)

    result = probe_key_exchange(tool("OpenSSL 3.5.1"), SETTINGS, Deadline(30), False)

    assert result == KeyExchangeProbe(
        ProbeStatus.REJECTED, "X25519MLKEM768:X25519", None, "sslv3 alert handshake failure"
    )


def test_key_exchange_group_missing_from_build(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_s_client(monkeypatch, "", "Call to SSL_CONF_cmd(-groups, X25519MLKEM768:X25519) failed\n")

    result = probe_key_exchange(tool("OpenSSL 3.5.1"), SETTINGS, Deadline(30), False)

    assert isinstance(result, KeyExchangeProbe)
    assert result.status is ProbeStatus.UNTESTABLE
    assert result.detail.startswith("OpenSSL 3.5.1 cannot offer X25519MLKEM768 (")


def test_key_exchange_old_openssl_group(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_s_client(monkeypatch, CLASSICAL)

    result = probe_key_exchange(tool("OpenSSL 3.0.19"), SETTINGS, Deadline(30), False)

    assert result == KeyExchangeProbe(
        ProbeStatus.UNTESTABLE,
        "the local default groups",
        "X25519",
        "OpenSSL 3.0.19 cannot offer X25519MLKEM768, so install OpenSSL 3.5+ to test it",
    )
    assert calls == [["-tls1_3"]]


def test_key_exchange_timeout_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_s_client(monkeypatch, "", failure="openssl s_client did not finish within 15 s")

    result = probe_key_exchange(tool("OpenSSL 3.5.1"), SETTINGS, Deadline(30), False)

    assert result == Unavailable(
        "the X25519MLKEM768 handshake failed: openssl s_client did not finish within 15 s"
    )


def test_key_exchange_without_openssl() -> None:
    result = probe_key_exchange(
        Untestable("the openssl command is not installed (not found on PATH)"),
        SETTINGS,
        Deadline(30),
        False,
    )

    assert result == Untestable(
        "cannot test X25519MLKEM768: the openssl command is not installed (not found on PATH)"
    )


def test_key_exchange_after_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_s_client(monkeypatch, HYBRID)
    deadline = Deadline(30)
    deadline.cancel()

    result = probe_key_exchange(tool("OpenSSL 3.5.1"), SETTINGS, deadline, False)

    assert result == Unavailable("not tested: the audit ended before this step ran")
    assert calls == []
