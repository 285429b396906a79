"""Parse the output of ``openssl version`` and ``openssl s_client``.

The formats are those of OpenSSL 1.1.1 to 3.5. After a handshake ``s_client`` prints
``New, TLSv1.3, Cipher is ...``, and ``New, (NONE), Cipher is (NONE)`` when none took
place. It prints the key exchange group as ``Server Temp Key:`` (3.0 and older), ``Peer
Temp Key:`` (3.5) or ``Negotiated TLS1.3 group:`` (3.5, hybrid groups included). Errors
read ``<thread>:error:<code>:<library>:<function>:<reason>:<file>:<line>:<data>``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_VERSION = re.compile(r"^(?P<name>OpenSSL|LibreSSL|BoringSSL|AWS-LC)\s+(?P<number>\d+(?:\.\d+)*)")
_LIBRARY = re.compile(r"\(Library:\s*(?P<library>[^)]*)\)")
_NEW_SESSION = re.compile(r"^New, (?P<protocol>\S+), Cipher is (?P<cipher>\S+)\s*$")
_BRIEF_PROTOCOL = re.compile(r"^Protocol version:\s*(?P<protocol>\S+)\s*$")
_BRIEF_CIPHER = re.compile(r"^Ciphersuite:\s*(?P<cipher>\S+)\s*$")
_NEGOTIATED_GROUP = re.compile(r"^Negotiated TLS1\.3 group:\s*(?P<group>\S+)")
_TEMP_KEY = re.compile(r"^(?:Server|Peer) Temp Key:\s*(?P<key>.+)$")
_ERROR_LINE = re.compile(
    r"^[0-9A-Fa-f]+:error:[0-9A-Fa-f]+:[^:]*:[^:]*:(?P<reason>[^:]+)(?::[^:]*:\d+:(?P<data>.*))?"
)
_CONNECT_ERROR = re.compile(r"^connect:errno=(?P<errno>\d+)")
_CONFIG_ERROR = re.compile(r"^Call to SSL_CONF_cmd\((?P<option>[^,]+), (?P<value>.*)\) failed")
_USAGE_ERROR = re.compile(r"^s_client: (?P<message>.+)$")
_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----", re.DOTALL)

# Reasons of errors raised by the local library before or without talking to the server.
LOCAL_REASONS = (
    "no cipher match",
    "no ciphers available",
    "no protocols available",
    "cannot be set",
    "passed invalid argument",
    "unknown option",
)
_NO_SESSION = ("(NONE)", "0000", "")


@dataclass(frozen=True)
class OpensslVersion:
    """The TLS library of an ``openssl`` command: its name, version numbers and the text."""

    name: str
    numbers: tuple[int, ...]
    text: str

    def at_least(self, *numbers: int) -> bool:
        return self.name == "OpenSSL" and self.numbers >= numbers

    @property
    def label(self) -> str:
        return f"{self.name} {'.'.join(str(number) for number in self.numbers)}"


def parse_openssl_version(output: str) -> OpensslVersion:
    """Parse ``openssl version`` output; raise ValueError when it names no known library.

    When the command and its library differ (``(Library: OpenSSL 3.0.2 ...)``), the
    library's version is returned, because the library performs the handshake.
    """
    text = output.strip().splitlines()[0].strip() if output.strip() else ""
    library = _LIBRARY.search(text)
    candidate = library.group("library").strip() if library else text
    match = _VERSION.match(candidate)
    if match is None:
        raise ValueError(f"unrecognised `openssl version` output {text[:80]!r}")
    numbers = tuple(int(part) for part in match.group("number").split("."))
    return OpensslVersion(match.group("name"), numbers, text)


@dataclass(frozen=True)
class SClientOutput:
    """The output of one ``openssl s_client`` run, reduced to the facts the probe uses."""

    connected: bool
    protocol: str | None
    cipher: str | None
    group: str | None  # key exchange group, such as X25519 or X25519MLKEM768
    certificates: tuple[str, ...]  # PEM blocks of -showcerts, served order (leaf first)
    errors: tuple[str, ...]  # reasons of the OpenSSL error lines, in order
    connect_error: str | None
    config_error: str | None  # an option the local library rejected


def parse_s_client(stdout: str, stderr: str = "") -> SClientOutput:
    """Parse the standard output and standard error of one ``s_client`` run."""
    lines = [line.rstrip() for line in (stdout + "\n" + stderr).splitlines()]
    protocol = cipher = group = temp_key = None
    errors: list[str] = []
    connect_error = config_error = None
    connected = False
    for raw in lines:
        line = raw.strip()
        if line.startswith("CONNECTED("):
            connected = True
        elif match := _NEW_SESSION.match(line):
            protocol, cipher = match.group("protocol"), match.group("cipher")
        elif match := _BRIEF_PROTOCOL.match(line):
            protocol = match.group("protocol")
        elif match := _BRIEF_CIPHER.match(line):
            cipher = match.group("cipher")
        elif match := _NEGOTIATED_GROUP.match(line):
            group = match.group("group")
        elif match := _TEMP_KEY.match(line):
            temp_key = match.group("key")
        elif match := _ERROR_LINE.match(line):
            errors.append(_error_reason(match.group("reason"), match.group("data")))
        elif match := _CONNECT_ERROR.match(line):
            connect_error = f"connect failed (errno {match.group('errno')})"
        elif match := _CONFIG_ERROR.match(line):
            config_error = f"{match.group('option')} {match.group('value')} was rejected"
        elif (match := _USAGE_ERROR.match(line)) and config_error is None:
            config_error = f"s_client rejected its arguments: {match.group('message')}"

    if protocol in _NO_SESSION:
        protocol = None
    if cipher in _NO_SESSION:
        cipher = None
    if group is None and temp_key is not None:
        group = _group_of_temp_key(temp_key)
    if connect_error is not None and errors:
        connect_error = f"{connect_error}: {_first_system_error(errors)}"
    return SClientOutput(
        connected=connected,
        protocol=protocol,
        cipher=cipher,
        group=group,
        certificates=tuple(_PEM_BLOCK.findall(stdout)),
        errors=tuple(errors),
        connect_error=connect_error,
        config_error=config_error,
    )


def _error_reason(reason: str, data: str | None) -> str:
    # A failed system call has the reason "system lib" and the error text as data.
    if reason.strip() == "system lib" and data and data.strip():
        return data.strip()
    return reason.strip()


def _group_of_temp_key(text: str) -> str | None:
    # "X25519, 253 bits", "ECDH, prime256v1, 256 bits" or "DH, 2048 bits".
    words = [word.strip() for word in text.split(",")]
    if not words or not words[0]:
        return None
    if words[0] == "ECDH" and len(words) > 1:
        return words[1]
    return words[0]


def _first_system_error(errors: list[str]) -> str:
    for reason in errors:
        if reason != "connect error":
            return reason
    return errors[0]


class HandshakeOutcome(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    LOCAL_UNSUPPORTED = "local-unsupported"  # the local library could not offer it
    CONNECT_FAILED = "connect-failed"
    NO_HANDSHAKE = "no-handshake"  # connected, but neither a session nor an error


def classify_s_client(output: SClientOutput) -> tuple[HandshakeOutcome, str]:
    """Decide what one ``s_client`` run shows, with a reason for a detail sentence."""
    local = output.config_error or next(
        (reason for reason in output.errors if reason.lower() in LOCAL_REASONS), None
    )
    if local is not None:
        return HandshakeOutcome.LOCAL_UNSUPPORTED, local
    if output.connect_error is not None:
        return HandshakeOutcome.CONNECT_FAILED, output.connect_error
    if output.protocol and output.cipher:
        return HandshakeOutcome.ACCEPTED, f"{output.protocol} {output.cipher}"
    if output.errors:
        return HandshakeOutcome.REJECTED, output.errors[0]
    if not output.connected:
        return HandshakeOutcome.CONNECT_FAILED, "openssl s_client did not connect"
    return HandshakeOutcome.NO_HANDSHAKE, "openssl s_client completed no TLS handshake"
