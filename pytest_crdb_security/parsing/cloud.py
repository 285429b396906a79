"""Parsing of CockroachDB Cloud API v1 JSON bodies (also printed by ``ccloud -o json``).

Every parser takes the decoded JSON value and raises CloudFormatError, naming the
field, when the shape is not the documented one. Fields follow proto3 JSON rules: a
field that has its default value (false, 0, "") may be left out, so a missing
boolean reads as false and a missing number as 0.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_crdb_security.context import CloudPlan, ContextError, parse_plan


class CloudFormatError(ValueError):
    """A Cloud API body whose shape differs from the documented one."""


@dataclass(frozen=True)
class CloudRegion:
    """One region of a Cloud cluster and the DNS names it serves."""

    name: str
    node_count: int
    primary: bool
    sql_dns: str
    private_endpoint_dns: str
    internal_dns: str


@dataclass(frozen=True)
class CloudCluster:
    """The fields of a Cloud API ``Cluster`` object that the audit reads."""

    id: str
    name: str
    plan_value: str
    cockroach_version: str
    cloud_provider: str
    state: str
    operation_status: str
    upgrade_status: str
    network_visibility: str
    egress_traffic_policy: str
    delete_protection: str
    sql_dns: str
    regions: tuple[CloudRegion, ...]

    @property
    def plan(self) -> CloudPlan | None:
        """Return the plan, mapping the legacy SERVERLESS and DEDICATED; None if unrecognized."""
        try:
            return parse_plan(self.plan_value) if self.plan_value else None
        except ContextError:
            return None

    def dns_names(self) -> frozenset[str]:
        """Return every host name of the cluster, lower case, without a trailing dot."""
        names = {self.sql_dns}
        for region in self.regions:
            names.update((region.sql_dns, region.private_endpoint_dns, region.internal_dns))
        return frozenset(name.lower().rstrip(".") for name in names if name)


@dataclass(frozen=True)
class AllowlistEntry:
    """One IP allowlist entry: the network it admits and to which interfaces."""

    cidr_ip: str
    cidr_mask: int
    name: str
    sql: bool
    ui: bool

    @property
    def label(self) -> str:
        cidr = f"{self.cidr_ip}/{self.cidr_mask}"
        return f"{cidr} ({self.name})" if self.name else cidr

    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        """Return the network the entry admits; host bits of ``cidr_ip`` are dropped."""
        return ipaddress.ip_network(f"{self.cidr_ip}/{self.cidr_mask}", strict=False)


@dataclass(frozen=True)
class Allowlist:
    """All allowlist entries of a cluster, from every page."""

    entries: tuple[AllowlistEntry, ...]
    propagating: bool = False


@dataclass(frozen=True)
class PrivateEndpointConnection:
    """A customer endpoint connected to a cluster's private endpoint service."""

    endpoint_id: str
    region_name: str
    cloud_provider: str
    status: str
    service_name: str

    @property
    def label(self) -> str:
        return f"{self.endpoint_id or '(no id)'} in {self.region_name or '(no region)'}"


@dataclass(frozen=True)
class PrivateEndpointService:
    """The cluster side of private connectivity in one region."""

    region_name: str
    cloud_provider: str
    status: str
    name: str


@dataclass(frozen=True)
class CmekKey:
    """One customer-managed key of a region and its state."""

    key_type: str
    uri: str
    status: str
    user_message: str


@dataclass(frozen=True)
class CmekRegion:
    region: str
    status: str
    keys: tuple[CmekKey, ...]


@dataclass(frozen=True)
class CmekConfig:
    """The CMEK state of a cluster: the cluster-level status and each region's keys."""

    status: str
    regions: tuple[CmekRegion, ...]


@dataclass(frozen=True)
class BackupsConfig:
    """Managed backup settings of a cluster."""

    enabled: bool
    frequency_minutes: int
    retention_days: int


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    label: str


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CloudFormatError(f"{where} must be a JSON object, got {_kind(value)}")
    return value


def _list(value: object, where: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CloudFormatError(f"{where} must be a JSON array, got {_kind(value)}")
    return value


def _kind(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CloudFormatError(f"{where}.{key} must be a string, got {_kind(value)}")
    return value


def _required_text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = _text(data, key, where)
    if not value:
        raise CloudFormatError(f"{where}.{key} is missing or empty")
    return value


def _flag(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise CloudFormatError(f"{where}.{key} must be true or false, got {_kind(value)}")
    return value


def _integer(data: Mapping[str, Any], key: str, where: str) -> int:
    """Read an integer; int64 fields arrive as decimal strings under proto3 JSON rules."""
    value = data.get(key, 0)
    if value is None:
        return 0
    if isinstance(value, bool):
        raise CloudFormatError(f"{where}.{key} must be an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise CloudFormatError(f"{where}.{key} must be an integer, got {value!r}")


def parse_cluster(value: object, where: str = "cluster") -> CloudCluster:
    data = _mapping(value, where)
    regions = tuple(
        _region(item, f"{where}.regions[{index}]")
        for index, item in enumerate(_list(data.get("regions"), f"{where}.regions"))
    )
    return CloudCluster(
        id=_required_text(data, "id", where),
        name=_required_text(data, "name", where),
        plan_value=_text(data, "plan", where).upper(),
        cockroach_version=_text(data, "cockroach_version", where),
        cloud_provider=_text(data, "cloud_provider", where),
        state=_text(data, "state", where),
        operation_status=_text(data, "operation_status", where),
        upgrade_status=_text(data, "upgrade_status", where),
        network_visibility=_text(data, "network_visibility", where),
        egress_traffic_policy=_text(data, "egress_traffic_policy", where),
        delete_protection=_text(data, "delete_protection", where),
        sql_dns=_text(data, "sql_dns", where),
        regions=regions,
    )


def _region(value: object, where: str) -> CloudRegion:
    data = _mapping(value, where)
    return CloudRegion(
        name=_required_text(data, "name", where),
        node_count=_integer(data, "node_count", where),
        primary=_flag(data, "primary", where),
        sql_dns=_text(data, "sql_dns", where),
        private_endpoint_dns=_text(data, "private_endpoint_dns", where),
        internal_dns=_text(data, "internal_dns", where),
    )


def parse_allowlist_entry(value: object, where: str) -> AllowlistEntry:
    """Parse one entry; the address and mask must form a valid network."""
    data = _mapping(value, where)
    entry = AllowlistEntry(
        cidr_ip=_required_text(data, "cidr_ip", where).strip(),
        cidr_mask=_integer(data, "cidr_mask", where),
        name=_text(data, "name", where),
        sql=_flag(data, "sql", where),
        ui=_flag(data, "ui", where),
    )
    try:
        entry.network()
    except ValueError:
        raise CloudFormatError(
            f"{where} is not a valid network: {entry.cidr_ip!r} with mask {entry.cidr_mask}"
        ) from None
    return entry


def parse_private_endpoint_connection(value: object, where: str) -> PrivateEndpointConnection:
    data = _mapping(value, where)
    return PrivateEndpointConnection(
        endpoint_id=_text(data, "endpoint_id", where),
        region_name=_text(data, "region_name", where),
        cloud_provider=_text(data, "cloud_provider", where),
        status=_required_text(data, "status", where).upper(),
        service_name=_text(data, "service_name", where),
    )


def parse_private_endpoint_service(value: object, where: str) -> PrivateEndpointService:
    data = _mapping(value, where)
    return PrivateEndpointService(
        region_name=_text(data, "region_name", where),
        cloud_provider=_text(data, "cloud_provider", where),
        status=_text(data, "status", where).upper(),
        name=_text(data, "name", where),
    )


def parse_cmek(value: object, where: str = "cmek") -> CmekConfig:
    data = _mapping(value, where)
    regions = []
    for index, item in enumerate(_list(data.get("region_infos"), f"{where}.region_infos")):
        region_where = f"{where}.region_infos[{index}]"
        region = _mapping(item, region_where)
        key_infos = _list(region.get("key_infos"), f"{region_where}.key_infos")
        keys = tuple(
            _cmek_key(key, f"{region_where}.key_infos[{number}]")
            for number, key in enumerate(key_infos)
        )
        regions.append(
            CmekRegion(
                region=_required_text(region, "region", region_where),
                status=_text(region, "status", region_where).upper(),
                keys=keys,
            )
        )
    return CmekConfig(status=_text(data, "status", where).upper(), regions=tuple(regions))


def _cmek_key(value: object, where: str) -> CmekKey:
    data = _mapping(value, where)
    spec = _mapping(data.get("spec") or {}, f"{where}.spec")
    return CmekKey(
        key_type=_text(spec, "type", f"{where}.spec"),
        uri=_text(spec, "uri", f"{where}.spec"),
        status=_text(data, "status", where).upper(),
        user_message=_text(data, "user_message", where),
    )


def parse_backups_config(value: object, where: str = "backups-config") -> BackupsConfig:
    data = _mapping(value, where)
    return BackupsConfig(
        enabled=_flag(data, "enabled", where),
        frequency_minutes=_integer(data, "frequency_minutes", where),
        retention_days=_integer(data, "retention_days", where),
    )


def parse_organization(value: object, where: str = "organization") -> Organization:
    data = _mapping(value, where)
    return Organization(
        id=_text(data, "id", where),
        name=_text(data, "name", where),
        label=_text(data, "label", where),
    )


def items_of(value: object, key: str) -> Sequence[Any]:
    """Return the list of a list response: a bare array, or an object holding it under ``key``.

    The Cloud API wraps lists (``{"clusters": [...]}``); ``ccloud -o json`` has been seen
    printing a bare array, and neither shape is documented for every command.
    """
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if key not in value:
            raise CloudFormatError(f"the object has no {key!r} list")
        return _list(value[key], repr(key))
    raise CloudFormatError(f"expected a JSON array or object, got {_kind(value)}")


def next_page_token(value: object) -> str | None:
    """Return ``pagination.next_page`` of a list response, or None on the last page."""
    if not isinstance(value, dict):
        return None
    pagination = value.get("pagination")
    if pagination is None:
        return None
    if not isinstance(pagination, dict):
        raise CloudFormatError(f"pagination must be a JSON object, got {_kind(pagination)}")
    token = pagination.get("next_page")
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise CloudFormatError(f"pagination.next_page must be a string, got {_kind(token)}")
    return token
