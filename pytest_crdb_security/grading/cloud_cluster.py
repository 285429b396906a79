"""Grading of a Cloud cluster's configuration: plan, provider, regions and upgrade state."""

from __future__ import annotations

from pytest_crdb_security.context import CloudPlan
from pytest_crdb_security.evidence.cloud import CloudEvidence
from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.cloud import CloudCluster, CloudRegion
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

FINALIZED = "FINALIZED"
PENDING_FINALIZATION = "PENDING_FINALIZATION"
IDLE_OPERATIONS = frozenset({"", "UNSPECIFIED", "CLUSTER_STATUS_UNSPECIFIED"})


def grade_cloud_plan(cloud: CloudEvidence) -> Grade:
    """Report the plan Cloud reports; WARN when the audit context declares another one.

    Without Cloud evidence a declared plan is INFO, marked as unconfirmed, and no plan
    at all cannot be evaluated.
    """
    if isinstance(cloud.plan, CloudPlan):
        reported = cloud.cluster.plan_value if isinstance(cloud.cluster, CloudCluster) else ""
        legacy = reported and reported != cloud.plan.value.upper()
        source = f" (Cloud reports the legacy plan name {reported})" if legacy else ""
        mismatch = cloud.plan_mismatch()
        if mismatch is not None:
            return Grade(Verdict.WARN, f"{cloud.plan.label}{source}; {mismatch}")
        return Grade(Verdict.INFO, f"{cloud.plan.label}{source}")
    if cloud.declared_plan is not None:
        return Grade(
            Verdict.INFO,
            f"{cloud.declared_plan.label}, as declared in the audit context; Cloud did not"
            f" confirm it: {cloud.plan.reason}",
        )
    raise CouldNotEvaluate(f"the Cloud plan is unknown: {cloud.plan.reason}")


def cloud_region_names(cloud: CloudEvidence | None) -> list[str]:
    """Return the region names Cloud reports, or [] when there is no Cloud cluster."""
    if cloud is None or not isinstance(cloud.cluster, CloudCluster):
        return []
    return [region.name for region in cloud.cluster.regions]


def _region(region: CloudRegion) -> str:
    parts = ["primary"] if region.primary else []
    if region.node_count:
        parts.append(plural(region.node_count, "node"))
    return f"{region.name} ({', '.join(parts)})" if parts else region.name


def describe_cluster(cluster: CloudCluster) -> str:
    """Describe a cluster in one line: name, id, plan, provider, version, regions, state."""
    facts = [
        f"{cluster.name} (id {cluster.id})",
        f"plan {cluster.plan_value or 'not reported'}",
        f"cloud provider {cluster.cloud_provider or 'not reported'}",
        f"CockroachDB {cluster.cockroach_version or 'version not reported'}",
        f"regions {join_names([_region(region) for region in cluster.regions]) or 'none listed'}",
        f"state {cluster.state or 'not reported'}",
    ]
    if cluster.network_visibility:
        facts.append(f"network visibility {cluster.network_visibility}")
    if cluster.delete_protection:
        facts.append(f"delete protection {cluster.delete_protection}")
    return ", ".join(facts)


def grade_cloud_cluster(cluster: CloudCluster, host_mismatch: str | None) -> Grade:
    """Describe the cluster as INFO, or as WARN when the SQL target may be another cluster."""
    detail = describe_cluster(cluster)
    if host_mismatch is not None:
        return Grade(Verdict.WARN, f"{detail}; {host_mismatch}")
    return Grade(Verdict.INFO, detail)


def grade_cloud_upgrade(cluster: CloudCluster) -> Grade:
    """Grade the Cloud-managed upgrade state.

    WARN: PENDING_FINALIZATION (the upgrade waits for finalization, so the new
    version's features stay off and a rollback is still possible) or a failed operation.
    INFO: an upgrade, rollback or other operation running, or an upgrade available.
    PASS: FINALIZED with no operation running.
    """
    status = cluster.upgrade_status or "not reported"
    operation = cluster.operation_status
    version = cluster.cockroach_version or "an unreported version"
    running = "" if operation in IDLE_OPERATIONS else f"; operation {operation}"
    if cluster.upgrade_status == PENDING_FINALIZATION:
        return Grade(
            Verdict.WARN,
            f"the upgrade to {version} is pending finalization: until it is finalized the new"
            f" version's features stay off and a rollback is still possible{running}",
        )
    if operation.endswith("_FAILED"):
        return Grade(Verdict.WARN, f"upgrade status {status}; operation {operation} failed")
    if cluster.upgrade_status == FINALIZED and not running:
        return Grade(Verdict.PASS, f"upgrade status FINALIZED on {version}, no operation running")
    return Grade(Verdict.INFO, f"upgrade status {status} on {version}{running}")
