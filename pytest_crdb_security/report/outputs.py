"""Writing a finished audit: markdown and JSON reports, history, remediation script, summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_crdb_security.history import compare_findings, find_earlier_report
from pytest_crdb_security.remediation import remediation_for
from pytest_crdb_security.report.atomic import write_text_atomically
from pytest_crdb_security.report.document import AuditDocument, build_document
from pytest_crdb_security.report.findings import Finding
from pytest_crdb_security.report.json_report import (
    REMEDIATED_VERDICTS,
    build_json_report,
    redact_tree,
    write_json_report,
)
from pytest_crdb_security.report.markdown_sections import count_noun, report_addenda
from pytest_crdb_security.report.remediation_script import render_remediation_script

if TYPE_CHECKING:
    from pytest_crdb_security.session import AuditSession


@dataclass(frozen=True)
class WrittenOutputs:
    """The document of a finished run and the files written for it."""

    document: AuditDocument
    markdown: Path
    json: Path
    remediation_sql: Path | None


written_outputs_key = pytest.StashKey[WrittenOutputs]()


def write_outputs(audit: AuditSession, now: dt.datetime | None = None) -> WrittenOutputs:
    """Compare with the previous report, then write the markdown, JSON and SQL files.

    The earlier JSON report is read before the new one is written, so the comparison
    never includes the run itself.
    """
    now = now or dt.datetime.now().astimezone()
    request = audit.request
    cluster_id = audit.evidence.cluster_id if audit.evidence is not None else None
    lookup = find_earlier_report(
        audit.context.report_dir,
        audit.cluster_name,
        cluster_id if isinstance(cluster_id, str) else None,
    )
    changes = compare_findings(lookup.earlier, audit.findings) if lookup.earlier else None
    document = build_document(
        audit, request.fail_on, audit.waivers, changes, tuple(lookup.notes), now
    )

    markdown = audit.write_report(document.date, report_addenda(document))
    data = redact_tree(build_json_report(document, markdown.name), audit.redact)
    json_path = write_json_report(markdown.with_suffix(".json"), data)

    script = None
    if request.remediation_sql_path is not None:
        text = audit.redact(render_remediation_script(document, markdown.name))
        script = write_text_atomically(request.remediation_sql_path, text)
    return WrittenOutputs(document, markdown, json_path, script)


def finding_terminal_notes(finding: Finding) -> list[str]:
    """Return the lines printed under a finding in the terminal summary."""
    notes = []
    if finding.waiver is not None:
        waiver = finding.waiver
        notes.append(f"waived until {waiver.expires} by {waiver.owner}: {waiver.reason}")
    if finding.verdict in REMEDIATED_VERDICTS:
        entry = remediation_for(finding.check_id)
        if entry is not None:
            notes.append(f"remediation: {entry.summary()}")
        else:
            notes.append(f"remediation: no guidance is recorded for check {finding.check_id}")
    return notes


def outcome_lines(outputs: WrittenOutputs) -> list[str]:
    """Return the terminal lines on waivers, history, written files and, last, the gate."""
    document = outputs.document
    lines = []

    waivers = document.waivers
    if waivers.source is not None:
        waived = sum(1 for finding in document.findings if finding.waiver is not None)
        lines.append(
            f"crdb-security waivers ({waivers.source}): {count_noun(waived, 'finding')} waived,"
            f" {count_noun(len(waivers.expired), 'waiver')} expired,"
            f" {count_noun(len(document.unused_waivers), 'waiver')} unused"
        )
        for waiver in waivers.expired:
            lines.append(
                f"  expired waiver, entry {waiver.entry}: {waiver.describe()}; it no longer"
                " applies: renew or remove it"
            )
        for unused in document.unused_waivers:
            lines.append(
                f"  unused waiver, entry {unused.waiver.entry}: {unused.waiver.describe()};"
                f" {unused.reason}"
            )

    for note in document.notes:
        lines.append(f"crdb-security history: {note}")
    changes = document.changes
    if changes is not None:
        lines.append(
            f"crdb-security changes since {changes.since.date} ({changes.since.path.name}):"
            f" {len(changes.new)} new, {len(changes.resolved)} resolved,"
            f" {len(changes.changed)} changed, {len(changes.no_longer_reported)} no longer"
            " reported"
        )

    lines.append(f"crdb-security json report: {outputs.json}")
    if outputs.remediation_sql is not None:
        lines.append(f"crdb-security remediation script: {outputs.remediation_sql}")
    lines.append(document.gate.summary_line())
    return lines
