"""The read-only SQL session and the statements that collect all SQL evidence.

The number of statements is fixed: it does not grow with the number of databases,
users or schedules, because each statement covers the whole cluster.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
import psycopg.crdb
from psycopg import errors as pg_errors

from pytest_crdb_security.evidence.model import (
    PublicGrant,
    Setting,
    Settings,
    SqlEvidence,
    Store,
    Unavailable,
)
from pytest_crdb_security.parsing.roles import Principal, principal_from_row
from pytest_crdb_security.parsing.schedules import Schedule, parse_command
from pytest_crdb_security.parsing.versions import (
    BuildInfo,
    ClusterVersion,
    Version,
    parse_build,
    parse_cluster_version,
)
from pytest_crdb_security.redaction import Redactor
from pytest_crdb_security.target import Target

APPLICATION_NAME = "pytest-crdb-security"

# Virtual schemas hold no user data and grant USAGE to public by design.
_VIRTUAL_SCHEMAS = "('crdb_internal', 'information_schema', 'pg_catalog', 'pg_extension')"

# One statement for the PUBLIC privileges of every database: the "" catalog prefix
# reads the virtual tables of all databases at once. The information_schema views
# list only objects the current user has a privilege on. Every privilege of public
# is also a privilege of the audit user, so no PUBLIC grant is hidden from an
# unprivileged auditor.
PUBLIC_GRANTS_SQL = (
    "SELECT database_name, NULL AS schema_name, NULL AS object_name,"
    " 'database' AS object_type, privilege_type"
    " FROM \"\".crdb_internal.cluster_database_privileges WHERE grantee = 'public'"
    " UNION ALL"
    " SELECT table_catalog, table_schema, table_name, 'table', privilege_type"
    ' FROM "".information_schema.table_privileges'
    f" WHERE grantee = 'public' AND table_schema NOT IN {_VIRTUAL_SCHEMAS}"
    " UNION ALL"
    " SELECT table_catalog, table_schema, NULL, 'schema', privilege_type"
    ' FROM "".information_schema.schema_privileges'
    f" WHERE grantee = 'public' AND table_schema NOT IN {_VIRTUAL_SCHEMAS}"
)

BUILD_SQL = (
    "SELECT version() AS version, crdb_internal.cluster_id()::STRING AS cluster_id,"
    " current_user() AS audit_user"
)
SETTINGS_SQL = "SELECT variable, value, setting_type FROM [SHOW ALL CLUSTER SETTINGS]"
USERS_SQL = "SHOW USERS"
SYSTEM_GRANTS_SQL = "SHOW SYSTEM GRANTS"
DATABASES_SQL = "SELECT database_name FROM [SHOW DATABASES]"
SCHEDULES_SQL = "SHOW SCHEDULES"
STORES_SQL = "SELECT node_id, store_id, properties FROM crdb_internal.kv_store_status"
REGIONS_SQL = "SELECT region FROM [SHOW REGIONS FROM CLUSTER]"

# From v25.4 the session variable allow_unsafe_internals gates crdb_internal, and
# from v26.1 it defaults to off. Setting it changes only this session.
UNSAFE_INTERNALS_SINCE = Version(25, 4)

# The privilege each statement needs when the audit user is not an admin.
_PRIVILEGE_HINTS = {
    "settings": "the VIEWCLUSTERSETTING system privilege",
    "stores": "the VIEWCLUSTERMETADATA system privilege",
    "users": "SELECT on system.users, system.role_options and system.role_members"
    " (or the VIEWSYSTEMTABLE system privilege)",
    "public_grants": "the VIEWCLUSTERMETADATA system privilege or admin",
    "schedules": "admin, or ownership of the schedules",
    "system_grants": "admin",
}


class ConnectionFailed(Exception):
    """The cluster could not be reached or rejected the login; one line for the user."""


@dataclass(frozen=True)
class SessionLimits:
    connect_timeout: int = 10
    statement_timeout: int = 30


T = TypeVar("T")


class _Session:
    """A read-only autocommit session that records each statement it sends."""

    def __init__(self, connection: psycopg.Connection[Any], limits: SessionLimits) -> None:
        self.connection = connection
        self.limits = limits
        self.statements: list[str] = []

    def rows(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        self.statements.append(sql)
        with self.connection.cursor() as cursor:
            cursor.execute(sql.encode())  # fixed statement texts, never user input
            if cursor.description is None:
                return [], []
            columns = [column.name for column in cursor.description]
            return columns, list(cursor.fetchall())

    def collect(
        self, key: str, sql: str, build: Callable[[list[str], list[tuple[Any, ...]]], T]
    ) -> T | Unavailable:
        try:
            columns, rows = self.rows(sql)
        except pg_errors.InsufficientPrivilege as error:
            hint = _PRIVILEGE_HINTS.get(key, "more privileges")
            return Unavailable(f"permission denied: {_message(error)}; the audit user needs {hint}")
        except pg_errors.QueryCanceled:
            return Unavailable(
                f"the query timed out after {self.limits.statement_timeout}s"
                " (statement_timeout); retry with a larger --crdb-timeout"
            )
        except psycopg.Error as error:
            return Unavailable(f"the query failed: {_message(error)} (SQLSTATE {error.sqlstate})")
        try:
            return build(columns, rows)
        except (ValueError, KeyError, TypeError, IndexError) as error:
            return Unavailable(f"unexpected answer to {sql.split(' FROM ')[0][:60]!r}: {error}")


def _message(error: psycopg.Error) -> str:
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None)
    return str(primary or error).strip().splitlines()[0]


def connect(target: Target, limits: SessionLimits, redact: Redactor) -> psycopg.Connection[Any]:
    """Open the audit session or raise ConnectionFailed naming host, port and the cause."""
    try:
        connection = psycopg.crdb.connect(
            target.url,
            autocommit=True,
            connect_timeout=limits.connect_timeout,
            application_name=APPLICATION_NAME,
        )
    except psycopg.Error as error:
        raise ConnectionFailed(
            f"cannot connect to {target.address} as {target.user or '(default user)'}:"
            f" {redact(_connection_message(error))}"
        ) from None
    return connection


def _connection_message(error: psycopg.Error) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    # libpq repeats "connection to server at ... failed:" before the cause.
    text = lines[0]
    if "failed:" in text:
        text = text.rsplit("failed:", 1)[1].strip() or text
    return text


def collect_sql_evidence(target: Target, limits: SessionLimits, redact: Redactor) -> SqlEvidence:
    """Connect once, set the session read-only, and run every evidence statement."""
    started = time.perf_counter()
    connection = connect(target, limits, redact)
    try:
        session = _Session(connection, limits)
        _prepare_session(session, connection)
        evidence = _collect(session)
    finally:
        connection.close()
    return SqlEvidence(
        **evidence,
        statements=tuple(session.statements),
        seconds=time.perf_counter() - started,
    )


def _prepare_session(session: _Session, connection: psycopg.Connection[Any]) -> None:
    # The audit refuses to run in a session it could not make read-only.
    for statement in (
        "SET default_transaction_read_only = on",
        f"SET statement_timeout = '{int(session.limits.statement_timeout)}s'",
    ):
        try:
            session.rows(statement)
        except psycopg.Error as error:
            raise ConnectionFailed(
                f"cannot prepare the audit session with {statement!r}: {_message(error)}"
            ) from None
    build_text = connection.pgconn.parameter_status(b"crdb_version")
    if not build_text:
        return
    try:
        version = parse_build(build_text.decode()).version
    except ValueError:
        return
    if version >= UNSAFE_INTERNALS_SINCE:
        # NOTE: if this is rejected, v26.1+ rejects the crdb_internal reads below,
        # and each of them reports its own could-not-evaluate reason.
        with contextlib.suppress(psycopg.Error):
            session.rows("SET allow_unsafe_internals = on")


def _collect(session: _Session) -> dict[str, Any]:
    build_row = session.collect("build", BUILD_SQL, _build_row)
    settings = session.collect("settings", SETTINGS_SQL, _settings)
    build: BuildInfo | Unavailable
    cluster_id: str | Unavailable
    audit_user: str | Unavailable
    if isinstance(build_row, Unavailable):
        build, cluster_id, audit_user = build_row, build_row, build_row
    else:
        build, cluster_id, audit_user = build_row
    return {
        "build": build,
        "cluster_id": cluster_id,
        "audit_user": audit_user,
        "settings": settings,
        "cluster_version": _cluster_version(settings),
        "principals": session.collect("users", USERS_SQL, _principals),
        "system_grants": session.collect("system_grants", SYSTEM_GRANTS_SQL, _system_grants),
        "databases": session.collect("databases", DATABASES_SQL, _databases),
        "public_grants": session.collect("public_grants", PUBLIC_GRANTS_SQL, _public_grants),
        "schedules": session.collect("schedules", SCHEDULES_SQL, _schedules),
        "stores": session.collect("stores", STORES_SQL, _stores),
        "regions": session.collect("regions", REGIONS_SQL, _regions),
    }


def _by_name(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(columns, row, strict=True))


def _build_row(columns: list[str], rows: list[tuple[Any, ...]]) -> tuple[BuildInfo, str, str]:
    values = _by_name(columns, rows[0])
    return parse_build(values["version"]), str(values["cluster_id"]), str(values["audit_user"])


def _settings(columns: list[str], rows: list[tuple[Any, ...]]) -> Settings:
    by_name: dict[str, Setting] = {}
    for row in rows:
        values = _by_name(columns, row)
        name = str(values["variable"])
        by_name[name] = Setting(
            name,
            "" if values["value"] is None else str(values["value"]),
            str(values["setting_type"]),
        )
    version = by_name.get("version")
    return Settings(by_name, f"v{version.value}" if version else "this version")


def _cluster_version(settings: Settings | Unavailable) -> ClusterVersion | Unavailable:
    if isinstance(settings, Unavailable):
        return settings
    setting = settings.get("version")
    if setting is None:
        return Unavailable("the cluster setting version is missing from SHOW ALL CLUSTER SETTINGS")
    try:
        return parse_cluster_version(setting.value)
    except ValueError as error:
        return Unavailable(str(error))


def _principals(columns: list[str], rows: list[tuple[Any, ...]]) -> list[Principal]:
    principals = []
    for row in rows:
        values = _by_name(columns, row)
        principals.append(
            principal_from_row(values["username"], values["options"], values["member_of"])
        )
    return principals


def _system_grants(columns: list[str], rows: list[tuple[Any, ...]]) -> list[tuple[str, str]]:
    return [
        (str(values["grantee"]), str(values["privilege_type"]).upper())
        for values in (_by_name(columns, row) for row in rows)
    ]


def _databases(columns: list[str], rows: list[tuple[Any, ...]]) -> list[str]:
    return sorted(str(row[0]) for row in rows)


def _public_grants(columns: list[str], rows: list[tuple[Any, ...]]) -> list[PublicGrant]:
    grants = []
    for row in rows:
        database, schema, object_name, object_type, privilege = row
        grants.append(
            PublicGrant(database, schema, object_name, object_type, str(privilege).upper())
        )
    return grants


def _schedules(columns: list[str], rows: list[tuple[Any, ...]]) -> list[Schedule]:
    schedules = []
    for row in rows:
        values = _by_name(columns, row)
        schedules.append(
            Schedule(
                schedule_id=int(values["id"]),
                label=str(values["label"]),
                status=str(values["schedule_status"]),
                state=values.get("state"),
                recurrence=values.get("recurrence"),
                owner=values.get("owner"),
                command=parse_command(values.get("command")),
            )
        )
    return schedules


def _stores(columns: list[str], rows: list[tuple[Any, ...]]) -> list[Store]:
    stores = []
    for row in rows:
        values = _by_name(columns, row)
        properties = parse_command(values["properties"])
        stores.append(Store(int(values["node_id"]), int(values["store_id"]), properties))
    return stores


def _regions(columns: list[str], rows: list[tuple[Any, ...]]) -> list[str]:
    return [str(row[0]) for row in rows]
