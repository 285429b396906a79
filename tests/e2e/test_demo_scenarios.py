"""End-to-end audits of the bundled demo scenarios, read back from the markdown report."""

from __future__ import annotations

import pytest

from pytest_crdb_security.simulator import bundled_scenario_path, load_scenario
from tests.e2e.audit_run import run_audit

MIXED_VERDICTS = {
    "Admin user count": "WARN",
    "Powerful privileges outside admin": "WARN",
    "PUBLIC role privileges (analytics)": "PASS",
    "PUBLIC role privileges (app)": "FAIL",
    "PUBLIC role privileges (defaultdb)": "PASS",
    "PUBLIC role privileges (postgres)": "PASS",
    "PUBLIC role privileges (reporting)": "WARN",
    "PUBLIC role privileges (system)": "PASS",
    "Audit log configuration": "WARN",
    "Minimum password length": "WARN",
    "Pre-hashed passwords": "WARN",
    "Self-managed backups": "FAIL",
    "Version": "INFO",
    "Upgrade finalization": "PASS",
    "Plan": "INFO",
    "Regions": "INFO",
}


def test_mixed_demo_verdicts(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo")

    findings = run.findings()
    for label, verdict in MIXED_VERDICTS.items():
        assert label in findings, f"missing {label!r}"
        assert findings[label][0] == verdict, f"{label}: {findings[label]}"
    assert run.result.ret == 1


def test_mixed_demo_details(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=mixed")
    findings = run.findings()

    assert findings["Admin user count"][1] == (
        "4 users with admin role: alice, bob (via ops), carol (via ops), root"
    )
    assert (
        "dave (system privilege MODIFYCLUSTERSETTING via dba)"
        in (findings["Powerful privileges outside admin"][1])
    )
    assert "SELECT on table public.customers" in findings["PUBLIC role privileges (app)"][1]
    assert "USAGE on schema reports" in findings["PUBLIC role privileges (reporting)"][1]
    assert findings["Audit log configuration"][1].startswith("admin audit only")
    assert "failed with status failed" in findings["Self-managed backups"][1]
    assert findings["Plan"][1] == "Self-hosted"


def test_mixed_demo_report_layout(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo")
    scenario = load_scenario(bundled_scenario_path("mixed"))
    lines = run.report.splitlines()

    assert lines[0] == f"# Security Audit Report — {scenario.cluster_name}"
    assert f"**CockroachDB Version:** {scenario.version}" in lines
    assert "**Deployment:** Self-hosted" in lines
    assert "**Environment:** production" in lines
    assert "**Compliance:** (none specified)" in lines
    assert any(line.startswith("> **Simulated cluster:**") for line in lines)
    for section in (
        "## Summary",
        "## Findings",
        "### Authorization",
        "### Audit Logging",
        "### Backup & Recovery",
        "### Cluster Configuration",
    ):
        assert section in lines
    summary = run.summary()
    assert sum(summary.values()) == len(run.findings())
    assert summary["FAIL"] == sum(1 for v, _ in run.findings().values() if v == "FAIL")


def test_demo_header_says_simulated(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo")

    run.result.stdout.fnmatch_lines(
        [
            "crdb-security: SIMULATED cluster: scenario 'mixed' of the bundled simulator*",
            "crdb-security: cluster *, CockroachDB v24.3.* CCL, Self-hosted",
            "crdb-security: environment production, compliance (none specified),"
            " data sensitivity internal",
            "crdb-security: target postgresql://auditor@127.0.0.1:*",
        ]
    )


def test_terminal_counts_each_verdict(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo")
    summary = run.summary()

    run.result.stdout.fnmatch_lines(
        [
            f"crdb-security verdicts: {summary['PASS']} PASS, {summary['WARN']} WARN,"
            f" {summary['FAIL']} FAIL, {summary['INFO']} INFO, {summary['N/A']} N/A,"
            f" {summary['ERROR']} ERROR",
            "crdb-security report: *security-audit-*-1.md",
        ]
    )
    closing = run.result.stdout.lines[-1]
    assert f"{summary['FAIL']} FAIL" in closing
    assert f"{summary['WARN']} WARN" in closing
    assert "failed" not in closing


def test_hardened_demo_passes_gate(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=hardened")
    findings = run.findings()

    assert findings["Admin user count"][0] == "PASS"
    assert findings["Audit log configuration"][0] == "PASS"
    assert findings["Minimum password length"][0] == "PASS"
    assert findings["Pre-hashed passwords"][0] == "PASS"
    assert findings["Self-managed backups"][0] == "PASS"
    assert all(verdict not in ("FAIL", "ERROR") for verdict, _ in findings.values()), findings
    assert run.result.ret == 0


def test_legacy_demo_in_production(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=legacy")
    findings = run.findings()

    assert findings["Admin user count"][0] == "FAIL"
    assert findings["Audit log configuration"][0] == "FAIL"
    assert "needs v23.2 or later" in findings["Audit log configuration"][1] or (
        "is empty" in findings["Audit log configuration"][1]
    )
    assert findings["Self-managed backups"][0] == "FAIL"
    assert findings["Minimum password length"][0] == "FAIL"
    assert findings["Upgrade finalization"][0] == "WARN"
    assert run.result.ret == 1


def test_legacy_demo_sandbox_downgrades(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=legacy", "--env=sandbox")
    findings = run.findings()

    assert findings["Admin user count"][0] == "WARN"
    assert findings["Audit log configuration"][0] == "INFO"
    assert findings["Self-managed backups"][0] == "INFO"
    assert findings["Self-managed backups"][1].endswith(
        "*(downgraded from FAIL — sandbox cluster)*"
    )
    # Minimum password length has no environment row, so it stays a FAIL.
    assert findings["Minimum password length"][0] == "FAIL"


def test_legacy_demo_compliance_floor(pytester: pytest.Pytester) -> None:
    run = run_audit(
        pytester, "--crdb-demo=legacy", "--env=development", "--crdb-compliance=PCI DSS"
    )
    findings = run.findings()

    assert findings["Admin user count"][0] == "FAIL"
    assert findings["Admin user count"][1].endswith("*(PCI DSS compliance — cannot downgrade)*")
    assert findings["Audit log configuration"][0] == "FAIL"
    assert "**Compliance:** PCI DSS" in run.report.splitlines()


def test_dimension_selection(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo", "-m", "authorization")
    labels = set(run.findings())

    assert "Admin user count" in labels
    assert "Audit log configuration" not in labels
    assert all(label.startswith(("Admin", "Powerful", "PUBLIC")) for label in labels), labels


def test_not_applicable_reasons_under_rs(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo", "--crdb-deployment=cloud", "-rs")

    assert run.verdict("Enterprise Encryption") == "N/A"
    run.result.stdout.fnmatch_lines(
        [
            "N/A [[]1[]] *test_encryption.py:*: only for self-hosted clusters;"
            " this is a CockroachDB Cloud cluster"
        ]
    )
    assert "skipped" not in run.result.stdout.lines[-1]


def test_second_audit_gets_next_sequence(pytester: pytest.Pytester) -> None:
    first = run_audit(pytester, "--crdb-demo", "-m", "cluster_config")
    second = run_audit(pytester, "--crdb-demo", "-m", "cluster_config")

    assert first.report_path is not None and second.report_path is not None
    assert first.report_path.name.endswith("-1.md")
    assert second.report_path.name.endswith("-2.md")
    assert first.report_path.read_text() != ""


def test_partial_audit_says_so(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo", "-m", "network")
    ran = len(run.findings())
    note = next(line for line in run.report.splitlines() if "Partial audit" in line)

    assert note.startswith(f"> **Partial audit:** {ran} of ")
    assert note.endswith("were deselected (-m or -k) and are not in this report")


def test_selection_without_checks(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo", "-m", "netwrk")

    assert run.result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    run.result.stdout.fnmatch_lines(
        ["crdb-security gate: NO CHECKS RAN (fail-on=fail): the selection matched no check*"]
    )


def test_partial_audit_in_terminal(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo", "-m", "network")

    run.result.stdout.fnmatch_lines(["crdb-security partial audit: * check items ran; *"])
