"""SQL types of result columns and their pgwire text and binary encodings."""

from __future__ import annotations

import json
import math
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pytest_crdb_security.simulator.durations import format_interval

_POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SqlType:
    """A CockroachDB column type as RowDescription announces it."""

    name: str
    oid: int
    size: int  # typlen: bytes of the fixed-size binary form, -1 for variable length


STRING = SqlType("STRING", 25, -1)
INT8 = SqlType("INT8", 20, 8)
BOOL = SqlType("BOOL", 16, 1)
FLOAT8 = SqlType("FLOAT8", 701, 8)
TIMESTAMPTZ = SqlType("TIMESTAMPTZ", 1184, 8)
INTERVAL = SqlType("INTERVAL", 1186, 16)
JSONB = SqlType("JSONB", 3802, -1)
STRING_ARRAY = SqlType("STRING[]", 1009, -1)
UUID = SqlType("UUID", 2950, 16)


def format_timestamptz(value: datetime) -> str:
    """Format a timestamp as pgwire text in the UTC session time zone.

    Example: `2024-01-17 16:08:16.061494+00`; trailing zeros of the fraction
    are dropped and a whole second has no fraction.
    """
    utc = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = utc.strftime("%Y-%m-%d %H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "+00"


def format_float(value: float) -> str:
    """Format a FLOAT8 with the shortest text that reads back to the same value."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def format_jsonb(value: object) -> str:
    """Format JSONB as CockroachDB prints it: keys sorted, `", "` and `": "` separators."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _quote_array_element(element: str) -> str:
    needs_quotes = (
        element == ""
        or element.upper() == "NULL"
        or any(character in element for character in ' ,"\\{}\t\n\r')
    )
    if not needs_quotes:
        return element
    escaped = element.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def format_string_array(value: list[str | None]) -> str:
    """Format a STRING[] as pgwire text, e.g. `{admin,"VALID UNTIL=2025-10-10 00:00:00+00:00"}`."""
    parts = ["NULL" if element is None else _quote_array_element(element) for element in value]
    return "{" + ",".join(parts) + "}"


def _text_int8(value: object) -> str:
    assert isinstance(value, int)
    return str(value)


def _text_bool(value: object) -> str:
    return "t" if value else "f"


def _text_interval(value: object) -> str:
    assert isinstance(value, timedelta)
    return format_interval(value)


def _text_timestamptz(value: object) -> str:
    assert isinstance(value, datetime)
    return format_timestamptz(value)


def _text_float(value: object) -> str:
    assert isinstance(value, (int, float))
    return format_float(float(value))


def _text_array(value: object) -> str:
    assert isinstance(value, list)
    return format_string_array(value)


_TEXT_ENCODERS: dict[int, Callable[[object], str]] = {
    STRING.oid: str,
    INT8.oid: _text_int8,
    BOOL.oid: _text_bool,
    FLOAT8.oid: _text_float,
    TIMESTAMPTZ.oid: _text_timestamptz,
    INTERVAL.oid: _text_interval,
    JSONB.oid: format_jsonb,
    STRING_ARRAY.oid: _text_array,
    UUID.oid: str,
}


def encode_text(sql_type: SqlType, value: object) -> bytes:
    """Encode a non-NULL value in the pgwire text format of its column type."""
    return _TEXT_ENCODERS[sql_type.oid](value).encode("utf-8")


def _binary_int8(value: object) -> bytes:
    assert isinstance(value, int)
    return struct.pack("!q", value)


def _binary_float8(value: object) -> bytes:
    assert isinstance(value, (int, float))
    return struct.pack("!d", float(value))


def _binary_timestamptz(value: object) -> bytes:
    assert isinstance(value, datetime)
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return struct.pack("!q", (aware - _POSTGRES_EPOCH) // timedelta(microseconds=1))


def _binary_interval(value: object) -> bytes:
    assert isinstance(value, timedelta)
    return struct.pack("!qii", value // timedelta(microseconds=1), 0, 0)


def _binary_jsonb(value: object) -> bytes:
    return b"\x01" + format_jsonb(value).encode("utf-8")


def _binary_uuid(value: object) -> bytes:
    return uuid.UUID(str(value)).bytes


def _binary_string_array(value: object) -> bytes:
    assert isinstance(value, list)
    if not value:
        return struct.pack("!iii", 0, 0, STRING.oid)
    has_null = any(element is None for element in value)
    parts = [struct.pack("!iiiii", 1, int(has_null), STRING.oid, len(value), 1)]
    for element in value:
        if element is None:
            parts.append(struct.pack("!i", -1))
        else:
            encoded = str(element).encode("utf-8")
            parts.append(struct.pack("!i", len(encoded)) + encoded)
    return b"".join(parts)


_BINARY_ENCODERS: dict[int, Callable[[object], bytes]] = {
    STRING.oid: lambda value: str(value).encode("utf-8"),
    INT8.oid: _binary_int8,
    BOOL.oid: lambda value: b"\x01" if value else b"\x00",
    FLOAT8.oid: _binary_float8,
    TIMESTAMPTZ.oid: _binary_timestamptz,
    INTERVAL.oid: _binary_interval,
    JSONB.oid: _binary_jsonb,
    STRING_ARRAY.oid: _binary_string_array,
    UUID.oid: _binary_uuid,
}


def encode_binary(sql_type: SqlType, value: object) -> bytes:
    """Encode a non-NULL value in the pgwire binary format of its column type."""
    return _BINARY_ENCODERS[sql_type.oid](value)
