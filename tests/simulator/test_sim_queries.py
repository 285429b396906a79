"""Query results of the simulated cluster per statement and version, as psycopg sees them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sim_helpers import ClusterFor, ask

STRING, INT8, BOOL, TIMESTAMPTZ, INTERVAL, JSONB, STRING_ARRAY = 25, 20, 16, 1184, 1186, 3802, 1009

IDENTITY = (
    "SELECT version() AS version, crdb_internal.cluster_id()::STRING AS cluster_id, "
    "current_user() AS audit_user"
)
ALL_SETTINGS = "SELECT variable, value, setting_type FROM [SHOW ALL CLUSTER SETTINGS]"
PUBLIC_PRIVILEGES = """
SELECT database_name, NULL AS schema_name, NULL AS object_name,
       'database' AS object_type, privilege_type
  FROM "".crdb_internal.cluster_database_privileges WHERE grantee = 'public'
UNION ALL
SELECT table_catalog, table_schema, table_name, 'table', privilege_type
  FROM "".information_schema.table_privileges
 WHERE grantee = 'public'
   AND table_schema NOT IN ('crdb_internal', 'information_schema', 'pg_catalog', 'pg_extension')
UNION ALL
SELECT table_catalog, table_schema, NULL, 'schema', privilege_type
  FROM "".information_schema.schema_privileges
 WHERE grantee = 'public'
   AND table_schema NOT IN ('crdb_internal', 'information_schema', 'pg_catalog', 'pg_extension');
"""
STORES = "SELECT node_id, store_id, properties FROM crdb_internal.kv_store_status"


def test_identity_query(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), IDENTITY)

    assert answer.columns == [("version", STRING), ("cluster_id", STRING), ("audit_user", STRING)]
    assert answer.rows == [
        (
            "CockroachDB CCL v24.3.5 (x86_64-pc-linux-gnu, built 2025/01/21 17:04:09, go1.22.8)",
            "5a1e3c07-9b2d-4f61-8e4a-2c7d9f0b1a36",
            "auditor",
        )
    ]
    assert answer.status == "SELECT 1"


@pytest.mark.parametrize(
    ("statement", "column", "type_oid", "value"),
    [
        ("SELECT 1", "?column?", INT8, 1),
        (
            "SELECT version()",
            "version",
            STRING,
            "CockroachDB CCL v24.3.5 (x86_64-pc-linux-gnu, built 2025/01/21 17:04:09, go1.22.8)",
        ),
        ("SELECT current_user()", "current_user", STRING, "auditor"),
        ("select  current_user", "current_user", STRING, "auditor"),
        ("SHOW server_version", "server_version", STRING, "13.0.0"),
        ("SHOW application_name", "application_name", STRING, ""),
        ("SHOW default_transaction_read_only", "default_transaction_read_only", STRING, "off"),
    ],
)
def test_sanity_statements(
    cluster_for: ClusterFor, statement: str, column: str, type_oid: int, value: object
) -> None:
    answer = ask(cluster_for("mixed"), statement)

    assert answer.columns == [(column, type_oid)]
    assert answer.rows == [(value,)]


@pytest.mark.parametrize(
    ("setup", "statement", "value"),
    [
        ("SET default_transaction_read_only = on", "SHOW default_transaction_read_only", "on"),
        ("SET statement_timeout = '30s'", "SHOW statement_timeout", "30000"),
        ("SET statement_timeout = 5000", "SHOW statement_timeout", "5000"),
        (
            "SET application_name = 'crdb-security-audit'",
            "SHOW application_name",
            "crdb-security-audit",
        ),
        ("SET allow_unsafe_internals = on", "SHOW allow_unsafe_internals", "on"),
    ],
)
def test_set_then_show(cluster_for: ClusterFor, setup: str, statement: str, value: str) -> None:
    answer = ask(cluster_for("hardened"), statement, setup=(setup,))

    assert answer.rows == [(value,)]
    assert answer.status == "SHOW"


def test_set_reports_set_tag(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), "SET statement_timeout = '30s'")

    assert answer.status == "SET"
    assert answer.columns == []


def _settings(scenario: str, cluster_for: ClusterFor) -> dict[str, tuple[str, str]]:
    answer = ask(cluster_for(scenario), ALL_SETTINGS)
    assert answer.columns == [("variable", STRING), ("value", STRING), ("setting_type", STRING)]
    assert answer.status == f"SELECT {len(answer.rows)}"
    return {str(row[0]): (str(row[1]), str(row[2])) for row in answer.rows}


def test_all_settings_stored_text_encoding(cluster_for: ClusterFor) -> None:
    settings = _settings("mixed", cluster_for)

    assert settings["server.user_login.min_password_length"] == ("8", "i")
    assert settings["server.web_session.timeout"] == ("168h0m0s", "d")
    assert settings["server.user_login.timeout"] == ("10s", "d")
    assert settings["sql.log.admin_audit.enabled"] == ("true", "b")
    assert settings["sql.log.user_audit"] == ("", "s")
    assert settings["server.user_login.store_client_pre_hashed_passwords.enabled"] == ("true", "b")
    assert settings["server.user_login.password_encryption"] == ("scram-sha-256", "e")
    assert settings["server.oidc_authentication.enabled"] == ("false", "b")
    assert settings["version"] == ("24.3", "m")
    hba_lines = settings["server.host_based_authentication.configuration"][0].splitlines()
    assert hba_lines[-1].split() == ["host", "all", "all", "0.0.0.0/0", "password"]


@pytest.mark.parametrize(
    ("scenario", "present", "absent"),
    [
        (
            "v23_1",
            [
                "server.jwt_authentication.issuers",
                "sql.auth.resolve_membership_single_scan.enabled",
            ],
            [
                "sql.log.user_audit",
                "server.redact_sensitive_settings.enabled",
                "server.ldap_authentication.domain.custom_ca",
            ],
        ),
        (
            "legacy",
            [
                "sql.log.user_audit",
                "server.redact_sensitive_settings.enabled",
                "server.jwt_authentication.issuers",
            ],
            ["server.jwt_authentication.issuers.configuration"],
        ),
        (
            "mixed",
            [
                "server.jwt_authentication.issuers.configuration",
                "server.ldap_authentication.client.tls_key",
                "sql.auth.resolve_membership_single_scan.enabled",
            ],
            ["server.jwt_authentication.issuers", "security.provisioning.ldap.enabled"],
        ),
        (
            "hardened",
            ["security.provisioning.ldap.enabled", "security.client_cert.san_required.enabled"],
            [
                "sql.auth.resolve_membership_single_scan.enabled",
                "security.provisioning.oidc.enabled",
            ],
        ),
        (
            "oss",
            ["server.user_login.min_password_length", "sql.log.admin_audit.enabled"],
            [
                "sql.log.user_audit",
                "server.oidc_authentication.enabled",
                "enterprise.license",
                "server.jwt_authentication.enabled",
            ],
        ),
    ],
)
def test_settings_follow_binary_version(
    cluster_for: ClusterFor, scenario: str, present: list[str], absent: list[str]
) -> None:
    settings = _settings(scenario, cluster_for)

    for name in present:
        assert name in settings, name
    for name in absent:
        assert name not in settings, name


def test_legacy_settings_version_is_active_version(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("legacy"), "SHOW CLUSTER SETTING version")

    assert answer.columns == [("version", STRING)]
    assert answer.rows == [("23.1",)]


@pytest.mark.parametrize(
    ("name", "type_oid", "value"),
    [
        ("server.user_login.min_password_length", INT8, 8),
        ("server.web_session.timeout", INTERVAL, timedelta(hours=168)),
        ("security.ocsp.timeout", INTERVAL, timedelta(seconds=3)),
        ("sql.log.admin_audit.enabled", BOOL, True),
        ("server.user_login.store_client_pre_hashed_passwords.enabled", BOOL, True),
        ("sql.log.user_audit", STRING, ""),
        ("server.user_login.password_encryption", STRING, "scram-sha-256"),
        ("version", STRING, "24.3"),
        ("cluster.organization", STRING, "Example Corp"),
        ("Server.User_Login.Min_Password_Length", INT8, 8),
    ],
)
def test_show_cluster_setting_types(
    cluster_for: ClusterFor, name: str, type_oid: int, value: object
) -> None:
    answer = ask(cluster_for("mixed"), f"SHOW CLUSTER SETTING {name}")

    assert answer.columns == [(name.lower(), type_oid)]
    assert answer.rows == [(value,)]
    assert answer.status == "SHOW"


def test_show_cluster_setting_alias_sends_notice(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), "SHOW CLUSTER SETTING server.web_session_timeout")

    assert answer.columns == [("server.web_session_timeout", INTERVAL)]
    assert answer.rows == [(timedelta(hours=168),)]
    assert answer.notices == [
        '"server.web_session_timeout" is now an alias for "server.web_session.timeout", '
        "the preferred setting name"
    ]


def test_show_users_before_v25_3(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), "SHOW USERS")

    assert answer.columns == [
        ("username", STRING),
        ("options", STRING),
        ("member_of", STRING_ARRAY),
    ]
    rows = {str(row[0]): row for row in answer.rows}
    assert list(rows) == sorted(rows)
    assert rows["admin"] == ("admin", "", [])
    assert rows["root"] == ("root", "", ["admin"])
    assert rows["dba"] == ("dba", "CREATEROLE, NOLOGIN", [])
    assert rows["bob"] == ("bob", "", ["ops"])
    assert rows["app_ro"] == ("app_ro", "VALID UNTIL=2027-06-30 00:00:00+00:00", [])
    assert answer.status == f"SHOW USERS {len(answer.rows)}"
    assert answer.notices == []


def test_show_roles_tag(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), "SHOW ROLES")

    assert answer.status == f"SHOW ROLES {len(answer.rows)}"


def test_show_users_from_v25_3(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("hardened"), "SHOW USERS")

    assert answer.columns == [
        ("username", STRING),
        ("options", STRING_ARRAY),
        ("member_of", STRING_ARRAY),
        ("estimated_last_login_time", TIMESTAMPTZ),
    ]
    rows = {row[0]: row for row in answer.rows}
    assert rows["backup_operator"][1:3] == (["NOLOGIN"], [])
    assert rows["sre_lead"][1:3] == ([], ["admin"])
    assert rows["admin"][3] is None
    last_login = rows["sre_lead"][3]
    assert isinstance(last_login, datetime)
    assert datetime.now(timezone.utc) - last_login < timedelta(hours=4)
    assert answer.notices == [
        "estimated_last_login_time is computed on a best effort basis; "
        "it is not guaranteed to capture every login event"
    ]


def test_show_users_string_options_with_values(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("v23_1"), "SHOW USERS")

    rows = {row[0]: row for row in answer.rows}
    assert rows["reader"][1] == "CREATEROLE, VALID UNTIL=2030-01-01 00:00:00+00:00"


def test_show_system_grants(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), "SHOW SYSTEM GRANTS")

    assert answer.columns == [
        ("grantee", STRING),
        ("privilege_type", STRING),
        ("is_grantable", BOOL),
    ]
    assert answer.rows == [
        ("auditor", "VIEWCLUSTERMETADATA", False),
        ("auditor", "VIEWCLUSTERSETTING", False),
        ("dba", "MODIFYCLUSTERSETTING", False),
    ]
    assert answer.status == "SHOW GRANTS 3"


def test_databases(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), "SELECT database_name FROM [SHOW DATABASES]")

    assert answer.columns == [("database_name", STRING)]
    assert answer.rows == [
        ("analytics",),
        ("app",),
        ("defaultdb",),
        ("postgres",),
        ("reporting",),
        ("system",),
    ]
    assert answer.status == "SELECT 6"


def test_show_databases_full_columns(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("legacy"), "SHOW DATABASES")

    assert answer.columns == [
        ("database_name", STRING),
        ("owner", STRING),
        ("primary_region", STRING),
        ("secondary_region", STRING),
        ("regions", STRING_ARRAY),
        ("survival_goal", STRING),
    ]
    assert ("system", "node", None, None, [], None) in answer.rows
    assert ("defaultdb", "root", None, None, [], None) in answer.rows


def test_public_privileges(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), PUBLIC_PRIVILEGES)

    assert answer.columns == [
        ("database_name", STRING),
        ("schema_name", STRING),
        ("object_name", STRING),
        ("object_type", STRING),
        ("privilege_type", STRING),
    ]
    baseline = [
        (database, None, None, "database", "CONNECT")
        for database in ("analytics", "app", "defaultdb", "postgres", "reporting")
    ]
    schemas = [
        (database, "public", None, "schema", privilege)
        for database in ("analytics", "app", "defaultdb", "postgres", "reporting")
        for privilege in ("CREATE", "USAGE")
    ]
    expected = [
        *baseline,
        ("app", "public", "customers", "table", "SELECT"),
        *schemas[:8],
        ("reporting", "public", None, "schema", "CREATE"),
        ("reporting", "public", None, "schema", "USAGE"),
        ("reporting", "reports", None, "schema", "USAGE"),
    ]
    assert answer.rows == expected
    assert not [row for row in answer.rows if row[0] == "system"]


def test_public_privileges_hardened_baseline_only(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("hardened"), PUBLIC_PRIVILEGES)

    assert {row[3] for row in answer.rows} == {"database", "schema"}
    assert {row[4] for row in answer.rows} == {"CONNECT", "CREATE", "USAGE"}


SCHEDULE_COLUMNS_V23_1 = [
    ("id", INT8),
    ("label", STRING),
    ("schedule_status", STRING),
    ("next_run", TIMESTAMPTZ),
    ("state", STRING),
    ("recurrence", STRING),
    ("jobsrunning", INT8),
    ("owner", STRING),
    ("created", TIMESTAMPTZ),
    ("command", JSONB),
]


def test_show_schedules_v23_1_columns(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("v23_1"), "SHOW SCHEDULES")

    assert answer.columns == SCHEDULE_COLUMNS_V23_1
    paused = answer.rows[0]
    assert paused[:3] == (501, "weekly", "PAUSED")
    assert paused[3] is None
    assert paused[9] == {"backup_statement": "BACKUP INTO 'nodelocal://1/backups' WITH detached"}


def test_show_schedules_v23_2_columns(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), "SHOW SCHEDULES")

    expected = [
        *SCHEDULE_COLUMNS_V23_1[:9],
        ("on_previous_running", STRING),
        ("on_execution_failure", STRING),
        ("command", JSONB),
    ]
    assert answer.columns == expected
    by_label = {(row[1], row[0]): row for row in answer.rows}
    full = by_label[("prod_backup", 1001)]
    assert full[2] == "ACTIVE"
    assert full[4] == (
        "reschedule: backup job 1002 failed with err=backup job 1002 scheduled by 1001 "
        "failed with status failed"
    )
    assert full[11]["dependent_schedule_id"] == 1003  # type: ignore[index]
    internal = [row for row in answer.rows if row[7] == "node"]
    assert sorted(str(row[1]) for row in internal) == [
        "sql-schema-telemetry",
        "sql-stats-compaction",
    ]
    assert answer.status == "SHOW SCHEDULES 4"


def test_legacy_has_only_internal_schedules(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("legacy"), "SHOW SCHEDULES")

    assert {row[7] for row in answer.rows} == {"node"}
    assert len(answer.rows) == 2


def test_store_status(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), STORES)

    assert answer.columns == [("node_id", INT8), ("store_id", INT8), ("properties", JSONB)]
    encrypted = {(row[0], row[1]): row[2]["encrypted"] for row in answer.rows}  # type: ignore[index]
    assert encrypted == {(1, 1): True, (2, 2): True, (3, 3): False}
    properties = answer.rows[0][2]
    assert isinstance(properties, dict)
    assert properties["read_only"] is False
    assert properties["file_store_properties"]["fs_type"] == "ext4"


@pytest.mark.parametrize(
    ("scenario", "regions"),
    [("mixed", []), ("hardened", [("europe-west1",), ("us-east1",), ("us-west1",)])],
)
def test_regions(cluster_for: ClusterFor, scenario: str, regions: list[tuple[str]]) -> None:
    answer = ask(cluster_for(scenario), "SELECT region FROM [SHOW REGIONS FROM CLUSTER]")

    assert answer.columns == [("region", STRING)]
    assert answer.rows == regions
