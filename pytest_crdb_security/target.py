"""The SQL target: parsing and validating the connection URL without leaking its password."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from pytest_crdb_security.context import ContextError

CLOUD_HOST_SUFFIXES = (".cockroachlabs.cloud",)
DEFAULT_PORT = 26257


@dataclass(frozen=True)
class Target:
    """A parsed connection URL; ``url`` keeps the password, ``display_url`` never does."""

    url: str
    display_url: str
    host: str
    port: int
    user: str | None
    password: str | None
    database: str | None

    @property
    def is_cloud_host(self) -> bool:
        return self.host.lower().rstrip(".").endswith(CLOUD_HOST_SUFFIXES)

    @property
    def sslmode(self) -> str:
        """The libpq sslmode of the URL; libpq's default is ``prefer``."""
        query = dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))
        return query.get("sslmode", "prefer")

    @property
    def verifies_server(self) -> bool:
        return self.sslmode in ("verify-ca", "verify-full")

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _display(parts: tuple[str, str, str, str, str], user: str | None) -> str:
    scheme, netloc, path, query, fragment = parts
    host_part = netloc.rpartition("@")[2]
    netloc = f"{user}@{host_part}" if user else host_part
    params = [(key, value) for key, value in parse_qsl(query, keep_blank_values=True)]
    safe_query = urlencode(
        [
            (key, "***" if key.lower() in ("password", "sslpassword") else value)
            for key, value in params
        ],
        safe="/:,",
    )
    return urlunsplit((scheme, netloc, path, safe_query, fragment))


def parse_target_url(raw: str, source: str = "--crdb-url") -> Target:
    """Parse a ``postgresql://`` URL; errors name the value with its password masked."""
    text = raw.strip()
    if "://" not in text:
        # Not a URL at all (perhaps a key=value connection string): echoing it
        # could print a password, so the message names only the expected form.
        raise ContextError(
            f"invalid {source}: not a postgresql:// URL; use"
            " postgresql://USER:PASSWORD@HOST:26257/DATABASE?sslmode=verify-full"
            " (key=value connection strings are not supported)"
        )
    try:
        parts = urlsplit(text)
    except ValueError as error:
        raise ContextError(
            f"invalid {source}: {error}; use"
            " postgresql://USER:PASSWORD@HOST:26257/DATABASE?sslmode=verify-full"
        ) from None
    # libpq splits the user part at the first "@" and urllib at the last one, so an
    # unencoded "@" or space would send part of the password to libpq as a host name.
    if parts.netloc.count("@") > 1 or any(char.isspace() for char in parts.netloc):
        raise ContextError(
            f"invalid {source}: the user name or password contains an unencoded '@' or"
            " space; percent-encode it (%40 for @, %20 for a space)"
        )
    try:
        port = parts.port
    except ValueError as error:
        shown = _display(
            (parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment), None
        )
        raise ContextError(
            f"invalid {source} {shown!r}: {error}; use"
            " postgresql://USER:PASSWORD@HOST:26257/DATABASE?sslmode=verify-full"
        ) from None

    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    password = password or query.get("password")
    shown = _display((parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment), user)

    if parts.scheme not in ("postgresql", "postgres"):
        raise ContextError(
            f"invalid {source} {shown!r}: the scheme must be postgresql://, as in"
            " postgresql://USER:PASSWORD@HOST:26257/DATABASE?sslmode=verify-full"
        )
    if not parts.hostname:
        raise ContextError(
            f"invalid {source} {shown!r}: the host is missing; use"
            " postgresql://USER:PASSWORD@HOST:26257/DATABASE?sslmode=verify-full"
        )
    database = parts.path.lstrip("/") or None
    return Target(
        url=text,
        display_url=shown,
        host=parts.hostname,
        port=port or DEFAULT_PORT,
        user=user,
        password=password,
        database=unquote(database) if database else None,
    )
