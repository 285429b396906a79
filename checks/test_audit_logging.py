"""Audit logging checks."""

import pytest

from pytest_crdb_security.evidence.model import SqlEvidence, require
from pytest_crdb_security.grading.audit_logging import grade_audit_logging
from pytest_crdb_security.verdicts import conclude


@pytest.mark.audit_logging
@pytest.mark.check("audit-logging", "Audit log configuration")
@pytest.mark.severity("high")
def test_audit_log_configuration(crdb_sql: SqlEvidence) -> None:
    """Role-based audit logging (``sql.log.user_audit``) and admin audit logging should be on.

    Remediation: ``SET CLUSTER SETTING sql.log.user_audit = 'all ALL'`` and
    ``SET CLUSTER SETTING sql.log.admin_audit.enabled = true``, with the SENSITIVE_ACCESS
    log channel routed to durable storage.
    """
    conclude(grade_audit_logging(require(crdb_sql.settings), require(crdb_sql.build)))
