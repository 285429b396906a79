"""Results of statements: columns, rows, the CommandComplete tag and side effects.

Command tags follow CockroachDB's `cookTag`: a statement that returns rows
gets its statement tag plus the row count (`SELECT 3`, `SHOW ROLES 12`,
`SHOW SCHEDULES 4`), except when the tag is the bare `SHOW` of SHOW <variable>,
SHOW CLUSTER SETTING and SHOW [ALL] CLUSTER SETTINGS, which carries no count.
NOTE: CockroachDB releases older than the code read may have sent `SHOW 1`;
the simulator uses the bare tag on every version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_crdb_security.simulator.privileges import Privileges
from pytest_crdb_security.simulator.scenario import Scenario
from pytest_crdb_security.simulator.settings_view import SettingsView
from pytest_crdb_security.simulator.sqltypes import SqlType

BEGIN = "begin"
COMMIT = "commit"
ROLLBACK = "rollback"


@dataclass(frozen=True)
class Column:
    """A result column as RowDescription announces it."""

    name: str
    type: SqlType


@dataclass
class Result:
    """The outcome of one statement that did not fail."""

    tag: str
    columns: tuple[Column, ...] = ()
    rows: list[tuple[object, ...]] = field(default_factory=list)
    notices: tuple[str, ...] = ()
    # Session variables to change when the statement runs, as (name, value).
    variable_updates: tuple[tuple[str, str], ...] = ()
    transaction: str | None = None  # BEGIN, COMMIT or ROLLBACK

    @property
    def returns_rows(self) -> bool:
        return bool(self.columns)

    def command_tag(self, row_count: int) -> str:
        """Return the CommandComplete tag after `row_count` rows were sent."""
        if self.returns_rows and self.tag != "SHOW":
            return f"{self.tag} {row_count}"
        return self.tag


@dataclass(frozen=True)
class QueryContext:
    """Context of a statement: the cluster, the session user and its session flags."""

    scenario: Scenario
    privileges: Privileges
    settings: SettingsView
    user: str
    unsafe_internals_allowed: bool
