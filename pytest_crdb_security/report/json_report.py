"""The JSON audit report: schema version 1, described by ``schema/audit-report-v1.json``.

Within version 1, releases only add optional fields. Renaming or removing a field, or
changing its meaning, raises ``schema_version`` to 2 with a new schema file beside this one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_crdb_security.gate import finding_gates
from pytest_crdb_security.remediation import remediation_for
from pytest_crdb_security.report.atomic import write_text_atomically
from pytest_crdb_security.report.document import AuditDocument
from pytest_crdb_security.report.findings import Finding, count_verdicts, count_waived
from pytest_crdb_security.verdicts import Verdict
from pytest_crdb_security.waivers import Waiver

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("schema") / "audit-report-v1.json"

# Findings that carry remediation guidance in every output.
REMEDIATED_VERDICTS = (Verdict.FAIL, Verdict.WARN)


def finding_id(finding: Finding) -> str:
    """Return the stable id of a finding: the check id, with the subject in brackets."""
    return f"{finding.check_id}[{finding.subject}]" if finding.subject else finding.check_id


def _finding_json(finding: Finding, document: AuditDocument) -> dict[str, Any]:
    remediation = None
    if finding.verdict in REMEDIATED_VERDICTS:
        entry = remediation_for(finding.check_id)
        remediation = entry.to_json() if entry is not None else None
    waiver = finding.waiver
    return {
        "id": finding_id(finding),
        "check_id": finding.check_id,
        "title": finding.title,
        "subject": finding.subject,
        "dimension": finding.dimension,
        "section": finding.section,
        "severity": finding.severity,
        "verdict": finding.verdict.value,
        "original_verdict": finding.original.value,
        "policy": {"rule": finding.rule, "annotation": finding.annotation},
        "gates": finding_gates(finding, document.gate.fail_on),
        "waiver": (
            {
                "reason": waiver.reason,
                "owner": waiver.owner,
                "expires": waiver.expires,
                "target": waiver.target,
            }
            if waiver is not None
            else None
        ),
        "detail": finding.detail,
        # TODO: record the rows and setting values that each grade read. Today the
        # evidence of a finding is only the test that produced it, and the run's SQL
        # statements are listed once under the top-level "evidence".
        "evidence": {"test_id": finding.nodeid},
        "remediation": remediation,
    }


def _waiver_json(waiver: Waiver) -> dict[str, Any]:
    return {
        "entry": waiver.entry,
        "check": waiver.check,
        "target": waiver.target,
        "reason": waiver.reason,
        "owner": waiver.owner,
        "expires": waiver.expires.isoformat(),
    }


def build_json_report(document: AuditDocument, markdown_name: str | None) -> dict[str, Any]:
    """Build the JSON report of ``document``, naming the markdown report ``markdown_name``."""
    findings = list(document.findings)
    counts = count_verdicts(findings)
    gate = document.gate
    cluster = document.cluster
    context = document.context
    waivers = document.waivers
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": document.generated_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "date": document.date.isoformat(),
        "tool": {"name": "pytest-crdb-security", "version": document.tool_version},
        "cluster": {
            "name": cluster.name,
            "id": cluster.cluster_id,
            "version": cluster.version,
            "deployment": cluster.deployment,
            "plan": cluster.plan,
            "regions": list(cluster.regions) if cluster.regions is not None else None,
        },
        "context": {
            "environment": context.environment,
            "compliance": list(context.compliance),
            "data_sensitivity": context.data_sensitivity,
            "simulated": context.simulated is not None,
            "simulation": context.simulated,
        },
        "gate": {
            "fail_on": gate.fail_on.value,
            "result": "failed" if gate.failed else "passed",
            "counts": {verdict.value: count for verdict, count in gate.gating_counts.items()},
            "waived": gate.waived,
        },
        "summary": {
            **{verdict.value: count for verdict, count in counts.items()},
            "waived": count_waived(findings),
        },
        "findings": [_finding_json(finding, document) for finding in findings],
        "waivers": {
            "file": str(waivers.source) if waivers.source is not None else None,
            "expired": [_waiver_json(waiver) for waiver in waivers.expired],
            "unused": [
                {**_waiver_json(unused.waiver), "why": unused.reason}
                for unused in document.unused_waivers
            ],
        },
        "changes": document.changes.to_json() if document.changes is not None else None,
        "notes": list(document.notes),
        "reports": {"markdown": markdown_name},
        "evidence": {
            "sql_statements": list(document.sql_statements),
            "sql_seconds": document.sql_seconds,
        },
    }


def redact_tree(value: Any, redact: Callable[[str], str]) -> Any:
    """Return ``value`` with ``redact`` applied to every string, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(key)): redact_tree(item, redact) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_tree(item, redact) for item in value]
    return value


def write_json_report(path: Path, data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON to ``path``, atomically."""
    return write_text_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
