"""Loading, validation and contents of scenario files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_crdb_security.simulator import (
    ScenarioError,
    bundled_scenario_names,
    bundled_scenario_path,
    load_scenario,
)
from pytest_crdb_security.simulator.privileges import Privileges

BASE: dict[str, Any] = {
    "name": "base",
    "description": "Base scenario for validation tests.",
    "deployment": "self-hosted",
    "cluster_name": "test-base",
    "version": "v24.3.5",
    "audit_user": {"name": "auditor", "password": "pw"},
    "users": [{"name": "auditor", "password": "pw"}, {"name": "ops", "options": ["NOLOGIN"]}],
}

Mutation = Callable[[dict[str, Any]], None]


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def _set(key: str, value: object) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        document[key] = value

    return mutate


def _delete(key: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        del document[key]

    return mutate


def _user(**fields: object) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        document["users"].append(fields)

    return mutate


def test_bundled_scenarios() -> None:
    assert bundled_scenario_names() == ["cloud-advanced", "hardened", "legacy", "mixed"]
    for name in bundled_scenario_names():
        scenario = load_scenario(bundled_scenario_path(name))
        assert scenario.name == name
        assert scenario.deployment == ("cloud" if name.startswith("cloud") else "self-hosted")


def test_unknown_bundled_name() -> None:
    with pytest.raises(
        ScenarioError,
        match="unknown bundled scenario 'nosuch'; choose one of: cloud-advanced, hardened,"
        " legacy, mixed",
    ):
        bundled_scenario_path("nosuch")


def test_minimal_scenario_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, BASE))

    assert scenario.version == "v24.3.5"
    assert scenario.active_version == "24.3"
    assert scenario.edition == "CCL"
    assert scenario.tls.enabled
    assert [database.name for database in scenario.databases] == ["defaultdb", "postgres", "system"]
    assert {user.name for user in scenario.users} == {"admin", "auditor", "ops", "root"}
    assert scenario.user("root") is not None
    assert scenario.user("root").member_of == ("admin",)  # type: ignore[union-attr]
    assert [schedule.label for schedule in scenario.schedules] == [
        "sql-stats-compaction",
        "sql-schema-telemetry",
    ]
    assert len(scenario.stores) == 1


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (_delete("name"), "name: missing required key; add `name:` to the file"),
        (_set("colour", "blue"), "colour: unknown key; remove it or use one of:"),
        (_set("version", 24), "version: invalid value 24; quote a binary tag"),
        (
            _set("version", "24.3"),
            "version: invalid value '24.3'; write a binary tag such as v24.3.5",
        ),
        (
            _set("deployment", "onprem"),
            "deployment: invalid value 'onprem'; use one of: self-hosted, cloud",
        ),
        (
            _set("edition", "enterprise"),
            "edition: invalid value 'enterprise'; use one of: CCL, OSS",
        ),
        (_set("active_version", "25.1"), "active_version: 25.1 is newer than the binary v24.3.5"),
        (_set("cluster_id", "not-a-uuid"), "cluster_id: invalid value 'not-a-uuid'; write a UUID"),
        (
            _set("tls", {"key": "dsa"}),
            "tls.key: invalid value 'dsa'; use one of: rsa-1024, rsa-2048, ecdsa-p256",
        ),
        (_set("tls", {"max_version": "1.1"}), "tls.max_version: invalid value '1.1'"),
        (_set("tls", {"ciphers": "x"}), "tls.ciphers: unknown key"),
        (
            _set("settings", {"server.foo": 1}),
            "settings.server.foo: unknown setting for CockroachDB CCL v24.3.5",
        ),
        (
            _set("settings", {"server.user_login.min_password_length": "eight"}),
            "settings.server.user_login.min_password_length: invalid value 'eight'; "
            "expected an integer",
        ),
        (
            _set("settings", {"server.web_session.timeout": "a week"}),
            "settings.server.web_session.timeout: invalid value 'a week'; invalid duration",
        ),
        (
            _set("settings", {"security.ocsp.mode": "maybe"}),
            "settings.security.ocsp.mode: invalid value 'maybe'; expected one of off, lax, strict",
        ),
        (
            _set("settings", {"version": "24.3"}),
            "settings.version: cannot be overridden; set active_version",
        ),
        (
            _set("audit_user", {"name": "ghost", "password": "pw"}),
            "audit_user.name: user 'ghost' is not in users",
        ),
        (
            _set("audit_user", {"name": "ops", "password": "pw"}),
            "audit_user.name: ops cannot log in",
        ),
        (_set("audit_user", {"name": "auditor"}), None),
        (
            _set("audit_user", {"name": "auditor", "password": "other"}),
            "audit_user.password: differs",
        ),
        (
            _user(name="Bad Name"),
            "users[2].name: invalid value 'Bad Name'; use a lower-case SQL user name",
        ),
        (_user(name="public"), "users[2].name: invalid value 'public'; public is reserved"),
        (_user(name="x", member_of=["nosuch"]), "users: x is a member of unknown role 'nosuch'"),
        (
            _user(name="x", options=["PASSWORD=abc"]),
            "users[2].options[0]: PASSWORD is not a listed option",
        ),
        (_user(name="x", options=["LOGIN"]), "users[2].options[0]: LOGIN is a default"),
        (
            _user(name="x", options=["SUPERUSER"]),
            "users[2].options[0]: unknown role option 'SUPERUSER'",
        ),
        (
            _user(name="x", options=["VALID UNTIL"]),
            "users[2].options[0]: VALID UNTIL needs a value",
        ),
        (_user(name="auditor"), "users[2]: duplicate user auditor"),
        (
            _set("system_grants", [{"grantee": "auditor", "privilege": "SUPERPOWER"}]),
            "system_grants[0].privilege: invalid value 'SUPERPOWER'",
        ),
        (
            _set("system_grants", [{"grantee": "nobody", "privilege": "VIEWCLUSTERSETTING"}]),
            "system_grants[0].grantee: unknown user or role 'nobody'",
        ),
        (
            _set("table_grants", [{"grantee": "auditor", "table": "users", "privilege": "SELECT"}]),
            "table_grants[0].table: invalid table 'users'; write system.<table>",
        ),
        (
            _set(
                "databases",
                [
                    {
                        "name": "app",
                        "public_grants": [
                            {"object_type": "table", "schema": "public", "privilege": "SELECT"}
                        ],
                    }
                ],
            ),
            "databases[0].public_grants[0].object: missing for a table grant",
        ),
        (
            _set(
                "databases",
                [
                    {
                        "name": "app",
                        "public_grants": [
                            {"object_type": "schema", "schema": "public", "privilege": "SELECT"}
                        ],
                    }
                ],
            ),
            "databases[0].public_grants[0].privilege: invalid value 'SELECT'",
        ),
        (
            _set(
                "schedules",
                [
                    {
                        "id": 1,
                        "label": "x",
                        "status": "PAUSED",
                        "next_run": "now+1h",
                        "recurrence": "@daily",
                        "command": {},
                    }
                ],
            ),
            "schedules[0].status: PAUSED contradicts next_run",
        ),
        (
            _set(
                "schedules",
                [
                    {
                        "id": 1,
                        "label": "x",
                        "next_run": "yesterday",
                        "recurrence": "@daily",
                        "command": {},
                    }
                ],
            ),
            "schedules[0].next_run: invalid value 'yesterday'",
        ),
        (_set("stores", []), "stores: a cluster has at least one store"),
        (
            _set("stores", [{"node_id": 1, "store_id": 1}]),
            "stores[0].encrypted: missing required key",
        ),
        (_set("users", {"name": "x"}), "users: expected a list"),
    ],
)
def test_validation_errors(tmp_path: Path, mutation: Mutation, expected: str | None) -> None:
    document = copy.deepcopy(BASE)
    mutation(document)
    path = _write(tmp_path, document)

    if expected is None:
        load_scenario(path)
        return
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


@pytest.mark.parametrize(
    ("version", "edition", "setting"),
    [
        ("v23.1.28", "CCL", "sql.log.user_audit"),
        ("v23.2.5", "OSS", "sql.log.user_audit"),
        ("v25.1.0", "CCL", "sql.auth.resolve_membership_single_scan.enabled"),
        ("v23.1.28", "CCL", "server.redact_sensitive_settings.enabled"),
        ("v24.2.3", "CCL", "server.ldap_authentication.client.tls_key"),
    ],
)
def test_settings_missing_from_version(
    tmp_path: Path, version: str, edition: str, setting: str
) -> None:
    document = copy.deepcopy(BASE) | {
        "version": version,
        "edition": edition,
        "settings": {setting: ""},
    }

    with pytest.raises(
        ScenarioError,
        match=f"settings.{setting}: unknown setting for CockroachDB {edition} {version}",
    ):
        load_scenario(_write(tmp_path, document))


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")

    with pytest.raises(ScenarioError, match=r"broken.yaml: \(file\): invalid YAML"):
        load_scenario(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"missing.yaml: \(file\): cannot be read"):
        load_scenario(tmp_path / "missing.yaml")


def test_role_cycle(tmp_path: Path) -> None:
    document = copy.deepcopy(BASE)
    document["users"] += [{"name": "a", "member_of": ["b"]}, {"name": "b", "member_of": ["a"]}]

    with pytest.raises(ScenarioError, match="users: role memberships of a form a cycle"):
        load_scenario(_write(tmp_path, document))


def _login_admins(name: str) -> list[str]:
    scenario = load_scenario(bundled_scenario_path(name))
    privileges = Privileges(scenario)
    return sorted(
        user.name
        for user in scenario.users
        if privileges.is_admin(user.name)
        and privileges.can_log_in(user.name)
        and user.name != "admin"
    )


def test_bundled_admin_counts() -> None:
    assert _login_admins("mixed") == ["alice", "bob", "carol", "root"]
    assert _login_admins("hardened") == ["root", "sre_lead"]
    assert len(_login_admins("legacy")) == 7


def test_mixed_scenario_contents() -> None:
    scenario = load_scenario(bundled_scenario_path("mixed"))
    settings = dict(scenario.settings)

    assert scenario.version.startswith("v24.3.")
    hba_rules = [
        line.split()
        for line in str(settings["server.host_based_authentication.configuration"]).splitlines()
    ]
    assert ["host", "all", "all", "0.0.0.0/0", "password"] in hba_rules
    assert ["hostssl", "all", "all", "10.0.0.0/8", "cert-password"] in hba_rules
    assert settings["server.user_login.min_password_length"] == 8
    assert settings["sql.log.admin_audit.enabled"] is True
    assert "sql.log.user_audit" not in settings
    assert [store.encrypted for store in scenario.stores] == [True, True, False]
    assert scenario.regions == ()


def test_legacy_scenario_is_mid_upgrade() -> None:
    scenario = load_scenario(bundled_scenario_path("legacy"))

    assert scenario.version.startswith("v23.2.")
    assert scenario.active_version == "23.1"
    assert scenario.tls.not_after_days == 45
    assert {schedule.owner for schedule in scenario.schedules} == {"node"}
