"""End-to-end audits of the TLS checks against simulated clusters that serve real TLS.

Each test starts a simulated cluster on loopback, audits it through pytester with
``--crdb-url`` and reads the verdicts back from the markdown report. Only the TLS
dimensions run (``-m "crypto_posture or encryption"``).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from pytest_crdb_security.evidence import tls_background, tls_handshake, tls_probe
from pytest_crdb_security.evidence.tls_model import Untestable
from pytest_crdb_security.evidence.tls_tools import find_openssl
from pytest_crdb_security.simulator import SimulatedCluster, load_scenario
from tests.e2e.audit_run import AuditRun, run_audit

SCENARIOS = Path(__file__).parent / "scenarios"
SENTINEL = "Sentinel-"
TLS_MARKERS = ("-m", "crypto_posture or encryption")

SERVED = "TLS served certificate"
VERSIONS = "TLS protocol versions"
SUITES = "TLS cipher suites"
POST_QUANTUM = "Post-quantum key exchange"
SERVER_KEY = "TLS server key"
POSTURE = (VERSIONS, SUITES, POST_QUANTUM, SERVER_KEY)

# What the simulator, a Python ssl server on OpenSSL, accepts by default with an RSA key.
DEFAULT_SUITES = (
    "TLS 1.2: ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES256-GCM-SHA384,"
    " ECDHE-RSA-CHACHA20-POLY1305; TLS 1.3: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,"
    " TLS_CHACHA20_POLY1305_SHA256"
)


@contextmanager
def cluster_for(name: str) -> Iterator[SimulatedCluster]:
    with SimulatedCluster(load_scenario(SCENARIOS / f"{name}.yaml")) as cluster:
        yield cluster


def without_verification(cluster: SimulatedCluster) -> str:
    """Return the cluster's URL with sslmode=require and no sslrootcert.

    libpq refuses expired certificates and 1024-bit keys whenever it has a CA to verify
    against, so the SQL phase of those scenarios runs without one.
    """
    return cluster.url().split("?")[0] + "?sslmode=require"


def audit(pytester: pytest.Pytester, url: str, *args: str) -> AuditRun:
    run = run_audit(pytester, "--crdb-url", url, *TLS_MARKERS, *args)
    assert SENTINEL not in run.output
    assert run.report_path is not None, run.output
    for path in run.report_path.parent.iterdir():
        assert SENTINEL not in path.read_text(encoding="utf-8"), path.name
    return run


def local_openssl_label() -> str:
    tool = find_openssl(10)
    assert not isinstance(tool, Untestable), tool.reason
    return tool.label


def date_in(days: int) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)).strftime("%Y-%m-%d")


def test_default_tls(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_default") as cluster:
        # libpq ignores sslpassword without an sslkey; it must stay hidden all the same.
        run = audit(pytester, cluster.url() + "&sslpassword=" + quote("Sentinel-Key-7c1d"))
        port = cluster.port
        ca_path = cluster.ca_cert_path
    findings = run.findings()

    verdict, detail = findings[SERVED]
    assert verdict == "PASS"
    assert detail.startswith(
        "CN=node issued by CN=Cockroach CA, RSA 2048 key, sha256WithRSAEncryption, valid until"
        f" {date_in(365)} (364 days); CA CN=Cockroach CA (sslrootcert) valid until"
    )
    assert "host 127.0.0.1 matches IP:127.0.0.1" in detail
    assert f"chain verifies against sslrootcert {ca_path}" in detail
    assert detail.endswith("TLS 1.3 with TLS_AES_256_GCM_SHA384")

    assert findings[VERSIONS] == (
        "INFO",
        "accepts TLS 1.2 and TLS 1.3; rejects TLS 1.0 and TLS 1.1",
    )
    verdict, detail = findings[SUITES]
    assert verdict == "INFO"
    label = local_openssl_label()
    assert detail.startswith(
        f"accepts only modern suites: {DEFAULT_SUITES}; tested with openssl s_client of"
        f" {label}, one suite per handshake"
    )
    assert findings[SERVER_KEY] == (
        "INFO",
        "RSA key of 2048 bits in the server certificate CN=node",
    )

    verdict, detail = findings[POST_QUANTUM]
    assert verdict == "INFO"
    if label >= "OpenSSL 3.5":
        assert detail.startswith("no post-quantum key exchange: the server chose X25519 when")
    else:
        assert detail == (
            f"cannot test: {label} cannot offer X25519MLKEM768, so install OpenSSL 3.5+ to test"
            " it; offered the local default groups, the server chose X25519"
        )
    assert f"127.0.0.1:{port}" not in detail
    assert run.result.ret == 0


def test_expired_certificate_fails(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_expired") as cluster:
        run = audit(pytester, without_verification(cluster))

    verdict, detail = run.findings()[SERVED]
    assert verdict == "FAIL"
    assert detail.startswith(f"the server certificate expired on {date_in(-1)} (CN=node issued by")
    assert "chain not verified against a CA, because the URL sets no sslrootcert" in detail
    assert run.result.ret == 1


def test_rejected_certificate_named_in_usage_error(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_expired") as cluster:
        # libpq rejects the expired certificate, so the run ends before any check.
        result = pytester.runpytest("-p", "no:cacheprovider", "--crdb-url", cluster.url())

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: crdb-security: cannot connect to 127.0.0.1:* as auditor: SSL error:"
            " certificate verify failed; the TLS probe found: the server certificate expired"
            f" on {date_in(-1)}; the chain does not verify against sslrootcert *: certificate"
            " has expired (CN=node issued by CN=Cockroach CA, *)"
        ]
    )
    assert SENTINEL not in result.stdout.str() + result.stderr.str()


def test_certificate_expiring_in_45_days_warns(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_expiring") as cluster:
        run = audit(pytester, cluster.url())

    verdict, detail = run.findings()[SERVED]
    assert verdict == "WARN"
    assert re.match(
        rf"the server certificate expires on {date_in(45)}, in 4[45] days \(CN=node issued by",
        detail,
    ), detail
    assert "chain verifies against sslrootcert" in detail


def test_rsa_1024_key_fails(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_rsa_1024") as cluster:
        run = audit(pytester, without_verification(cluster))
    findings = run.findings()

    assert findings[SERVER_KEY] == (
        "FAIL",
        "RSA key of 1024 bits in the server certificate CN=node: RSA keys need 2048 bits or more",
    )
    assert findings[SERVED][0] == "PASS"
    assert "RSA 1024 key" in findings[SERVED][1]


def test_tls_1_2_only(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_12_only") as cluster:
        run = audit(pytester, cluster.url())
    findings = run.findings()

    assert findings[VERSIONS] == (
        "INFO",
        "accepts TLS 1.2; rejects TLS 1.0, TLS 1.1 and TLS 1.3",
    )
    assert findings[POST_QUANTUM] == (
        "INFO",
        "no post-quantum key exchange: the server rejects TLS 1.3 (tlsv1 alert protocol"
        " version), and X25519MLKEM768 exists only in TLS 1.3",
    )
    verdict, detail = findings[SUITES]
    assert verdict == "INFO"
    assert detail.startswith(
        "accepts only modern suites: TLS 1.2: ECDHE-RSA-AES128-GCM-SHA256,"
        " ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-CHACHA20-POLY1305; tested with"
    )
    assert findings[SERVED][1].endswith("TLS 1.2 with ECDHE-RSA-AES256-GCM-SHA384")


def test_legacy_versions_and_suites(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_legacy") as cluster:
        run = audit(pytester, cluster.url())
    findings = run.findings()

    assert findings[VERSIONS] == (
        "FAIL",
        "accepts TLS 1.0 and TLS 1.1, deprecated by RFC 8996; accepts TLS 1.0, TLS 1.1, TLS 1.2"
        " and TLS 1.3",
    )
    verdict, detail = findings[SUITES]
    assert verdict == "WARN"
    assert detail.startswith(
        "accepts legacy suites: ECDHE-RSA-AES128-SHA (CBC mode), ECDHE-RSA-AES256-SHA (CBC mode),"
        " ECDHE-RSA-AES128-SHA256 (CBC mode), AES128-GCM-SHA256 (no forward secrecy),"
        " AES256-GCM-SHA384 (no forward secrecy), AES128-SHA (CBC mode, no forward secrecy),"
        " AES256-SHA (CBC mode, no forward secrecy), AES128-SHA256 (CBC mode, no forward"
        " secrecy)"
    )
    assert run.result.ret == 1


def test_certificate_for_another_host_fails(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_wrong_host") as cluster:
        # verify-ca checks the chain but not the host name, so the SQL phase connects.
        url = cluster.url().replace("sslmode=verify-full", "sslmode=verify-ca")
        run = audit(pytester, url)

    verdict, detail = run.findings()[SERVED]
    assert verdict == "FAIL"
    assert detail.startswith(
        "the certificate is not valid for host 127.0.0.1 (it lists DNS:db.example.internal)"
        " (CN=node issued by"
    )
    assert "chain verifies against sslrootcert" in detail


def test_plaintext_port_fails(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_plaintext") as cluster:
        run = audit(pytester, cluster.url())
        address = f"127.0.0.1:{cluster.port}"
    findings = run.findings()

    assert findings[SERVED] == (
        "FAIL",
        f"{address} answered N to SSLRequest: the SQL port offers no TLS (insecure mode), so"
        " data crosses the network in plaintext, and an insecure node authenticates no one:"
        " any client can log in as any user, root included",
    )
    for label in POSTURE:
        assert findings[label] == (
            "INFO",
            f"nothing to assess: {address} answered N: it does not offer TLS and accepts"
            " plaintext; see the TLS served certificate check",
        ), label


def test_sslrequest_error_fails_with_message(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_sslrequest_error") as cluster:
        run = audit(pytester, cluster.url())
        address = f"127.0.0.1:{cluster.port}"
    findings = run.findings()

    assert findings[SERVED] == (
        "FAIL",
        f"{address} answered SSLRequest with an error: 'SSL is not enabled on the server'"
        " (SQLSTATE 08P01); clients that require TLS cannot connect",
    )
    assert findings[VERSIONS][0] == "INFO"
    assert findings[VERSIONS][1].startswith(f"nothing to assess: {address} answered with an error")


def test_cloud_grades_what_is_served(pytester: pytest.Pytester) -> None:
    with cluster_for("tls_expiring") as cluster:
        run = audit(pytester, cluster.url(), "--crdb-deployment", "cloud")

    verdict, detail = run.findings()[SERVED]
    assert verdict == "WARN"
    assert "certificate managed by CockroachDB Cloud; CN=node issued by" in (
        detail
    )
    assert re.search(rf"valid until {date_in(45)} \(4[45] days\)", detail), detail


def test_without_openssl_reports_cannot_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(tls_probe, "sslyze_installed", lambda: False)
    with cluster_for("tls_default") as cluster:
        run = audit(pytester, cluster.url())
    findings = run.findings()

    missing = "the openssl command is not installed (not found on PATH)"
    assert findings[SUITES] == (
        "INFO",
        f"cannot list cipher suites: sslyze is not installed and {missing}; the handshake with"
        " the local defaults negotiated TLS 1.3 with TLS_AES_256_GCM_SHA384",
    )
    assert findings[POST_QUANTUM] == ("INFO", f"cannot test X25519MLKEM768: {missing}")
    assert findings[VERSIONS][0] == "INFO"
    verdict, detail = findings[SERVED]
    assert verdict == "PASS"
    if sys.version_info < (3, 13):
        assert detail.endswith(
            "only the leaf is known, because Python before 3.13 cannot read the served chain"
            f" and {missing}"
        )


def test_local_library_without_tls_1_0(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AES-GCM suites need TLS 1.2, so with only them the local library has no suite to
    # offer for TLS 1.0 or 1.1, as on a build without legacy protocol support.
    monkeypatch.setattr(tls_handshake, "LEGACY_PROTOCOL_CIPHERS", "ECDHE+AESGCM:@SECLEVEL=0")
    with cluster_for("tls_default") as cluster:
        run = audit(pytester, cluster.url())

    verdict, detail = run.findings()[VERSIONS]
    assert verdict == "INFO"
    assert detail.startswith("accepts TLS 1.2 and TLS 1.3; cannot test TLS 1.0 with the local ")
    assert "cannot test TLS 1.1 with the local " in detail
    assert detail.endswith("so the rejection of TLS 1.0 and TLS 1.1 is not confirmed")


def test_broken_probe_is_error(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("simulated bug in the probe")

    monkeypatch.setattr(tls_background, "probe_tls", broken)
    with cluster_for("tls_default") as cluster:
        run = audit(pytester, cluster.url())
        address = f"127.0.0.1:{cluster.port}"
    findings = run.findings()

    for label in (SERVED, *POSTURE):
        verdict, detail = findings[label]
        assert verdict == "ERROR", label
        assert detail == (
            "could not evaluate: the TLS probe of"
            f" {address} failed: RuntimeError: simulated bug in the probe"
        ), label
    assert run.result.ret == 1
