"""Parse CockroachDB's identity map (``server.identity_map.configuration``).

The format is PostgreSQL's pg_ident: each line is ``MAP-NAME SYSTEM-IDENTITY DATABASE-USER``.
A system identity that starts with ``/`` is a regular expression, and the database user
may then name a capture group as ``\\1``. HBA rules pick a map with the ``map=`` option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_crdb_security.parsing.hba import HbaParseError, split_fields


class IdentityMapParseError(ValueError):
    """A malformed line of the identity map. The message names the line number."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class IdentityMapEntry:
    """One line: an identity (or a pattern of identities) mapped onto a database user."""

    line: int
    map_name: str
    system_identity: str
    database_user: str

    @property
    def is_regex(self) -> bool:
        return self.system_identity.startswith("/")

    @property
    def pattern(self) -> str | None:
        return self.system_identity[1:] if self.is_regex else None

    @property
    def is_anchored(self) -> bool:
        """Tell whether the pattern must match the whole identity (``^`` ... ``$``).

        The match is a search, as in PostgreSQL, so ``/(.*)@example.com`` also matches
        ``x@example.com.evil.org``. Exact identities are always anchored.
        """
        pattern = self.pattern
        if pattern is None:
            return True
        return pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")

    @property
    def uses_capture(self) -> bool:
        return "\\1" in self.database_user

    def summary(self) -> str:
        return f"{self.map_name} {self.system_identity} {self.database_user}"


@dataclass(frozen=True)
class IdentityMap:
    entries: tuple[IdentityMapEntry, ...]

    @property
    def map_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.map_name for entry in self.entries))

    def entries_of(self, map_name: str) -> list[IdentityMapEntry]:
        return [entry for entry in self.entries if entry.map_name == map_name]


_COLUMNS = ("MAP-NAME", "SYSTEM-IDENTITY", "DATABASE-USER")


def parse_identity_map(text: str) -> IdentityMap:
    """Parse the identity map; raise IdentityMapParseError naming the first malformed line."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            fields = split_fields(line, number)
        except HbaParseError as error:
            raise IdentityMapParseError(number, error.problem) from None
        if not fields:
            continue
        if len(fields) != 3:
            raise IdentityMapParseError(
                number,
                f"expected MAP-NAME SYSTEM-IDENTITY DATABASE-USER, found {len(fields)} fields",
            )
        values = []
        for column, field in zip(_COLUMNS, fields, strict=True):
            if len(field) != 1:
                raise IdentityMapParseError(number, f"{column} takes one value, not a list")
            if not field[0].value:
                raise IdentityMapParseError(number, f"{column} is empty")
            values.append(field[0].value)
        entry = IdentityMapEntry(number, values[0], values[1], values[2])
        _validate_pattern(entry)
        entries.append(entry)
    return IdentityMap(tuple(entries))


def _validate_pattern(entry: IdentityMapEntry) -> None:
    pattern = entry.pattern
    if pattern is None:
        if entry.uses_capture:
            raise IdentityMapParseError(
                entry.line, "\\1 in DATABASE-USER needs a /regex SYSTEM-IDENTITY"
            )
        return
    # NOTE: CockroachDB compiles the pattern with Go's RE2 syntax. Python's re accepts
    # nearly the same patterns, but a few RE2-only constructs are reported invalid here.
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise IdentityMapParseError(
            entry.line, f"invalid regular expression {pattern!r}: {error}"
        ) from None
    if entry.uses_capture and compiled.groups < 1:
        raise IdentityMapParseError(
            entry.line, f"DATABASE-USER uses \\1 but {pattern!r} has no capture group"
        )
