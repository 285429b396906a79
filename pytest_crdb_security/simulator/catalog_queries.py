"""Results about cluster objects: identity, databases, PUBLIC privileges, schedules, stores."""

from __future__ import annotations

from pytest_crdb_security.simulator import sqltypes
from pytest_crdb_security.simulator.errors import SqlError
from pytest_crdb_security.simulator.privileges import VIEWCLUSTERMETADATA
from pytest_crdb_security.simulator.results import Column, QueryContext, Result
from pytest_crdb_security.simulator.scenario import Database, Schedule

# From v26.1 a session must opt in before it reads crdb_internal or system.
# NOTE: the message and hint come from captures of v26 error output, not
# from CockroachDB source.
UNSAFE_INTERNALS_RELEASE = (26, 1)
UNSAFE_INTERNALS_MESSAGE = "Access to crdb_internal and system is restricted."
UNSAFE_INTERNALS_HINT = (
    "These interfaces are unsupported in production. To proceed, set the session variable "
    "allow_unsafe_internals = true (not recommended), or contact Cockroach Labs for a "
    "supported alternative."
)
_SCHEDULE_OPTIONS_RELEASE = (23, 2)


def check_unsafe_internals(context: QueryContext) -> None:
    """Raise the v26.1+ error for crdb_internal access without `allow_unsafe_internals`."""
    if (
        context.scenario.release >= UNSAFE_INTERNALS_RELEASE
        and not context.unsafe_internals_allowed
    ):
        raise SqlError("42501", UNSAFE_INTERNALS_MESSAGE, hint=UNSAFE_INTERNALS_HINT)


def cluster_identity(context: QueryContext) -> Result:
    """Return the result of the audit's identity query: build string, cluster id and user."""
    check_unsafe_internals(context)
    string = sqltypes.STRING
    scenario = context.scenario
    return Result(
        tag="SELECT",
        columns=(
            Column("version", string),
            Column("cluster_id", string),
            Column("audit_user", string),
        ),
        rows=[(scenario.build_string, scenario.cluster_id, context.user)],
    )


def single_value(name: str, sql_type: sqltypes.SqlType, value: object) -> Result:
    """Return a one-row, one-column SELECT result."""
    return Result(tag="SELECT", columns=(Column(name, sql_type),), rows=[(value,)])


def show_databases(context: QueryContext) -> Result:
    string = sqltypes.STRING
    return Result(
        tag="SHOW DATABASES",
        columns=(
            Column("database_name", string),
            Column("owner", string),
            Column("primary_region", string),
            Column("secondary_region", string),
            Column("regions", sqltypes.STRING_ARRAY),
            Column("survival_goal", string),
        ),
        rows=[
            (database.name, database.owner, None, None, [], None)
            for database in context.scenario.databases
        ],
    )


def _database_rows(database: Database) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    if database.default_public_grants:
        rows.append((database.name, None, None, "database", "CONNECT"))
    for grant in database.public_grants:
        if grant.object_type == "database":
            rows.append((database.name, None, None, "database", grant.privilege))
    return rows


def _schema_rows(database: Database) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    if database.default_public_grants:
        rows += [
            (database.name, "public", None, "schema", "CREATE"),
            (database.name, "public", None, "schema", "USAGE"),
        ]
    for grant in database.public_grants:
        if grant.object_type == "schema":
            rows.append((database.name, grant.schema, None, "schema", grant.privilege))
    return rows


def public_privileges(context: QueryContext) -> Result:
    """Return the rows of the cross-database PUBLIC privileges query (database, table, schema)."""
    check_unsafe_internals(context)
    databases = context.scenario.databases
    database_rows = [row for database in databases for row in _database_rows(database)]
    table_rows = sorted(
        (database.name, grant.schema, grant.object, "table", grant.privilege)
        for database in databases
        for grant in database.public_grants
        if grant.object_type == "table"
    )
    schema_rows = [
        row
        for database in databases
        for row in sorted(_schema_rows(database), key=lambda row: (str(row[1]), str(row[4])))
    ]
    string = sqltypes.STRING
    return Result(
        tag="SELECT",
        columns=(
            Column("database_name", string),
            Column("schema_name", string),
            Column("object_name", string),
            Column("object_type", string),
            Column("privilege_type", string),
        ),
        rows=[*database_rows, *table_rows, *schema_rows],
    )


def show_schedules(context: QueryContext) -> Result:
    """Return the result of SHOW SCHEDULES, whose two on_* columns arrived in v23.2.

    NOTE: the simulator lets every user see every schedule; the privilege
    CockroachDB requires for SHOW SCHEDULES is unconfirmed.
    """
    with_options = context.scenario.release >= _SCHEDULE_OPTIONS_RELEASE
    string = sqltypes.STRING
    columns = [
        Column("id", sqltypes.INT8),
        Column("label", string),
        Column("schedule_status", string),
        Column("next_run", sqltypes.TIMESTAMPTZ),
        Column("state", string),
        Column("recurrence", string),
        Column("jobsrunning", sqltypes.INT8),
        Column("owner", string),
        Column("created", sqltypes.TIMESTAMPTZ),
    ]
    if with_options:
        columns += [Column("on_previous_running", string), Column("on_execution_failure", string)]
    columns.append(Column("command", sqltypes.JSONB))
    rows = [_schedule_row(schedule, with_options) for schedule in context.scenario.schedules]
    return Result(tag="SHOW SCHEDULES", columns=tuple(columns), rows=rows)


def _schedule_row(schedule: Schedule, with_options: bool) -> tuple[object, ...]:
    row: list[object] = [
        schedule.id,
        schedule.label,
        schedule.status,
        schedule.next_run,
        schedule.state,
        schedule.recurrence,
        schedule.jobs_running,
        schedule.owner,
        schedule.created,
    ]
    if with_options:
        row += [schedule.on_previous_running, schedule.on_execution_failure]
    row.append(schedule.command)
    return tuple(row)


STORE_COLUMNS = (
    Column("node_id", sqltypes.INT8),
    Column("store_id", sqltypes.INT8),
    Column("properties", sqltypes.JSONB),
)


def store_status(context: QueryContext) -> Result:
    """Return node, store and properties from `crdb_internal.kv_store_status`.

    NOTE: the release that added the `properties` column is unconfirmed; the
    simulator has it on every version.
    """
    check_unsafe_internals(context)
    if not context.privileges.has_system_privilege(context.user, VIEWCLUSTERMETADATA):
        raise SqlError(
            "42501", f"user {context.user} does not have VIEWCLUSTERMETADATA system privilege"
        )
    rows: list[tuple[object, ...]] = [
        (store.node_id, store.store_id, store.properties) for store in context.scenario.stores
    ]
    return Result(tag="SELECT", columns=STORE_COLUMNS, rows=rows)


def show_regions(context: QueryContext) -> Result:
    return Result(
        tag="SHOW REGIONS",
        columns=(Column("region", sqltypes.STRING), Column("zones", sqltypes.STRING_ARRAY)),
        rows=[(region.name, list(region.zones)) for region in context.scenario.regions],
    )
