"""Factories of findings and audit documents for the report and gate tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pytest_crdb_security.gate import FailOn, evaluate_gate
from pytest_crdb_security.history import Changes
from pytest_crdb_security.report.document import AuditDocument, ClusterFacts, ContextFacts
from pytest_crdb_security.report.findings import Finding, WaiverNote
from pytest_crdb_security.verdicts import Verdict
from pytest_crdb_security.waivers import WaiverSet


def make_finding(
    check_id: str = "admin-users",
    verdict: Verdict = Verdict.FAIL,
    subject: str | None = None,
    detail: str = "6 users with admin role: alice, bob, carol, dave, erin, root",
    **extra: Any,
) -> Finding:
    values: dict[str, Any] = {
        "nodeid": f"checks/test_x.py::test_{check_id.replace('-', '_')}"
        + (f"[{subject}]" if subject else ""),
        "check_id": check_id,
        "title": check_id.replace("-", " ").capitalize(),
        "dimension": "authorization",
        "section": "Authorization",
        "severity": "high",
        "subject": subject,
        "original": verdict,
        "verdict": verdict,
        "detail": detail,
    }
    values.update(extra)
    return Finding(**values)


WAIVER = WaiverNote("accepted for the migration", "dba-team", "2099-01-31", None)


def make_document(
    findings: list[Finding],
    fail_on: FailOn = FailOn.FAIL,
    waivers: WaiverSet | None = None,
    changes: Changes | None = None,
    notes: tuple[str, ...] = (),
) -> AuditDocument:
    waivers = waivers or WaiverSet()
    return AuditDocument(
        date=dt.date(2026, 12, 4),
        generated_at=dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.timezone.utc),
        tool_version="0.1.0",
        cluster=ClusterFacts("prod-east", "0f6c-11", "24.3.5", "self-hosted", None, ()),
        context=ContextFacts("production", ("PCI DSS",), "financial", None),
        findings=tuple(findings),
        gate=evaluate_gate(findings, fail_on),
        waivers=waivers,
        unused_waivers=tuple(waivers.unused(findings)),
        changes=changes,
        notes=notes,
        sql_statements=("SELECT version()",),
        sql_seconds=0.25,
    )
