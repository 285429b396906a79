"""The fixture through which Cloud checks read the collected Cloud evidence."""

from __future__ import annotations

import pytest

from pytest_crdb_security.evidence.cloud import CloudEvidence
from pytest_crdb_security.fixtures import audit_session


def cloud_evidence(config: pytest.Config) -> CloudEvidence | None:
    """Return the Cloud evidence of the run; None when the target is not a Cloud cluster."""
    session = audit_session(config)
    return session.cloud if session is not None else None


@pytest.fixture(scope="session")
def crdb_cloud(request: pytest.FixtureRequest) -> CloudEvidence:
    """Everything read from CockroachDB Cloud about the cluster, each piece a value or a reason."""
    session = audit_session(request.config)
    if session is None:
        pytest.skip("no audit target: pass --crdb-url, set CRDB_URL, or use --crdb-demo")
    if session.cloud is None:
        pytest.skip("only for CockroachDB Cloud clusters; this is a self-hosted cluster")
    return session.cloud
