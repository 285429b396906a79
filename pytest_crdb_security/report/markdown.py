"""The markdown audit report and its collision-free file name."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

from pytest_crdb_security.markers import DIMENSIONS
from pytest_crdb_security.report.findings import Finding, count_verdicts, count_waived
from pytest_crdb_security.verdicts import Verdict

SECTION_ORDER = tuple(dict.fromkeys(DIMENSIONS.values()))


@dataclass(frozen=True)
class ReportHeader:
    cluster_name: str
    date: dt.date
    cluster_id: str
    plan: str
    version: str
    regions: str
    deployment: str
    environment: str
    compliance: str
    data_sensitivity: str
    simulated: str | None = None
    error_note: str | None = None
    selection: str | None = None


@dataclass(frozen=True)
class ReportAddenda:
    """Parts added to the template: lines under a finding, under the summary, and sections.

    ``finding_notes`` returns lines that are printed indented under the finding's own
    line, so that the template's ``- [VERDICT] Title: details`` lines stay intact.
    """

    finding_notes: Callable[[Finding], Sequence[str]] | None = None
    summary_lines: Sequence[str] = ()
    sections: Sequence[str] = ()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_markdown(
    header: ReportHeader, findings: Sequence[Finding], addenda: ReportAddenda | None = None
) -> str:
    addenda = addenda or ReportAddenda()
    lines = [
        f"# Security Audit Report — {header.cluster_name}",
        f"**Date:** {header.date.isoformat()}",
        f"**Cluster ID:** {header.cluster_id}",
        f"**Plan:** {header.plan}",
        f"**CockroachDB Version:** {header.version}",
        f"**Regions:** {header.regions}",
        f"**Deployment:** {header.deployment}",
        f"**Environment:** {header.environment}",
        f"**Compliance:** {header.compliance}",
        f"**Data Sensitivity:** {header.data_sensitivity}",
    ]
    if header.simulated:
        lines += ["", f"> **Simulated cluster:** {header.simulated}"]
    if header.selection:
        lines += ["", f"> **Partial audit:** {header.selection}"]
    if header.error_note:
        lines += ["", f"> **Could not evaluate:** {header.error_note}"]

    counts = count_verdicts(list(findings))
    rows = [(verdict.value, counts[verdict]) for verdict in counts]
    waived = count_waived(list(findings))
    if waived:
        rows.append(("Waived", waived))
    lines += ["", "## Summary", tabulate(rows, headers=["Status", "Count"], tablefmt="github")]
    if addenda.summary_lines:
        lines += ["", *addenda.summary_lines]

    lines += ["", "## Findings"]
    for section in SECTION_ORDER:
        members = [finding for finding in findings if finding.section == section]
        if not members:
            continue
        lines += ["", f"### {section}"]
        for finding in members:
            lines.append(_finding_line(finding))
            if addenda.finding_notes is not None:
                lines += [f"  - {note}" for note in addenda.finding_notes(finding)]
    for block in addenda.sections:
        lines += ["", block.rstrip("\n")]
    return "\n".join(lines) + "\n"


def _finding_line(finding: Finding) -> str:
    detail = _one_line(finding.detail)
    if finding.verdict is Verdict.ERROR:
        detail = "could not evaluate: " + detail
    line = f"- [{finding.verdict_label}] {finding.label}: {detail}"
    if finding.annotation:
        line += f" *({finding.annotation})*"
    return line


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def report_file_stem(cluster_name: str, date: dt.date) -> str:
    name = _UNSAFE.sub("-", cluster_name).strip("-.") or "cluster"
    return f"security-audit-{name}-{date.isoformat()}"


def write_report(directory: Path, stem: str, text: str) -> Path:
    """Write ``text`` to ``<stem>-<n>.md`` with the first free sequence number.

    The file is created with O_EXCL, so two audits finishing at once get
    different numbers and no earlier report is overwritten.
    """
    directory.mkdir(parents=True, exist_ok=True)
    sequence = 1
    # The JSON report shares the markdown report's name, so both count as taken.
    pattern = re.compile(re.escape(stem) + r"-(\d+)\.(?:md|json)$")
    existing = [int(m.group(1)) for p in directory.iterdir() if (m := pattern.match(p.name))]
    if existing:
        sequence = max(existing) + 1
    while True:
        path = directory / f"{stem}-{sequence}.md"
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        except FileExistsError:
            sequence += 1
            continue
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path
