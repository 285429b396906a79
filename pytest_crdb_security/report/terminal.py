"""Lines the audit adds to pytest's terminal summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_crdb_security.report.outputs import finding_terminal_notes
from pytest_crdb_security.verdicts import Verdict

if TYPE_CHECKING:
    from pytest_crdb_security.session import AuditSession

_LISTED = (Verdict.FAIL, Verdict.ERROR, Verdict.WARN)


def summary_lines(audit: AuditSession) -> list[str]:
    """Findings that need attention, the count per verdict and the report path."""
    lines = []
    attention = [finding for finding in audit.findings if finding.verdict in _LISTED]
    if attention:
        lines.append("crdb-security findings:")
        order = {verdict: index for index, verdict in enumerate(_LISTED)}
        for finding in sorted(attention, key=lambda f: order[f.verdict]):
            note = f" ({finding.annotation})" if finding.annotation else ""
            lines.append(f"  [{finding.verdict_label}] {finding.label}: {finding.detail}{note}")
            lines += [f"      {text}" for text in finding_terminal_notes(finding)]
    counts = audit.verdict_counts()
    lines.append(
        "crdb-security verdicts: "
        + ", ".join(f"{count} {verdict.value}" for verdict, count in counts.items())
    )
    selection = audit.selection_note()
    if selection:
        lines.append(f"crdb-security partial audit: {selection}")
    if audit.report_path is not None:
        lines.append(f"crdb-security report: {audit.report_path}")
    return [audit.redact(line) for line in lines]
