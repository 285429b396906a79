"""Results of SHOW USERS, SHOW ROLES and SHOW SYSTEM GRANTS."""

from __future__ import annotations

from pytest_crdb_security.simulator import sqltypes
from pytest_crdb_security.simulator.errors import SqlError
from pytest_crdb_security.simulator.results import Column, QueryContext, Result
from pytest_crdb_security.simulator.scenario import User
from pytest_crdb_security.simulator.versions import parse_active_version

# SHOW USERS runs a query over these tables with the privileges of the session.
# NOTE: the order in which CockroachDB checks the three tables is unconfirmed.
ROLE_TABLES = ("system.users", "system.role_options", "system.role_members")
LAST_LOGIN_NOTICE = (
    "estimated_last_login_time is computed on a best effort basis; "
    "it is not guaranteed to capture every login event"
)
# `options` became an array and the last-login column appeared behind the
# v25.3 version gate, so a cluster still upgrading to 25.3 keeps the old form.
ARRAY_OPTIONS_RELEASE = (25, 3)


def show_users(context: QueryContext, tag: str) -> Result:
    """Return the result of SHOW USERS or SHOW ROLES (`tag` is the statement the client sent)."""
    for table in ROLE_TABLES:
        if not context.privileges.can_select_system_table(context.user, table):
            relation = table.split(".", 1)[1]
            raise SqlError(
                "42501",
                f"user {context.user} does not have SELECT privilege on relation {relation}",
            )

    users = sorted(context.scenario.users, key=lambda user: user.name)
    if parse_active_version(context.scenario.active_version) < ARRAY_OPTIONS_RELEASE:
        return Result(
            tag=tag,
            columns=(
                Column("username", sqltypes.STRING),
                Column("options", sqltypes.STRING),
                Column("member_of", sqltypes.STRING_ARRAY),
            ),
            rows=[(user.name, ", ".join(user.options), list(user.member_of)) for user in users],
        )
    return Result(
        tag=tag,
        columns=(
            Column("username", sqltypes.STRING),
            Column("options", sqltypes.STRING_ARRAY),
            Column("member_of", sqltypes.STRING_ARRAY),
            Column("estimated_last_login_time", sqltypes.TIMESTAMPTZ),
        ),
        rows=[_array_row(user) for user in users],
        notices=(LAST_LOGIN_NOTICE,),
    )


def _array_row(user: User) -> tuple[object, ...]:
    options: list[str | None] = list(user.options)
    return (user.name, options, list(user.member_of), user.last_login)


def show_system_grants(context: QueryContext) -> Result:
    """Return the system privileges granted in the scenario, as SHOW SYSTEM GRANTS lists them.

    NOTE: the simulator lets every user run it; whether CockroachDB limits the
    rows for users without admin is unconfirmed.
    """
    grants = sorted(
        context.scenario.system_grants, key=lambda grant: (grant.grantee, grant.privilege)
    )
    return Result(
        tag="SHOW GRANTS",
        columns=(
            Column("grantee", sqltypes.STRING),
            Column("privilege_type", sqltypes.STRING),
            Column("is_grantable", sqltypes.BOOL),
        ),
        rows=[(grant.grantee, grant.privilege, grant.grantable) for grant in grants],
    )
