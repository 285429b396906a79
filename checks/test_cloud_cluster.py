"""Cloud cluster configuration: what Cloud reports about the cluster and its upgrades."""

import pytest

from pytest_crdb_security.evidence.cloud import CloudEvidence
from pytest_crdb_security.evidence.model import require
from pytest_crdb_security.grading.cloud_cluster import grade_cloud_cluster, grade_cloud_upgrade
from pytest_crdb_security.verdicts import conclude

pytestmark = [
    pytest.mark.cluster_config,
    pytest.mark.severity("info"),
    pytest.mark.deployment("cloud"),
]


@pytest.mark.check("cloud-cluster", "Cloud cluster")
def test_cloud_cluster(crdb_cloud: CloudEvidence) -> None:
    """The cluster as CockroachDB Cloud reports it: plan, cloud provider, version, regions,
    state, network visibility and delete protection."""
    conclude(grade_cloud_cluster(require(crdb_cloud.cluster), crdb_cloud.host_mismatch))


@pytest.mark.check("cloud-upgrade", "Cloud upgrade status")
def test_cloud_upgrade(crdb_cloud: CloudEvidence) -> None:
    """A major upgrade should not wait for finalization, and no Cloud operation should have
    failed.

    Remediation: once the new version is validated, finalize the upgrade in the Cloud
    Console; otherwise Cloud finalizes it automatically after its rollback window.
    """
    conclude(grade_cloud_upgrade(require(crdb_cloud.cluster)))
