"""Bind parameters of the extended protocol, turned into SQL literals."""

from __future__ import annotations

import struct

from pytest_crdb_security.simulator.errors import SqlError
from pytest_crdb_security.simulator.pgwire import BINARY_FORMAT
from pytest_crdb_security.simulator.statements import quote_literal

_BINARY_NUMBERS: dict[int, str] = {21: "!h", 23: "!i", 20: "!q", 700: "!f", 701: "!d"}
_NUMERIC_OIDS = frozenset({20, 21, 23, 700, 701, 1700})
_TEXT_OIDS = frozenset({0, 18, 19, 25, 1043, 705})
BOOL_OID = 16


def parameter_literal(value: bytes | None, format_code: int, type_oid: int) -> str:
    """Return the SQL literal for one bound parameter.

    Text parameters are quoted unless their type is numeric or BOOL; binary
    ones are decoded for the integer, float, BOOL and string types.
    """
    if value is None:
        return "NULL"
    if format_code == BINARY_FORMAT:
        return _binary_literal(value, type_oid)
    text = value.decode("utf-8", errors="replace")
    if type_oid in _NUMERIC_OIDS or type_oid == BOOL_OID:
        return text
    return quote_literal(text)


def _binary_literal(value: bytes, type_oid: int) -> str:
    if type_oid == BOOL_OID:
        return "true" if value == b"\x01" else "false"
    if type_oid in _BINARY_NUMBERS:
        try:
            (number,) = struct.unpack(_BINARY_NUMBERS[type_oid], value)
        except struct.error:
            raise SqlError(
                "08P01", f"invalid binary value for parameter of type OID {type_oid}"
            ) from None
        return repr(number)
    if type_oid in _TEXT_OIDS:
        return quote_literal(value.decode("utf-8", errors="replace"))
    raise SqlError(
        "0A000",
        f"the simulated cluster does not decode binary parameters of type OID {type_oid}",
    )


def format_codes_for(codes: list[int], count: int, what: str) -> list[int]:
    """Expand the format codes of Bind (none, one for all, or one each) to `count` entries."""
    if not codes:
        return [0] * count
    if len(codes) == 1:
        return codes * count
    if len(codes) != count:
        raise SqlError("08P01", f"expected 0, 1 or {count} {what} format codes, got {len(codes)}")
    return codes
