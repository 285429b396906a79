"""The server's reply to the PostgreSQL SSLRequest: S, N, ErrorResponse or garbage."""

from __future__ import annotations

import struct

import pytest

from pytest_crdb_security.parsing.sslrequest import (
    MAX_ERROR_RESPONSE_BYTES,
    SSL_REQUEST,
    ReplyKind,
    error_body_length,
    interpret_reply,
    parse_error_fields,
)


def error_response(*fields: tuple[str, str], length_delta: int = 0) -> bytes:
    body = b"".join(kind.encode() + value.encode() + b"\x00" for kind, value in fields) + b"\x00"
    return b"E" + struct.pack("!i", len(body) + 4 + length_delta) + body


def test_ssl_request_bytes() -> None:
    assert bytes([0, 0, 0, 8, 4, 210, 22, 47]) == SSL_REQUEST


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"S", ReplyKind.TLS),
        (b"N", ReplyKind.PLAINTEXT),
        (b"", ReplyKind.CLOSED),
        (b"H", ReplyKind.UNEXPECTED),
        (b"\x00", ReplyKind.UNEXPECTED),
        (b"s", ReplyKind.UNEXPECTED),
    ],
)
def test_single_byte_replies(data: bytes, kind: ReplyKind) -> None:
    assert interpret_reply(data).kind is kind


def test_error_response_message_and_code() -> None:
    data = error_response(
        ("S", "FATAL"), ("C", "08P01"), ("M", "cannot use SSL/TLS over local connections")
    )

    reply = interpret_reply(data)

    assert reply.kind is ReplyKind.ERROR
    assert reply.message == "cannot use SSL/TLS over local connections"
    assert reply.sqlstate == "08P01"
    assert reply.describe() == (
        "answered with an error: 'cannot use SSL/TLS over local connections' (SQLSTATE 08P01)"
    )


def test_error_response_without_code() -> None:
    reply = interpret_reply(error_response(("M", "no TLS here")))

    assert reply.kind is ReplyKind.ERROR
    assert reply.sqlstate is None
    assert reply.describe() == "answered with an error: 'no TLS here'"


def test_unexpected_reply_names_the_byte() -> None:
    reply = interpret_reply(b"H")

    assert reply.problem is not None
    assert reply.problem.startswith("replied b'H' to SSLRequest instead of S, N")


MALFORMED = [
    ("header missing", b"E", "an ErrorResponse with an invalid length"),
    ("header short", b"E\x00\x00", "an ErrorResponse with an invalid length"),
    ("length below 4", b"E\x00\x00\x00\x03", "an ErrorResponse with an invalid length"),
    ("negative length", b"E\xff\xff\xff\xff", "an ErrorResponse with an invalid length"),
    (
        "length too large",
        b"E" + struct.pack("!i", MAX_ERROR_RESPONSE_BYTES + 1),
        "an ErrorResponse with an invalid length",
    ),
    (
        "body cut short",
        error_response(("M", "hello"))[:-3],
        "an ErrorResponse cut short (5 of 8 bytes)",
    ),
    ("no terminator", b"E" + struct.pack("!i", 11) + b"Mhello", "cut short (6 of 7 bytes)"),
    (
        "field without NUL",
        b"E" + struct.pack("!i", 9) + b"Mhello",
        "an ErrorResponse whose fields do not parse",
    ),
    (
        "bytes after terminator",
        b"E" + struct.pack("!i", 8) + b"\x00abc",
        "an ErrorResponse whose fields do not parse",
    ),
    ("no message field", error_response(("C", "08P01")), "an ErrorResponse without a message"),
    ("empty body", b"E" + struct.pack("!i", 4), "an ErrorResponse whose fields do not parse"),
]


@pytest.mark.parametrize(
    ("data", "problem"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED]
)
def test_malformed_error_response(data: bytes, problem: str) -> None:
    reply = interpret_reply(data)

    assert reply.kind is ReplyKind.MALFORMED
    assert reply.problem is not None
    assert problem in reply.problem


def test_error_with_invalid_utf8_is_replaced() -> None:
    body = b"M\xffbad\x00\x00"
    data = b"E" + struct.pack("!i", len(body) + 4) + body

    reply = interpret_reply(data)

    assert reply.message == "\ufffdbad"


@pytest.mark.parametrize(
    ("header", "length"),
    [(b"\x00\x00\x00\x04", 0), (b"\x00\x00\x00\x10", 12), (b"\x00\x00\x00", None), (b"", None)],
)
def test_error_body_length(header: bytes, length: int | None) -> None:
    assert error_body_length(header) == length


def test_parse_error_fields_keeps_every_field() -> None:
    fields = parse_error_fields(b"SFATAL\x00C08P01\x00Mboom\x00\x00")

    assert fields == {"S": "FATAL", "C": "08P01", "M": "boom"}
