"""Load and validate scenario files, and find the scenarios bundled with the package."""

from __future__ import annotations

import functools
import uuid
from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path

import yaml

from pytest_crdb_security.simulator.cloud_scenario import read_cloud_scenario
from pytest_crdb_security.simulator.errors import ScenarioError
from pytest_crdb_security.simulator.scenario import (
    KEY_TYPES,
    RSA_2048,
    BuildInfo,
    Scenario,
    TlsConfig,
    User,
)
from pytest_crdb_security.simulator.scenario_fields import Fields, ScenarioSource
from pytest_crdb_security.simulator.scenario_objects import (
    read_databases,
    read_regions,
    read_schedules,
    read_stores,
)
from pytest_crdb_security.simulator.scenario_principals import (
    read_audit_user,
    read_system_grants,
    read_table_grants,
    read_users,
)
from pytest_crdb_security.simulator.setting_values import parse_setting_value
from pytest_crdb_security.simulator.settings_registry import SettingValue, settings_for
from pytest_crdb_security.simulator.timestamps import parse_timestamp, utc_now
from pytest_crdb_security.simulator.versions import (
    Release,
    Version,
    default_go_version,
    parse_active_version,
)

DEPLOYMENTS = ("self-hosted", "cloud")
EDITIONS = ("CCL", "OSS")
TLS_VERSIONS = ("1.2", "1.3")
MIN_TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")


def bundled_scenario_names() -> list[str]:
    """Return the names of the scenarios shipped with the package, sorted."""
    folder = resources.files("pytest_crdb_security.simulator") / "scenarios"
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def bundled_scenario_path(name: str) -> Path:
    """Return the file of a bundled scenario; raise ScenarioError for an unknown name."""
    names = bundled_scenario_names()
    if name not in names:
        raise ScenarioError(f"unknown bundled scenario {name!r}; choose one of: {', '.join(names)}")
    return Path(str(resources.files("pytest_crdb_security.simulator") / "scenarios")) / (
        f"{name}.yaml"
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise ScenarioError with a one-line message."""
    source = ScenarioSource(str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise source.error(
            "(file)", f"cannot be read ({error.strerror})", "check the path"
        ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        problem = str(error).replace("\n", " ")
        raise source.error("(file)", f"invalid YAML ({problem})", "fix the YAML syntax") from None

    scenario = _read_scenario(Fields(source, "", document), utc_now())
    return replace(scenario, source=Path(path))


def _read_scenario(fields: Fields, now: datetime) -> Scenario:
    name = fields.text("name")
    description = fields.text("description")
    deployment = fields.choice("deployment", DEPLOYMENTS)
    cluster_name = fields.text("cluster_name")
    cluster_id = fields.converted(
        "cluster_id", _uuid_text, str(uuid.uuid5(uuid.NAMESPACE_DNS, name))
    )
    binary = fields.converted("version", _version_tag)
    active_version = _read_active_version(fields, binary)
    edition = fields.choice("edition", EDITIONS, "CCL")
    tls = _read_tls(fields)
    build = _read_build(fields, binary.release)
    created = fields.converted("created", lambda raw: parse_timestamp(raw, now), "now-400d")
    settings = _read_settings(fields, binary, edition)

    users = read_users(fields, now)
    audit_user, audit_password = read_audit_user(fields, users, tls.enabled)
    users = tuple(
        user
        if user.name != audit_user or user.password is not None
        else _with_password(user, audit_password)
        for user in users
    )
    user_names = frozenset(user.name for user in users)
    regions = read_regions(fields)

    scenario = Scenario(
        name=name,
        description=description,
        deployment=deployment,
        cluster_name=cluster_name,
        cluster_id=cluster_id,
        version=binary.tag,
        active_version=active_version,
        edition=edition,
        tls=tls,
        build=build,
        created=created,
        audit_user=audit_user,
        audit_password=audit_password,
        regions=regions,
        settings=settings,
        users=users,
        system_grants=read_system_grants(fields, user_names),
        table_grants=read_table_grants(fields, user_names),
        databases=read_databases(fields, user_names),
        schedules=read_schedules(fields, now, created, cluster_id),
        stores=read_stores(fields),
        cloud=read_cloud_scenario(fields, deployment, name, cluster_name, binary.tag, regions),
    )
    fields.finish()
    return scenario


def _with_password(user: User, password: str | None) -> User:
    return replace(user, password=password)


def _uuid_text(raw: object) -> str:
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise ValueError("write a UUID such as 5a1e2f3c-8b7d-4e6f-9a0b-1c2d3e4f5a6b") from None


def _version_tag(raw: object) -> Version:
    if not isinstance(raw, str):
        raise ValueError('quote a binary tag such as "v24.3.5"')
    try:
        return Version.parse_tag(raw)
    except ValueError:
        raise ValueError("write a binary tag such as v24.3.5") from None


def _read_active_version(fields: Fields, binary: Version) -> str:
    raw = fields.raw("active_version", binary.series)
    text = str(raw) if isinstance(raw, (str, float)) else ""
    try:
        release = parse_active_version(text)
    except ValueError:
        raise fields.error(
            "active_version", f"invalid value {raw!r}", 'quote a version such as "24.3"'
        ) from None
    if release > binary.release:
        raise fields.error(
            "active_version",
            f"{text} is newer than the binary {binary.tag}",
            f"use {binary.series} or an older version that is still upgrading",
        )
    return text


def _read_tls(fields: Fields) -> TlsConfig:
    raw = fields.raw("tls", True)
    if isinstance(raw, bool):
        return TlsConfig(enabled=raw)
    tls = Fields(fields.source, fields.key("tls"), raw)
    config = TlsConfig(
        enabled=tls.typed("enabled", bool, "true or false", True),
        key=tls.choice("key", KEY_TYPES, RSA_2048),
        not_after_days=tls.typed("not_after_days", int, "a number of days", 365),
        expired=tls.typed("expired", bool, "true or false", False),
        max_version=_optional_tls_version(tls),
        sslrequest_error=tls.typed("sslrequest_error", str, "a message", None),
        min_version=_min_tls_version(tls),
        legacy_ciphers=tls.typed("legacy_ciphers", bool, "true or false", False),
        names=_certificate_names(tls),
    )
    tls.finish()
    if config.not_after_days < 1:
        raise tls.error(
            "not_after_days", "must be at least 1", "use expired: true for an expired certificate"
        )
    if config.max_version is not None and config.min_version > config.max_version:
        raise tls.error(
            "min_version", f"{config.min_version} is above max_version", "lower min_version"
        )
    if config.min_version < "1.2" and not config.legacy_ciphers:
        raise tls.error(
            "min_version",
            f"TLS {config.min_version} has no suite in common with the default suites",
            "add legacy_ciphers: true",
        )
    return config


def _min_tls_version(tls: Fields) -> str:
    text = str(tls.raw("min_version", "1.2"))
    if text not in MIN_TLS_VERSIONS:
        raise tls.error(
            "min_version", f"invalid value {text!r}", 'quote "1.0", "1.1", "1.2" or "1.3"'
        )
    return text


def _certificate_names(tls: Fields) -> tuple[str, ...]:
    raw = tls.raw("names", None)
    if raw is None:
        return TlsConfig().names
    if not isinstance(raw, list) or not raw or not all(isinstance(name, str) for name in raw):
        raise tls.error(
            "names", "must be a non-empty list of strings", 'use ["localhost", "127.0.0.1"]'
        )
    return tuple(raw)


def _optional_tls_version(tls: Fields) -> str | None:
    raw = tls.raw("max_version", None)
    if raw is None:
        return None
    text = str(raw)
    if text not in TLS_VERSIONS:
        raise tls.error("max_version", f"invalid value {raw!r}", 'quote "1.2" or "1.3"')
    return text


def _read_build(fields: Fields, release: Release) -> BuildInfo:
    build = Fields(fields.source, fields.key("build"), fields.raw("build", {}))
    info = BuildInfo(
        time=build.text("time", "2025/01/21 17:04:09"),
        go_version=build.text("go", default_go_version(release)),
        platform=build.text("platform", "x86_64-pc-linux-gnu"),
    )
    build.finish()
    return info


def _read_settings(
    fields: Fields, binary: Version, edition: str
) -> tuple[tuple[str, SettingValue], ...]:
    settings = Fields(fields.source, fields.key("settings"), fields.raw("settings", {}))
    known = settings_for(binary.release, edition)
    values: list[tuple[str, SettingValue]] = []
    for name in settings.sorted_keys():
        if name == "version":
            raise settings.error(name, "cannot be overridden", "set active_version instead")
        spec = known.get(name)
        if spec is None:
            raise settings.error(
                name,
                f"unknown setting for CockroachDB {edition} {binary.tag}",
                "remove it or check its name and the first version that has it",
            )
        value = settings.converted(name, functools.partial(parse_setting_value, spec))
        values.append((name, value))
    settings.finish()
    return tuple(values)
