"""Network security checks: the HBA rules that decide who may connect from where."""

import pytest

from pytest_crdb_security.evidence.model import SqlEvidence, require
from pytest_crdb_security.grading.network import grade_hba
from pytest_crdb_security.verdicts import conclude


@pytest.mark.network
@pytest.mark.check("hba-configuration", "HBA configuration")
@pytest.mark.severity("high")
def test_hba_configuration(crdb_sql: SqlEvidence) -> None:
    """HBA rules should admit users only by certificate, by password over TLS from known
    networks, or by SSO, and never without credentials from the network.

    An empty ``server.host_based_authentication.configuration`` means the built-in
    default, which accepts a password from any address. Remediation: ``SET CLUSTER
    SETTING server.host_based_authentication.configuration = e'hostssl all all
    10.0.0.0/8 cert-password\nhost all all all reject'``, with your own networks.
    """
    conclude(grade_hba(require(crdb_sql.settings)))
