"""Value encodings and SQL text handling of the simulated cluster."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

import pytest

from pytest_crdb_security.simulator import sqltypes
from pytest_crdb_security.simulator.durations import (
    format_go_duration,
    format_interval,
    parse_go_duration,
)
from pytest_crdb_security.simulator.statements import (
    compact_key,
    placeholder_count,
    split_statements,
    substitute_placeholders,
    write_statement_tag,
)
from pytest_crdb_security.simulator.timestamps import parse_timestamp

NOW = datetime(2025, 3, 4, 10, 30, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "value", "go_text", "interval_text"),
    [
        ("168h0m0s", timedelta(hours=168), "168h0m0s", "168:00:00"),
        ("168h", timedelta(hours=168), "168h0m0s", "168:00:00"),
        ("10s", timedelta(seconds=10), "10s", "00:00:10"),
        ("90s", timedelta(seconds=90), "1m30s", "00:01:30"),
        ("1h", timedelta(hours=1), "1h0m0s", "01:00:00"),
        ("1.5h", timedelta(minutes=90), "1h30m0s", "01:30:00"),
        ("500ms", timedelta(milliseconds=500), "500ms", "00:00:00.5"),
        ("1.5s", timedelta(milliseconds=1500), "1.5s", "00:00:01.5"),
        ("250us", timedelta(microseconds=250), "250µs", "00:00:00.00025"),
        ("0", timedelta(0), "0s", "00:00:00"),
        ("-2m", timedelta(minutes=-2), "-2m0s", "-00:02:00"),
    ],
)
def test_durations(text: str, value: timedelta, go_text: str, interval_text: str) -> None:
    assert parse_go_duration(text) == value
    assert format_go_duration(value) == go_text
    assert format_interval(value) == interval_text


@pytest.mark.parametrize("text", ["", "7d", "1 hour", "h", "10"])
def test_invalid_durations(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_go_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ([], "{}"),
        (["admin"], "{admin}"),
        (["CREATEROLE", "NOLOGIN"], "{CREATEROLE,NOLOGIN}"),
        (["VALID UNTIL=2025-10-10 00:00:00+00:00"], '{"VALID UNTIL=2025-10-10 00:00:00+00:00"}'),
        (
            ["a,b", "", 'say "hi"', "back\\slash", "{x}", "null", None],
            '{"a,b","","say \\"hi\\"","back\\\\slash","{x}","null",NULL}',
        ),
    ],
)
def test_string_array_text(value: list[str | None], text: str) -> None:
    assert sqltypes.encode_text(sqltypes.STRING_ARRAY, value) == text.encode()


@pytest.mark.parametrize(
    ("sql_type", "value", "text"),
    [
        (sqltypes.BOOL, True, "t"),
        (sqltypes.BOOL, False, "f"),
        (sqltypes.INT8, 935320932302127105, "935320932302127105"),
        (sqltypes.FLOAT8, 3.0, "3"),
        (sqltypes.FLOAT8, 0.1, "0.1"),
        (
            sqltypes.TIMESTAMPTZ,
            datetime(2024, 1, 17, 17, 0, tzinfo=timezone.utc),
            "2024-01-17 17:00:00+00",
        ),
        (
            sqltypes.TIMESTAMPTZ,
            datetime(2024, 1, 17, 16, 8, 16, 61494, tzinfo=timezone.utc),
            "2024-01-17 16:08:16.061494+00",
        ),
        (
            sqltypes.TIMESTAMPTZ,
            datetime(2024, 1, 17, 18, 38, 57, 671890, tzinfo=timezone(timedelta(hours=2))),
            "2024-01-17 16:38:57.67189+00",
        ),
        (sqltypes.INTERVAL, timedelta(hours=168), "168:00:00"),
        (sqltypes.JSONB, {"tableId": 166}, '{"tableId": 166}'),
        (sqltypes.JSONB, {"b": [1, 2], "a": {}}, '{"a": {}, "b": [1, 2]}'),
        (sqltypes.JSONB, {}, "{}"),
        (
            sqltypes.UUID,
            "5a1e3c07-9b2d-4f61-8e4a-2c7d9f0b1a36",
            "5a1e3c07-9b2d-4f61-8e4a-2c7d9f0b1a36",
        ),
    ],
)
def test_text_encodings(sql_type: sqltypes.SqlType, value: object, text: str) -> None:
    assert sqltypes.encode_text(sql_type, value) == text.encode()


def test_binary_encodings() -> None:
    epoch_plus_day = datetime(2000, 1, 2, tzinfo=timezone.utc)

    assert sqltypes.encode_binary(sqltypes.INT8, 8) == struct.pack("!q", 8)
    assert sqltypes.encode_binary(sqltypes.BOOL, True) == b"\x01"
    assert sqltypes.encode_binary(sqltypes.TIMESTAMPTZ, epoch_plus_day) == struct.pack(
        "!q", 86_400_000_000
    )
    assert sqltypes.encode_binary(sqltypes.INTERVAL, timedelta(seconds=3)) == struct.pack(
        "!qii", 3_000_000, 0, 0
    )
    assert sqltypes.encode_binary(sqltypes.JSONB, {}) == b"\x01{}"
    assert sqltypes.encode_binary(sqltypes.STRING_ARRAY, []) == struct.pack("!iii", 0, 0, 25)
    assert sqltypes.encode_binary(sqltypes.STRING_ARRAY, ["a", None]) == (
        struct.pack("!iiiii", 1, 1, 25, 2, 1) + struct.pack("!i", 1) + b"a" + struct.pack("!i", -1)
    )


@pytest.mark.parametrize(
    ("query", "statements"),
    [
        ("SELECT 1", ["SELECT 1"]),
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
        (
            "SET application_name = 'a;b'; SHOW application_name",
            ["SET application_name = 'a;b'", "SHOW application_name"],
        ),
        ("SELECT 'it''s; fine'", ["SELECT 'it''s; fine'"]),
        ('SELECT 1 AS "x;y"', ['SELECT 1 AS "x;y"']),
        ("-- comment; here\nSELECT 1", ["SELECT 1"]),
        ("SELECT /* a; b */ 1", ["SELECT   1"]),
        (" ; ;", []),
    ],
)
def test_split_statements(query: str, statements: list[str]) -> None:
    assert split_statements(query) == statements


@pytest.mark.parametrize(
    ("statement", "tag"),
    [
        ("insert into t values (1)", "INSERT"),
        ("CREATE TABLE t (a INT)", "CREATE TABLE"),
        ("CREATE OR REPLACE VIEW v AS SELECT 1", "CREATE VIEW"),
        ("CREATE USER bob", "CREATE USER"),
        ("DROP ROLE IF EXISTS bob", "DROP ROLE"),
        ("SET CLUSTER SETTING x = 1", "SET CLUSTER SETTING"),
        ("GRANT admin TO bob", "GRANT"),
        ("SET application_name = 'x'", None),
        ("SELECT 1", None),
        ("SHOW USERS", None),
    ],
)
def test_write_statement_tag(statement: str, tag: str | None) -> None:
    assert write_statement_tag(statement) == tag


def test_compact_key_ignores_whitespace_and_case() -> None:
    assert compact_key("SELECT  version()\n;") == compact_key("select version()")


def test_placeholders() -> None:
    statement = "SELECT $1, '$2', $2"

    assert placeholder_count(statement) == 2
    assert substitute_placeholders(statement, ["'a'", "7"]) == "SELECT 'a', '$2', 7"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("now", NOW),
        ("now-90d", NOW - timedelta(days=90)),
        ("now+6h", NOW + timedelta(hours=6)),
        ("next_hour", datetime(2025, 3, 4, 11, 0, tzinfo=timezone.utc)),
        ("next_midnight", datetime(2025, 3, 5, 0, 0, tzinfo=timezone.utc)),
        ("2024-01-17 17:00:00+00", datetime(2024, 1, 17, 17, 0, tzinfo=timezone.utc)),
        ("2024-01-17 19:00:00+02:00", datetime(2024, 1, 17, 17, 0, tzinfo=timezone.utc)),
        (datetime(2024, 1, 17, 17, 0), datetime(2024, 1, 17, 17, 0, tzinfo=timezone.utc)),
    ],
)
def test_scenario_timestamps(raw: object, expected: datetime) -> None:
    assert parse_timestamp(raw, NOW) == expected


@pytest.mark.parametrize("raw", ["yesterday", 12, "now-3 days"])
def test_invalid_scenario_timestamps(raw: object) -> None:
    with pytest.raises(ValueError, match="expected"):
        parse_timestamp(raw, NOW)
