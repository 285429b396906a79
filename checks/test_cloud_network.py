"""Cloud network checks: the IP allowlist and private endpoints of a CockroachDB Cloud cluster."""

import pytest

from pytest_crdb_security.context import AuditContext
from pytest_crdb_security.evidence.cloud import CloudEvidence
from pytest_crdb_security.evidence.model import Unavailable, require
from pytest_crdb_security.grading.cloud_network import (
    grade_console_allowlist,
    grade_ip_allowlist,
    grade_private_endpoints,
)
from pytest_crdb_security.verdicts import conclude

pytestmark = [pytest.mark.network, pytest.mark.deployment("cloud")]


@pytest.mark.check("ip-allowlist", "IP allowlist")
@pytest.mark.severity("high")
def test_ip_allowlist(crdb_cloud: CloudEvidence) -> None:
    """The IP allowlist should admit SQL connections only from specific networks.

    Every page of entries counts. An entry is judged by its address and mask together:
    any /0 is open to the internet (FAIL), /16 or wider is a broad range (WARN). An empty
    allowlist blocks SQL from the internet. Remediation: in the Cloud Console under
    Networking > IP Allowlist, replace 0.0.0.0/0 and broad ranges with the egress
    addresses of your applications, or move clients to private endpoints.
    """
    cluster = crdb_cloud.cluster
    conclude(
        grade_ip_allowlist(
            require(crdb_cloud.allowlist), None if isinstance(cluster, Unavailable) else cluster
        )
    )


@pytest.mark.check("db-console-allowlist", "DB Console allowlist")
@pytest.mark.severity("medium")
def test_db_console_allowlist(crdb_cloud: CloudEvidence) -> None:
    """Allowlist entries that admit the DB Console (``ui``) should be specific networks.

    The DB Console still requires a login, so an open or broad range is a WARN. Entries
    that admit only the DB Console are named in the detail. Remediation: in the Cloud
    Console under Networking > IP Allowlist, turn off DB Console access on open and broad
    entries.
    """
    conclude(grade_console_allowlist(require(crdb_cloud.allowlist)))


@pytest.mark.check("private-endpoints", "Private endpoints")
@pytest.mark.severity("medium")
@pytest.mark.cloud_plan("standard", "advanced")
def test_private_endpoints(crdb_cloud: CloudEvidence, crdb_context: AuditContext) -> None:
    """Clients should reach the cluster through an available ingress private endpoint.

    Standard and Advanced clusters offer private endpoints (AWS PrivateLink, GCP Private
    Service Connect, Azure Private Link). None on Advanced is a WARN, on Standard an INFO.
    Remediation: create a private endpoint in your cloud account for the cluster's
    endpoint service, then accept the connection in the Cloud Console under Networking >
    Private endpoint.
    """
    assert crdb_context.plan is not None, "cloud_plan checks run only with a known plan"
    cluster = crdb_cloud.cluster
    conclude(
        grade_private_endpoints(
            crdb_context.plan,
            require(crdb_cloud.private_endpoint_connections),
            require(crdb_cloud.private_endpoint_services),
            None if isinstance(cluster, Unavailable) else cluster,
        )
    )
