"""Columns, row details and a verdict summary for pytest-html 4 reports (``--html``).

pytest-html filters, colours and sorts its rows by the text of the Result column, which
must stay one of pytest's outcomes. That column is therefore kept and relabelled "Gate"
(Failed means the finding fails the CI gate), and the verdict gets its own column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape

import pytest

from pytest_crdb_security.gate import FailOn, evaluate_gate
from pytest_crdb_security.remediation import remediation_for
from pytest_crdb_security.report.findings import Finding, count_verdicts, count_waived, finding_of
from pytest_crdb_security.report.json_report import REMEDIATED_VERDICTS
from pytest_crdb_security.verdicts import Verdict

# Positions right after pytest-html's own Result column.
_HEADER_CELLS = (
    '<th class="sortable" data-column-type="verdict">Verdict</th>',
    '<th class="sortable" data-column-type="dimension">Dimension</th>',
    "<th>Finding</th>",
    "<th>Remediation</th>",
)


def relabel_result_header(cells: list[str]) -> None:
    """Rename pytest-html's Result header to Gate and insert the audit's columns after it."""
    if cells:
        cells[0] = re.sub(r">Result<", ">Gate<", cells[0], count=1)
    cells[1:1] = list(_HEADER_CELLS)


def _safe(text: str, redact: Callable[[str], str]) -> str:
    # Redact before escaping: escaping first would turn a secret containing & or <
    # into text the redactor no longer recognises.
    return escape(redact(text))


def finding_cells(finding: Finding | None, redact: Callable[[str], str]) -> list[str]:
    """Return the audit's cells for one row, empty for a row without a finding."""
    if finding is None:
        return [
            '<td class="col-verdict"></td>',
            '<td class="col-dimension"></td>',
            "<td></td>",
            "<td></td>",
        ]
    text = f"{finding.label}: {finding.detail}"
    if finding.annotation:
        text += f" ({finding.annotation})"
    remediation = ""
    if finding.verdict in REMEDIATED_VERDICTS:
        entry = remediation_for(finding.check_id)
        remediation = entry.summary() if entry else f"no guidance recorded for {finding.check_id}"
    return [
        f'<td class="col-verdict">{_safe(_verdict_text(finding), redact)}</td>',
        f'<td class="col-dimension">{_safe(finding.dimension, redact)}</td>',
        f"<td>{_safe(text, redact)}</td>",
        f"<td>{_safe(remediation, redact)}</td>",
    ]


def _verdict_text(finding: Finding) -> str:
    # Sorting reads this cell's text, so the verdict comes first.
    text = finding.verdict_label
    if finding.original is not finding.verdict:
        text += f" (was {finding.original.value})"
    return text


def finding_details(finding: Finding, redact: Callable[[str], str]) -> str:
    """Return the HTML block shown when a row is expanded: policy, waiver and remediation."""
    rows = [
        ("Check", finding.check_id),
        ("Verdict", finding.verdict_label),
        ("Original verdict", finding.original.value),
    ]
    if finding.rule:
        rows.append(("Policy rule", finding.rule))
    if finding.annotation:
        rows.append(("Adjustment", finding.annotation))
    if finding.waiver is not None:
        waiver = finding.waiver
        rows.append(("Waiver", f"until {waiver.expires} by {waiver.owner}: {waiver.reason}"))
    rows.append(("Detail", finding.detail))
    entry = remediation_for(finding.check_id) if finding.verdict in REMEDIATED_VERDICTS else None
    if entry is not None:
        rows.append(("Remediation", entry.change))
        rows += [("SQL", statement) for statement in entry.sql]
        rows += [("Command", command) for command in entry.commands]
        if entry.topic:
            rows.append(("Topic", entry.topic))
    body = "".join(
        f"<tr><th>{escape(name)}</th><td>{_safe(value, redact)}</td></tr>" for name, value in rows
    )
    if entry is not None and entry.docs:
        link = escape(entry.docs, quote=True)
        body += f'<tr><th>Docs</th><td><a href="{link}">{escape(entry.docs)}</a></td></tr>'
    return f'<table class="crdb-finding">{body}</table>\n'


def summary_html(findings: Sequence[Finding], fail_on: FailOn) -> str:
    """Return the verdict counts and the gate line shown above the results table."""
    counts = count_verdicts(list(findings))
    cells = [(verdict.value, count) for verdict, count in counts.items()]
    waived = count_waived(list(findings))
    if waived:
        cells.append(("waived", waived))
    rows = "".join(f"<tr><td>{escape(name)}</td><td>{count}</td></tr>" for name, count in cells)
    gate = evaluate_gate(findings, fail_on).summary_line()
    return (
        '<div class="crdb-security-summary"><h3>CockroachDB security verdicts</h3>'
        f"<table><tr><th>Verdict</th><th>Count</th></tr>{rows}</table>"
        f"<p>{escape(gate)}</p></div>"
    )


class HtmlReportHooks:
    """pytest-html hook implementations, registered only when ``--html`` is active."""

    def __init__(
        self,
        findings: Callable[[], Sequence[Finding]],
        fail_on: FailOn,
        redact: Callable[[str], str],
    ) -> None:
        self._findings = findings
        self._fail_on = fail_on
        self._redact = redact
        # Findings by (node id, phase), recorded as reports arrive, so that rows still
        # find theirs after the JUnit filter has removed it from a report.
        self._by_report: dict[tuple[str, str], Finding] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        finding = finding_of(report.user_properties)
        if finding is not None:
            self._by_report[(report.nodeid, report.when)] = finding

    def _finding(self, report: pytest.TestReport) -> Finding | None:
        return self._by_report.get((report.nodeid, report.when))

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        prefix.append(summary_html(self._findings(), self._fail_on))

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        relabel_result_header(cells)

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        if cells:
            cells[1:1] = finding_cells(self._finding(report), self._redact)

    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        finding = self._finding(report)
        if finding is None:
            return
        if finding.verdict is Verdict.NA:
            # pytest-html would print the skip as a raw (path, line, reason) tuple.
            data.clear()
        data.insert(0, finding_details(finding, self._redact))
