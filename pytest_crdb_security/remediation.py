"""Remediation guidance per check id, loaded from the bundled ``remediation.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_REMEDIATION_PATH = Path(__file__).with_name("remediation.yaml")

# The remediation topics of the audit specification's remediation table.
REMEDIATION_TOPICS = (
    "configuring-ip-allowlists",
    "configuring-sso-and-scim",
    "enabling-cmek-encryption",
    "configuring-audit-logging",
    "hardening-user-privileges",
    "enforcing-password-policies",
    "managing-tls-certificates",
    "configuring-private-connectivity",
    "configuring-log-export",
    "preparing-compliance-documentation",
)

DOCS_PREFIX = "https://www.cockroachlabs.com/docs/"

_KEYS = frozenset({"change", "sql", "command", "topic", "docs"})
_REQUIRED = frozenset({"change", "topic", "docs"})


class RemediationError(ValueError):
    """An invalid remediation file. The message names the file, the entry and the fix."""


@dataclass(frozen=True)
class Remediation:
    """How to fix the finding of one check: the change, statements to review, topic, link."""

    check_id: str
    change: str
    sql: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    topic: str | None = None
    docs: str | None = None

    def summary(self) -> str:
        """Return one line: the change, the first statement or command, and the link."""
        parts = [self.change]
        first = (self.sql or self.commands or ("",))[0]
        if first:
            parts.append(f"`{first}`")
        if self.docs:
            parts.append(self.docs)
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "sql": list(self.sql),
            "commands": list(self.commands),
            "topic": self.topic,
            "docs": self.docs,
        }


def _statements(value: object, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
        raise RemediationError(f"{where}: '{key}' must be a statement or a list of statements")
    return tuple(" ".join(item.split()) for item in items)


def _entry(check_id: str, body: object, where: str) -> Remediation:
    if not isinstance(body, dict):
        raise RemediationError(
            f"{where}: expected a mapping with the keys " + ", ".join(sorted(_KEYS))
        )
    unknown = sorted(str(key) for key in body if key not in _KEYS)
    if unknown:
        raise RemediationError(
            f"{where}: unknown key {unknown[0]!r}; use " + ", ".join(sorted(_KEYS))
        )
    missing = sorted(_REQUIRED - set(body))
    if missing:
        raise RemediationError(f"{where}: missing key {missing[0]!r} (it may be null)")
    change = body["change"]
    if not isinstance(change, str) or not change.strip():
        raise RemediationError(f"{where}: 'change' must be a non-empty sentence")
    topic = body["topic"]
    if topic is not None and topic not in REMEDIATION_TOPICS:
        raise RemediationError(
            f"{where}: invalid topic {topic!r}; use null or one of " + ", ".join(REMEDIATION_TOPICS)
        )
    docs = body["docs"]
    if docs is not None and (not isinstance(docs, str) or not docs.startswith(DOCS_PREFIX)):
        raise RemediationError(f"{where}: 'docs' must be null or a link under {DOCS_PREFIX}")
    return Remediation(
        check_id=check_id,
        change=" ".join(change.split()),
        sql=_statements(body.get("sql"), "sql", where),
        commands=_statements(body.get("command"), "command", where),
        topic=topic,
        docs=docs,
    )


def load_remediations(path: Path = DEFAULT_REMEDIATION_PATH) -> Mapping[str, Remediation]:
    """Load and validate a remediation file into a mapping from check id to guidance."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        raise RemediationError(f"invalid YAML in remediation file {str(path)!r}") from None
    if not isinstance(data, dict):
        raise RemediationError(f"remediation file {str(path)!r} must map check ids to entries")
    return {
        str(check_id): _entry(str(check_id), body, f"remediation file {str(path)!r}, {check_id}")
        for check_id, body in data.items()
    }


@lru_cache(maxsize=1)
def bundled_remediations() -> Mapping[str, Remediation]:
    return load_remediations(DEFAULT_REMEDIATION_PATH)


def remediation_for(check_id: str) -> Remediation | None:
    return bundled_remediations().get(check_id)
