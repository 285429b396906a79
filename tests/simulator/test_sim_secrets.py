"""No answer of the simulated cluster ever contains a user's password."""

from __future__ import annotations

import psycopg
import pytest
from sim_helpers import ClusterFor, connect

from pytest_crdb_security.simulator.executor import IDENTITY_QUERY, PUBLIC_PRIVILEGES_QUERY

STATEMENTS = (
    "SET allow_unsafe_internals = on",
    IDENTITY_QUERY,
    PUBLIC_PRIVILEGES_QUERY,
    "SHOW USERS",
    "SHOW ROLES",
    "SHOW SYSTEM GRANTS",
    "SHOW DATABASES",
    "SHOW SCHEDULES",
    "SHOW ALL CLUSTER SETTINGS",
    "SHOW PUBLIC CLUSTER SETTINGS",
    "SELECT node_id, store_id, properties FROM crdb_internal.kv_store_status",
    "SHOW REGIONS FROM CLUSTER",
    "SHOW session_user",
    "SHOW crdb_version",
    "SHOW CLUSTER SETTING password",
    "SELECT password FROM system.users",
)


@pytest.mark.parametrize("scenario", ["mixed", "hardened", "legacy", "redacted", "v23_1"])
def test_no_password_in_answers(cluster_for: ClusterFor, scenario: str) -> None:
    cluster = cluster_for(scenario)
    passwords = {user.password for user in cluster.scenario.users if user.password}
    seen: list[str] = []

    admins = [
        user.name for user in cluster.scenario.users if "admin" in user.member_of and user.password
    ]
    for user in (admins[0], cluster.scenario.audit_user):
        with connect(cluster, user) as connection:
            connection.add_notice_handler(
                lambda diagnostic: seen.append(str(diagnostic.message_primary))
            )
            seen.extend(str(value) for value in connection.info.get_parameters().values())
            for statement in STATEMENTS:
                try:
                    cursor = connection.execute(statement)
                except psycopg.Error as error:
                    seen.append(str(error))
                    continue
                if cursor.description:
                    seen.extend(str(row) for row in cursor.fetchall())

    text = "\n".join(seen)
    assert passwords
    for password in passwords:
        assert password not in text
