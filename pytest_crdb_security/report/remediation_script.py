"""The reviewable remediation script of ``--crdb-remediation-sql``.

Every statement in the script is commented out, so running the file as it is changes
nothing: a reviewer fills in the ``<placeholders>`` and uncomments the statements to
apply. Shell commands (``ccloud``, ``cockroach cert``) are listed as comments too. The
audit itself never runs any of them.
"""

from __future__ import annotations

from pytest_crdb_security.remediation import remediation_for
from pytest_crdb_security.report.document import AuditDocument
from pytest_crdb_security.report.json_report import REMEDIATED_VERDICTS, finding_id


def _comment(text: str) -> str:
    # A newline inside a value would end the SQL comment and expose the rest of the
    # line as a statement, so every value is flattened to one line first.
    return "-- " + " ".join(text.split())


def render_remediation_script(document: AuditDocument, report_name: str | None) -> str:
    """Render the suggested statements of the FAIL and WARN findings as a SQL script."""
    cluster = document.cluster
    lines = [
        _comment(f"Remediation suggestions of pytest-crdb-security {document.tool_version}"),
        _comment(
            f"Cluster {cluster.name}, audit of {document.date.isoformat()}"
            + (f", report {report_name}" if report_name else "")
        ),
        "--",
        "-- REVIEW BEFORE USE. Every statement below is commented out, so running this file",
        "-- as it is changes nothing. Replace the <placeholders>, check each statement against",
        "-- the finding and the linked documentation, then uncomment the ones to apply.",
        "-- Lines marked 'shell:' are commands for a terminal, not SQL.",
    ]
    findings = [f for f in document.findings if f.verdict in REMEDIATED_VERDICTS]
    if not findings:
        lines += ["", "-- No FAIL or WARN findings: nothing to remediate."]
        return "\n".join(lines) + "\n"

    for finding in findings:
        lines.append("")
        lines.append(_comment(f"[{finding.verdict_label}] {finding.label}: {finding.detail}"))
        lines.append(_comment(f"finding {finding_id(finding)}"))
        if finding.waiver is not None:
            waiver = finding.waiver
            lines.append(
                _comment(f"waived until {waiver.expires} by {waiver.owner}: {waiver.reason}")
            )
        entry = remediation_for(finding.check_id)
        if entry is None:
            lines.append(_comment(f"no remediation is recorded for check {finding.check_id}"))
            continue
        lines.append(_comment(f"change: {entry.change}"))
        if entry.docs:
            lines.append(_comment(f"docs: {entry.docs}"))
        lines += [_comment(statement) for statement in entry.sql]
        lines += [_comment(f"shell: {command}") for command in entry.commands]
        if not entry.sql and not entry.commands:
            lines.append(_comment("no statement: follow the change described above"))
    return "\n".join(lines) + "\n"
