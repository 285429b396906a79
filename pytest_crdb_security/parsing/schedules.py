"""Classify SHOW SCHEDULES rows: which are backups, and what their state text reports."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_crdb_security.redaction import redact_uri_credentials


class ScheduleHealth(enum.Enum):
    HEALTHY = "healthy"
    PENDING = "pending"
    FAILED = "failed"
    PAUSED = "paused"


# The state text CockroachDB writes after a failed run: "reschedule: ... failed with
# status failed" (older) or "... failed with state failed" (newer), "retrying: <error>"
# with RETRY_SOON and "schedule paused: <error>" with PAUSE_SCHED.
_FAILURE = re.compile(
    r"(?i)(failed with (status|state) failed|failed with err|^retrying:|^schedule paused:|error)"
)
_PENDING = re.compile(r"(?i)^(pending|waiting for initial backup to complete)")


@dataclass(frozen=True)
class Schedule:
    """One schedule from SHOW SCHEDULES, with its command as a mapping."""

    schedule_id: int
    label: str
    status: str
    state: str | None
    recurrence: str | None
    owner: str | None
    command: Mapping[str, Any]

    @property
    def is_backup(self) -> bool:
        return "backup_statement" in self.command

    @property
    def is_incremental(self) -> bool:
        return str(self.command.get("backup_type", 0)) in ("1", "INCREMENTAL")

    @property
    def backup_statement(self) -> str:
        """The BACKUP statement with any credentials in its URIs masked."""
        return redact_uri_credentials(str(self.command.get("backup_statement", "")))


def parse_command(raw: object) -> Mapping[str, Any]:
    """Accept the ``command`` column as decoded JSONB or as JSON text."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, (str, bytes)):
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, Mapping) else {}
    return {}


def classify_schedule(schedule: Schedule) -> ScheduleHealth:
    """Classify a schedule by its status and the free-text ``state`` column."""
    state = (schedule.state or "").strip()
    if state and _FAILURE.search(state) and not _PENDING.match(state):
        return ScheduleHealth.FAILED
    if schedule.status.upper() == "PAUSED":
        if _PENDING.match(state):
            return ScheduleHealth.PENDING
        return ScheduleHealth.PAUSED
    if state and _PENDING.match(state):
        return ScheduleHealth.PENDING
    return ScheduleHealth.HEALTHY


def failure_excerpt(state: str | None, limit: int = 160) -> str:
    """Shorten a failure state for a report line, masking credentials it may quote."""
    text = redact_uri_credentials(" ".join((state or "").split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
