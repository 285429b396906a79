"""Scenario: the state of one simulated CockroachDB cluster, as loaded from YAML."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_crdb_security.simulator.settings_registry import SettingValue
from pytest_crdb_security.simulator.versions import Release, Version, build_string

if TYPE_CHECKING:
    from pytest_crdb_security.simulator.cloud_scenario import CloudScenario

# Users that every cluster has; `root` is a member of `admin`.
ROOT = "root"
ADMIN = "admin"
# The internal schedules of every cluster belong to this pseudo-user.
NODE_USER = "node"

RSA_1024 = "rsa-1024"
RSA_2048 = "rsa-2048"
ECDSA_P256 = "ecdsa-p256"
KEY_TYPES = (RSA_1024, RSA_2048, ECDSA_P256)


@dataclass(frozen=True)
class TlsConfig:
    """TLS behaviour of the SQL port."""

    enabled: bool = True
    key: str = RSA_2048  # key type of the node certificate
    not_after_days: int = 365  # validity of the node certificate from now
    expired: bool = False  # node certificate expired one day ago
    max_version: str | None = None  # "1.2" or "1.3"
    sslrequest_error: str | None = None  # send this ErrorResponse message instead of S or N
    min_version: str = "1.2"  # "1.0" to "1.3"; CockroachDB itself never goes below 1.2
    # Also accept the CBC and RSA key exchange TLS 1.2 suites, as CockroachDB does with
    # COCKROACH_TLS_ENABLE_OLD_CIPHER_SUITES=true.
    legacy_ciphers: bool = False
    # Subject alternative names of the node certificate: DNS names or IP addresses.
    names: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class BuildInfo:
    """Build details that the build string of `version()` shows."""

    time: str  # `yyyy/mm/dd hh:mm:ss`
    go_version: str
    platform: str = "x86_64-pc-linux-gnu"


@dataclass(frozen=True)
class User:
    """A SQL user or role, with its role options and direct memberships."""

    name: str
    password: str | None = None
    options: tuple[str, ...] = ()  # upper-case options, `NAME=value` for those with a value
    member_of: tuple[str, ...] = ()
    last_login: datetime | None = None

    @property
    def option_names(self) -> frozenset[str]:
        return frozenset(option.split("=", 1)[0] for option in self.options)


@dataclass(frozen=True)
class SystemGrant:
    """A system privilege granted with `GRANT SYSTEM <privilege> TO <grantee>`."""

    grantee: str
    privilege: str
    grantable: bool = False


@dataclass(frozen=True)
class TableGrant:
    """A privilege on a system table, such as SELECT on `system.users`."""

    grantee: str
    table: str  # `system.<name>`
    privilege: str


@dataclass(frozen=True)
class PublicGrant:
    """A privilege of the `public` role in one database."""

    object_type: str  # database | schema | table
    privilege: str
    schema: str | None = None
    object: str | None = None


@dataclass(frozen=True)
class Database:
    """A database and the privileges of `public` in it."""

    name: str
    owner: str = ROOT
    public_grants: tuple[PublicGrant, ...] = ()
    default_public_grants: bool = True  # CONNECT, and CREATE and USAGE on schema public


@dataclass(frozen=True)
class Schedule:
    """A row of SHOW SCHEDULES."""

    id: int
    label: str
    next_run: datetime | None  # None for a paused schedule
    state: str | None
    recurrence: str
    owner: str
    created: datetime
    command_json: str  # canonical JSON text of the `command` column
    jobs_running: int = 0
    on_previous_running: str = "WAIT"
    on_execution_failure: str = "RETRY_SCHED"

    @property
    def status(self) -> str:
        return "PAUSED" if self.next_run is None else "ACTIVE"

    @property
    def command(self) -> object:
        return json.loads(self.command_json)


@dataclass(frozen=True)
class Store:
    """A store of one node, as `crdb_internal.kv_store_status` shows it."""

    node_id: int
    store_id: int
    encrypted: bool
    read_only: bool = False
    path: str = "/mnt/data1/cockroach"
    fs_type: str = "ext4"
    mount_point: str = "/mnt/data1"
    mount_options: str = "rw,relatime"
    block_device: str = "/dev/nvme1n1"

    @property
    def properties(self) -> dict[str, object]:
        return {
            "encrypted": self.encrypted,
            "read_only": self.read_only,
            "file_store_properties": {
                "path": self.path,
                "fs_type": self.fs_type,
                "mount_point": self.mount_point,
                "mount_options": self.mount_options,
                "block_device": self.block_device,
            },
        }


@dataclass(frozen=True)
class Region:
    """A cluster region and its availability zones."""

    name: str
    zones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """State of a simulated cluster, validated by `load_scenario`."""

    name: str
    description: str
    deployment: str  # self-hosted | cloud
    cluster_name: str
    cluster_id: str
    version: str  # binary tag, e.g. v24.3.5
    active_version: str  # `SHOW CLUSTER SETTING version`, e.g. 24.3
    edition: str  # CCL | OSS
    tls: TlsConfig
    build: BuildInfo
    created: datetime
    audit_user: str
    audit_password: str | None
    regions: tuple[Region, ...]
    settings: tuple[tuple[str, SettingValue], ...]  # overrides of registry defaults
    users: tuple[User, ...]  # includes root and admin
    system_grants: tuple[SystemGrant, ...]
    table_grants: tuple[TableGrant, ...]
    databases: tuple[Database, ...]  # includes system, defaultdb and postgres
    schedules: tuple[Schedule, ...]  # includes the internal schedules
    stores: tuple[Store, ...]
    source: Path | None = None
    cloud: CloudScenario | None = None  # what the fake Cloud API and ccloud serve

    @property
    def binary(self) -> Version:
        return Version.parse_tag(self.version)

    @property
    def release(self) -> Release:
        return self.binary.release

    @property
    def build_string(self) -> str:
        return build_string(
            self.edition,
            self.version,
            self.build.platform,
            self.build.time,
            self.build.go_version,
        )

    def user(self, name: str) -> User | None:
        """Return the user or role with this name, or None."""
        for user in self.users:
            if user.name == name:
                return user
        return None
