"""Go duration text (as cluster settings store it) and pgwire INTERVAL text."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

_UNIT_MICROSECONDS: dict[str, Decimal] = {
    "ns": Decimal("0.001"),
    "us": Decimal(1),
    "µs": Decimal(1),
    "μs": Decimal(1),
    "ms": Decimal(1_000),
    "s": Decimal(1_000_000),
    "m": Decimal(60_000_000),
    "h": Decimal(3_600_000_000),
}
_COMPONENT = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_MICROSECONDS_PER_SECOND = 1_000_000


def parse_go_duration(text: str) -> timedelta:
    """Parse Go duration text such as `168h0m0s`, `90s` or `1.5h`, or raise ValueError."""
    body = text.strip()
    negative = body.startswith("-")
    if body[:1] in "+-":
        body = body[1:]
    if body == "0":
        return timedelta(0)

    total = Decimal(0)
    position = 0
    while position < len(body):
        match = _COMPONENT.match(body, position)
        if match is None:
            raise ValueError(f"invalid duration {text!r}; use Go syntax such as 30s, 15m or 168h")
        total += Decimal(match[1]) * _UNIT_MICROSECONDS[match[2]]
        position = match.end()
    if position == 0:
        raise ValueError(f"invalid duration {text!r}; use Go syntax such as 30s, 15m or 168h")

    microseconds = int(total)
    return timedelta(microseconds=-microseconds if negative else microseconds)


def _microseconds(value: timedelta) -> int:
    return value // timedelta(microseconds=1)


def _fraction(microseconds: int, width: int) -> str:
    """Return `.ddd` for the fractional digits of a value, without trailing zeros."""
    digits = f"{microseconds:0{width}d}".rstrip("0")
    return f".{digits}" if digits else ""


def format_go_duration(value: timedelta) -> str:
    """Format a duration the way Go's `time.Duration.String` does (`168h0m0s`)."""
    total = _microseconds(value)
    if total == 0:
        return "0s"
    sign = "-" if total < 0 else ""
    total = abs(total)

    if total < 1_000:
        return f"{sign}{total}µs"
    if total < _MICROSECONDS_PER_SECOND:
        return f"{sign}{total // 1_000}{_fraction(total % 1_000, 3)}ms"

    seconds, fraction = divmod(total, _MICROSECONDS_PER_SECOND)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    seconds_text = f"{seconds}{_fraction(fraction, 6)}s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds_text}"
    if minutes:
        return f"{sign}{minutes}m{seconds_text}"
    return f"{sign}{seconds_text}"


def format_interval(value: timedelta) -> str:
    """Format a duration as pgwire INTERVAL text with IntervalStyle `postgres`.

    CockroachDB turns a duration setting into an interval that holds only
    nanoseconds, so seven days print as `168:00:00`, never as `7 days`.
    """
    total = _microseconds(value)
    sign = "-" if total < 0 else ""
    seconds, fraction = divmod(abs(total), _MICROSECONDS_PER_SECOND)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}{_fraction(fraction, 6)}"
