"""Lexical handling of SQL text: splitting, whitespace normalization and simple tokens."""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"\$(\d+)")

# First keywords of statements that change data, schema, privileges or settings.
WRITE_KEYWORDS = frozenset(
    {
        "INSERT",
        "UPSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "IMPORT",
        "CREATE",
        "ALTER",
        "DROP",
        "GRANT",
        "REVOKE",
        "BACKUP",
        "RESTORE",
        "COMMENT",
        "REASSIGN",
    }
)
# Object words that complete a CREATE, ALTER or DROP statement tag (`CREATE TABLE`).
_OBJECT_WORDS = frozenset(
    {
        "DATABASE",
        "TABLE",
        "INDEX",
        "VIEW",
        "SEQUENCE",
        "SCHEMA",
        "ROLE",
        "USER",
        "TYPE",
        "FUNCTION",
        "PROCEDURE",
        "SCHEDULE",
        "TRIGGER",
        "POLICY",
        "CHANGEFEED",
        "EXTENSION",
        "STATISTICS",
        "RANGE",
        "PARTITION",
        "TENANT",
        "VIRTUAL",
        "EXTERNAL",
        "MATERIALIZED",
    }
)


def split_statements(query: str) -> list[str]:
    """Split a simple-protocol query at `;`, outside quotes and comments.

    Returns the statements with surrounding whitespace removed; empty
    statements are dropped.
    """
    statements: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(query):
        character = query[index]
        if character in "'\"":
            end = _quoted_end(query, index)
            current.append(query[index:end])
            index = end
            continue
        if query.startswith("--", index):
            end = query.find("\n", index)
            index = len(query) if end == -1 else end
            continue
        if query.startswith("/*", index):
            end = query.find("*/", index + 2)
            index = len(query) if end == -1 else end + 2
            current.append(" ")
            continue
        if character == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(character)
        index += 1
    statements.append("".join(current))
    return [statement.strip() for statement in statements if statement.strip()]


def _quoted_end(text: str, start: int) -> int:
    """Return the index after the closing quote; a doubled quote is part of the text."""
    quote = text[start]
    index = start + 1
    while index < len(text):
        if text[index] == quote:
            if index + 1 < len(text) and text[index + 1] == quote:
                index += 2
                continue
            return index + 1
        index += 1
    return len(text)


def normalize(statement: str) -> str:
    """Collapse whitespace runs to one space and drop a trailing semicolon."""
    collapsed = _WHITESPACE.sub(" ", statement).strip()
    return collapsed.removesuffix(";").rstrip()


def compact_key(statement: str) -> str:
    """Return the statement lower-cased with all whitespace removed, to match fixed texts."""
    return _WHITESPACE.sub("", statement).lower().removesuffix(";")


def first_words(statement: str, count: int) -> list[str]:
    """Return the first words of a statement, upper-cased."""
    return [word.upper() for word in normalize(statement).split(" ", count)[:count]]


def write_statement_tag(statement: str) -> str | None:
    """Return the statement tag of a write statement (`INSERT`, `CREATE TABLE`), else None."""
    words = first_words(statement, 4)
    if not words:
        return None
    if words[:3] == ["SET", "CLUSTER", "SETTING"]:
        return "SET CLUSTER SETTING"
    if words[0] not in WRITE_KEYWORDS:
        return None
    if words[0] in ("CREATE", "ALTER", "DROP") and len(words) > 1:
        rest = [word for word in words[1:] if word not in ("UNIQUE", "OR", "REPLACE", "IF")]
        if rest and rest[0] in _OBJECT_WORDS:
            return f"{words[0]} {rest[0]}"
    return words[0]


def placeholder_count(statement: str) -> int:
    """Return the highest `$n` placeholder number in a statement, outside quotes."""
    highest = 0
    for segment in _unquoted_segments(statement):
        for match in _PLACEHOLDER.finditer(segment):
            highest = max(highest, int(match[1]))
    return highest


def substitute_placeholders(statement: str, literals: list[str]) -> str:
    """Replace `$n` outside quotes with the SQL literal of parameter n."""
    parts: list[str] = []
    index = 0
    while index < len(statement):
        character = statement[index]
        if character in "'\"":
            end = _quoted_end(statement, index)
            parts.append(statement[index:end])
            index = end
            continue
        match = _PLACEHOLDER.match(statement, index)
        if match is not None and 0 < int(match[1]) <= len(literals):
            parts.append(literals[int(match[1]) - 1])
            index = match.end()
            continue
        parts.append(character)
        index += 1
    return "".join(parts)


def _unquoted_segments(statement: str) -> list[str]:
    segments: list[str] = []
    start = index = 0
    while index < len(statement):
        if statement[index] in "'\"":
            segments.append(statement[start:index])
            index = start = _quoted_end(statement, index)
            continue
        index += 1
    segments.append(statement[start:])
    return segments


def quote_literal(value: str) -> str:
    """Quote a string as a SQL literal."""
    return "'" + value.replace("'", "''") + "'"
