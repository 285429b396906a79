"""End-to-end waivers (matching, expiry, unused, invalid files) and history between audits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from pytest_crdb_security.simulator import SimulatedCluster, bundled_scenario_path, load_scenario
from tests.e2e.audit_run import AuditRun, run_audit
from tests.e2e.report_parsers import expected_gate_line, read_junit, validate_json_report

TODAY = dt.date.today()
NEXT_MONTH = (TODAY + dt.timedelta(days=30)).isoformat()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()

# The waiver runs select these dimensions, whose FAIL findings in the mixed demo are
# PUBLIC role privileges (app) and Self-managed backups.
SELECTION = ("-m", "authorization or backup")

MIXED_FAIL_WAIVERS = f"""
- check: public-privileges
  target: app
  reason: customers table is public by design
  owner: data-platform
  expires: "{NEXT_MONTH}"
- check: self-managed-backups
  reason: new schedule lands next sprint
  owner: dba-team
  expires: {TODAY.isoformat()}
"""


def write_waivers(pytester: pytest.Pytester, text: str) -> Path:
    path = pytester.path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_waived_fails_pass_the_gate(pytester: pytest.Pytester) -> None:
    waivers = write_waivers(pytester, MIXED_FAIL_WAIVERS)

    run = run_audit(pytester, "--crdb-demo=mixed", *SELECTION, f"--crdb-waivers={waivers}")

    assert run.result.ret == 0
    findings = run.findings()
    assert findings["PUBLIC role privileges (app)"][0] == "FAIL, waived"
    assert findings["Self-managed backups"][0] == "FAIL, waived"
    assert findings["PUBLIC role privileges (reporting)"][0] == "WARN"
    summary = run.summary()
    assert summary["FAIL"] == 0
    lines = run.report.splitlines()
    assert "| Waived   |       2 |" in lines
    assert "**Gate:** PASSED (fail-on=fail): 0 FAIL, 0 ERROR; 2 waived" in lines
    index = lines.index(
        "- [FAIL, waived] Self-managed backups: " + findings["Self-managed backups"][1]
    )
    assert lines[index + 1] == (
        f"  - Waived until {TODAY.isoformat()} by dba-team: new schedule lands next sprint"
    )
    run.result.stdout.fnmatch_lines(
        [
            f"crdb-security waivers ({waivers}): 2 findings waived, 0 waivers expired,"
            " 0 waivers unused",
            "crdb-security gate: PASSED (fail-on=fail): 0 FAIL, 0 ERROR; 2 waived",
        ]
    )
    assert "2 waived" in run.result.stdout.lines[-1]
    data = run.json()
    validate_json_report(data)
    assert data["gate"]["result"] == "passed"
    assert data["summary"]["waived"] == 2
    waived = {f["id"]: f["waiver"] for f in data["findings"] if f["waiver"] is not None}
    assert waived["public-privileges[app]"] == {
        "reason": "customers table is public by design",
        "owner": "data-platform",
        "expires": NEXT_MONTH,
        "target": "app",
    }


def test_expired_waiver_no_longer_applies(pytester: pytest.Pytester) -> None:
    text = MIXED_FAIL_WAIVERS.replace(f"expires: {TODAY.isoformat()}", f"expires: {YESTERDAY}")
    waivers = write_waivers(pytester, text)

    run = run_audit(pytester, "--crdb-demo=mixed", *SELECTION, f"--crdb-waivers={waivers}")

    assert run.result.ret == 1
    assert run.verdict("Self-managed backups") == "FAIL"
    run.result.stdout.fnmatch_lines(
        [
            f"  expired waiver, entry 2: self-managed-backups, owner dba-team, expires"
            f" {YESTERDAY}; it no longer applies: renew or remove it",
            "crdb-security gate: FAILED (fail-on=fail): 1 FAIL, 0 ERROR; 1 waived",
        ]
    )
    lines = run.report.splitlines()
    assert "### Expired waivers (no longer applied)" in lines
    assert f"- entry 2: self-managed-backups, owner dba-team, expires {YESTERDAY}" in lines
    expired = run.json()["waivers"]["expired"]
    assert [(w["entry"], w["check"], w["expires"]) for w in expired] == [
        (2, "self-managed-backups", YESTERDAY)
    ]


def test_waiver_targets_and_unused(pytester: pytest.Pytester) -> None:
    waivers = write_waivers(
        pytester,
        f"""
- check: admin-users
  target: bob
  reason: bob is the on-call admin
  owner: sre
  expires: {NEXT_MONTH}
- check: public-privileges
  target: nosuchdb
  reason: stale entry
  owner: data-platform
  expires: {NEXT_MONTH}
- check: public-privileges
  target: analytics
  reason: fixed already
  owner: data-platform
  expires: {NEXT_MONTH}
- check: tls
  reason: certificates are checked elsewhere
  owner: sec
  expires: {NEXT_MONTH}
""",
    )

    run = run_audit(
        pytester, "--crdb-demo=mixed", f"--crdb-waivers={waivers}", "--crdb-fail-on=warn"
    )

    assert run.verdict("Admin user count") == "WARN, waived"
    assert run.verdict("PUBLIC role privileges (analytics)") == "PASS"
    run.result.stdout.fnmatch_lines(
        [
            f"crdb-security waivers ({waivers}): 1 finding waived, 0 waivers expired,"
            " 3 waivers unused",
            f"  unused waiver, entry 2: public-privileges (target nosuchdb), owner data-platform,"
            f" expires {NEXT_MONTH}; it matched no WARN, FAIL or ERROR finding",
            "  unused waiver, entry 3: public-privileges (target analytics), *",
            f"  unused waiver, entry 4: tls, owner sec, expires {NEXT_MONTH}; it matched no WARN,"
            " FAIL or ERROR finding",
        ]
    )
    summary = run.json()["summary"]
    assert summary["waived"] == 1
    assert expected_gate_line(summary, "warn") in run.result.stdout.lines
    unused = run.json()["waivers"]["unused"]
    assert [w["entry"] for w in unused] == [2, 3, 4]


def test_waiver_for_check_that_did_not_run(pytester: pytest.Pytester) -> None:
    waivers = write_waivers(
        pytester,
        f"- check: audit-logging\n  reason: r\n  owner: o\n  expires: {NEXT_MONTH}\n",
    )

    run = run_audit(
        pytester, "--crdb-demo=mixed", "-m", "cluster_config", f"--crdb-waivers={waivers}"
    )

    run.result.stdout.fnmatch_lines(
        [
            "  unused waiver, entry 1: audit-logging, *;"
            " check audit-logging did not run in this audit"
        ]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- check: [admin-users\n",
            "invalid YAML in waiver file '{path}' at line 2; fix the syntax",
        ),
        (
            "- check: admin-users\n  reason: r\n  owner: o\n  expires: 2099-01-01\n  ownr: x\n",
            "invalid waiver file '{path}', entry 1 (check 'admin-users'): unknown key 'ownr'"
            " (did you mean 'owner'?); use check, target, reason, owner, expires",
        ),
        (
            "- check: admin-users\n  reason: r\n  expires: 2099-01-01\n",
            "invalid waiver file '{path}', entry 1 (check 'admin-users'): missing 'owner';"
            " name the person or team responsible for the waiver",
        ),
        (
            "- check: admin-users\n  reason: r\n  owner: o\n  expires: 2099-02-30\n",
            "invalid waiver file '{path}', entry 1 (check 'admin-users'): invalid expires"
            " '2099-02-30'; use an ISO date such as 2027-06-30",
        ),
        (
            "- check: admin-user\n  reason: r\n  owner: o\n  expires: 2099-01-01\n",
            "invalid waiver file '{path}', entry 1 (check 'admin-user'): unknown check id"
            " 'admin-user' (did you mean 'admin-users'?)",
        ),
    ],
)
def test_invalid_waiver_file_stops_run(pytester: pytest.Pytester, text: str, message: str) -> None:
    waivers = write_waivers(pytester, text)

    run = run_audit(pytester, "--crdb-demo", f"--crdb-waivers={waivers}")

    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    error_lines = [line for line in run.result.stderr.lines if line.strip()]
    assert error_lines == ["ERROR: " + message.format(path=waivers)]
    assert run.report_path is None
    assert "test session starts" not in run.output


def test_missing_waiver_file(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo", "--crdb-waivers=nosuch.yaml")

    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines(
        [
            "ERROR: cannot read waiver file 'nosuch.yaml': No such file or directory; check the"
            " path given to --crdb-waivers"
        ]
    )


def test_first_audit_has_no_history(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=mixed", "-m", "authorization")

    assert run.json()["changes"] is None
    assert not any(line.startswith("## Changes since") for line in run.report.splitlines())


def audit_state(pytester: pytest.Pytester, state: str, cluster: str, *args: str) -> AuditRun:
    """Audit one cluster (the ID of the bundled scenario ``cluster``) in the state of ``state``.

    History compares reports of one cluster ID, so the scenario of the new state keeps
    the cluster's ID and name.
    """
    data = yaml.safe_load(bundled_scenario_path(state).read_text(encoding="utf-8"))
    identity = load_scenario(bundled_scenario_path(cluster))
    data["cluster_id"] = identity.cluster_id
    path = pytester.path / f"{cluster}-as-{state}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with SimulatedCluster(load_scenario(path)) as running:
        return run_audit(
            pytester, f"--crdb-url={running.url()}", f"--crdb-cluster-name={cluster}", *args
        )


def test_history_after_hardening(pytester: pytest.Pytester) -> None:
    first = audit_state(pytester, "mixed", "mixed")
    second = audit_state(pytester, "hardened", "mixed")

    assert first.report_path is not None and second.report_path is not None
    lines = second.report.splitlines()
    assert f"## Changes since {TODAY.isoformat()}" in lines
    assert (
        f"Compared with the earlier report `{first.json_path.name}`; only WARN, FAIL and ERROR"
        " findings count as problems."
    ) in lines
    assert "- PUBLIC role privileges (app): FAIL → PASS" in lines
    assert "- Self-managed backups: FAIL → PASS" in lines
    assert "- Admin user count: WARN → PASS" in lines
    assert "- PUBLIC role privileges (reporting): WARN → not audited" in lines
    changes = second.json()["changes"]
    validate_json_report(second.json())
    assert changes["since"]["report"] == first.json_path.name
    assert changes["new"] == []
    assert changes["changed"] == []
    resolved = {
        (c["check_id"], c["subject"]): (c["before"], c["after"]) for c in changes["resolved"]
    }
    assert resolved[("public-privileges", "app")] == ("FAIL", "PASS")
    gone = changes["no_longer_reported"]
    second.result.stdout.fnmatch_lines(
        [
            f"crdb-security changes since {TODAY.isoformat()} ({first.json_path.name}): 0 new,"
            f" {len(resolved)} resolved, 0 changed, {len(gone)} no longer reported"
        ]
    )


def test_history_after_regression(pytester: pytest.Pytester) -> None:
    audit_state(pytester, "hardened", "hardened")
    second = audit_state(pytester, "legacy", "hardened")

    changes = second.json()["changes"]
    new = {(c["check_id"], c["subject"]): (c["before"], c["after"]) for c in changes["new"]}
    assert new[("admin-users", None)] == ("PASS", "FAIL")
    assert new[("self-managed-backups", None)] == ("PASS", "FAIL")
    assert changes["resolved"] == []
    assert "### New findings: " + str(len(new)) in second.report.splitlines()


def test_history_ignores_other_cluster_of_same_name(pytester: pytest.Pytester) -> None:
    run_audit(pytester, "--crdb-demo=mixed", "--crdb-cluster-name=ledger")
    second = run_audit(pytester, "--crdb-demo=hardened", "--crdb-cluster-name=ledger")

    assert second.json()["changes"] is None
    assert not any(line.startswith("## Changes since") for line in second.report.splitlines())


def test_history_with_narrower_selection(pytester: pytest.Pytester) -> None:
    run_audit(pytester, "--crdb-demo=mixed")
    second = run_audit(pytester, "--crdb-demo=mixed", "-m", "authorization")

    changes = second.json()["changes"]
    assert changes["new"] == changes["resolved"] == changes["changed"] == []
    gone = {c["check_id"] for c in changes["no_longer_reported"]}
    assert "self-managed-backups" in gone
    assert "admin-users" not in gone


def test_history_skips_corrupt_report(pytester: pytest.Pytester) -> None:
    first = run_audit(pytester, "--crdb-demo=mixed", "-m", "backup")
    second = run_audit(pytester, "--crdb-demo=mixed", "-m", "backup")
    second.json_path.write_text('{"schema_version": 1, "findings": [', encoding="utf-8")

    third = run_audit(pytester, "--crdb-demo=mixed", "-m", "backup")

    assert third.result.ret == 1
    note = f"skipped earlier report {second.json_path.name}: it is not valid JSON"
    third.result.stdout.fnmatch_lines([f"crdb-security history: {note}*"])
    lines = third.report.splitlines()
    assert "## Notes" in lines
    assert any(line.startswith(f"- {note}") for line in lines)
    assert third.json()["changes"]["since"]["report"] == first.json_path.name
    assert third.json()["notes"][0].startswith(note)


def test_waived_errors_in_setup_and_call(pytester: pytest.Pytester) -> None:
    # tls-certificate fails in its fixture (setup), tls in the check body (call).
    waivers = write_waivers(
        pytester,
        f"""
- check: tls
  reason: certificates are audited by the PKI team
  owner: pki
  expires: {NEXT_MONTH}
- check: tls-certificate
  reason: certificates are audited by the PKI team
  owner: pki
  expires: {NEXT_MONTH}
""",
    )
    junit = pytester.path / "junit.xml"

    run = run_audit(
        pytester,
        "--crdb-demo=hardened",
        "-m",
        "encryption",
        f"--crdb-certs-dir={pytester.path / 'no-certs'}",
        f"--crdb-waivers={waivers}",
        f"--junitxml={junit}",
    )

    assert run.result.ret == 0
    assert run.verdict("TLS") == "ERROR, waived"
    assert run.verdict("TLS certificate (certs-dir)") == "ERROR, waived"
    cases = {case.name: case for case in read_junit(junit)}
    assert cases["test_tls"].outcome == "passed"
    assert cases["test_tls_certificate[certs-dir]"].outcome == "skipped"
    assert cases["test_tls_certificate[certs-dir]"].message.startswith(
        "[ERROR, waived] TLS certificate (certs-dir): "
    )
    assert cases["test_tls"].property_map["crdb_verdict"] == "ERROR"
    run.result.stdout.fnmatch_lines(
        ["crdb-security gate: PASSED (fail-on=fail): 0 FAIL, 0 ERROR; 2 waived"]
    )


def test_unwaived_setup_error_fails(pytester: pytest.Pytester) -> None:
    run = run_audit(
        pytester,
        "--crdb-demo=hardened",
        "-m",
        "encryption",
        f"--crdb-certs-dir={pytester.path / 'no-certs'}",
        "--crdb-fail-on=error",
    )

    assert run.result.ret == 1
    assert run.verdict("TLS certificate (certs-dir)") == "ERROR"
    run.result.stdout.fnmatch_lines(["crdb-security gate: FAILED (fail-on=error): 2 ERROR"])


def test_history_ignores_environment_change(pytester: pytest.Pytester) -> None:
    run_audit(pytester, "--crdb-demo=mixed")
    second = run_audit(pytester, "--crdb-demo=mixed", "--env=development")

    changes = second.json()["changes"]
    assert changes["new"] == changes["resolved"] == changes["changed"] == []


def test_history_skips_partial_and_empty_baselines(pytester: pytest.Pytester) -> None:
    run_audit(pytester, "--crdb-demo")
    run_audit(pytester, "--crdb-demo", "-m", "network")
    run_audit(pytester, "--crdb-demo", "-m", "netwrk")
    third = run_audit(pytester, "--crdb-demo")

    changes = third.json()["changes"]
    assert changes["new"] == []
    assert changes["resolved"] == changes["changed"] == []
