from typing import Any

import pytest

from pytest_crdb_security.context import CloudPlan
from pytest_crdb_security.parsing.cloud import (
    CloudFormatError,
    items_of,
    next_page_token,
    parse_allowlist_entry,
    parse_backups_config,
    parse_cluster,
    parse_cmek,
    parse_private_endpoint_connection,
)

CLUSTER: dict[str, Any] = {
    "id": "7d2c4b6a-1e3f-4a5b-9c8d-0e1f2a3b4c5d",
    "name": "prod",
    "cockroach_version": "v25.2.4",
    "plan": "DEDICATED",
    "cloud_provider": "AWS",
    "state": "CREATED",
    "config": {"serverless": {"usage_limits": {"request_unit_limit": "100000000"}}},
    "regions": [
        {
            "name": "us-east-1",
            "sql_dns": "prod-x.aws-us-east-1.cockroachlabs.cloud",
            "node_count": 3,
            "primary": True,
        },
        {"name": "us-west-2", "private_endpoint_dns": "PRIVATE.example.cockroachlabs.cloud."},
    ],
    "upgrade_status": "FINALIZED",
}


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ("BASIC", CloudPlan.BASIC),
        ("STANDARD", CloudPlan.STANDARD),
        ("ADVANCED", CloudPlan.ADVANCED),
        ("SERVERLESS", CloudPlan.BASIC),
        ("DEDICATED", CloudPlan.ADVANCED),
        ("ENTERPRISE", None),
        ("", None),
    ],
)
def test_cluster_plan(plan: str, expected: CloudPlan | None) -> None:
    cluster = parse_cluster({**CLUSTER, "plan": plan})

    assert cluster.plan is expected


def test_cluster_fields_and_dns_names() -> None:
    cluster = parse_cluster(CLUSTER)

    assert cluster.name == "prod"
    assert cluster.plan_value == "DEDICATED"
    assert [region.name for region in cluster.regions] == ["us-east-1", "us-west-2"]
    assert cluster.regions[0].node_count == 3
    assert cluster.regions[0].primary is True
    # proto3 JSON leaves out default values: a missing flag or count reads as false or 0.
    assert cluster.regions[1].primary is False
    assert cluster.regions[1].node_count == 0
    assert cluster.dns_names() == frozenset(
        {"prod-x.aws-us-east-1.cockroachlabs.cloud", "private.example.cockroachlabs.cloud"}
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "cluster must be a JSON object, got an array"),
        ({"name": "x"}, "cluster.id is missing or empty"),
        ({**CLUSTER, "name": 5}, "cluster.name must be a string, got a number"),
        ({**CLUSTER, "regions": {}}, "cluster.regions must be a JSON array, got an object"),
        (
            {**CLUSTER, "regions": [{"name": "a", "node_count": "x"}]},
            "cluster.regions[0].node_count must be an integer, got 'x'",
        ),
        (
            {**CLUSTER, "regions": [{"name": "a", "primary": "yes"}]},
            "cluster.regions[0].primary must be true or false, got a string",
        ),
    ],
)
def test_cluster_malformed(body: object, message: str) -> None:
    with pytest.raises(CloudFormatError) as raised:
        parse_cluster(body)

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("entry", "network", "sql", "ui"),
    [
        (
            {"cidr_ip": "1.2.3.0", "cidr_mask": 24, "name": "office", "sql": True, "ui": True},
            "1.2.3.0/24",
            True,
            True,
        ),
        # Host bits are dropped: 10.0.0.0 with mask 0 is every address.
        ({"cidr_ip": "10.0.0.0", "cidr_mask": 0, "sql": True}, "0.0.0.0/0", True, False),
        ({"cidr_ip": "0.0.0.0", "cidr_mask": 32, "sql": True}, "0.0.0.0/32", True, False),
        # A mask left out under proto3 rules is 0.
        ({"cidr_ip": "203.0.113.9", "sql": True}, "0.0.0.0/0", True, False),
        ({"cidr_ip": "198.51.100.7", "cidr_mask": "32"}, "198.51.100.7/32", False, False),
        ({"cidr_ip": "2001:db8::", "cidr_mask": 32, "ui": True}, "2001:db8::/32", False, True),
    ],
)
def test_allowlist_entry(entry: dict[str, Any], network: str, sql: bool, ui: bool) -> None:
    parsed = parse_allowlist_entry(entry, "allowlist[0]")

    assert str(parsed.network()) == network
    assert parsed.sql is sql
    assert parsed.ui is ui


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"cidr_ip": "1.2.3.0", "cidr_mask": 33},
            "allowlist[0] is not a valid network: '1.2.3.0' with mask 33",
        ),
        (
            {"cidr_ip": "example.com", "cidr_mask": 8},
            "allowlist[0] is not a valid network: 'example.com' with mask 8",
        ),
        ({"cidr_mask": 8}, "allowlist[0].cidr_ip is missing or empty"),
        (
            {"cidr_ip": "1.2.3.0", "cidr_mask": True},
            "allowlist[0].cidr_mask must be an integer, got a boolean",
        ),
        ("1.2.3.0/24", "allowlist[0] must be a JSON object, got a string"),
    ],
)
def test_allowlist_entry_malformed(entry: object, message: str) -> None:
    with pytest.raises(CloudFormatError) as raised:
        parse_allowlist_entry(entry, "allowlist[0]")

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("body", "items"),
    [
        ([{"a": 1}], [{"a": 1}]),
        ({"clusters": [{"a": 1}], "pagination": {}}, [{"a": 1}]),
        ({"clusters": None}, []),
    ],
)
def test_items_of(body: object, items: list[Any]) -> None:
    assert list(items_of(body, "clusters")) == items


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"items": []}, "the object has no 'clusters' list"),
        ({"clusters": "oops"}, "'clusters' must be a JSON array, got a string"),
        ("text", "expected a JSON array or object, got a string"),
    ],
)
def test_items_of_malformed(body: object, message: str) -> None:
    with pytest.raises(CloudFormatError) as raised:
        items_of(body, "clusters")

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("body", "token"),
    [
        ({"pagination": {"next_page": "p2"}}, "p2"),
        ({"pagination": {"next_page": ""}}, None),
        ({"pagination": {}}, None),
        ({"clusters": []}, None),
        ([], None),
    ],
)
def test_next_page_token(body: object, token: str | None) -> None:
    assert next_page_token(body) == token


def test_next_page_token_malformed() -> None:
    with pytest.raises(CloudFormatError, match=r"pagination\.next_page must be a string"):
        next_page_token({"pagination": {"next_page": 2}})


def test_cmek_regions_and_keys() -> None:
    cmek = parse_cmek(
        {
            "status": "ENABLED",
            "region_infos": [
                {
                    "region": "us-east-1",
                    "status": "enabled",
                    "key_infos": [
                        {
                            "spec": {
                                "type": "AWS_KMS",
                                "uri": "arn:aws:kms:x",
                                "auth_principal": "y",
                            },
                            "status": "REVOKED",
                            "user_message": "revoked by the customer",
                        }
                    ],
                }
            ],
        }
    )

    assert cmek.status == "ENABLED"
    region = cmek.regions[0]
    assert region.status == "ENABLED"
    assert region.keys[0].key_type == "AWS_KMS"
    assert region.keys[0].status == "REVOKED"
    assert region.keys[0].user_message == "revoked by the customer"


def test_cmek_malformed_key_list() -> None:
    with pytest.raises(CloudFormatError, match=r"cmek.region_infos\[0\].key_infos must be"):
        parse_cmek({"status": "ENABLED", "region_infos": [{"region": "a", "key_infos": {}}]})


def test_backups_config_defaults() -> None:
    assert parse_backups_config({}).enabled is False
    config = parse_backups_config(
        {"enabled": True, "frequency_minutes": 60, "retention_days": "30"}
    )
    assert (config.enabled, config.frequency_minutes, config.retention_days) == (True, 60, 30)


def test_private_endpoint_status_upper_case() -> None:
    connection = parse_private_endpoint_connection(
        {"endpoint_id": "vpce-1", "region_name": "us-east-1", "status": "status_available"},
        "connections[0]",
    )

    assert connection.status == "STATUS_AVAILABLE"
    assert connection.label == "vpce-1 in us-east-1"
