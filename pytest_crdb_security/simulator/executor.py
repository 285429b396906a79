"""Statement dispatch: turns one SQL statement into a Result or raises SqlError."""

from __future__ import annotations

import re

from pytest_crdb_security.simulator import catalog_queries, role_queries, settings_queries, sqltypes
from pytest_crdb_security.simulator.errors import SqlError
from pytest_crdb_security.simulator.privileges import Privileges
from pytest_crdb_security.simulator.results import (
    BEGIN,
    COMMIT,
    ROLLBACK,
    Column,
    QueryContext,
    Result,
)
from pytest_crdb_security.simulator.scenario import Scenario
from pytest_crdb_security.simulator.session_state import FAILED_TRANSACTION, IDLE, Session
from pytest_crdb_security.simulator.session_vars import find_variable, normalize_value
from pytest_crdb_security.simulator.settings_view import SettingsView
from pytest_crdb_security.simulator.statements import (
    compact_key,
    first_words,
    normalize,
    write_statement_tag,
)

IDENTITY_QUERY = (
    "SELECT version() AS version, crdb_internal.cluster_id()::STRING AS cluster_id, "
    "current_user() AS audit_user"
)
PUBLIC_PRIVILEGES_QUERY = (
    "SELECT database_name, NULL AS schema_name, NULL AS object_name, 'database' AS object_type, "
    "privilege_type FROM \"\".crdb_internal.cluster_database_privileges WHERE grantee = 'public' "
    "UNION ALL SELECT table_catalog, table_schema, table_name, 'table', privilege_type "
    "FROM \"\".information_schema.table_privileges WHERE grantee = 'public' AND table_schema "
    "NOT IN ('crdb_internal', 'information_schema', 'pg_catalog', 'pg_extension') "
    "UNION ALL SELECT table_catalog, table_schema, NULL, 'schema', privilege_type "
    "FROM \"\".information_schema.schema_privileges WHERE grantee = 'public' AND table_schema "
    "NOT IN ('crdb_internal', 'information_schema', 'pg_catalog', 'pg_extension')"
)
NOT_MODIFIED_MESSAGE = "the simulated cluster does not modify its state"

_SET = re.compile(
    r"set\s+(?:session\s+|local\s+)?(?P<name>[a-z_][a-z0-9_.]*)\s*(?:=|\s+to\s+)\s*(?P<value>.+)",
    re.IGNORECASE | re.DOTALL,
)
_SET_TIME_ZONE = re.compile(r"set\s+time\s+zone\s+(?P<value>.+)", re.IGNORECASE | re.DOTALL)
_RESET = re.compile(r"reset\s+(?:session\s+)?(?P<name>[a-z_][a-z0-9_.]*)", re.IGNORECASE)
_SHOW_SETTING = re.compile(r"show cluster setting (?P<name>\"?[a-z0-9_.\-]+\"?)", re.IGNORECASE)
_SHOW_SETTINGS = re.compile(r"show (?P<scope>all |public )?cluster settings", re.IGNORECASE)
_SHOW_VARIABLE = re.compile(r"show (?:session )?(?P<name>[a-z_][a-z0-9_.]*)", re.IGNORECASE)
_PROJECTION = re.compile(
    r"select (?P<columns>.+?) from \[(?P<inner>show .+)\]", re.IGNORECASE | re.DOTALL
)
_STORE_PROJECTION = re.compile(
    r"select (?P<columns>.+?) from crdb_internal\.kv_store_status", re.IGNORECASE
)
_CURRENT_USER = frozenset(
    {"selectcurrent_user()", "selectcurrent_user", "selectcurrent_user()ascurrent_user"}
)


class Executor:
    """Executes statements for one scenario. Every connection of a cluster shares one executor."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.privileges = Privileges(scenario)
        self.settings = SettingsView(scenario)
        self._fixed_selects = {
            compact_key(IDENTITY_QUERY): catalog_queries.cluster_identity,
            compact_key(PUBLIC_PRIVILEGES_QUERY): catalog_queries.public_privileges,
        }

    def context(self, session: Session) -> QueryContext:
        return QueryContext(
            scenario=self.scenario,
            privileges=self.privileges,
            settings=self.settings,
            user=session.user,
            unsafe_internals_allowed=session.unsafe_internals_allowed,
        )

    def execute(self, statement: str, session: Session) -> Result:
        """Execute one statement without side effects and return its Result.

        Raises SqlError with the SQLSTATE and wording that CockroachDB uses.
        """
        text = normalize(statement)
        words = first_words(text, 2)
        verb = words[0] if words else ""

        transaction_result = self._transaction_control(verb, session)
        if transaction_result is not None:
            return transaction_result
        if session.transaction_status == FAILED_TRANSACTION:
            raise SqlError(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block",
            )

        write_tag = write_statement_tag(text)
        if write_tag is not None:
            if session.read_only:
                raise SqlError("25006", f"cannot execute {write_tag} in a read-only transaction")
            raise SqlError("0A000", NOT_MODIFIED_MESSAGE)
        if verb == "SET":
            return self._set(text)
        if verb == "RESET":
            return self._reset(text)
        if verb == "SHOW":
            return self._show(text, session)
        if verb == "SELECT":
            return self._select(text, session)
        raise unsupported(text)

    def _transaction_control(self, verb: str, session: Session) -> Result | None:
        if verb in ("BEGIN", "START"):
            if session.transaction_status != IDLE:
                raise SqlError("25001", "there is already a transaction in progress")
            return Result(tag="BEGIN", transaction=BEGIN)
        if verb in ("COMMIT", "END", "ROLLBACK", "ABORT"):
            if session.transaction_status == IDLE:
                raise SqlError("25P01", "there is no transaction in progress")
            committed = (
                verb in ("COMMIT", "END") and session.transaction_status != FAILED_TRANSACTION
            )
            return Result(
                tag="COMMIT" if committed else "ROLLBACK",
                transaction=COMMIT if committed else ROLLBACK,
            )
        return None

    def _set(self, text: str) -> Result:
        time_zone = _SET_TIME_ZONE.fullmatch(text)
        match = _SET.fullmatch(text)
        if time_zone is not None:
            name, raw_value = "timezone", time_zone["value"]
        elif match is not None:
            name, raw_value = match["name"], match["value"]
        else:
            raise unsupported(text)

        variable = find_variable(name, self.scenario.release)
        value = _parse_set_value(raw_value)
        if value is None:
            value = variable.default(self.scenario)
        else:
            value = normalize_value(variable, value)
        return Result(tag="SET", variable_updates=((variable.name, value),))

    def _reset(self, text: str) -> Result:
        match = _RESET.fullmatch(text)
        if match is None:
            raise unsupported(text)
        variable = find_variable(match["name"], self.scenario.release)
        return Result(
            tag="RESET", variable_updates=((variable.name, variable.default(self.scenario)),)
        )

    def _show(self, text: str, session: Session) -> Result:
        context = self.context(session)
        lowered = text.lower()
        setting = _SHOW_SETTING.fullmatch(text)
        if setting is not None:
            return settings_queries.show_cluster_setting(context, setting["name"].strip('"'))
        listing = _SHOW_SETTINGS.fullmatch(text)
        if listing is not None:
            include_non_public = (listing["scope"] or "").strip().lower() == "all"
            return settings_queries.show_cluster_settings(context, include_non_public)
        if lowered in ("show users", "show roles"):
            return role_queries.show_users(context, text.upper())
        if lowered == "show system grants":
            return role_queries.show_system_grants(context)
        if lowered == "show databases":
            return catalog_queries.show_databases(context)
        if lowered == "show schedules":
            return catalog_queries.show_schedules(context)
        if lowered == "show regions from cluster":
            return catalog_queries.show_regions(context)
        variable = _SHOW_VARIABLE.fullmatch(text)
        if variable is not None and variable["name"].lower() not in ("all", "cluster"):
            found = find_variable(variable["name"], self.scenario.release)
            value = session.variables.get(found.name, found.default(self.scenario))
            return Result(
                tag="SHOW", columns=(Column(found.name, sqltypes.STRING),), rows=[(value,)]
            )
        raise unsupported(text)

    def _select(self, text: str, session: Session) -> Result:
        context = self.context(session)
        key = compact_key(text)
        fixed = self._fixed_selects.get(key)
        if fixed is not None:
            return fixed(context)
        if key == "select1":
            return catalog_queries.single_value("?column?", sqltypes.INT8, 1)
        if key == "selectversion()":
            return catalog_queries.single_value(
                "version", sqltypes.STRING, self.scenario.build_string
            )
        if key in _CURRENT_USER:
            return catalog_queries.single_value("current_user", sqltypes.STRING, session.user)

        projection = _PROJECTION.fullmatch(text)
        if projection is not None:
            inner = self._show(normalize(projection["inner"]), session)
            return project(inner, projection["columns"])
        stores = _STORE_PROJECTION.fullmatch(text)
        if stores is not None:
            wanted = _column_names(stores["columns"])
            if wanted != ["*"] and set(wanted) <= {"node_id", "store_id", "properties"}:
                return project(catalog_queries.store_status(context), stores["columns"])
        raise unsupported(text)


def unsupported(text: str) -> SqlError:
    """Return the error for a statement that the simulator cannot execute."""
    return SqlError("0A000", f"the simulated cluster does not support this statement: {text[:60]}")


def _parse_set_value(raw: str) -> str | None:
    """Turn the value list of a SET statement into text, or None for DEFAULT."""
    items = [item.strip() for item in _split_commas(raw.strip())]
    if len(items) == 1 and items[0].upper() == "DEFAULT":
        return None
    values = []
    for item in items:
        if len(item) >= 2 and item[0] == item[-1] == "'":
            values.append(item[1:-1].replace("''", "'"))
        else:
            values.append(item)
    return ", ".join(values)


def _split_commas(text: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for character in text:
        if character == "'":
            quoted = not quoted
        if character == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(character)
    items.append("".join(current))
    return items


def _column_names(columns: str) -> list[str]:
    names = []
    for raw in columns.split(","):
        name = raw.strip()
        names.append(name[1:-1] if name.startswith('"') and name.endswith('"') else name.lower())
    return names


def project(inner: Result, columns: str) -> Result:
    """Select columns of a SHOW result, for `SELECT <columns> FROM [<SHOW ...>]`."""
    names = _column_names(columns)
    if names == ["*"]:
        indexes = list(range(len(inner.columns)))
    else:
        available = [column.name for column in inner.columns]
        indexes = []
        for name in names:
            if name not in available:
                raise SqlError("42703", f'column "{name}" does not exist')
            indexes.append(available.index(name))
    return Result(
        tag="SELECT",
        columns=tuple(inner.columns[index] for index in indexes),
        rows=[tuple(row[index] for index in indexes) for row in inner.rows],
        notices=inner.notices,
    )
