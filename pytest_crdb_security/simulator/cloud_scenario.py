"""The ``cloud:`` section of a scenario: what the fake Cloud API and fake ccloud serve."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from pytest_crdb_security.simulator.scenario import Region
from pytest_crdb_security.simulator.scenario_fields import Fields

PLANS = ("BASIC", "STANDARD", "ADVANCED", "SERVERLESS", "DEDICATED")
PROVIDERS = ("AWS", "GCP", "AZURE")
STATES = ("CREATING", "CREATED", "CREATION_FAILED", "DELETED", "LOCKED")
UPGRADE_STATUSES = (
    "FINALIZED",
    "MAJOR_UPGRADE_RUNNING",
    "UPGRADE_AVAILABLE",
    "PENDING_FINALIZATION",
    "ROLLBACK_RUNNING",
)
OPERATION_STATUSES = (
    "UNSPECIFIED",
    "CRDB_MAJOR_UPGRADE_RUNNING",
    "CRDB_MAJOR_UPGRADE_FAILED",
    "CRDB_MAJOR_ROLLBACK_RUNNING",
    "CRDB_PATCH_RUNNING",
    "CRDB_SCALE_RUNNING",
    "MAINTENANCE_RUNNING",
)
VISIBILITIES = ("PUBLIC", "PRIVATE")
DELETE_PROTECTION = ("ENABLED", "DISABLED")
ENDPOINT_STATUSES = (
    "STATUS_PENDING",
    "STATUS_PENDING_ACCEPTANCE",
    "STATUS_AVAILABLE",
    "STATUS_DELETING",
    "STATUS_DELETED",
    "STATUS_REJECTED",
    "STATUS_FAILED",
    "STATUS_EXPIRED",
)
CMEK_STATUSES = (
    "DISABLED",
    "DISABLING",
    "DISABLE_FAILED",
    "ENABLED",
    "ENABLING",
    "ENABLE_FAILED",
    "ROTATING",
    "ROTATE_FAILED",
    "REVOKED",
    "REVOKING",
    "REVOKE_FAILED",
)
KEY_TYPES = ("AWS_KMS", "GCP_CLOUD_KMS", "AZURE_KEY_VAULT", "NULL_KMS")

# Names of the fake API's endpoints and of the fake ccloud's commands, for failures.
API_ENDPOINTS = (
    "organization",
    "clusters",
    "cluster",
    "allowlist",
    "private_endpoint_connections",
    "private_endpoint_services",
    "cmek",
    "backups_config",
)
CCLOUD_COMMANDS = ("whoami", "cluster_list", "cluster_info", "allowlist")
LIST_FORMATS = ("array", "object")

DEFAULT_API_KEY = "sim-cloud-api-key"


@dataclass(frozen=True)
class CloudRegionSpec:
    name: str
    node_count: int
    primary: bool
    sql_dns: str


@dataclass(frozen=True)
class AllowlistEntrySpec:
    cidr_ip: str
    cidr_mask: int
    name: str
    sql: bool
    ui: bool


@dataclass(frozen=True)
class EndpointConnectionSpec:
    endpoint_id: str
    region_name: str
    status: str
    service_name: str


@dataclass(frozen=True)
class EndpointServiceSpec:
    region_name: str
    status: str
    name: str


@dataclass(frozen=True)
class CmekKeySpec:
    key_type: str
    uri: str
    auth_principal: str
    status: str
    user_message: str


@dataclass(frozen=True)
class CmekRegionSpec:
    region: str
    status: str
    keys: tuple[CmekKeySpec, ...]


@dataclass(frozen=True)
class CmekSpec:
    status: str
    regions: tuple[CmekRegionSpec, ...]


@dataclass(frozen=True)
class BackupsConfigSpec:
    enabled: bool
    frequency_minutes: int
    retention_days: int


@dataclass(frozen=True)
class ApiFailure:
    """A response the fake API returns on one endpoint in place of the scenario's data.

    ``body`` is sent as it is (with ``status``, 200 by default), to test malformed
    bodies; without it the response is the JSON error body of ``status``.
    """

    status: int
    message: str
    body: str | None
    delay_seconds: float


@dataclass(frozen=True)
class CcloudFailure:
    """A behaviour of the fake ccloud for one command in place of printing the scenario's data."""

    exit_code: int
    stderr: str
    stdout: str | None
    delay_seconds: float


@dataclass(frozen=True)
class CcloudSpec:
    logged_in: bool = True
    whoami: str = "Simulated Org (org-sim)"
    list_format: str = "array"
    failures: Mapping[str, CcloudFailure] = field(default_factory=dict)


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    label: str


@dataclass(frozen=True)
class CloudScenario:
    """The Cloud side of a simulated cluster, validated by `read_cloud_scenario`."""

    id: str
    name: str
    plan: str
    cloud_provider: str
    cockroach_version: str
    state: str
    operation_status: str
    upgrade_status: str
    network_visibility: str
    egress_traffic_policy: str
    delete_protection: str
    regions: tuple[CloudRegionSpec, ...]
    organization: Organization
    api_key: str
    other_clusters: tuple[str, ...]
    allowlist: tuple[AllowlistEntrySpec, ...]
    allowlist_propagating: bool
    private_endpoint_services: tuple[EndpointServiceSpec, ...]
    private_endpoint_connections: tuple[EndpointConnectionSpec, ...]
    cmek: CmekSpec | None  # None: the API returns 404
    backups_config: BackupsConfigSpec | None  # None: the API returns 404
    page_size: int
    failures: Mapping[str, ApiFailure]
    ccloud: CcloudSpec

    def cluster_id_of(self, name: str) -> str:
        """Return the id of this cluster or of one of `other_clusters`."""
        if name == self.name:
            return self.id
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{self.id}/{name}"))


def read_cloud_scenario(
    fields: Fields,
    deployment: str,
    scenario_name: str,
    cluster_name: str,
    version: str,
    regions: tuple[Region, ...],
) -> CloudScenario | None:
    """Read the optional ``cloud`` key of a scenario whose deployment is cloud."""
    if not fields.has("cloud"):
        fields.raw("cloud", None)
        return None
    if deployment != "cloud":
        raise fields.error("cloud", "only a cloud deployment has a cloud section", "remove it")
    cloud = Fields(fields.source, fields.key("cloud"), fields.raw("cloud"))
    name = cloud.text("name", cluster_name)
    provider = cloud.choice("cloud_provider", PROVIDERS, "AWS")
    scenario = CloudScenario(
        id=cloud.converted(
            "id", _uuid_text, str(uuid.uuid5(uuid.NAMESPACE_URL, f"cloud/{scenario_name}"))
        ),
        name=name,
        plan=cloud.choice("plan", PLANS),
        cloud_provider=provider,
        cockroach_version=cloud.text("cockroach_version", version),
        state=cloud.choice("state", STATES, "CREATED"),
        operation_status=cloud.choice("operation_status", OPERATION_STATUSES, "UNSPECIFIED"),
        upgrade_status=cloud.choice("upgrade_status", UPGRADE_STATUSES, "FINALIZED"),
        network_visibility=cloud.choice("network_visibility", VISIBILITIES, "PUBLIC"),
        egress_traffic_policy=cloud.text("egress_traffic_policy", ""),
        delete_protection=cloud.choice("delete_protection", DELETE_PROTECTION, "DISABLED"),
        regions=_read_regions(cloud, name, provider, regions),
        organization=_read_organization(cloud),
        api_key=cloud.text("api_key", DEFAULT_API_KEY),
        other_clusters=tuple(
            _text_item(cloud, key, item, "a cluster name")
            for key, item in cloud.items("other_clusters")
        ),
        allowlist=tuple(
            _read_allowlist_entry(Fields(cloud.source, key, item))
            for key, item in cloud.items("allowlist")
        ),
        allowlist_propagating=cloud.typed("allowlist_propagating", bool, "true or false", False),
        private_endpoint_services=tuple(
            _read_service(Fields(cloud.source, key, item))
            for key, item in cloud.items("private_endpoint_services")
        ),
        private_endpoint_connections=tuple(
            _read_connection(Fields(cloud.source, key, item))
            for key, item in cloud.items("private_endpoint_connections")
        ),
        cmek=_read_cmek(cloud),
        backups_config=_read_backups_config(cloud),
        page_size=cloud.typed("page_size", int, "a whole number of items", 100),
        failures=_read_api_failures(cloud),
        ccloud=_read_ccloud(cloud),
    )
    cloud.finish()
    if scenario.page_size < 1:
        raise cloud.error("page_size", "must be at least 1", "use 1 or more items per page")
    return scenario


def _uuid_text(raw: object) -> str:
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise ValueError("write a UUID such as 5a1e2f3c-8b7d-4e6f-9a0b-1c2d3e4f5a6b") from None


def _text_item(fields: Fields, key: str, item: object, expected: str) -> str:
    if not isinstance(item, str) or not item.strip():
        raise fields.source.error(key, f"expected {expected}, got {item!r}", f"write {expected}")
    return item


def _read_regions(
    cloud: Fields, name: str, provider: str, sql_regions: tuple[Region, ...]
) -> tuple[CloudRegionSpec, ...]:
    def default_dns(region: str) -> str:
        return f"{name}-sim.{provider.lower()}-{region}.cockroachlabs.cloud"

    if not cloud.has("regions"):
        cloud.raw("regions", None)
        names = [region.name for region in sql_regions] or ["us-east-1"]
        return tuple(
            CloudRegionSpec(region, 3, index == 0, default_dns(region))
            for index, region in enumerate(names)
        )
    result: list[CloudRegionSpec] = []
    for key, item in cloud.items("regions"):
        region = Fields(cloud.source, key, item)
        region_name = region.text("name")
        result.append(
            CloudRegionSpec(
                name=region_name,
                node_count=region.typed("node_count", int, "a number of nodes", 3),
                primary=region.typed("primary", bool, "true or false", not result),
                sql_dns=region.text("sql_dns", default_dns(region_name)),
            )
        )
        region.finish()
    if not result:
        raise cloud.error("regions", "must not be empty", "list at least one region")
    return tuple(result)


def _read_organization(cloud: Fields) -> Organization:
    organization = Fields(cloud.source, cloud.key("organization"), cloud.raw("organization", {}))
    result = Organization(
        id=organization.text("id", "org-sim"),
        name=organization.text("name", "Simulated Org"),
        label=organization.text("label", "sim-org"),
    )
    organization.finish()
    return result


def _read_allowlist_entry(entry: Fields) -> AllowlistEntrySpec:
    cidr_ip = entry.text("cidr_ip")
    cidr_mask = entry.typed("cidr_mask", int, "a prefix length such as 24")
    try:
        ipaddress.ip_network(f"{cidr_ip}/{cidr_mask}", strict=False)
    except ValueError:
        raise entry.error(
            "cidr_mask", f"{cidr_ip}/{cidr_mask} is not a network", "use 0 to 32 for IPv4"
        ) from None
    result = AllowlistEntrySpec(
        cidr_ip=cidr_ip,
        cidr_mask=cidr_mask,
        name=entry.text("name", ""),
        sql=entry.typed("sql", bool, "true or false", True),
        ui=entry.typed("ui", bool, "true or false", False),
    )
    entry.finish()
    return result


def _read_service(service: Fields) -> EndpointServiceSpec:
    result = EndpointServiceSpec(
        region_name=service.text("region_name"),
        status=service.choice("status", ENDPOINT_STATUSES, "STATUS_AVAILABLE"),
        name=service.text("name", ""),
    )
    service.finish()
    return result


def _read_connection(connection: Fields) -> EndpointConnectionSpec:
    result = EndpointConnectionSpec(
        endpoint_id=connection.text("endpoint_id"),
        region_name=connection.text("region_name"),
        status=connection.choice("status", ENDPOINT_STATUSES),
        service_name=connection.text("service_name", ""),
    )
    connection.finish()
    return result


def _read_cmek(cloud: Fields) -> CmekSpec | None:
    raw = cloud.raw("cmek", None)
    if raw is None:
        return None
    cmek = Fields(cloud.source, cloud.key("cmek"), raw)
    status = cmek.choice("status", CMEK_STATUSES)
    regions = []
    for key, item in cmek.items("region_infos"):
        region = Fields(cmek.source, key, item)
        keys = []
        for key_path, key_item in region.items("key_infos"):
            key_fields = Fields(region.source, key_path, key_item)
            keys.append(
                CmekKeySpec(
                    key_type=key_fields.choice("type", KEY_TYPES),
                    uri=key_fields.text("uri"),
                    auth_principal=key_fields.text("auth_principal", ""),
                    status=key_fields.choice("status", CMEK_STATUSES),
                    user_message=key_fields.text("user_message", ""),
                )
            )
            key_fields.finish()
        regions.append(
            CmekRegionSpec(
                region=region.text("region"),
                status=region.choice("status", CMEK_STATUSES),
                keys=tuple(keys),
            )
        )
        region.finish()
    cmek.finish()
    return CmekSpec(status, tuple(regions))


def _read_backups_config(cloud: Fields) -> BackupsConfigSpec | None:
    raw = cloud.raw("backups_config", None)
    if raw is None:
        return None
    config = Fields(cloud.source, cloud.key("backups_config"), raw)
    result = BackupsConfigSpec(
        enabled=config.typed("enabled", bool, "true or false"),
        frequency_minutes=config.typed("frequency_minutes", int, "a number of minutes", 60),
        retention_days=config.typed("retention_days", int, "a number of days", 30),
    )
    config.finish()
    return result


def _delay(fields: Fields) -> float:
    raw = fields.raw("delay_seconds", 0)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < 0:
        raise fields.error("delay_seconds", f"invalid value {raw!r}", "write 0 or more seconds")
    return float(raw)


def _read_api_failures(cloud: Fields) -> Mapping[str, ApiFailure]:
    failures = Fields(cloud.source, cloud.key("failures"), cloud.raw("failures", {}))
    result = {}
    for endpoint in failures.sorted_keys():
        if endpoint not in API_ENDPOINTS:
            raise failures.error(
                endpoint, "unknown endpoint", f"use one of: {', '.join(API_ENDPOINTS)}"
            )
        failure = Fields(failures.source, failures.key(endpoint), failures.raw(endpoint))
        body = failure.typed("body", str, "the raw response body", None)
        status = failure.typed("status", int, "an HTTP status such as 403", 200 if body else None)
        if status is None or not 200 <= status <= 599:
            raise failure.error(
                "status", f"invalid value {status!r}", "give an HTTP status from 200 to 599"
            )
        result[endpoint] = ApiFailure(
            status=status,
            message=failure.text("message", f"simulated failure with HTTP {status}"),
            body=body,
            delay_seconds=_delay(failure),
        )
        failure.finish()
    failures.finish()
    return result


def _read_ccloud(cloud: Fields) -> CcloudSpec:
    ccloud = Fields(cloud.source, cloud.key("ccloud"), cloud.raw("ccloud", {}))
    failures_fields = Fields(ccloud.source, ccloud.key("failures"), ccloud.raw("failures", {}))
    failures = {}
    for command in failures_fields.sorted_keys():
        if command not in CCLOUD_COMMANDS:
            raise failures_fields.error(
                command, "unknown command", f"use one of: {', '.join(CCLOUD_COMMANDS)}"
            )
        failure = Fields(
            failures_fields.source, failures_fields.key(command), failures_fields.raw(command)
        )
        failures[command] = CcloudFailure(
            exit_code=failure.typed("exit_code", int, "an exit status", 1),
            stderr=failure.typed("stderr", str, "error output", ""),
            stdout=failure.typed("stdout", str, "standard output", None),
            delay_seconds=_delay(failure),
        )
        failure.finish()
    failures_fields.finish()
    spec = CcloudSpec(
        logged_in=ccloud.typed("logged_in", bool, "true or false", True),
        whoami=ccloud.text("whoami", CcloudSpec.whoami),
        list_format=ccloud.choice("list_format", LIST_FORMATS, "array"),
        failures=failures,
    )
    ccloud.finish()
    return spec
