"""PostgreSQL wire protocol (version 3.0): reading client messages and building server ones."""

from __future__ import annotations

import socket
import ssl
import struct

from pytest_crdb_security.simulator.errors import ConnectionClosed, SqlError
from pytest_crdb_security.simulator.sqltypes import SqlType

PROTOCOL_3_0 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
# Largest client message accepted; CockroachDB's default limit is 16 MiB.
MAX_MESSAGE_BYTES = 16 << 20

TEXT_FORMAT = 0
BINARY_FORMAT = 1


class MessageStream:
    """Buffered reads and writes of pgwire messages on one socket."""

    def __init__(self, sock: socket.socket | ssl.SSLSocket, *, exact_reads: bool = False) -> None:
        self.sock = sock
        # During startup, read no byte past the current packet: the bytes after
        # an SSLRequest belong to the TLS handshake, not to this reader.
        self.exact_reads = exact_reads
        self._buffer = bytearray()
        self._output = bytearray()

    def _read_exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            missing = count - len(self._buffer)
            chunk = self.sock.recv(missing if self.exact_reads else max(65536, missing))
            if not chunk:
                raise ConnectionClosed("the client closed the connection")
            self._buffer += chunk
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    @property
    def has_buffered_input(self) -> bool:
        return bool(self._buffer)

    def read_startup(self) -> tuple[int, bytes]:
        """Read a startup-phase packet: return its request code and the rest of the body."""
        (length,) = struct.unpack("!i", self._read_exact(4))
        if length < 8 or length > MAX_MESSAGE_BYTES:
            raise SqlError("08P01", f"invalid startup packet length {length}")
        body = self._read_exact(length - 4)
        (code,) = struct.unpack("!i", body[:4])
        return code, body[4:]

    def read_message(self) -> tuple[bytes, bytes]:
        """Read a regular message: return its one-byte type and its body."""
        header = self._read_exact(5)
        message_type = header[:1]
        (length,) = struct.unpack("!i", header[1:])
        if length < 4 or length > MAX_MESSAGE_BYTES:
            raise SqlError("08P01", f"invalid message length {length}")
        return message_type, self._read_exact(length - 4)

    def write(self, message: bytes) -> None:
        self._output += message

    def flush(self) -> None:
        if self._output:
            self.sock.sendall(bytes(self._output))
            self._output.clear()

    def send_now(self, message: bytes) -> None:
        self.write(message)
        self.flush()


class BodyReader:
    """Sequential reader of the fields in a message body."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._position = 0

    def _take(self, count: int) -> bytes:
        end = self._position + count
        if count < 0 or end > len(self._body):
            raise SqlError("08P01", "message body is shorter than its fields")
        data = self._body[self._position : end]
        self._position = end
        return data

    def int16(self) -> int:
        value: int = struct.unpack("!h", self._take(2))[0]
        return value

    def int32(self) -> int:
        value: int = struct.unpack("!i", self._take(4))[0]
        return value

    def byte(self) -> bytes:
        return self._take(1)

    def raw(self, count: int) -> bytes:
        return self._take(count)

    def cstring(self) -> str:
        end = self._body.find(b"\x00", self._position)
        if end == -1:
            raise SqlError("08P01", "unterminated string in message body")
        text = self._body[self._position : end].decode("utf-8", errors="replace")
        self._position = end + 1
        return text


def _message(message_type: bytes, body: bytes = b"") -> bytes:
    return message_type + struct.pack("!i", len(body) + 4) + body


def _cstring(text: str) -> bytes:
    return text.encode("utf-8") + b"\x00"


def authentication_ok() -> bytes:
    return _message(b"R", struct.pack("!i", 0))


def authentication_cleartext_password() -> bytes:
    return _message(b"R", struct.pack("!i", 3))


def parameter_status(name: str, value: str) -> bytes:
    return _message(b"S", _cstring(name) + _cstring(value))


def backend_key_data(process_id: int, secret: int) -> bytes:
    return _message(b"K", struct.pack("!ii", process_id, secret))


def negotiate_protocol_version(minor: int) -> bytes:
    return _message(b"v", struct.pack("!ii", minor, 0))


def ready_for_query(status: str) -> bytes:
    return _message(b"Z", status.encode("ascii"))


def row_description(columns: list[tuple[str, SqlType]], formats: list[int]) -> bytes:
    """Build RowDescription with one format code in `formats` per column."""
    body = bytearray(struct.pack("!h", len(columns)))
    for (name, sql_type), format_code in zip(columns, formats, strict=True):
        body += _cstring(name)
        body += struct.pack("!ihihih", 0, 0, sql_type.oid, sql_type.size, -1, format_code)
    return _message(b"T", bytes(body))


def data_row(values: list[bytes | None]) -> bytes:
    body = bytearray(struct.pack("!h", len(values)))
    for value in values:
        if value is None:
            body += struct.pack("!i", -1)
        else:
            body += struct.pack("!i", len(value)) + value
    return _message(b"D", bytes(body))


def command_complete(tag: str) -> bytes:
    return _message(b"C", _cstring(tag))


def empty_query_response() -> bytes:
    return _message(b"I")


def parse_complete() -> bytes:
    return _message(b"1")


def bind_complete() -> bytes:
    return _message(b"2")


def close_complete() -> bytes:
    return _message(b"3")


def no_data() -> bytes:
    return _message(b"n")


def portal_suspended() -> bytes:
    return _message(b"s")


def parameter_description(type_oids: list[int]) -> bytes:
    return _message(b"t", struct.pack(f"!h{len(type_oids)}i", len(type_oids), *type_oids))


def _fields(severity: str, sqlstate: str, message: str, hint: str | None) -> bytes:
    body = bytearray()
    body += b"S" + _cstring(severity)
    body += b"C" + _cstring(sqlstate)
    body += b"M" + _cstring(message)
    if hint:
        body += b"H" + _cstring(hint)
    return bytes(body) + b"\x00"


def error_response(error: SqlError) -> bytes:
    return _message(b"E", _fields(error.severity, error.sqlstate, error.message, error.hint))


def notice_response(message: str) -> bytes:
    return _message(b"N", _fields("NOTICE", "00000", message, None))
