"""Parse SHOW USERS rows: role options in both formats and role membership."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Role options that let a principal widen its own or others' access.
POWERFUL_ROLE_OPTIONS = (
    "CREATEROLE",
    "CREATELOGIN",
    "MODIFYCLUSTERSETTING",
    "CONTROLCHANGEFEED",
    "REPLICATION",
    "BYPASSRLS",
)

# System privileges (GRANT SYSTEM ...) with the same reach.
POWERFUL_SYSTEM_PRIVILEGES = (
    "ALL",
    "CREATEROLE",
    "CREATELOGIN",
    "MODIFYCLUSTERSETTING",
    "MODIFYSQLCLUSTERSETTING",
    "CONTROLCHANGEFEED",
    "REPLICATION",
    "BYPASSRLS",
    "EXTERNALIOIMPLICITACCESS",
)


@dataclass(frozen=True)
class Principal:
    """One row of SHOW USERS: a user or a role (roles carry NOLOGIN)."""

    name: str
    options: Mapping[str, str | None] = field(default_factory=dict)
    member_of: tuple[str, ...] = ()

    @property
    def can_login(self) -> bool:
        return "NOLOGIN" not in self.options

    @property
    def can_sql_login(self) -> bool:
        return self.can_login and "NOSQLLOGIN" not in self.options


def parse_role_options(raw: str | Sequence[str] | None) -> dict[str, str | None]:
    """Parse ``options`` from SHOW USERS in either form.

    Before v25.3 the column is one string joined with ``', '`` (``CREATEROLE, NOLOGIN``);
    from v25.3 it is an array (``['CREATEROLE', 'VALID UNTIL=2025-10-10 00:00:00+00:00']``).
    Valued options come back as ``NAME=value`` in both.
    """
    if raw is None:
        return {}
    items: Iterable[str]
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("{") and text.endswith("}"):
            items = _split_array_literal(text)
        else:
            items = [part for part in text.split(", ")] if text else []
    else:
        items = raw
    options: dict[str, str | None] = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        options[name.strip().upper()] = value if sep else None
    return options


def _split_array_literal(text: str) -> list[str]:
    """Split a pgwire text array such as ``{CREATEROLE,"VALID UNTIL=x y"}``.

    Unquoted ``NULL`` elements are SQL NULLs and are dropped.
    """
    body = text[1:-1]
    if not body:
        return []
    elements: list[tuple[str, bool]] = []
    current: list[str] = []
    quoted = False
    escaped = False
    was_quoted = False
    for char in body:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
            was_quoted = True
        elif char == "," and not quoted:
            elements.append(("".join(current), was_quoted))
            current, was_quoted = [], False
        else:
            current.append(char)
    elements.append(("".join(current), was_quoted))
    return [value for value, was_quoted in elements if was_quoted or value != "NULL"]


def parse_member_of(raw: str | Sequence[str] | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return ()
        return tuple(_split_array_literal(text)) if text.startswith("{") else (text,)
    return tuple(raw)


def principal_from_row(
    username: str, options: str | Sequence[str] | None, member_of: str | Sequence[str] | None
) -> Principal:
    return Principal(username, parse_role_options(options), parse_member_of(member_of))


def members_of_role(role: str, principals: Iterable[Principal]) -> dict[str, list[str]]:
    """Return every principal that belongs to ``role`` directly or through nested roles.

    Each name maps to the chain of roles through which it is a member, starting with
    the direct parent. Cycles in the membership graph are followed only once.
    """
    children: dict[str, list[str]] = {}
    for principal in principals:
        for parent in principal.member_of:
            children.setdefault(parent, []).append(principal.name)

    chains: dict[str, list[str]] = {}
    queue: list[tuple[str, list[str]]] = [(role, [])]
    while queue:
        parent, path = queue.pop(0)
        for child in sorted(children.get(parent, [])):
            if child in chains or child == role:
                continue
            chains[child] = [parent, *path]
            queue.append((child, [parent, *path]))
    return chains
