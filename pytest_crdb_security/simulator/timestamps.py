"""Timestamps in scenario files: absolute values or times relative to loading."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from pytest_crdb_security.simulator.durations import parse_go_duration

_RELATIVE = re.compile(r"now\s*(?:([+-])\s*(\S+))?")
_DAYS = re.compile(r"(\d+)d")
_SHORT_OFFSET = re.compile(r"([+-]\d{2})$")

TIMESTAMP_FORMS = (
    'a timestamp such as "2025-01-21 17:00:00+00", "now", "now-90d", "now+6h", '
    '"next_hour" or "next_midnight"'
)


def utc_now() -> datetime:
    """Return the current time in UTC, truncated to whole seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def _relative_offset(text: str) -> timedelta:
    days = _DAYS.fullmatch(text)
    if days is not None:
        return timedelta(days=int(days[1]))
    return parse_go_duration(text)


def parse_timestamp(raw: object, now: datetime) -> datetime:
    """Resolve a scenario timestamp to an aware UTC datetime; raise ValueError.

    YAML already turns unquoted ISO timestamps into datetimes; naive ones are
    taken as UTC, as the YAML timestamp type defines.
    """
    if isinstance(raw, datetime):
        return raw.astimezone(timezone.utc) if raw.tzinfo else raw.replace(tzinfo=timezone.utc)
    if not isinstance(raw, str):
        raise ValueError(f"expected {TIMESTAMP_FORMS}")

    text = raw.strip()
    if text == "next_hour":
        return now.replace(minute=0, second=0) + timedelta(hours=1)
    if text == "next_midnight":
        return now.replace(hour=0, minute=0, second=0) + timedelta(days=1)

    relative = _RELATIVE.fullmatch(text)
    if relative is not None:
        if relative[1] is None:
            return now
        offset = _relative_offset(relative[2])
        return now + offset if relative[1] == "+" else now - offset

    normalized = _SHORT_OFFSET.sub(r"\1:00", text)
    try:
        parsed = datetime.fromisoformat(normalized)
    except ValueError:
        raise ValueError(f"expected {TIMESTAMP_FORMS}") from None
    return parse_timestamp(parsed, now)
