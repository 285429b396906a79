"""End-to-end audits of the HBA, SSO, encryption-at-rest and certificate checks.

Each run starts a simulated cluster on loopback and reads the verdicts back from the
markdown report. Every credential in the scenarios is a Sentinel-* value that must not
appear in the terminal output or the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pytest_crdb_security.simulator import SimulatedCluster, load_scenario
from tests.e2e.audit_run import AuditRun, run_audit

SCENARIOS = Path(__file__).parent / "scenarios"
SENTINEL = "Sentinel-"

OIDC_CHECKS = ("Database SSO (OIDC)", "Database SSO (LDAP/AD)", "Auto user provisioning")


@pytest.fixture(scope="module")
def sso_cluster() -> Iterator[SimulatedCluster]:
    with SimulatedCluster(load_scenario(SCENARIOS / "sso_findings.yaml")) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def redacted_cluster() -> Iterator[SimulatedCluster]:
    with SimulatedCluster(load_scenario(SCENARIOS / "redacted_settings.yaml")) as cluster:
        yield cluster


def write_certificate(directory: Path, name: str, days: int, is_ca: bool = False) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (directory / f"{name}.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def certificates_directory(tmp_path: Path) -> Path:
    """Write ca.crt (valid), node.crt (expires in 20 days) and client.root.crt with a 0644 key."""
    directory = tmp_path / "certs"
    directory.mkdir()
    write_certificate(directory, "ca", 3000, is_ca=True)
    write_certificate(directory, "node", 20)
    write_certificate(directory, "client.root", 400)
    # The audit reads only the mode of key files, so their content is a placeholder.
    for name, mode in (("node.key", 0o600), ("client.root.key", 0o644)):
        (directory / name).write_text("placeholder")
        (directory / name).chmod(mode)
    return directory


def assert_no_sentinel(run: AuditRun) -> None:
    """Check the terminal output and every file in the report directory (markdown, JSON, JUnit)."""
    assert SENTINEL not in run.output
    assert SENTINEL not in run.report
    assert run.report_path is not None
    for path in run.report_path.parent.iterdir():
        assert SENTINEL not in path.read_text(encoding="utf-8"), path.name


def test_findings_scenario(
    pytester: pytest.Pytester, sso_cluster: SimulatedCluster, tmp_path: Path
) -> None:
    run = run_audit(
        pytester,
        "--crdb-url",
        sso_cluster.url(),
        "--crdb-data-sensitivity",
        "pii-phi",
        "--crdb-certs-dir",
        str(certificates_directory(tmp_path)),
        "--junitxml",
        str(pytester.path / "reports" / "junit.xml"),
    )
    findings = run.findings()

    assert findings["HBA configuration"] == (
        "FAIL",
        "line 3 `hostnossl all app 192.168.0.0/16 password` admits app from 192.168.0.0/16"
        " with a password over unencrypted connections; line 4 `host all all 0.0.0.0/0 ldap`"
        " admits all users from any IPv4 address with an LDAP password; line 6 `hostssl all"
        " app 10.1.0.0/16 trust` never applies because line 2 `hostssl all all 10.0.0.0/8"
        " cert` matches the same connections first",
    )
    assert findings["Database SSO (OIDC)"] == (
        "PASS",
        "OIDC is enabled with provider https://idp.example.com/, client ID set, client secret"
        " set, autologin off for DB Console, and SQL logins use LDAP (HBA line 4)",
    )
    verdict, detail = findings["Database SSO (LDAP/AD)"]
    assert verdict == "WARN"
    assert detail.startswith("HBA line 4 uses port 389")
    assert "whether CockroachDB uses StartTLS on port 389 is not confirmed" in detail
    assert "server.redact_sensitive_settings.enabled is off" in detail
    assert "server ldap.example.com:389 (plain LDAP)" in detail
    assert "bind DN cn=crdb,ou=svc,dc=example,dc=com" in detail
    assert detail.endswith("search attribute uid, bind password set)")
    assert findings["Auto user provisioning"] == (
        "PASS",
        "identity map corp (3 entries) is used by HBA line 2",
    )
    assert findings["Identity map rules"] == (
        "FAIL",
        "line 2 `corp boss@example.com root` maps an outside identity onto root, an admin;"
        " line 3 `corp /(.*)@partner\\.org \\1` is not anchored with ^ and $, so it also"
        " matches identities that merely contain the pattern",
    )
    assert findings["Enterprise Encryption"] == (
        "FAIL",
        "1 of 2 stores is not encrypted at rest: node 2 store 2; data sensitivity is PII/PHI",
    )
    assert findings["TLS certificate (ca.crt)"][0] == "PASS"
    assert findings["TLS certificate (node.crt)"][0] == "FAIL"
    assert "node.crt: expires on" in findings["TLS certificate (node.crt)"][1]
    assert findings["TLS certificate (client.root.crt)"][0] == "FAIL"
    assert (
        "client.root.key has mode 0644: other users can access the private key"
        in (findings["TLS certificate (client.root.crt)"][1])
    )
    assert findings["TLS"][0] == "FAIL"
    assert (pytester.path / "reports" / "junit.xml").is_file()
    assert_no_sentinel(run)
    # The checks themselves never quote a credential, so the Redactor had nothing to mask.
    assert not [label for label, (_, text) in findings.items() if "***" in text]


def test_redacted_settings_are_errors(
    pytester: pytest.Pytester, redacted_cluster: SimulatedCluster, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-certs"

    url = redacted_cluster.url()
    run = run_audit(pytester, "--crdb-url", url, "--crdb-certs-dir", str(missing))
    findings = run.findings()

    for label in ("HBA configuration", "Identity map rules", *OIDC_CHECKS):
        assert findings[label][0] == "ERROR", f"{label}: {findings[label]}"
    assert (
        "server.host_based_authentication.configuration reads <redacted>"
        in (findings["HBA configuration"][1])
    )
    assert "whether SQL logins use LDAP is unknown" in findings["Database SSO (OIDC)"][1]
    assert findings["Enterprise Encryption"][0] == "ERROR"
    assert "VIEWCLUSTERMETADATA" in findings["Enterprise Encryption"][1]
    expected = f"certificates directory {str(missing)!r} does not exist; check --crdb-certs-dir"
    for label in ("TLS", "TLS certificate (certs-dir)"):
        assert findings[label][0] == "ERROR"
        assert findings[label][1].endswith(expected)
    assert_no_sentinel(run)


def test_cloud_tls_is_managed(pytester: pytest.Pytester, sso_cluster: SimulatedCluster) -> None:
    run = run_audit(pytester, "--crdb-url", sso_cluster.url(), "--crdb-deployment", "cloud")
    findings = run.findings()

    assert findings["TLS"] == (
        "N/A",
        "only for self-hosted clusters; this is a CockroachDB Cloud cluster",
    )
    assert findings["Enterprise Encryption"][0] == "N/A"
    assert findings["TLS certificate (certs-dir)"][0] == "N/A"
    assert_no_sentinel(run)


def test_default_hba_downgraded_in_development(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=legacy", "--env", "development")
    verdict, detail = run.findings()["HBA configuration"]

    assert verdict == "INFO"
    assert detail.startswith(
        "server.host_based_authentication.configuration is empty, so the built-in default applies"
    )
    assert "downgraded from WARN" in detail
    assert run.findings()["Database SSO (LDAP/AD)"] == (
        "N/A",
        "requires CockroachDB v24.3 or later; this cluster runs v23.2.19",
    )


def test_demo_reads_simulated_certs_dir(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=mixed", "--env", "development")
    findings = run.findings()

    assert findings["HBA configuration"][0] == "WARN"
    assert findings["HBA configuration"][1].startswith(
        "line 4 `host all all 0.0.0.0/0 password` admits all users from any IPv4 address"
    )
    assert findings["Database SSO (OIDC)"][0] == "INFO"
    assert findings["Enterprise Encryption"] == (
        "WARN",
        "1 of 3 stores is not encrypted at rest: node 3 store 3; data sensitivity is internal",
    )
    # The demo points the certificate checks at the simulated node's directory.
    assert findings["TLS"][0] == "PASS"
    assert findings["TLS certificate (ca.crt)"][0] == "PASS"
    assert findings["TLS certificate (node.crt)"][0] == "PASS"


def test_url_without_certs_dir_is_not_applicable(
    pytester: pytest.Pytester, sso_cluster: SimulatedCluster
) -> None:
    run = run_audit(pytester, f"--crdb-url={sso_cluster.url()}", "-m", "encryption")
    findings = run.findings()

    assert findings["TLS"] == ("N/A", "no --crdb-certs-dir given")
    assert findings["TLS certificate (certs-dir)"] == ("N/A", "no --crdb-certs-dir given")
