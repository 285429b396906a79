"""Cloud encryption: customer-managed encryption keys (CMEK)."""

import pytest

from pytest_crdb_security.context import AuditContext, CloudPlan
from pytest_crdb_security.evidence.cloud import CloudEvidence
from pytest_crdb_security.evidence.model import Unavailable, require
from pytest_crdb_security.grading.cloud_encryption import grade_cmek
from pytest_crdb_security.verdicts import conclude

pytestmark = [pytest.mark.encryption, pytest.mark.deployment("cloud")]


@pytest.mark.check("cmek", "CMEK")
@pytest.mark.severity("high")
@pytest.mark.cloud_plan("standard", "advanced")
def test_cmek(crdb_cloud: CloudEvidence, crdb_context: AuditContext) -> None:
    """Advanced clusters should encrypt their data with a customer-managed key in every region.

    Each region and each of its keys is judged, so a failed or revoked key fails the
    check even when the cluster-level status reads ENABLED. Standard clusters cannot use
    CMEK (INFO). Remediation: enable CMEK with a KMS key per region as described in the
    Cloud documentation on managing CMEK, and fix or rotate keys that report a failure.
    """
    plan = crdb_context.plan
    assert plan is not None, "cloud_plan checks run only with a known plan"
    cluster = crdb_cloud.cluster
    regions = [] if isinstance(cluster, Unavailable) else [r.name for r in cluster.regions]
    cmek = require(crdb_cloud.cmek) if plan is CloudPlan.ADVANCED else None
    conclude(grade_cmek(plan, cmek, regions))
