"""Scenario sections about cluster objects: databases, regions, schedules and stores."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta

from pytest_crdb_security.simulator.scenario import (
    NODE_USER,
    ROOT,
    Database,
    PublicGrant,
    Region,
    Schedule,
    Store,
)
from pytest_crdb_security.simulator.scenario_fields import Fields
from pytest_crdb_security.simulator.timestamps import parse_timestamp

OBJECT_TYPES = ("database", "schema", "table")
PUBLIC_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "database": ("ALL", "BACKUP", "CONNECT", "CREATE", "DROP", "RESTORE", "ZONECONFIG"),
    "schema": ("ALL", "CHANGEFEED", "CREATE", "USAGE"),
    "table": (
        "ALL",
        "BACKUP",
        "CHANGEFEED",
        "CREATE",
        "DELETE",
        "DROP",
        "INSERT",
        "SELECT",
        "TRIGGER",
        "UPDATE",
        "ZONECONFIG",
    ),
}
ON_PREVIOUS_RUNNING = ("WAIT", "START", "SKIP")
ON_EXECUTION_FAILURE = ("RETRY_SCHED", "RETRY_SOON", "PAUSE_SCHED")
SCHEDULE_STATUSES = ("ACTIVE", "PAUSED")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_\-]*")


def _identifier(raw: object) -> str:
    if not isinstance(raw, str) or _IDENTIFIER.fullmatch(raw) is None:
        raise ValueError("use a lower-case SQL identifier such as app")
    return raw


def _read_public_grant(fields: Fields) -> PublicGrant:
    object_type = fields.choice("object_type", OBJECT_TYPES)
    privilege = fields.choice("privilege", PUBLIC_PRIVILEGES[object_type])
    schema = fields.converted("schema", lambda raw: None if raw is None else _identifier(raw), None)
    name = fields.converted("object", lambda raw: None if raw is None else _identifier(raw), None)
    fields.finish()

    if object_type == "database" and (schema or name):
        raise fields.error("schema", "a database grant names no schema or object", "remove them")
    if object_type != "database" and schema is None:
        raise fields.error("schema", f"missing for a {object_type} grant", "add schema: public")
    if object_type == "schema" and name is not None:
        raise fields.error("object", "a schema grant names no object", "remove object")
    if object_type == "table" and name is None:
        raise fields.error("object", "missing for a table grant", "add object: <table name>")
    return PublicGrant(object_type, privilege, schema, name)


def _read_database(fields: Fields, user_names: frozenset[str], owner: str) -> Database:
    name = fields.converted("name", _identifier)
    owner = fields.text("owner", owner)
    if owner not in user_names | {NODE_USER}:
        raise fields.error("owner", f"unknown user {owner!r}", "add it to users")
    grants = tuple(
        _read_public_grant(Fields(fields.source, key, item))
        for key, item in fields.items("public_grants")
    )
    defaults = fields.typed("default_public_grants", bool, "true or false", name != "system")
    fields.finish()
    return Database(name, owner, grants, defaults)


def read_databases(fields: Fields, user_names: frozenset[str]) -> tuple[Database, ...]:
    """Read `databases` and add system, defaultdb and postgres unless the scenario lists them."""
    databases: dict[str, Database] = {}
    for key, item in fields.items("databases"):
        item_fields = Fields(fields.source, key, item)
        default_owner = (
            NODE_USER if isinstance(item, dict) and item.get("name") == "system" else ROOT
        )
        database = _read_database(item_fields, user_names, default_owner)
        if database.name in databases:
            raise fields.source.error(key, f"duplicate database {database.name}", "list it once")
        databases[database.name] = database

    databases.setdefault("system", Database("system", NODE_USER, (), default_public_grants=False))
    databases.setdefault("defaultdb", Database("defaultdb"))
    databases.setdefault("postgres", Database("postgres"))
    return tuple(databases[name] for name in sorted(databases))


def read_regions(fields: Fields) -> tuple[Region, ...]:
    """Read `regions`: names, or mappings with `name` and `zones`."""
    regions: list[Region] = []
    for key, item in fields.items("regions"):
        if isinstance(item, str):
            regions.append(Region(item))
            continue
        region = Fields(fields.source, key, item)
        name = region.text("name")
        zones = [zone for _, zone in region.items("zones")]
        if not all(isinstance(zone, str) for zone in zones):
            raise region.error("zones", "expected zone names", "write e.g. [us-east1-b]")
        region.finish()
        regions.append(Region(name, tuple(str(zone) for zone in zones)))
    return tuple(sorted(regions, key=lambda region: region.name))


def _read_store(fields: Fields) -> Store:
    defaults = Store(node_id=0, store_id=0, encrypted=False)
    store = Store(
        node_id=fields.typed("node_id", int, "a node id"),
        store_id=fields.typed("store_id", int, "a store id"),
        encrypted=fields.typed("encrypted", bool, "true or false"),
        read_only=fields.typed("read_only", bool, "true or false", False),
        path=fields.text("path", defaults.path),
        fs_type=fields.text("fs_type", defaults.fs_type),
        mount_point=fields.text("mount_point", defaults.mount_point),
        mount_options=fields.text("mount_options", defaults.mount_options),
        block_device=fields.text("block_device", defaults.block_device),
    )
    fields.finish()
    if store.node_id < 1 or store.store_id < 1:
        raise fields.error("node_id", "node and store ids start at 1", "use positive ids")
    return store


def read_stores(fields: Fields) -> tuple[Store, ...]:
    """Read `stores`; without the key the cluster has one unencrypted store on node 1."""
    if not fields.has("stores"):
        fields.raw("stores", None)
        return (Store(node_id=1, store_id=1, encrypted=False),)
    stores = [_read_store(Fields(fields.source, key, item)) for key, item in fields.items("stores")]
    if not stores:
        raise fields.error("stores", "a cluster has at least one store", "list its stores")
    ids = [(store.node_id, store.store_id) for store in stores]
    if len(set(ids)) != len(ids):
        raise fields.error("stores", "duplicate node_id and store_id pair", "list each store once")
    return tuple(sorted(stores, key=lambda store: (store.node_id, store.store_id)))


def _read_command(fields: Fields) -> str:
    command = fields.raw("command")
    if not isinstance(command, dict):
        raise fields.error("command", "expected a mapping", "write e.g. {backup_statement: ...}")
    try:
        return json.dumps(command, sort_keys=True)
    except TypeError:
        raise fields.error("command", "holds a value JSON cannot store", "quote it") from None


def _read_schedule(fields: Fields, now: datetime, created: datetime) -> Schedule:
    def timestamp(raw: object) -> datetime | None:
        return None if raw is None else parse_timestamp(raw, now)

    schedule = Schedule(
        id=fields.typed("id", int, "a schedule id"),
        label=fields.text("label"),
        next_run=fields.converted("next_run", timestamp),
        state=fields.typed("state", str, "a string or null", None),
        recurrence=fields.text("recurrence"),
        owner=fields.text("owner", ROOT),
        created=fields.converted("created", timestamp, created) or created,
        command_json=_read_command(fields),
        jobs_running=fields.typed("jobs_running", int, "a number of jobs", 0),
        on_previous_running=fields.choice("on_previous_running", ON_PREVIOUS_RUNNING, "WAIT"),
        on_execution_failure=fields.choice(
            "on_execution_failure", ON_EXECUTION_FAILURE, "RETRY_SCHED"
        ),
    )
    status = fields.choice("status", SCHEDULE_STATUSES, schedule.status)
    fields.finish()
    if status != schedule.status:
        raise fields.error(
            "status",
            f"{status} contradicts next_run",
            "a paused schedule has next_run: null and an active one a timestamp",
        )
    return schedule


def read_schedules(
    fields: Fields, now: datetime, created: datetime, cluster_id: str
) -> tuple[Schedule, ...]:
    """Read `schedules` and add the internal schedules that every cluster has."""
    internal = internal_schedules(cluster_id, created, now)
    schedules = {schedule.id: schedule for schedule in internal}
    for key, item in fields.items("schedules"):
        schedule = _read_schedule(Fields(fields.source, key, item), now, created)
        if schedule.id in schedules:
            raise fields.source.error(key, f"duplicate schedule id {schedule.id}", "pick another")
        schedules[schedule.id] = schedule
    return tuple(schedules[schedule_id] for schedule_id in sorted(schedules))


def _next_weekly_run(now: datetime, weekday: int, hour: int, minute: int) -> datetime:
    """Return the next time after `now` that matches cron `minute hour * * weekday`."""
    candidate = now.replace(hour=hour, minute=minute, second=0)
    for _ in range(8):
        cron_weekday = (candidate.weekday() + 1) % 7  # cron counts from Sunday = 0
        if cron_weekday == weekday and candidate > now:
            return candidate
        candidate += timedelta(days=1)
    raise AssertionError("a weekly schedule runs within eight days")


def internal_schedules(cluster_id: str, created: datetime, now: datetime) -> tuple[Schedule, ...]:
    """Return the schedules owned by `node` that CockroachDB creates in every cluster.

    Ids and the weekly telemetry time are derived from the cluster id, so they
    stay the same between runs of one scenario.
    """
    seed = uuid.UUID(cluster_id).int
    first_id = 900_000_000_000_000_000 + seed % 10**17
    minute, hour, weekday = seed % 60, (seed // 60) % 24, (seed // 1440) % 7
    compaction = Schedule(
        id=first_id,
        label="sql-stats-compaction",
        next_run=now.replace(minute=0, second=0) + timedelta(hours=1),
        state="pending",
        recurrence="@hourly",
        owner=NODE_USER,
        created=created,
        command_json="{}",
        on_previous_running="SKIP",
    )
    telemetry = Schedule(
        id=first_id + 130_154_497,
        label="sql-schema-telemetry",
        next_run=_next_weekly_run(now, weekday, hour, minute),
        state="pending",
        recurrence=f"{minute} {hour} * * {weekday}",
        owner=NODE_USER,
        created=created + timedelta(milliseconds=287),
        command_json="{}",
        on_previous_running="SKIP",
    )
    return (compaction, telemetry)
