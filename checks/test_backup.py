"""Backup checks: Cloud managed backups and self-managed backup schedules."""

import pytest

from pytest_crdb_security.context import AuditContext, Deployment
from pytest_crdb_security.evidence.cloud import CloudEvidence
from pytest_crdb_security.evidence.model import SqlEvidence, require
from pytest_crdb_security.grading.backups import grade_backup_schedules
from pytest_crdb_security.grading.cloud_backups import (
    grade_cloud_backup_schedules,
    grade_managed_backups,
)
from pytest_crdb_security.verdicts import conclude


@pytest.mark.backup
@pytest.mark.check("managed-backups", "Managed backups")
@pytest.mark.severity("high")
@pytest.mark.deployment("cloud")
def test_managed_backups(crdb_cloud: CloudEvidence, crdb_sql: SqlEvidence) -> None:
    """CockroachDB Cloud managed backups should be enabled, at least daily, kept 7+ days.

    Disabled managed backups fail unless self-managed backup schedules run successfully.
    Remediation: enable managed backups and set their frequency and retention in the
    Cloud Console under Backup and Restore > Settings.
    """
    conclude(grade_managed_backups(require(crdb_cloud.backups_config), crdb_sql.schedules))


@pytest.mark.backup
@pytest.mark.check("self-managed-backups", "Self-managed backups")
@pytest.mark.severity("high")
def test_backup_schedules(crdb_sql: SqlEvidence, crdb_context: AuditContext) -> None:
    """Backup schedules should exist, be active, and their last runs should have succeeded.

    An ACTIVE schedule can keep failing: the failure shows only in its ``state``. On
    CockroachDB Cloud, managed backups make schedules optional, so anything but healthy
    schedules is INFO there. Remediation: ``CREATE SCHEDULE nightly FOR BACKUP INTO
    '<storage URI>' RECURRING '@daily' FULL BACKUP '@weekly' WITH SCHEDULE OPTIONS
    first_run = 'now'``.
    """
    if crdb_context.deployment is Deployment.CLOUD:
        conclude(grade_cloud_backup_schedules(crdb_sql.schedules))
    conclude(grade_backup_schedules(require(crdb_sql.schedules)))
