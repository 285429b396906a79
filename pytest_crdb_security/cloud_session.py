"""Cloud targets in an audit run: deployment detection, Cloud evidence and header lines."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from pytest_crdb_security.cloud_options import CloudRequest
from pytest_crdb_security.context import AuditContext, CloudPlan, ContextError, Deployment
from pytest_crdb_security.evidence.cloud import CloudEvidence, collect_cloud_evidence
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.markers import CheckInfo
from pytest_crdb_security.target import Target


def detect_deployment(target: Target, cloud: CloudRequest, deployment: Deployment) -> Deployment:
    """Resolve ``auto``: Cloud for a Cloud host name or a given --crdb-cloud-cluster."""
    if cloud.cluster and deployment is Deployment.SELF_HOSTED:
        raise ContextError(
            "--crdb-cloud-cluster was given but the deployment is self-hosted: drop one of them"
        )
    if deployment is not Deployment.AUTO:
        return deployment
    if target.is_cloud_host or cloud.cluster:
        return Deployment.CLOUD
    return Deployment.SELF_HOSTED


def collect_for_session(
    cloud: CloudRequest, context: AuditContext, target: Target, timeout: float
) -> tuple[CloudEvidence | None, AuditContext]:
    """Collect Cloud evidence for a Cloud target and put the detected plan into the context.

    The detected plan replaces a declared one, which stays in the evidence so that the
    report can show the disagreement.
    """
    if context.deployment is not Deployment.CLOUD:
        return None, context
    evidence = collect_cloud_evidence(cloud, target.host, context.plan, timeout)
    if isinstance(evidence.plan, CloudPlan):
        context = context.with_detected(plan=evidence.plan)
    return evidence, context


def unknown_plan_reason(
    info: CheckInfo, deployment: Deployment, plan: CloudPlan | None, cloud: CloudEvidence | None
) -> str | None:
    """Return why a plan-specific check cannot be evaluated, or None.

    A plan that could not be detected is missing evidence, so the check ends as ERROR
    rather than N/A.
    """
    if not info.plans or deployment is not Deployment.CLOUD or plan is not None:
        return None
    cause = cloud.plan.reason if cloud is not None and isinstance(cloud.plan, Unavailable) else ""
    labels = " or ".join(member.label for member in info.plans)
    return (
        f"the check applies only to the {labels} plan and the Cloud plan is unknown"
        + (f": {cause}" if cause else "")
        + "; set plan in the --crdb-context file or give the audit Cloud access"
    )


def cloud_header_lines(cloud: CloudEvidence | None, redact: Callable[[str], str]) -> list[str]:
    """Return the report-header lines about the Cloud cluster and how it was read."""
    if cloud is None:
        return []
    lines = []
    cluster = cloud.cluster
    if isinstance(cloud.plan, Unavailable) and isinstance(cluster, Unavailable):
        lines.append(f"crdb-security: Cloud evidence unavailable: {cloud.plan.reason}")
    else:
        name = cluster.name if not isinstance(cluster, Unavailable) else "(details unavailable)"
        plan = cloud.plan.label if isinstance(cloud.plan, CloudPlan) else "unknown plan"
        lines.append(
            f"crdb-security: Cloud cluster {name}, {plan}, read through {cloud.source}:"
            f" {len(cloud.calls)} calls in {cloud.seconds:.2f}s"
        )
    mismatch = cloud.plan_mismatch()
    extra = [*cloud.notes, *([mismatch] if mismatch else [])]
    if cloud.host_mismatch:
        extra.append(cloud.host_mismatch)
    lines.extend(f"crdb-security: note: {note}" for note in extra)
    return [redact(line) for line in lines]


def start_demo_cloud(stack: contextlib.ExitStack, scenario_name: str) -> CloudRequest:
    """Start the fake Cloud API of a bundled Cloud scenario and point the request at it.

    The demo uses only the fake API with its own key, because a real ccloud or a real API
    key would ask the real service about a cluster that does not exist. A scenario
    without a ``cloud`` section gets no Cloud access at all.
    """
    from pytest_crdb_security.evidence.cloud_api import ApiKey
    from pytest_crdb_security.simulator import bundled_scenario_path, load_scenario
    from pytest_crdb_security.simulator.cloud_api import FakeCloudApi

    scenario = load_scenario(bundled_scenario_path(scenario_name))
    if scenario.cloud is None:
        return CloudRequest(use_ccloud=False)
    api = stack.enter_context(FakeCloudApi(scenario.cloud))
    return CloudRequest(
        cluster=scenario.cloud.id,
        api_url=api.url,
        api_key=ApiKey(scenario.cloud.api_key, "the bundled demo"),
        use_ccloud=False,
    )
