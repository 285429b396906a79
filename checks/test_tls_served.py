"""The TLS the SQL port serves, seen from the network: SSLRequest reply and certificate.

Unlike the certificate file checks, which read ``--crdb-certs-dir`` on a node, this
check needs only the URL: it connects, sends the PostgreSQL SSLRequest and reads the
certificate the server presents, without logging in.
"""

import datetime as dt

import pytest

from pytest_crdb_security.context import AuditContext
from pytest_crdb_security.evidence.tls_model import TlsEvidence
from pytest_crdb_security.grading.tls_served import grade_served_certificate
from pytest_crdb_security.verdicts import conclude

pytestmark = pytest.mark.encryption


@pytest.mark.check("tls-served-certificate", "TLS served certificate")
@pytest.mark.severity("high")
def test_tls_served_certificate(crdb_tls: TlsEvidence, crdb_context: AuditContext) -> None:
    """The SQL port should require TLS and serve a certificate valid for 90+ days, for the
    URL's host, signed without SHA-1 or MD5, that verifies against ``sslrootcert``.

    On CockroachDB Cloud, TLS is enforced and the probe's facts are reported. Remediation:
    start the nodes without ``--insecure``, reissue the node certificate with ``cockroach
    cert create-node`` naming every address clients use, and rotate it before expiry.
    """
    now = dt.datetime.now(dt.timezone.utc)
    conclude(grade_served_certificate(crdb_tls, crdb_context.deployment, now))
