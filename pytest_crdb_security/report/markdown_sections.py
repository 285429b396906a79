"""Markdown added to the report template: remediation, waivers, the gate and history.

No line written here starts with ``- [``, so a reader that parses the template's
``- [VERDICT] Title: details`` finding lines never mistakes one of these for a finding.
"""

from __future__ import annotations

from pytest_crdb_security.history import Change, Changes
from pytest_crdb_security.remediation import remediation_for
from pytest_crdb_security.report.document import AuditDocument
from pytest_crdb_security.report.findings import Finding
from pytest_crdb_security.report.json_report import REMEDIATED_VERDICTS
from pytest_crdb_security.report.markdown import ReportAddenda


def count_noun(count: int, noun: str) -> str:
    """Return e.g. ``1 finding`` or ``3 findings``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def finding_notes(finding: Finding) -> list[str]:
    """Return the indented lines under a finding: its waiver and, for FAIL and WARN, the fix."""
    notes: list[str] = []
    if finding.waiver is not None:
        waiver = finding.waiver
        notes.append(
            f"Waived until {waiver.expires} by {waiver.owner}: {' '.join(waiver.reason.split())}"
        )
    if finding.verdict in REMEDIATED_VERDICTS:
        notes += remediation_notes(finding.check_id)
    return notes


def remediation_notes(check_id: str) -> list[str]:
    entry = remediation_for(check_id)
    if entry is None:
        return [f"Remediation: no guidance is recorded for check {check_id}"]
    topic = f" ({entry.topic})" if entry.topic else ""
    notes = [f"Remediation{topic}: {entry.change}"]
    if entry.sql:
        notes.append("SQL: " + " ".join(f"`{statement}`" for statement in entry.sql))
    if entry.commands:
        notes.append("Command: " + " ".join(f"`{command}`" for command in entry.commands))
    if entry.docs:
        notes.append(f"Docs: {entry.docs}")
    return notes


def changes_section(changes: Changes) -> str:
    lines = [
        f"## Changes since {changes.since.date}",
        f"Compared with the earlier report `{changes.since.path.name}`; only WARN, FAIL and"
        " ERROR findings count as problems.",
    ]
    if changes.is_empty:
        lines += ["", "No changes in WARN, FAIL or ERROR findings."]
        return "\n".join(lines)
    groups: tuple[tuple[str, tuple[Change, ...]], ...] = (
        ("New findings", changes.new),
        ("Resolved findings", changes.resolved),
        ("Changed verdicts", changes.changed),
        (
            "No longer reported (the check did not run or its subject is gone)",
            changes.no_longer_reported,
        ),
    )
    for title, members in groups:
        if members:
            lines += ["", f"### {title}: {len(members)}"]
            lines += [f"- {change.describe()}" for change in members]
    return "\n".join(lines)


def waivers_section(document: AuditDocument) -> str | None:
    waivers = document.waivers
    if waivers.source is None:
        return None
    waived = sum(1 for finding in document.findings if finding.waiver is not None)
    lines = [
        "## Waivers",
        f"Waiver file `{waivers.source}`: {len(waivers.active)} in force,"
        f" {len(waivers.expired)} expired; {count_noun(waived, 'finding')} waived.",
    ]
    if waivers.expired:
        lines += ["", "### Expired waivers (no longer applied)"]
        lines += [f"- entry {waiver.entry}: {waiver.describe()}" for waiver in waivers.expired]
    if document.unused_waivers:
        lines += ["", "### Unused waivers"]
        lines += [
            f"- entry {unused.waiver.entry}: {unused.waiver.describe()}: {unused.reason}"
            for unused in document.unused_waivers
        ]
    return "\n".join(lines)


def notes_section(notes: tuple[str, ...]) -> str | None:
    if not notes:
        return None
    return "\n".join(["## Notes", *(f"- {note}" for note in notes)])


def report_addenda(document: AuditDocument) -> ReportAddenda:
    """Return the remediation lines, gate line and extra sections of ``document``."""
    gate_line = document.gate.summary_line().removeprefix("crdb-security gate: ")
    sections = [
        changes_section(document.changes) if document.changes is not None else None,
        waivers_section(document),
        notes_section(document.notes),
    ]
    return ReportAddenda(
        finding_notes=finding_notes,
        summary_lines=[f"**Gate:** {gate_line}"],
        sections=[section for section in sections if section is not None],
    )
