"""A check's test report as pytest, pytest-html and JUnit XML see it: outcome, text, properties.

The finding itself travels in ``report.user_properties`` under ``crdb_finding``. JUnit
XML gets plain-text properties instead (``crdb_verdict``, ``crdb_check_id``, ...),
recorded on the item so that the testcase element carries them, and the finding dict
is kept out of the XML.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_crdb_security.gate import FailOn, pytest_outcome
from pytest_crdb_security.remediation import remediation_for
from pytest_crdb_security.report.findings import FINDING_PROPERTY, Finding, finding_of
from pytest_crdb_security.report.json_report import REMEDIATED_VERDICTS, finding_id

_LETTERS = {"PASS": ".", "WARN": "W", "FAIL": "F", "INFO": "i", "N/A": "s", "ERROR": "E"}


def failure_text(finding: Finding) -> str:
    """Return the failure message: the finding line, then the remediation when there is one."""
    text = f"[{finding.verdict_label}] {finding.label}: {finding.detail}"
    if finding.annotation:
        text += f" ({finding.annotation})"
    entry = remediation_for(finding.check_id) if finding.verdict in REMEDIATED_VERDICTS else None
    if entry is not None:
        text += f"\nRemediation: {entry.summary()}"
    return text


def set_report_outcome(
    item: pytest.Item, report: pytest.TestReport, finding: Finding, fail_on: FailOn
) -> None:
    """Set the pytest outcome and failure text of ``report`` from the gate decision."""
    previous = report.longrepr
    report.outcome = pytest_outcome(finding, fail_on, report.when)
    if report.outcome == "failed":
        report.longrepr = failure_text(finding)
    elif report.outcome == "skipped":
        # The JUnit writer and -rs read a skip as (path, line, reason). An N/A skip
        # already has one; a waived setup ERROR gets one here.
        if not isinstance(previous, tuple):
            path, line, _ = item.reportinfo()
            report.longrepr = (str(path), (line or 0) + 1, failure_text(finding))
    else:
        report.longrepr = None


def junit_properties(finding: Finding, redact: Callable[[str], str]) -> list[tuple[str, str]]:
    """Return the finding as plain-text properties for JUnit XML."""
    properties = [
        ("crdb_id", finding_id(finding)),
        ("crdb_check_id", finding.check_id),
        ("crdb_verdict", finding.verdict.value),
        ("crdb_original_verdict", finding.original.value),
        ("crdb_dimension", finding.dimension),
        ("crdb_severity", finding.severity),
        ("crdb_annotation", finding.annotation or ""),
        ("crdb_detail", finding.detail),
    ]
    remediation = remediation_for(finding.check_id)
    if remediation is not None and finding.verdict in REMEDIATED_VERDICTS:
        properties.append(("crdb_remediation", remediation.summary()))
    if finding.subject is not None:
        properties.append(("crdb_subject", finding.subject))
    if finding.waiver is not None:
        waiver = finding.waiver
        properties.append(
            ("crdb_waiver", f"until {waiver.expires} by {waiver.owner}: {waiver.reason}")
        )
    return [(name, redact(value)) for name, value in properties]


def record_finding(
    item: pytest.Item,
    report: pytest.TestReport,
    finding: Finding,
    fail_on: FailOn,
    redact: Callable[[str], str],
) -> None:
    """Attach ``finding`` to ``report`` and its JUnit properties to the report and the item.

    The item's properties reach the teardown report, from which JUnit XML writes the
    testcase's properties. The report's own copy serves a testcase that JUnit XML
    closes early, after a failed call followed by a failed teardown.
    """
    properties = junit_properties(finding, redact)
    report.user_properties.append((FINDING_PROPERTY, finding.to_property()))
    report.user_properties.extend(properties)
    item.user_properties.extend(properties)
    set_report_outcome(item, report, finding, fail_on)


def verdict_status(finding: Finding) -> tuple[str, str, str]:
    """Return the terminal's (category, letter, word) for a finding's report."""
    verdict = finding.verdict.value
    if finding.waiver is not None:
        return "waived", "w", f"{verdict}, waived"
    return verdict, _LETTERS[verdict], verdict


def strip_finding_property(report: pytest.TestReport) -> None:
    """Remove the ``crdb_finding`` dict from ``report``, keeping its plain-text properties."""
    report.user_properties[:] = [
        entry for entry in report.user_properties if entry[0] != FINDING_PROPERTY
    ]


class JunitFindingFilter:
    """Keeps the ``crdb_finding`` dict out of JUnit XML.

    JUnit XML writes the properties of the teardown report, which never carries the
    dict, except when a failed call is followed by a failed teardown: then it writes
    those of the call report. That report loses the dict before the teardown report
    reaches the writer.
    """

    def __init__(self) -> None:
        self._failed_calls: dict[tuple[str, object], pytest.TestReport] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key = (report.nodeid, getattr(report, "node", None))
        if report.when == "call" and report.failed:
            if finding_of(report.user_properties) is not None:
                self._failed_calls[key] = report
        elif report.when == "teardown":
            call = self._failed_calls.pop(key, None)
            if call is not None and report.failed:
                strip_finding_property(call)
