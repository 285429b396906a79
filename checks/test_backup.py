"""Backup checks."""

import pytest

from pytest_crdb_security.evidence.model import SqlEvidence, require
from pytest_crdb_security.grading.backups import grade_backup_schedules
from pytest_crdb_security.verdicts import conclude


@pytest.mark.backup
@pytest.mark.check("self-managed-backups", "Self-managed backups")
@pytest.mark.severity("high")
@pytest.mark.deployment("self-hosted")
def test_backup_schedules(crdb_sql: SqlEvidence) -> None:
    """Backup schedules should exist, be active, and their last runs should have succeeded.

    An ACTIVE schedule can keep failing: the failure shows only in its ``state``.
    Remediation: ``CREATE SCHEDULE nightly FOR BACKUP INTO '<storage URI>' RECURRING
    '@daily' FULL BACKUP '@weekly' WITH SCHEDULE OPTIONS first_run = 'now'``.
    """
    conclude(grade_backup_schedules(require(crdb_sql.schedules)))
