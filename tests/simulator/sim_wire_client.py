"""A minimal pgwire client for tests that need to see the exact server messages."""

from __future__ import annotations

import socket
import ssl
import struct
from pathlib import Path
from types import TracebackType

Message = tuple[bytes, bytes]

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


def cstring(text: str) -> bytes:
    return text.encode() + b"\x00"


def message(message_type: bytes, body: bytes = b"") -> bytes:
    return message_type + struct.pack("!i", len(body) + 4) + body


def error_fields(body: bytes) -> dict[str, str]:
    """Decode the fields of an ErrorResponse or NoticeResponse body."""
    fields: dict[str, str] = {}
    for part in body.rstrip(b"\x00").split(b"\x00"):
        if part:
            fields[chr(part[0])] = part[1:].decode()
    return fields


def row_description(body: bytes) -> list[tuple[str, int, int, int]]:
    """Decode RowDescription into (name, type OID, type size, format code) per column."""
    (count,) = struct.unpack("!h", body[:2])
    position = 2
    columns = []
    for _ in range(count):
        end = body.index(b"\x00", position)
        name = body[position:end].decode()
        _, _, oid, size, _, format_code = struct.unpack("!ihihih", body[end + 1 : end + 19])
        columns.append((name, oid, size, format_code))
        position = end + 19
    return columns


def data_row(body: bytes) -> list[bytes | None]:
    (count,) = struct.unpack("!h", body[:2])
    position = 2
    values: list[bytes | None] = []
    for _ in range(count):
        (length,) = struct.unpack("!i", body[position : position + 4])
        position += 4
        if length == -1:
            values.append(None)
        else:
            values.append(body[position : position + length])
            position += length
    return values


def parameter_statuses(messages: list[Message]) -> dict[str, str]:
    statuses = {}
    for message_type, body in messages:
        if message_type == b"S":
            name, value, _ = body.split(b"\x00")
            statuses[name.decode()] = value.decode()
    return statuses


class WireClient:
    """Speaks pgwire over one socket; every method is a single protocol step."""

    def __init__(self, host: str, port: int) -> None:
        self.sock: socket.socket = socket.create_connection((host, port), timeout=5)
        self._buffer = b""

    def __enter__(self) -> WireClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, message_type: bytes, body: bytes = b"") -> None:
        self.sock.sendall(message(message_type, body))

    def recv_exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def request_code(self, code: int) -> bytes:
        """Send an 8-byte request such as SSLRequest and return the one-byte reply."""
        self.sock.sendall(struct.pack("!ii", 8, code))
        return self.recv_exact(1)

    def start_tls(self, ca_path: Path | None, server_hostname: str = "127.0.0.1") -> ssl.SSLSocket:
        """Send SSLRequest, expect `S` and wrap the socket (verifying against `ca_path`)."""
        assert self.request_code(SSL_REQUEST) == b"S"
        context = ssl.create_default_context(cafile=str(ca_path) if ca_path else None)
        if ca_path is None:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        wrapped = context.wrap_socket(self.sock, server_hostname=server_hostname)
        self.sock = wrapped
        return wrapped

    def startup(self, user: str, database: str = "defaultdb", **extra: str) -> None:
        body = struct.pack("!i", 196608) + cstring("user") + cstring(user)
        body += cstring("database") + cstring(database)
        for name, value in extra.items():
            body += cstring(name) + cstring(value)
        body += b"\x00"
        self.sock.sendall(struct.pack("!i", len(body) + 4) + body)

    def read(self) -> Message:
        header = self.recv_exact(5)
        (length,) = struct.unpack("!i", header[1:])
        return header[:1], self.recv_exact(length - 4)

    def read_until(self, *types: bytes) -> list[Message]:
        """Read messages up to and including the first one of the given types."""
        messages = []
        while True:
            message_type, body = self.read()
            messages.append((message_type, body))
            if message_type in types:
                return messages

    def login(self, user: str, password: str | None, **extra: str) -> list[Message]:
        """Run startup and password authentication; return messages up to ReadyForQuery or E."""
        self.startup(user, **extra)
        first = self.read()
        if first == (b"R", struct.pack("!i", 3)):
            self.send(b"p", cstring(password or ""))
            return [first, *self.read_until(b"Z", b"E")]
        if first[0] == b"E":
            return [first]
        return [first, *self.read_until(b"Z", b"E")]

    def query(self, sql: str) -> list[Message]:
        self.send(b"Q", cstring(sql))
        return self.read_until(b"Z")

    def parse(self, sql: str, name: str = "", oids: tuple[int, ...] = ()) -> None:
        body = cstring(name) + cstring(sql) + struct.pack(f"!h{len(oids)}i", len(oids), *oids)
        self.send(b"P", body)

    def bind(
        self,
        values: list[bytes | None],
        portal: str = "",
        statement: str = "",
        parameter_formats: tuple[int, ...] = (),
        result_formats: tuple[int, ...] = (),
    ) -> None:
        body = cstring(portal) + cstring(statement)
        body += struct.pack(
            f"!h{len(parameter_formats)}h", len(parameter_formats), *parameter_formats
        )
        body += struct.pack("!h", len(values))
        for value in values:
            body += (
                struct.pack("!i", -1) if value is None else struct.pack("!i", len(value)) + value
            )
        body += struct.pack(f"!h{len(result_formats)}h", len(result_formats), *result_formats)
        self.send(b"B", body)

    def describe(self, kind: bytes, name: str = "") -> None:
        self.send(b"D", kind + cstring(name))

    def execute(self, portal: str = "", max_rows: int = 0) -> None:
        self.send(b"E", cstring(portal) + struct.pack("!i", max_rows))

    def sync(self) -> None:
        self.send(b"S")
