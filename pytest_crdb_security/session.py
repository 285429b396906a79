"""The state of one audit run: context, target, evidence and findings."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pytest_crdb_security.cloud_session import (
    cloud_header_lines,
    collect_for_session,
    detect_deployment,
    start_demo_cloud,
)
from pytest_crdb_security.context import AuditContext, ContextError, Deployment
from pytest_crdb_security.evidence.cloud import CloudEvidence
from pytest_crdb_security.evidence.model import SqlEvidence, Unavailable
from pytest_crdb_security.evidence.secrets import register_credentials
from pytest_crdb_security.evidence.sql import SessionLimits, collect_sql_evidence
from pytest_crdb_security.grading.cloud_cluster import cloud_region_names
from pytest_crdb_security.options import AuditRequest, parse_request_target
from pytest_crdb_security.policy import DEFAULT_POLICY_PATH, Policy, load_policy
from pytest_crdb_security.redaction import Redactor
from pytest_crdb_security.report.findings import Finding
from pytest_crdb_security.report.markdown import (
    ReportAddenda,
    ReportHeader,
    render_markdown,
    report_file_stem,
    write_report,
)
from pytest_crdb_security.target import Target, parse_target_url
from pytest_crdb_security.verdicts import Verdict
from pytest_crdb_security.waivers import WaiverSet, load_known_waivers


@dataclass
class AuditSession:
    """Everything one audit run shares between hooks, fixtures and report writers."""

    request: AuditRequest
    context: AuditContext
    target: Target
    redact: Redactor
    policy: Policy
    simulated: str | None = None
    evidence: SqlEvidence | None = None
    cloud: CloudEvidence | None = None
    findings: list[Finding] = field(default_factory=list)
    # Check items that -m or -k left out, counted so that the report marks a partial audit.
    deselected_checks: int = 0
    report_path: Path | None = None
    waivers: WaiverSet = field(default_factory=WaiverSet)
    _demo: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @classmethod
    def open(cls, request: AuditRequest) -> AuditSession:
        """Validate the request and, for a demo, start the simulated cluster."""
        policy = load_policy(request.policy_path or DEFAULT_POLICY_PATH)
        # Loaded before a demo cluster starts, so that an invalid file leaves nothing running.
        waivers = load_known_waivers(request.waivers_path, dt.date.today())
        redact = Redactor()
        demo = contextlib.ExitStack()
        simulated = None
        context = request.context
        if context.demo_scenario:
            scenario_name = context.demo_scenario
            target, simulated, context = _start_demo(demo, context)
            request = replace(request, cloud=start_demo_cloud(demo, scenario_name))
        else:
            target = parse_request_target(request)
        redact.add(target.password)
        request.cloud.register_secrets(redact)
        try:
            deployment = detect_deployment(target, request.cloud, context.deployment)
        except ContextError:
            demo.close()
            raise
        if deployment is not context.deployment:
            context = context.with_detected(deployment=deployment)
        return cls(
            request, context, target, redact, policy, simulated, waivers=waivers, _demo=demo
        )

    def collect(self) -> SqlEvidence:
        limits = SessionLimits(
            connect_timeout=max(5, self.request.timeout // 3),
            statement_timeout=self.request.timeout,
        )
        self.evidence = collect_sql_evidence(self.target, limits, self.redact)
        register_credentials(self.evidence, self.redact)
        self.cloud, self.context = collect_for_session(
            self.request.cloud, self.context, self.target, self.request.timeout
        )
        return self.evidence

    def close(self) -> None:
        self._demo.close()

    @property
    def cluster_name(self) -> str:
        if self.context.cluster_name:
            return self.context.cluster_name
        if self.cloud is not None and not isinstance(self.cloud.cluster, Unavailable):
            return self.cloud.cluster.name
        host = self.target.host
        if self.target.is_cloud_host:
            return host.split(".")[0]
        return host

    def header_lines(self) -> list[str]:
        context = self.context
        lines = []
        if self.simulated:
            lines.append(f"crdb-security: SIMULATED cluster: {self.simulated}")
        if not self.target.verifies_server:
            lines.append(
                f"crdb-security: WARNING: sslmode={self.target.sslmode} does not verify the"
                " server certificate, so the audit could be talking to an impostor;"
                " use sslmode=verify-full with sslrootcert"
            )
        version = "unknown version"
        if self.evidence is not None and not isinstance(self.evidence.build, Unavailable):
            build = self.evidence.build
            version = f"CockroachDB v{build.version} {build.distribution}"
        lines.append(
            f"crdb-security: cluster {self.cluster_name}, {version},"
            f" {context.deployment.label}" + (f" {context.plan.label}" if context.plan else "")
        )
        lines.append(
            f"crdb-security: environment {context.environment.value},"
            f" compliance {context.compliance_label()},"
            f" data sensitivity {context.data_sensitivity.label}"
        )
        if self.evidence is not None:
            source = self.request.url_source
            origin = f" (from {source})" if source.startswith("$") else ""
            lines.append(
                f"crdb-security: target {self.redact(self.target.display_url)}{origin},"
                f" {len(self.evidence.statements)} SQL statements in {self.evidence.seconds:.2f}s"
            )
        lines.extend(cloud_header_lines(self.cloud, self.redact))
        return lines

    def selection_note(self) -> str | None:
        if not self.deselected_checks:
            return None
        ran = len(self.findings)
        total = ran + self.deselected_checks
        return (
            f"{ran} of {total} check items ran; the other {self.deselected_checks} were"
            " deselected (-m or -k) and are not in this report"
        )

    def report_header(self, date: dt.date) -> ReportHeader:
        evidence = self.evidence
        context = self.context
        version = cluster_id = regions = "unknown"
        if evidence is not None:
            if not isinstance(evidence.build, Unavailable):
                version = f"v{evidence.build.version}"
            if not isinstance(evidence.cluster_id, Unavailable):
                cluster_id = evidence.cluster_id
            if not isinstance(evidence.regions, Unavailable):
                regions = ", ".join(evidence.regions) or "(none configured)"
        cloud_regions = cloud_region_names(self.cloud)
        if regions in ("unknown", "(none configured)") and cloud_regions:
            regions = ", ".join(cloud_regions)
        if context.deployment is Deployment.CLOUD:
            plan = context.plan.label if context.plan else "unknown (CockroachDB Cloud)"
        else:
            plan = "Self-hosted"
        return ReportHeader(
            cluster_name=self.cluster_name,
            date=date,
            cluster_id=cluster_id,
            plan=plan,
            version=version,
            regions=regions,
            deployment=context.deployment.label,
            environment=context.environment.value,
            compliance=context.compliance_label(),
            data_sensitivity=context.data_sensitivity.label,
            simulated=self.simulated,
            selection=self.selection_note(),
        )

    def write_report(
        self, date: dt.date | None = None, addenda: ReportAddenda | None = None
    ) -> Path:
        date = date or dt.date.today()
        text = self.redact(render_markdown(self.report_header(date), self.findings, addenda))
        stem = report_file_stem(self.cluster_name, date)
        self.report_path = write_report(self.context.report_dir, stem, text)
        return self.report_path

    def verdict_counts(self) -> dict[Verdict, int]:
        from pytest_crdb_security.report.findings import count_verdicts

        return count_verdicts(self.findings)


def _start_demo(
    stack: contextlib.ExitStack, context: AuditContext
) -> tuple[Target, str, AuditContext]:
    from pytest_crdb_security.simulator import (
        SimulatedCluster,
        bundled_scenario_path,
        load_scenario,
    )

    assert context.demo_scenario is not None
    try:
        scenario = load_scenario(bundled_scenario_path(context.demo_scenario))
    except ValueError as error:
        raise ContextError(f"invalid --crdb-demo: {error}") from None
    cluster: Any = stack.enter_context(SimulatedCluster(scenario))
    target = parse_target_url(cluster.url(), "--crdb-demo")
    simulated = (
        f"scenario '{scenario.name}' of the bundled simulator, not a real CockroachDB"
        f" cluster ({scenario.description})"
    )
    changes: dict[str, Any] = {}
    if context.cluster_name is None:
        changes["cluster_name"] = scenario.cluster_name
    if context.deployment is Deployment.AUTO:
        changes["deployment"] = Deployment(scenario.deployment)
    # The simulated node's own certificates directory, so the certificate checks
    # have something real to read in the demo.
    if context.certs_dir is None and cluster.ca_cert_path is not None:
        changes["certs_dir"] = cluster.ca_cert_path.parent
    return target, simulated, context.with_detected(**changes)
