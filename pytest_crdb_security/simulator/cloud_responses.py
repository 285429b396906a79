"""JSON bodies of the Cloud API v1, built from a scenario's ``cloud`` section.

Shapes follow the API version 2024-09-16: int64 fields such as the usage limits are
JSON strings (proto3 JSON), int32 fields such as ``cidr_mask`` are numbers.
"""

from __future__ import annotations

from typing import Any

from pytest_crdb_security.simulator.cloud_scenario import CloudScenario

CREATED_AT = "2025-01-21T17:04:09Z"
# Plans whose Cluster.config is {"dedicated": ...}; the others have {"serverless": ...}.
DEDICATED_PLANS = ("ADVANCED", "DEDICATED")


def _config(plan: str) -> dict[str, Any]:
    if plan in DEDICATED_PLANS:
        return {
            "dedicated": {
                "machine_type": "m6i.xlarge",
                "num_virtual_cpus": 4,
                "storage_gib": 150,
                "memory_gib": 16,
                "disk_iops": 3000,
            }
        }
    return {
        "serverless": {
            "routing_id": "sim-routing-id",
            "upgrade_type": "AUTOMATIC",
            "usage_limits": {"request_unit_limit": "100000000", "storage_mib_limit": "10240"},
        }
    }


def cluster_body(cloud: CloudScenario) -> dict[str, Any]:
    """Return the Cluster object of the scenario's cluster."""
    regions = [
        {
            "name": region.name,
            "sql_dns": region.sql_dns,
            "ui_dns": f"admin-{region.sql_dns}",
            "internal_dns": f"internal-{region.sql_dns}",
            "private_endpoint_dns": f"private-{region.sql_dns}",
            "node_count": region.node_count,
            "primary": region.primary,
        }
        for region in cloud.regions
    ]
    body: dict[str, Any] = {
        "id": cloud.id,
        "name": cloud.name,
        "cockroach_version": cloud.cockroach_version,
        "plan": cloud.plan,
        "cloud_provider": cloud.cloud_provider,
        "account_id": "sim-account-123456",
        "state": cloud.state,
        "creator_id": "sim-creator",
        "operation_status": cloud.operation_status,
        "config": _config(cloud.plan),
        "regions": regions,
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "deleted_at": None,
        "sql_dns": cloud.regions[0].sql_dns,
        "network_visibility": cloud.network_visibility,
        "upgrade_status": cloud.upgrade_status,
        "labels": {},
        "delete_protection": cloud.delete_protection,
    }
    if cloud.egress_traffic_policy:
        body["egress_traffic_policy"] = cloud.egress_traffic_policy
    return body


def other_cluster_body(cloud: CloudScenario, name: str) -> dict[str, Any]:
    """Return a minimal Basic cluster that shares the organization with the audited one."""
    sql_dns = f"{name}-sim.{cloud.cloud_provider.lower()}-us-east-1.cockroachlabs.cloud"
    return {
        "id": cloud.cluster_id_of(name),
        "name": name,
        "cockroach_version": cloud.cockroach_version,
        "plan": "BASIC",
        "cloud_provider": cloud.cloud_provider,
        "state": "CREATED",
        "config": _config("BASIC"),
        "regions": [{"name": "us-east-1", "sql_dns": sql_dns, "node_count": 0, "primary": True}],
        "sql_dns": sql_dns,
        "upgrade_status": "FINALIZED",
    }


def clusters(cloud: CloudScenario) -> list[dict[str, Any]]:
    return [cluster_body(cloud)] + [other_cluster_body(cloud, n) for n in cloud.other_clusters]


def allowlist_entries(cloud: CloudScenario) -> list[dict[str, Any]]:
    return [
        {
            "cidr_ip": entry.cidr_ip,
            "cidr_mask": entry.cidr_mask,
            "name": entry.name,
            "sql": entry.sql,
            "ui": entry.ui,
        }
        for entry in cloud.allowlist
    ]


def private_endpoint_connections(cloud: CloudScenario) -> list[dict[str, Any]]:
    return [
        {
            "cloud_provider": cloud.cloud_provider,
            "endpoint_id": connection.endpoint_id,
            "endpoint_service_id": f"svc-{connection.region_name}",
            "external_owner_id": "sim-owner-123456",
            "region_name": connection.region_name,
            "service_name": connection.service_name or f"sim.{connection.region_name}.service",
            "status": connection.status,
        }
        for connection in cloud.private_endpoint_connections
    ]


def private_endpoint_services(cloud: CloudScenario) -> list[dict[str, Any]]:
    # NOTE: the facts behind this simulator name the services endpoint but not its body;
    # these fields mirror the connection objects.
    return [
        {
            "region_name": service.region_name,
            "cloud_provider": cloud.cloud_provider,
            "status": service.status,
            "name": service.name or f"sim.{service.region_name}.service",
            "endpoint_service_id": f"svc-{service.region_name}",
        }
        for service in cloud.private_endpoint_services
    ]


def cmek_body(cloud: CloudScenario) -> dict[str, Any] | None:
    if cloud.cmek is None:
        return None
    return {
        "status": cloud.cmek.status,
        "region_infos": [
            {
                "region": region.region,
                "status": region.status,
                "key_infos": [
                    {
                        "spec": {
                            "type": key.key_type,
                            "uri": key.uri,
                            "auth_principal": key.auth_principal,
                        },
                        "status": key.status,
                        "user_message": key.user_message,
                        "created_at": CREATED_AT,
                        "updated_at": CREATED_AT,
                    }
                    for key in region.keys
                ],
            }
            for region in cloud.cmek.regions
        ],
    }


def backups_config_body(cloud: CloudScenario) -> dict[str, Any] | None:
    config = cloud.backups_config
    if config is None:
        return None
    return {
        "enabled": config.enabled,
        "frequency_minutes": config.frequency_minutes,
        "retention_days": config.retention_days,
    }


def organization_body(cloud: CloudScenario) -> dict[str, Any]:
    organization = cloud.organization
    return {
        "id": organization.id,
        "name": organization.name,
        "label": organization.label,
        "created_at": CREATED_AT,
    }


def error_body(status: int, message: str) -> dict[str, Any]:
    """Return the ``{"code", "message", "details"}`` error body with the gRPC code of ``status``."""
    codes = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 500: 13, 501: 12, 503: 14, 504: 4}
    return {"code": codes.get(status, 2), "message": message, "details": []}
