"""The audit document: everything the markdown, JSON and terminal outputs of one run share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

from pytest_crdb_security.context import Deployment
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.gate import FailOn, GateResult, evaluate_gate
from pytest_crdb_security.history import Changes
from pytest_crdb_security.report.findings import Finding
from pytest_crdb_security.waivers import UnusedWaiver, WaiverSet

if TYPE_CHECKING:
    from pytest_crdb_security.session import AuditSession

PACKAGE_NAME = "pytest-crdb-security"


@dataclass(frozen=True)
class ClusterFacts:
    """The audited cluster; None marks a value the audit could not collect."""

    name: str
    cluster_id: str | None
    version: str | None
    deployment: str
    plan: str | None
    regions: tuple[str, ...] | None


@dataclass(frozen=True)
class ContextFacts:
    environment: str
    compliance: tuple[str, ...]
    data_sensitivity: str
    simulated: str | None


@dataclass(frozen=True)
class AuditDocument:
    """One run's findings with the gate, waivers, history and provenance."""

    date: dt.date
    generated_at: dt.datetime
    tool_version: str
    cluster: ClusterFacts
    context: ContextFacts
    findings: tuple[Finding, ...]
    gate: GateResult
    waivers: WaiverSet
    unused_waivers: tuple[UnusedWaiver, ...]
    changes: Changes | None
    notes: tuple[str, ...]
    sql_statements: tuple[str, ...]
    sql_seconds: float | None


def plugin_version() -> str:
    try:
        return metadata.version(PACKAGE_NAME)
    except metadata.PackageNotFoundError:
        return "unknown"


def cluster_facts(audit: AuditSession) -> ClusterFacts:
    evidence = audit.evidence
    version = cluster_id = None
    regions: tuple[str, ...] | None = None
    if evidence is not None:
        if not isinstance(evidence.build, Unavailable):
            version = str(evidence.build.version)
        if not isinstance(evidence.cluster_id, Unavailable):
            cluster_id = evidence.cluster_id
        if not isinstance(evidence.regions, Unavailable):
            regions = tuple(evidence.regions)
    context = audit.context
    plan = context.plan.value if context.plan and context.deployment is Deployment.CLOUD else None
    return ClusterFacts(
        name=audit.cluster_name,
        cluster_id=cluster_id,
        version=version,
        deployment=context.deployment.value,
        plan=plan,
        regions=regions,
    )


def build_document(
    audit: AuditSession,
    fail_on: FailOn,
    waivers: WaiverSet,
    changes: Changes | None,
    notes: tuple[str, ...],
    now: dt.datetime,
) -> AuditDocument:
    """Assemble the document of a finished run from the audit session."""
    context = audit.context
    findings = tuple(audit.findings)
    evidence = audit.evidence
    return AuditDocument(
        date=now.astimezone().date(),
        generated_at=now.astimezone(dt.timezone.utc),
        tool_version=plugin_version(),
        cluster=cluster_facts(audit),
        context=ContextFacts(
            environment=context.environment.value,
            compliance=tuple(framework.value for framework in context.compliance),
            data_sensitivity=context.data_sensitivity.value,
            simulated=audit.simulated,
        ),
        findings=findings,
        gate=evaluate_gate(findings, fail_on),
        waivers=waivers,
        unused_waivers=tuple(waivers.unused(findings)),
        changes=changes,
        notes=notes,
        sql_statements=tuple(evidence.statements) if evidence is not None else (),
        sql_seconds=evidence.seconds if evidence is not None else None,
    )
