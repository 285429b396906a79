"""SQLSTATEs and messages of the errors that the simulated cluster sends."""

from __future__ import annotations

import psycopg
import psycopg.errors
import pytest
from sim_helpers import ClusterFor, ask, connect

from pytest_crdb_security.simulator.executor import PUBLIC_PRIVILEGES_QUERY

UNSAFE_MESSAGE = "Access to crdb_internal and system is restricted."
STORES = "SELECT node_id, store_id, properties FROM crdb_internal.kv_store_status"
IDENTITY = (
    "SELECT version() AS version, crdb_internal.cluster_id()::STRING AS cluster_id, "
    "current_user() AS audit_user"
)


def _error(
    cluster_for: ClusterFor,
    scenario: str,
    statement: str,
    user: str | None = None,
    setup: tuple[str, ...] = (),
) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as caught:
        ask(cluster_for(scenario), statement, user=user, setup=setup)
    return caught.value


@pytest.mark.parametrize(
    ("scenario", "statement", "sqlstate", "message"),
    [
        ("mixed", "SHOW CLUSTER SETTING foo.bar", "XXUUU", 'unknown setting: "foo.bar"'),
        (
            "mixed",
            "SHOW CLUSTER SETTING enterprise.encryption.type",
            "XXUUU",
            'unknown setting: "enterprise.encryption.type"',
        ),
        (
            "v23_1",
            "SHOW CLUSTER SETTING sql.log.user_audit",
            "XXUUU",
            'unknown setting: "sql.log.user_audit"',
        ),
        (
            "hardened",
            "SHOW CLUSTER SETTING sql.auth.resolve_membership_single_scan.enabled",
            "XXUUU",
            'unknown setting: "sql.auth.resolve_membership_single_scan.enabled"',
        ),
        (
            "oss",
            "SHOW CLUSTER SETTING server.oidc_authentication.enabled",
            "XXUUU",
            'unknown setting: "server.oidc_authentication.enabled"',
        ),
        ("mixed", "SET foo = 1", "42704", 'unrecognized configuration parameter "foo"'),
        ("mixed", "SHOW foo", "42704", 'unrecognized configuration parameter "foo"'),
        (
            "mixed",
            "SET allow_unsafe_internals = on",
            "42704",
            'unrecognized configuration parameter "allow_unsafe_internals"',
        ),
        (
            "mixed",
            "SET server_version = '14.0'",
            "55P02",
            'parameter "server_version" cannot be changed',
        ),
        (
            "mixed",
            "SET default_transaction_read_only = maybe",
            "22023",
            'parameter "default_transaction_read_only" requires a Boolean value',
        ),
        (
            "mixed",
            "SELECT nosuch FROM [SHOW DATABASES]",
            "42703",
            'column "nosuch" does not exist',
        ),
        (
            "mixed",
            "INSERT INTO t VALUES (1)",
            "0A000",
            "the simulated cluster does not modify its state",
        ),
        (
            "mixed",
            "SET CLUSTER SETTING sql.log.user_audit = 'all ALL'",
            "0A000",
            "the simulated cluster does not modify its state",
        ),
        (
            "mixed",
            "SELECT * FROM system.users WHERE username = 'root' AND 1 = 1 AND 2 = 2 AND 3 = 3",
            "0A000",
            "the simulated cluster does not support this statement: "
            "SELECT * FROM system.users WHERE username = 'root' AND 1 = 1",
        ),
        ("mixed", "COMMIT", "25P01", "there is no transaction in progress"),
    ],
)
def test_error_sqlstate_and_message(
    cluster_for: ClusterFor, scenario: str, statement: str, sqlstate: str, message: str
) -> None:
    error = _error(cluster_for, scenario, statement)

    assert error.sqlstate == sqlstate
    assert error.diag.message_primary == message
    assert error.diag.severity == "ERROR"


@pytest.mark.parametrize(
    ("statement", "tag"),
    [
        ("INSERT INTO t VALUES (1)", "INSERT"),
        ("UPSERT INTO t VALUES (1)", "UPSERT"),
        ("UPDATE t SET a = 1", "UPDATE"),
        ("DELETE FROM t", "DELETE"),
        ("CREATE TABLE t (a INT)", "CREATE TABLE"),
        ("CREATE UNIQUE INDEX ON t (a)", "CREATE INDEX"),
        ("ALTER ROLE alice WITH NOLOGIN", "ALTER ROLE"),
        ("DROP DATABASE app", "DROP DATABASE"),
        ("GRANT SELECT ON TABLE t TO public", "GRANT"),
        ("REVOKE ALL ON DATABASE app FROM public", "REVOKE"),
        ("SET CLUSTER SETTING sql.log.admin_audit.enabled = false", "SET CLUSTER SETTING"),
        ("BACKUP INTO 'nodelocal://1/x'", "BACKUP"),
        ("RESTORE FROM LATEST IN 'nodelocal://1/x'", "RESTORE"),
    ],
)
def test_read_only_session_rejects_writes(
    cluster_for: ClusterFor, statement: str, tag: str
) -> None:
    error = _error(
        cluster_for, "mixed", statement, setup=("SET default_transaction_read_only = on",)
    )

    assert isinstance(error, psycopg.errors.ReadOnlySqlTransaction)
    assert error.diag.message_primary == f"cannot execute {tag} in a read-only transaction"


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "SHOW CLUSTER SETTING server.host_based_authentication.configuration",
            "only users with MODIFYCLUSTERSETTING or VIEWCLUSTERSETTING privileges are allowed "
            "to show cluster setting 'server.host_based_authentication.configuration'",
        ),
        (
            "SELECT variable, value, setting_type FROM [SHOW ALL CLUSTER SETTINGS]",
            "only users with MODIFYCLUSTERSETTING, MODIFYSQLCLUSTERSETTING or VIEWCLUSTERSETTING "
            "privileges are allowed to SHOW CLUSTER SETTINGS",
        ),
        (STORES, "user auditor does not have VIEWCLUSTERMETADATA system privilege"),
        ("SHOW USERS", "user auditor does not have SELECT privilege on relation users"),
    ],
)
def test_privilege_errors(cluster_for: ClusterFor, statement: str, message: str) -> None:
    error = _error(cluster_for, "no_privileges", statement)

    assert isinstance(error, psycopg.errors.InsufficientPrivilege)
    assert error.diag.message_primary == message


def test_sql_defaults_privilege_lists_nothing(cluster_for: ClusterFor) -> None:
    answer = ask(
        cluster_for("no_privileges"),
        "SELECT variable, value, setting_type FROM [SHOW ALL CLUSTER SETTINGS]",
        user="sqldefaults",
    )

    assert answer.rows == []


def test_privileges_inherited_through_roles(cluster_for: ClusterFor) -> None:
    # dave is a member of dba, which has the MODIFYCLUSTERSETTING system privilege.
    answer = ask(cluster_for("mixed"), "SHOW CLUSTER SETTING version", user="dave")

    assert answer.rows == [("24.3",)]


def test_admin_members_read_everything(cluster_for: ClusterFor) -> None:
    # bob is an admin through the NOLOGIN role ops.
    answer = ask(cluster_for("mixed"), STORES, user="bob")

    assert len(answer.rows) == 3


@pytest.mark.parametrize(
    "statement",
    [
        IDENTITY,
        STORES,
        PUBLIC_PRIVILEGES_QUERY,
    ],
)
def test_v26_1_restricts_crdb_internal(cluster_for: ClusterFor, statement: str) -> None:
    error = _error(cluster_for, "v26_1", statement)

    assert isinstance(error, psycopg.errors.InsufficientPrivilege)
    assert error.diag.message_primary == UNSAFE_MESSAGE
    assert "allow_unsafe_internals = true" in (error.diag.message_hint or "")


def test_v26_1_unsafe_internals_opt_in(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("v26_1"), STORES, setup=("SET allow_unsafe_internals = on",))

    assert answer.rows == [
        (
            1,
            1,
            {
                "encrypted": True,
                "file_store_properties": {
                    "block_device": "/dev/nvme1n1",
                    "fs_type": "ext4",
                    "mount_options": "rw,relatime",
                    "mount_point": "/mnt/data1",
                    "path": "/mnt/data1/cockroach",
                },
                "read_only": False,
            },
        )
    ]


def test_v26_1_show_statements_need_no_opt_in(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("v26_1"), "SHOW CLUSTER SETTING version")

    assert answer.rows == [("26.1",)]


def test_v25_4_allows_internals_by_default(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("hardened"), "SHOW allow_unsafe_internals")

    assert answer.rows == [("on",)]


def test_failed_transaction_ignores_statements(cluster_for: ClusterFor) -> None:
    with connect(cluster_for("mixed")) as connection:
        cursor = connection.cursor()
        cursor.execute("BEGIN")
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            cursor.execute("SELECT * FROM nowhere")
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            cursor.execute("SELECT 1")
        cursor.execute("COMMIT")

        assert cursor.statusmessage == "ROLLBACK"
        cursor.execute("SELECT 1")
        assert cursor.fetchall() == [(1,)]


def test_v26_1_opt_in_through_startup_options(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("v26_1")

    with psycopg.crdb.connect(
        cluster.url(), autocommit=True, options="-c allow_unsafe_internals=on"
    ) as connection:
        rows = connection.execute(IDENTITY).fetchall()

    assert rows[0][2] == "auditor"


def test_unknown_startup_option_rejected(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")

    with pytest.raises(
        psycopg.OperationalError, match='unrecognized configuration parameter "nosuch"'
    ):
        psycopg.crdb.connect(cluster.url(), autocommit=True, options="-c nosuch=1")
