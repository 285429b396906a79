from dataclasses import replace

import pytest

from pytest_crdb_security.gate import FailOn, evaluate_gate, finding_gates, pytest_outcome
from pytest_crdb_security.verdicts import Verdict
from tests.unit.report_findings import WAIVER, make_finding


@pytest.mark.parametrize(
    ("fail_on", "gating"),
    [
        (FailOn.FAIL, {Verdict.FAIL, Verdict.ERROR}),
        (FailOn.WARN, {Verdict.WARN, Verdict.FAIL, Verdict.ERROR}),
        (FailOn.ERROR, {Verdict.ERROR}),
    ],
)
def test_gating_verdicts_per_level(fail_on: FailOn, gating: set[Verdict]) -> None:
    for verdict in Verdict:
        finding = make_finding(verdict=verdict)
        assert finding_gates(finding, fail_on) is (verdict in gating), verdict


@pytest.mark.parametrize("fail_on", list(FailOn))
def test_waived_finding_never_gates(fail_on: FailOn) -> None:
    for verdict in (Verdict.WARN, Verdict.FAIL, Verdict.ERROR):
        finding = make_finding(verdict=verdict, waiver=WAIVER)
        assert not finding_gates(finding, fail_on), verdict


@pytest.mark.parametrize(
    ("verdict", "fail_on", "when", "outcome"),
    [
        (Verdict.PASS, FailOn.FAIL, "call", "passed"),
        (Verdict.INFO, FailOn.WARN, "call", "passed"),
        (Verdict.WARN, FailOn.FAIL, "call", "passed"),
        (Verdict.WARN, FailOn.WARN, "call", "failed"),
        (Verdict.FAIL, FailOn.FAIL, "call", "failed"),
        (Verdict.FAIL, FailOn.ERROR, "call", "passed"),
        (Verdict.ERROR, FailOn.ERROR, "call", "failed"),
        (Verdict.ERROR, FailOn.FAIL, "setup", "failed"),
        (Verdict.NA, FailOn.WARN, "setup", "skipped"),
        (Verdict.NA, FailOn.FAIL, "call", "skipped"),
    ],
)
def test_pytest_outcome(verdict: Verdict, fail_on: FailOn, when: str, outcome: str) -> None:
    assert pytest_outcome(make_finding(verdict=verdict), fail_on, when) == outcome


def test_waived_setup_error_is_skipped() -> None:
    # A passed setup report would make pytest run the check body after a failed fixture.
    finding = make_finding(verdict=Verdict.ERROR, waiver=WAIVER)

    assert pytest_outcome(finding, FailOn.FAIL, "setup") == "skipped"
    assert pytest_outcome(finding, FailOn.FAIL, "call") == "passed"


def test_gate_fails_and_counts() -> None:
    findings = [
        make_finding(verdict=Verdict.FAIL),
        make_finding(verdict=Verdict.FAIL, subject="app"),
        make_finding(verdict=Verdict.FAIL, subject="crm"),
        make_finding(verdict=Verdict.ERROR, check_id="audit-logging"),
        make_finding(verdict=Verdict.WARN, check_id="regions"),
    ]

    result = evaluate_gate(findings, FailOn.FAIL)

    assert result.failed
    assert result.summary_line() == "crdb-security gate: FAILED (fail-on=fail): 3 FAIL, 1 ERROR"


def test_gate_passes_with_waivers() -> None:
    findings = [
        make_finding(verdict=Verdict.FAIL, waiver=WAIVER),
        make_finding(verdict=Verdict.WARN, check_id="regions"),
        make_finding(verdict=Verdict.PASS, check_id="version"),
    ]

    result = evaluate_gate(findings, FailOn.FAIL)

    assert not result.failed
    assert result.summary_line() == (
        "crdb-security gate: PASSED (fail-on=fail): 0 FAIL, 0 ERROR; 1 waived"
    )


def test_gate_warn_level_counts_warn() -> None:
    findings = [make_finding(verdict=Verdict.WARN), make_finding(verdict=Verdict.PASS)]

    result = evaluate_gate(findings, FailOn.WARN)

    assert result.failed
    assert result.summary_line() == (
        "crdb-security gate: FAILED (fail-on=warn): 1 WARN, 0 FAIL, 0 ERROR"
    )


def test_gate_error_level_ignores_fail() -> None:
    findings = [make_finding(verdict=Verdict.FAIL), make_finding(verdict=Verdict.WARN)]

    result = evaluate_gate(findings, FailOn.ERROR)

    assert not result.failed
    assert result.summary_line() == "crdb-security gate: PASSED (fail-on=error): 0 ERROR"


def test_gate_of_no_findings_passes() -> None:
    assert not evaluate_gate([], FailOn.WARN).failed


def test_gate_reads_adjusted_verdict() -> None:
    downgraded = replace(make_finding(verdict=Verdict.WARN), original=Verdict.FAIL)

    assert not evaluate_gate([downgraded], FailOn.FAIL).failed
