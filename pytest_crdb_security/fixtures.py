"""Fixtures the checks read: the audit context and the collected evidence."""

from __future__ import annotations

import pytest

from pytest_crdb_security.context import AuditContext
from pytest_crdb_security.evidence.certs import CertificatesDirectory, read_certificates_directory
from pytest_crdb_security.evidence.model import SqlEvidence, Unavailable, require
from pytest_crdb_security.session import AuditSession

audit_session_key = pytest.StashKey[AuditSession]()


def audit_session(config: pytest.Config) -> AuditSession | None:
    return config.stash.get(audit_session_key, None)


def _require_session(request: pytest.FixtureRequest) -> AuditSession:
    session = audit_session(request.config)
    if session is None:
        pytest.skip("no audit target: pass --crdb-url, set CRDB_URL, or use --crdb-demo")
    return session


@pytest.fixture(scope="session")
def crdb_context(request: pytest.FixtureRequest) -> AuditContext:
    """The audit context: environment, deployment, compliance, data sensitivity, plan."""
    return _require_session(request).context


@pytest.fixture(scope="session")
def crdb_sql(request: pytest.FixtureRequest) -> SqlEvidence:
    """Everything the read-only SQL session collected, each piece a value or a reason."""
    session = _require_session(request)
    assert session.evidence is not None, "SQL evidence is collected when the session starts"
    return session.evidence


certs_evidence_key = pytest.StashKey[CertificatesDirectory | Unavailable]()


def certs_evidence(config: pytest.Config) -> CertificatesDirectory | Unavailable | None:
    """Read --crdb-certs-dir once per run; None when no directory was given."""
    session = audit_session(config)
    if session is None or session.context.certs_dir is None:
        return None
    if certs_evidence_key not in config.stash:
        config.stash[certs_evidence_key] = read_certificates_directory(session.context.certs_dir)
    return config.stash[certs_evidence_key]


@pytest.fixture(scope="session")
def crdb_certs(request: pytest.FixtureRequest) -> CertificatesDirectory:
    """Certificate and key files of --crdb-certs-dir; N/A when no directory was given."""
    _require_session(request)
    evidence = certs_evidence(request.config)
    if evidence is None:
        pytest.skip("no --crdb-certs-dir given")
    return require(evidence)
