"""Evidence records: each piece is a value or the reason it could not be collected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pytest_crdb_security.parsing.roles import Principal
from pytest_crdb_security.parsing.schedules import Schedule
from pytest_crdb_security.parsing.versions import BuildInfo, ClusterVersion
from pytest_crdb_security.verdicts import CouldNotEvaluate

REDACTED = "<redacted>"

T = TypeVar("T")


@dataclass(frozen=True)
class Unavailable:
    """The reason a piece of evidence could not be collected."""

    reason: str


def require(value: T | Unavailable) -> T:
    """Return the collected value, or end the check as could-not-evaluate."""
    if isinstance(value, Unavailable):
        raise CouldNotEvaluate(value.reason)
    return value


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    setting_type: str

    @property
    def is_redacted(self) -> bool:
        return self.value == REDACTED


@dataclass(frozen=True)
class Settings:
    """All cluster settings the audit user can see, by name, as returned by one statement."""

    by_name: Mapping[str, Setting]
    version_label: str

    def has(self, name: str) -> bool:
        return name in self.by_name

    def get(self, name: str) -> Setting | None:
        return self.by_name.get(name)

    def text(self, name: str) -> str:
        """Return the value of a setting that must exist and be readable."""
        setting = self.by_name.get(name)
        if setting is None:
            raise CouldNotEvaluate(
                f"cluster setting {name} is missing on CockroachDB {self.version_label}"
                " although this version should have it"
            )
        if setting.is_redacted:
            raise CouldNotEvaluate(
                f"cluster setting {name} reads <redacted> because"
                " server.redact_sensitive_settings.enabled is on; audit as a user with"
                " MODIFYCLUSTERSETTING to read it"
            )
        return setting.value

    def flag(self, name: str) -> bool:
        value = self.text(name).strip().lower()
        if value in ("true", "t", "on"):
            return True
        if value in ("false", "f", "off"):
            return False
        raise CouldNotEvaluate(f"cluster setting {name} has the non-boolean value {value!r}")

    def integer(self, name: str) -> int:
        value = self.text(name).strip()
        try:
            return int(value)
        except ValueError:
            raise CouldNotEvaluate(
                f"cluster setting {name} has the non-integer value {value!r}"
            ) from None


@dataclass(frozen=True)
class PublicGrant:
    """A privilege held by the ``public`` role on one object."""

    database: str
    schema: str | None
    object_name: str | None
    object_type: str
    privilege: str

    def describe(self) -> str:
        if self.object_type == "database":
            return f"{self.privilege} on database {self.database}"
        if self.object_type == "schema":
            return f"{self.privilege} on schema {self.schema}"
        return f"{self.privilege} on {self.object_type} {self.schema}.{self.object_name}"


@dataclass(frozen=True)
class Store:
    node_id: int
    store_id: int
    properties: Mapping[str, Any]

    @property
    def encrypted(self) -> bool | None:
        value = self.properties.get("encrypted")
        return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class SqlEvidence:
    """Everything the SQL phase collected, with statement count and wall time."""

    build: BuildInfo | Unavailable
    cluster_id: str | Unavailable
    audit_user: str | Unavailable
    cluster_version: ClusterVersion | Unavailable
    settings: Settings | Unavailable
    principals: Sequence[Principal] | Unavailable
    system_grants: Sequence[tuple[str, str]] | Unavailable
    databases: Sequence[str] | Unavailable
    public_grants: Sequence[PublicGrant] | Unavailable
    schedules: Sequence[Schedule] | Unavailable
    stores: Sequence[Store] | Unavailable
    regions: Sequence[str] | Unavailable
    statements: Sequence[str] = field(default_factory=tuple)
    seconds: float = 0.0
