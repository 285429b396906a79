"""Cluster configuration: version, upgrade state, plan and regions."""

import pytest

from pytest_crdb_security.cloud_fixtures import cloud_evidence
from pytest_crdb_security.context import AuditContext, Deployment
from pytest_crdb_security.evidence.model import SqlEvidence, Unavailable, require
from pytest_crdb_security.grading.cloud_cluster import cloud_region_names, grade_cloud_plan
from pytest_crdb_security.grading.cluster_config import (
    grade_regions,
    grade_upgrade_finalized,
    grade_version,
)
from pytest_crdb_security.verdicts import Grade, Verdict, conclude

pytestmark = [pytest.mark.cluster_config, pytest.mark.severity("info")]


@pytest.mark.check("version", "Version")
def test_version(crdb_sql: SqlEvidence) -> None:
    """The CockroachDB version the node runs and the active cluster version."""
    cluster_version = crdb_sql.cluster_version
    active = None if isinstance(cluster_version, Unavailable) else cluster_version
    conclude(grade_version(require(crdb_sql.build), active))


@pytest.mark.check("upgrade-finalized", "Upgrade finalization")
def test_upgrade_finalized(crdb_sql: SqlEvidence) -> None:
    """The active cluster version should match the binary, so the upgrade is finalized.

    Remediation: once the new version is validated, ``RESET CLUSTER SETTING
    cluster.preserve_downgrade_option`` so that the upgrade finalizes.
    """
    conclude(grade_upgrade_finalized(require(crdb_sql.build), require(crdb_sql.cluster_version)))


@pytest.mark.check("plan", "Plan")
def test_plan(crdb_context: AuditContext, request: pytest.FixtureRequest) -> None:
    """The deployment model and, on CockroachDB Cloud, the plan Cloud reports.

    A plan declared in the audit context that differs from the reported one is a WARN.
    """
    if crdb_context.deployment is Deployment.CLOUD:
        cloud = cloud_evidence(request.config)
        if cloud is not None:
            conclude(grade_cloud_plan(cloud))
        plan = crdb_context.plan.label if crdb_context.plan else "unknown Cloud plan"
        conclude(Grade(Verdict.INFO, plan))
    conclude(Grade(Verdict.INFO, "Self-hosted"))


@pytest.mark.check("regions", "Regions")
def test_regions(crdb_sql: SqlEvidence, request: pytest.FixtureRequest) -> None:
    """The cluster regions, from SHOW REGIONS FROM CLUSTER, else from CockroachDB Cloud."""
    cloud_regions = cloud_region_names(cloud_evidence(request.config))
    sql_regions = crdb_sql.regions
    if cloud_regions and (isinstance(sql_regions, Unavailable) or not sql_regions):
        conclude(Grade(Verdict.INFO, f"{', '.join(cloud_regions)} (as CockroachDB Cloud reports)"))
    conclude(grade_regions(require(sql_regions)))
