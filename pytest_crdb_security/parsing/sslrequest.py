"""The PostgreSQL SSLRequest message and the server's reply to it.

A client that wants TLS sends the 8-byte SSLRequest (length 8, code 80877103) before
anything else. The server replies with one byte: ``S`` (continue with the TLS
handshake) or ``N`` (no TLS, the connection continues in plaintext). A server that
rejects the request outright sends an ErrorResponse instead: ``E``, an int32 length
that counts itself, then fields of one type byte and a NUL-terminated string each,
ending with a zero byte.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

SSL_REQUEST_CODE = 80877103
SSL_REQUEST = struct.pack("!ii", 8, SSL_REQUEST_CODE)
# An ErrorResponse longer than this is not read; real ones are a few hundred bytes.
MAX_ERROR_RESPONSE_BYTES = 64 * 1024


class ReplyKind(enum.Enum):
    TLS = "S"
    PLAINTEXT = "N"
    ERROR = "E"
    CLOSED = "closed"  # the server closed the connection without a reply
    UNEXPECTED = "unexpected"  # a first byte other than S, N or E
    MALFORMED = "malformed"  # an ErrorResponse that does not parse


@dataclass(frozen=True)
class SslRequestReply:
    """The server's reply to SSLRequest.

    ``message`` and ``sqlstate`` come from an ErrorResponse. ``problem`` explains why a
    reply could not be read.
    """

    kind: ReplyKind
    message: str | None = None
    sqlstate: str | None = None
    problem: str | None = None

    def describe(self) -> str:
        """Return one phrase for a detail sentence, e.g. ``answered N``."""
        if self.kind is ReplyKind.TLS:
            return "answered S (TLS)"
        if self.kind is ReplyKind.PLAINTEXT:
            return "answered N: it does not offer TLS and accepts plaintext"
        if self.kind is ReplyKind.ERROR:
            code = f" (SQLSTATE {self.sqlstate})" if self.sqlstate else ""
            return f"answered with an error: {self.message!r}{code}"
        return self.problem or self.kind.value


def error_body_length(header: bytes) -> int | None:
    """Return the body length an ErrorResponse header announces, or None when invalid.

    ``header`` is the 4-byte length that follows ``E``; the length counts itself.
    """
    if len(header) != 4:
        return None
    length = int.from_bytes(header, "big", signed=True)
    if length < 4 or length > MAX_ERROR_RESPONSE_BYTES:
        return None
    return length - 4


def interpret_reply(data: bytes) -> SslRequestReply:
    """Interpret everything received after sending SSLRequest.

    ``data`` is the first byte, followed for ``E`` by the ErrorResponse length and body
    as far as they arrived. Empty data means the server closed the connection.
    """
    if not data:
        return SslRequestReply(
            ReplyKind.CLOSED, problem="closed the connection without replying to SSLRequest"
        )
    first = data[:1]
    if first == b"S":
        return SslRequestReply(ReplyKind.TLS)
    if first == b"N":
        return SslRequestReply(ReplyKind.PLAINTEXT)
    if first != b"E":
        return SslRequestReply(
            ReplyKind.UNEXPECTED,
            problem=(
                f"replied {first!r} to SSLRequest instead of S, N or an ErrorResponse,"
                " so it is not a PostgreSQL-protocol port; check the port of the URL"
            ),
        )
    return _error_response(data[1:])


def _error_response(rest: bytes) -> SslRequestReply:
    length = error_body_length(rest[:4])
    if length is None:
        return _malformed("an ErrorResponse with an invalid length")
    body = rest[4:]
    if len(body) < length:
        return _malformed(f"an ErrorResponse cut short ({len(body)} of {length} bytes)")
    fields = parse_error_fields(body[:length])
    if fields is None:
        return _malformed("an ErrorResponse whose fields do not parse")
    message = fields.get("M")
    if message is None:
        return _malformed("an ErrorResponse without a message")
    return SslRequestReply(ReplyKind.ERROR, message=message, sqlstate=fields.get("C"))


def _malformed(what: str) -> SslRequestReply:
    return SslRequestReply(ReplyKind.MALFORMED, problem=f"replied to SSLRequest with {what}")


def parse_error_fields(body: bytes) -> dict[str, str] | None:
    """Parse the fields of an ErrorResponse body; None when it is not well formed."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(body):
        field_type = body[position : position + 1]
        position += 1
        if field_type == b"\x00":
            return fields if position == len(body) else None
        end = body.find(b"\x00", position)
        if end < 0:
            return None
        fields[field_type.decode("latin-1")] = body[position:end].decode("utf-8", errors="replace")
        position = end + 1
    return None
