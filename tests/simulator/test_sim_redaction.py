"""Redaction of sensitive settings and the columns of the settings listings."""

from __future__ import annotations

import dataclasses

import pytest
from sim_helpers import ClusterFor, ask, connect, scenario_named

from pytest_crdb_security.simulator import SimulatedCluster

HBA = "server.host_based_authentication.configuration"
ALL_SETTINGS = "SELECT variable, value, setting_type FROM [SHOW ALL CLUSTER SETTINGS]"


@pytest.mark.parametrize(
    ("user", "value"),
    [
        ("auditor", "<redacted>"),  # VIEWCLUSTERSETTING only
        ("optioned", "<redacted>"),  # VIEWCLUSTERSETTING as a role option
        ("setter", "host all all 0.0.0.0/0 password"),  # MODIFYCLUSTERSETTING
        ("alice", "host all all 0.0.0.0/0 password"),  # admin
    ],
)
def test_show_sensitive_setting(cluster_for: ClusterFor, user: str, value: str) -> None:
    answer = ask(cluster_for("redacted"), f"SHOW CLUSTER SETTING {HBA}", user=user)

    assert answer.columns == [(HBA, 25)]
    assert answer.rows == [(value,)]


def test_empty_sensitive_value_stays_empty(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("redacted"), "SHOW CLUSTER SETTING server.identity_map.configuration")

    assert answer.rows == [("",)]


def test_listing_redacts_sensitive_values(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("redacted"), ALL_SETTINGS)
    values = {row[0]: row[1] for row in answer.rows}

    assert values[HBA] == "<redacted>"
    assert values["server.oidc_authentication.client_secret"] == "<redacted>"
    assert values["server.oidc_authentication.client_id"] == ""
    assert values["server.redact_sensitive_settings.enabled"] == "true"
    assert values["cluster.organization"] == ""


def test_no_redaction_when_disabled(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("mixed"), f"SHOW CLUSTER SETTING {HBA}")

    assert str(answer.rows[0][0]).startswith("# TYPE")


def test_show_all_cluster_settings_columns(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("redacted"), "SHOW ALL CLUSTER SETTINGS")

    assert answer.columns == [
        ("variable", 25),
        ("value", 25),
        ("setting_type", 25),
        ("public", 16),
        ("description", 25),
        ("default_value", 25),
        ("origin", 25),
    ]
    rows = {row[0]: row for row in answer.rows}
    assert rows["server.redact_sensitive_settings.enabled"][5:] == ("false", "override")
    assert rows["server.user_login.store_client_pre_hashed_passwords.enabled"][3] is False
    assert rows["sql.log.all_statements.enabled"][5:] == ("false", "default")
    assert answer.status == "SHOW"


def test_show_public_cluster_settings_v23_1(cluster_for: ClusterFor) -> None:
    answer = ask(cluster_for("v23_1"), "SHOW CLUSTER SETTINGS")

    assert answer.columns == [
        ("variable", 25),
        ("value", 25),
        ("setting_type", 25),
        ("description", 25),
    ]
    names = {row[0] for row in answer.rows}
    assert "server.user_login.min_password_length" in names
    assert "sql.log.admin_audit.enabled" not in names


def test_upgrading_to_v25_3_keeps_old_show_users() -> None:
    scenario = dataclasses.replace(
        scenario_named("hardened"), version="v25.3.1", active_version="25.2"
    )

    with SimulatedCluster(scenario) as cluster, connect(cluster) as connection:
        cursor = connection.execute("SHOW USERS")
        columns = [(column.name, column.type_code) for column in cursor.description or []]

    assert columns == [("username", 25), ("options", 25), ("member_of", 1009)]
