"""Audits across CockroachDB versions, missing privileges and the read-only guarantee."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_crdb_security.simulator import SimulatedCluster, bundled_scenario_path, load_scenario
from tests.e2e.audit_run import run_audit

SCENARIOS = Path(__file__).parent.parent / "simulator" / "scenarios"


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Iterator[SimulatedCluster]:
    name: str = request.param
    path = SCENARIOS / f"{name}.yaml" if (SCENARIOS / f"{name}.yaml").exists() else None
    scenario = load_scenario(path or bundled_scenario_path(name))
    with SimulatedCluster(scenario) as running:
        yield running


@pytest.mark.parametrize("cluster", ["no_privileges"], indirect=True)
def test_missing_privileges_are_errors_not_passes(
    pytester: pytest.Pytester, cluster: SimulatedCluster
) -> None:
    run = run_audit(pytester, f"--crdb-url={cluster.url()}")
    findings = run.findings()

    verdict, detail = findings["Admin user count"]
    assert verdict == "ERROR"
    assert "SELECT on system.users" in detail
    verdict, detail = findings["Audit log configuration"]
    assert verdict == "ERROR"
    assert "VIEWCLUSTERSETTING" in detail
    verdict, detail = findings["Enterprise Encryption"]
    assert verdict == "ERROR"
    assert "VIEWCLUSTERMETADATA" in detail
    # Every privilege of public is also the auditor's, so PUBLIC grants stay visible
    # without any privilege. The TLS probe needs no login at all. Nothing else may pass.
    passed = {label for label, (verdict, _) in findings.items() if verdict == "PASS"}
    passed.discard("TLS served certificate")
    assert all(label.startswith("PUBLIC role privileges") for label in passed), passed
    assert run.result.ret == 1
    run.result.stdout.fnmatch_lines(["*[[]ERROR] Admin user count: permission denied:*"])


@pytest.mark.parametrize("cluster", ["v23_1"], indirect=True)
def test_v23_1_falls_back_without_user_audit(
    pytester: pytest.Pytester, cluster: SimulatedCluster
) -> None:
    run = run_audit(pytester, f"--crdb-url={cluster.url()}", "-m", "audit_logging or backup")
    findings = run.findings()

    verdict, detail = findings["Audit log configuration"]
    assert verdict in ("WARN", "FAIL")
    assert "role-based audit logging needs v23.2 or later (cluster runs v23.1.28)" in detail
    verdict, detail = findings["Self-managed backups"]
    assert verdict == "FAIL"
    assert "schedule paused: backup job 77 failed" in detail


@pytest.mark.parametrize("cluster", ["v26_1"], indirect=True)
def test_v26_1_lifts_internals_restriction_for_the_session(
    pytester: pytest.Pytester, cluster: SimulatedCluster
) -> None:
    run = run_audit(pytester, f"--crdb-url={cluster.url()}", "-m", "authorization")

    assert "SET allow_unsafe_internals = on" in cluster.statements
    assert run.verdict("PUBLIC role privileges (defaultdb)") == "PASS"
    # This auditor may read settings and stores, not the system tables behind SHOW USERS.
    assert run.verdict("Admin user count") == "ERROR"


@pytest.mark.parametrize("cluster", ["hardened"], indirect=True)
def test_array_role_options_of_v25_4(pytester: pytest.Pytester, cluster: SimulatedCluster) -> None:
    run = run_audit(pytester, f"--crdb-url={cluster.url()}", "-m", "authorization")

    assert run.verdict("Admin user count") == "PASS"
    assert run.verdict("Powerful privileges outside admin") == "PASS"


@pytest.mark.parametrize("cluster", ["mixed"], indirect=True)
def test_session_is_read_only_and_statements_fixed(
    pytester: pytest.Pytester, cluster: SimulatedCluster
) -> None:
    run_audit(pytester, f"--crdb-url={cluster.url()}")
    statements = cluster.statements

    assert statements[0] == "SET default_transaction_read_only = on"
    assert statements[1].startswith("SET statement_timeout = ")
    for statement in statements:
        assert statement.split()[0].upper() in ("SET", "SELECT", "SHOW"), statement
    assert len(statements) == 11


def test_backup_credentials_never_reach_outputs(pytester: pytest.Pytester) -> None:
    scenario = load_scenario(Path(__file__).parent / "scenarios" / "backup_secrets.yaml")
    junit = pytester.path / "junit.xml"
    with SimulatedCluster(scenario) as running:
        run = run_audit(pytester, f"--crdb-url={running.url()}", "-v", "-rA", f"--junitxml={junit}")

    verdict, detail = run.findings()["Self-managed backups"]
    assert verdict == "FAIL"
    assert "retrying: external storage s3://" in detail
    outputs = [run.output, run.report, junit.read_text(), run.json_path.read_text()]
    for secret in ("SentinelSecret42", "AKIASENTINELKEY", "SentinelGcsCredential"):
        for text in outputs:
            assert secret not in text
