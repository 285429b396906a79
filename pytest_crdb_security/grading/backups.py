"""Grading of self-managed backup schedules."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.schedules import (
    Schedule,
    ScheduleHealth,
    classify_schedule,
    failure_excerpt,
)
from pytest_crdb_security.verdicts import Grade, Verdict


def backup_destination(schedule: Schedule) -> str | None:
    """Return the first URI of the BACKUP statement without its query string or credentials."""
    statement = str(schedule.command.get("backup_statement", ""))
    start = statement.find("'")
    end = statement.find("'", start + 1)
    if start < 0 or end < 0:
        return None
    parts = urlsplit(statement[start + 1 : end])
    host = parts.netloc.rpartition("@")[2]
    return str(urlunsplit((parts.scheme, host, parts.path, "", "")))


def _describe(schedule: Schedule) -> str:
    kind = "incremental" if schedule.is_incremental else "full"
    destination = backup_destination(schedule)
    where = f" to {destination}" if destination else ""
    return f"{schedule.label} ({kind}, {schedule.recurrence or 'no recurrence'}{where})"


def grade_backup_schedules(schedules: Sequence[Schedule]) -> Grade:
    """No backup schedule: FAIL; a failed or paused one: FAIL or WARN; all running: PASS.

    Internal schedules such as sql-stats-compaction have no backup statement and
    are ignored.
    """
    backups = [schedule for schedule in schedules if schedule.is_backup]
    if not backups:
        return Grade(
            Verdict.FAIL,
            "no backup schedules exist (internal schedules are not backups)",
            rule="no_backup_schedules",
        )

    by_health: dict[ScheduleHealth, list[Schedule]] = {}
    for schedule in backups:
        by_health.setdefault(classify_schedule(schedule), []).append(schedule)

    failed = by_health.get(ScheduleHealth.FAILED, [])
    if failed:
        reasons = "; ".join(
            f"{schedule.label} ({schedule.status}): {failure_excerpt(schedule.state)}"
            for schedule in failed
        )
        return Grade(
            Verdict.FAIL, f"{plural(len(failed), 'backup schedule')} reports failed runs: {reasons}"
        )

    paused = by_health.get(ScheduleHealth.PAUSED, [])
    if paused:
        return Grade(
            Verdict.WARN,
            f"{plural(len(paused), 'backup schedule')} is paused and takes no backups: "
            + join_names([schedule.label for schedule in paused]),
        )

    running = [s for s in backups if classify_schedule(s) is not ScheduleHealth.PENDING]
    if not running:
        return Grade(
            Verdict.WARN,
            "every backup schedule is still waiting for its first backup: "
            + join_names([_describe(schedule) for schedule in backups]),
        )
    return Grade(
        Verdict.PASS,
        f"{plural(len(backups), 'backup schedule')} active: "
        + join_names([_describe(schedule) for schedule in backups]),
    )
