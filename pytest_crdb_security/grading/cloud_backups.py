"""Grading of CockroachDB Cloud managed backups, and of self-managed schedules on Cloud."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.grading.backups import grade_backup_schedules
from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.cloud import BackupsConfig
from pytest_crdb_security.parsing.schedules import Schedule, ScheduleHealth, classify_schedule
from pytest_crdb_security.verdicts import Grade, Verdict

# Thresholds of this audit, not of Cockroach Labs: a backup at least once a day (so at
# most a day of writes is lost) kept for at least a week.
MAX_FREQUENCY_MINUTES = 24 * 60
MIN_RETENTION_DAYS = 7


def _duration(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        return plural(minutes // (24 * 60), "day")
    if minutes % 60 == 0:
        return plural(minutes // 60, "hour")
    return plural(minutes, "minute")


def _healthy_schedules(schedules: Sequence[Schedule] | Unavailable) -> list[Schedule]:
    if isinstance(schedules, Unavailable):
        return []
    return [
        schedule
        for schedule in schedules
        if schedule.is_backup and classify_schedule(schedule) is ScheduleHealth.HEALTHY
    ]


def grade_managed_backups(
    config: BackupsConfig, schedules: Sequence[Schedule] | Unavailable
) -> Grade:
    """Grade the managed backup configuration.

    Enabled, at least daily and kept 7 days or more: PASS; enabled with a longer interval or
    a shorter retention (or without them reported): WARN. Disabled: FAIL with rule
    ``managed_backups_disabled``, because nothing then restores the cluster after data
    loss, except when self-managed backup schedules run successfully: INFO.
    """
    if not config.enabled:
        healthy = _healthy_schedules(schedules)
        if healthy:
            return Grade(
                Verdict.INFO,
                "managed backups are disabled, but"
                f" {plural(len(healthy), 'self-managed backup schedule')}"
                f" {'runs' if len(healthy) == 1 else 'run'} successfully:"
                f" {join_names([schedule.label for schedule in healthy])}",
            )
        unknown = (
            f" (self-managed schedules could not be read: {schedules.reason})"
            if isinstance(schedules, Unavailable)
            else " and no self-managed backup schedule runs successfully"
        )
        return Grade(
            Verdict.FAIL,
            f"managed backups are disabled{unknown}, so no backup can restore the cluster",
            rule="managed_backups_disabled",
        )

    problems = []
    if config.frequency_minutes <= 0:
        problems.append("the backup interval is not reported")
    elif config.frequency_minutes > MAX_FREQUENCY_MINUTES:
        problems.append(
            f"a backup only every {_duration(config.frequency_minutes)} can lose more than a"
            " day of writes"
        )
    if config.retention_days <= 0:
        problems.append("the retention is not reported")
    elif config.retention_days < MIN_RETENTION_DAYS:
        problems.append(
            f"backups are kept only {plural(config.retention_days, 'day')}, less than"
            f" {MIN_RETENTION_DAYS}"
        )
    described = (
        f"managed backups are enabled, every {_duration(config.frequency_minutes)}, kept"
        f" {plural(config.retention_days, 'day')}"
        if config.frequency_minutes > 0 and config.retention_days > 0
        else "managed backups are enabled"
    )
    if problems:
        return Grade(Verdict.WARN, f"{described}; " + "; ".join(problems))
    return Grade(Verdict.PASS, described)


def grade_cloud_backup_schedules(schedules: Sequence[Schedule] | Unavailable) -> Grade:
    """Grade self-managed schedules on Cloud, where managed backups make them optional.

    Healthy schedules keep their PASS; every other outcome, including schedules that
    could not be read, is INFO.
    """
    if isinstance(schedules, Unavailable):
        return Grade(
            Verdict.INFO,
            "optional on CockroachDB Cloud, where managed backups apply; the schedules could"
            f" not be read: {schedules.reason}",
        )
    grade = grade_backup_schedules(schedules)
    if grade.verdict is Verdict.PASS:
        return grade
    return Grade(
        Verdict.INFO,
        f"optional on CockroachDB Cloud, where managed backups apply: {grade.detail}",
    )
