"""End-to-end runs that read back the JSON, HTML, JUnit XML and SQL outputs and the gate."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.e2e.audit_run import run_audit
from tests.e2e.report_parsers import (
    expected_gate_line,
    read_html_report,
    read_junit,
    validate_json_report,
)

CUSTOM_CHECKS = """
import pytest

from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict, conclude


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")


@pytest.mark.authorization
@pytest.mark.check("custom-error", "Custom error")
def test_custom_error(crdb_sql):
    raise CouldNotEvaluate("permission denied for the custom view")


@pytest.mark.authorization
@pytest.mark.check("custom-fail", "Custom fail")
def test_custom_fail(crdb_sql):
    conclude(Grade(Verdict.FAIL, "something is open"))


@pytest.mark.authorization
@pytest.mark.check("custom-teardown", "Custom teardown")
def test_custom_teardown(crdb_sql, broken_teardown):
    conclude(Grade(Verdict.FAIL, "fails, then its teardown fails"))
"""


def verdict_counts(data: dict[str, object]) -> Counter[str]:
    findings = data["findings"]
    assert isinstance(findings, list)
    return Counter(f["verdict"] for f in findings if f["waiver"] is None)


def test_json_report_beside_markdown(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=mixed")
    data = run.json()

    validate_json_report(data)
    assert run.json_path.name == run.report_path.with_suffix(".json").name  # type: ignore[union-attr]
    assert data["reports"]["markdown"] == run.report_path.name  # type: ignore[union-attr]
    assert data["cluster"]["name"] == "demo-mixed"
    assert data["cluster"]["deployment"] == "self-hosted"
    assert data["context"]["simulated"] is True
    assert data["summary"]["FAIL"] > 0
    assert data["gate"] == {
        "fail_on": "fail",
        "result": "failed",
        "counts": {"FAIL": data["summary"]["FAIL"], "ERROR": data["summary"]["ERROR"]},
        "waived": 0,
    }
    summary = run.summary()
    for verdict, count in verdict_counts(data).items():
        assert summary[verdict] == count, verdict
        assert data["summary"][verdict] == count, verdict
    markdown = run.findings()
    for finding in data["findings"]:
        label = (
            f"{finding['title']} ({finding['subject']})" if finding["subject"] else finding["title"]
        )
        assert markdown[label][0] == finding["verdict"], label
    assert len(data["evidence"]["sql_statements"]) > 0


def test_json_remediation_for_fail_and_warn(pytester: pytest.Pytester) -> None:
    data = run_audit(pytester, "--crdb-demo=mixed").json()

    for finding in data["findings"]:
        if finding["verdict"] in ("FAIL", "WARN"):
            assert finding["remediation"] is not None, finding["id"]
            assert finding["remediation"]["change"], finding["id"]
        else:
            assert finding["remediation"] is None, finding["id"]
    by_id = {finding["id"]: finding for finding in data["findings"]}
    assert by_id["public-privileges[app]"]["remediation"]["topic"] == "hardening-user-privileges"


def test_markdown_remediation_lines(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=mixed")
    lines = run.report.splitlines()

    for label, (verdict, detail) in run.findings().items():
        index = lines.index(f"- [{verdict}] {label}: {detail}")
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if verdict in ("FAIL", "WARN"):
            assert following.startswith("  - Remediation"), label
        else:
            assert not following.startswith("  - "), label
    gate = expected_gate_line(run.json()["summary"], "fail")
    assert "**Gate:** " + gate.removeprefix("crdb-security gate: ") in lines


@pytest.mark.parametrize(
    ("scenario", "fail_on", "exit_code"),
    [
        ("mixed", "fail", 1),
        ("mixed", "warn", 1),
        ("mixed", "error", 0),
        ("hardened", "fail", 0),
        ("hardened", "warn", 0),
        ("hardened", "error", 0),
    ],
)
def test_gate_exit_codes(
    pytester: pytest.Pytester, scenario: str, fail_on: str, exit_code: int
) -> None:
    run = run_audit(pytester, f"--crdb-demo={scenario}", f"--crdb-fail-on={fail_on}")
    data = run.json()

    assert run.result.ret == exit_code
    assert expected_gate_line(data["summary"], fail_on) in run.result.stdout.lines
    assert data["gate"]["result"] == ("failed" if exit_code else "passed")
    assert data["gate"]["fail_on"] == fail_on


def test_gate_default_is_fail(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=mixed", "-m", "cluster_config or backup")

    assert run.result.ret == 1
    run.result.stdout.fnmatch_lines(["crdb-security gate: FAILED (fail-on=fail): 1 FAIL, 0 ERROR"])


@pytest.mark.parametrize(
    ("fail_on", "exit_code", "failed"),
    [("fail", 1, {"test_custom_error", "test_custom_fail"}), ("error", 1, {"test_custom_error"})],
)
def test_gate_on_error(
    pytester: pytest.Pytester, fail_on: str, exit_code: int, failed: set[str]
) -> None:
    checks = pytester.makepyfile(test_custom=CUSTOM_CHECKS)
    junit = pytester.path / "junit.xml"

    run = run_audit(
        pytester,
        "--crdb-demo",
        f"--crdb-fail-on={fail_on}",
        f"--junitxml={junit}",
        f"{checks}::test_custom_error",
        f"{checks}::test_custom_fail",
    )

    assert run.result.ret == exit_code
    cases = {case.name: case for case in read_junit(junit)}
    assert {name for name, case in cases.items() if case.outcome == "failure"} == failed
    assert cases["test_custom_error"].message.startswith(
        "[ERROR] Custom error: permission denied for the custom view"
    )


def test_gate_error_only_passes_on_fail(pytester: pytest.Pytester) -> None:
    checks = pytester.makepyfile(test_custom=CUSTOM_CHECKS)

    run = run_audit(pytester, "--crdb-demo", "--crdb-fail-on=error", f"{checks}::test_custom_fail")

    assert run.result.ret == 0
    assert run.verdict("Custom fail") == "FAIL"


def test_junit_verdicts_and_properties(pytester: pytest.Pytester) -> None:
    junit = pytester.path / "junit.xml"

    run = run_audit(pytester, "--crdb-demo=mixed", f"--junitxml={junit}")
    cases = read_junit(junit)

    data = run.json()
    assert len(cases) == len(data["findings"])
    by_id = {finding["id"]: finding for finding in data["findings"]}
    for case in cases:
        properties = case.property_map
        assert "crdb_finding" not in properties, case.name
        finding = by_id[properties["crdb_id"]]
        assert properties["crdb_verdict"] == finding["verdict"]
        assert properties["crdb_original_verdict"] == finding["original_verdict"]
        assert properties["crdb_check_id"] == finding["check_id"]
        assert properties["crdb_dimension"] == finding["dimension"]
        assert properties["crdb_annotation"] == (finding["policy"]["annotation"] or "")
        expected = {"FAIL": "failure", "ERROR": "failure", "N/A": "skipped"}
        assert case.outcome == expected.get(finding["verdict"], "passed"), case.name
    outcomes = Counter(case.outcome for case in cases)
    assert outcomes["failure"] == data["summary"]["FAIL"] + data["summary"]["ERROR"]
    assert outcomes["skipped"] == data["summary"]["N/A"]
    assert "crdb_finding" not in junit.read_text(encoding="utf-8")


def test_junit_warn_gates_under_warn(pytester: pytest.Pytester) -> None:
    junit = pytester.path / "junit.xml"

    run = run_audit(pytester, "--crdb-demo=mixed", "--crdb-fail-on=warn", f"--junitxml={junit}")
    cases = read_junit(junit)

    summary = run.json()["summary"]
    failures = [case for case in cases if case.outcome == "failure"]
    assert len(failures) == summary["WARN"] + summary["FAIL"] + summary["ERROR"]
    warn = [case for case in failures if case.property_map["crdb_verdict"] == "WARN"]
    assert len(warn) == summary["WARN"] > 0
    assert all(case.message.startswith("[WARN] ") for case in warn)


def test_junit_failed_teardown_keeps_finding_out(pytester: pytest.Pytester) -> None:
    checks = pytester.makepyfile(test_custom=CUSTOM_CHECKS)
    junit = pytester.path / "junit.xml"

    run = run_audit(
        pytester, "--crdb-demo", f"--junitxml={junit}", f"{checks}::test_custom_teardown"
    )

    assert run.result.ret == 1
    text = junit.read_text(encoding="utf-8")
    assert "crdb_finding" not in text
    cases = read_junit(junit)
    assert cases[0].property_map["crdb_verdict"] == "FAIL"
    assert cases[0].outcome == "failure"


def test_html_report_columns(pytester: pytest.Pytester) -> None:
    html_path = pytester.path / "report.html"

    run = run_audit(pytester, "--crdb-demo=mixed", f"--html={html_path}")
    report = read_html_report(html_path)

    assert report.headers[:5] == ["Gate", "Verdict", "Dimension", "Finding", "Remediation"]
    data = run.json()
    by_test = {finding["evidence"]["test_id"]: finding for finding in data["findings"]}
    assert len(report.rows) == len(by_test)
    for row in report.rows:
        finding = by_test[row["col-testId"].removesuffix("::setup")]
        assert row["col-verdict"].split(" ")[0] == finding["verdict"]
        assert row["col-dimension"] == finding["dimension"]
        assert row["col-result"] == {"FAIL": "Failed", "N/A": "Skipped"}.get(
            finding["verdict"], "Passed"
        )
        assert finding["detail"] in row["column3"]
        if finding["verdict"] in ("FAIL", "WARN"):
            assert row["column4"].startswith(finding["remediation"]["change"])
            assert "Original verdict" in row["log"]
    assert "CockroachDB security verdicts" in report.summary
    assert expected_gate_line(data["summary"], "fail") in report.summary


def test_html_shows_adjusted_verdict(pytester: pytest.Pytester) -> None:
    html_path = pytester.path / "report.html"

    run_audit(pytester, "--crdb-demo=legacy", "--env=sandbox", f"--html={html_path}")
    rows = {row["col-testId"]: row for row in read_html_report(html_path).rows}

    backups = rows["test_backup.py::test_backup_schedules"]
    assert backups["col-verdict"] == "INFO (was FAIL)"
    assert backups["column3"].endswith("(downgraded from FAIL — sandbox cluster)")


def test_remediation_script(pytester: pytest.Pytester) -> None:
    script = pytester.path / "out" / "fix.sql"
    script.parent.mkdir()

    run = run_audit(pytester, "--crdb-demo=mixed", f"--crdb-remediation-sql={script}")
    lines = script.read_text(encoding="utf-8").splitlines()

    assert all(line == "" or line.startswith("--") for line in lines)
    data = run.json()
    for finding in data["findings"]:
        marker = f"-- finding {finding['id']}"
        assert (marker in lines) is (finding["verdict"] in ("FAIL", "WARN")), finding["id"]
    assert "-- SET CLUSTER SETTING server.user_login.min_password_length = 12;" in lines
    run.result.stdout.fnmatch_lines([f"crdb-security remediation script: {script}"])


def test_no_secret_in_any_output(pytester: pytest.Pytester) -> None:
    secrets = ("sim-Auditor-9c2e-hardened", "simulated-oidc-client-secret")
    html_path = pytester.path / "report.html"
    junit = pytester.path / "junit.xml"
    script = pytester.path / "fix.sql"

    run = run_audit(
        pytester,
        "--crdb-demo=hardened",
        "-v",
        "-rA",
        f"--html={html_path}",
        f"--junitxml={junit}",
        f"--crdb-remediation-sql={script}",
        "--crdb-fail-on=warn",
    )

    outputs = [run.output, run.report, run.json_path.read_text(encoding="utf-8")]
    outputs += [path.read_text(encoding="utf-8") for path in (html_path, junit, script)]
    for secret in secrets:
        for text in outputs:
            assert secret not in text


def test_xdist_writes_the_same_report(pytester: pytest.Pytester) -> None:
    junit = pytester.path / "junit.xml"
    single = run_audit(pytester, "--crdb-demo=mixed")

    run = run_audit(pytester, "--crdb-demo=mixed", "-n", "2", f"--junitxml={junit}")

    assert run.result.ret == 1
    data = run.json()
    validate_json_report(data)
    assert data["summary"] == single.json()["summary"]
    assert {f["id"]: f["verdict"] for f in data["findings"]} == {
        f["id"]: f["verdict"] for f in single.json()["findings"]
    }
    cases = read_junit(junit)
    failures = sum(1 for case in cases if case.outcome == "failure")
    assert failures == data["summary"]["FAIL"] + data["summary"]["ERROR"]
    assert "crdb_finding" not in junit.read_text(encoding="utf-8")
    assert expected_gate_line(data["summary"], "fail") in run.result.stdout.lines


def test_report_dir_sequence_counts_json(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo=mixed", "-m", "cluster_config")
    assert run.report_path is not None
    orphan = run.report_path.with_name(run.report_path.name.replace("-1.md", "-2.json"))
    orphan.write_text("{}")

    second = run_audit(pytester, "--crdb-demo=mixed", "-m", "cluster_config")

    assert second.report_path is not None
    assert second.report_path.name.endswith("-3.md")
    assert orphan.read_text() == "{}"
