"""The ``cloud`` scenario section, the fake Cloud API and the fake ccloud."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from pytest_crdb_security.simulator import ScenarioError, load_scenario
from pytest_crdb_security.simulator.cloud_api import FakeCloudApi
from pytest_crdb_security.simulator.cloud_scenario import CloudScenario
from pytest_crdb_security.simulator.fake_ccloud import write_fake_ccloud

KEY = "sim-test-key"
BASE: dict[str, Any] = {
    "name": "cloud-base",
    "description": "Base Cloud scenario for validation tests.",
    "deployment": "cloud",
    "cluster_name": "cloud-base",
    "version": "v24.3.5",
    "audit_user": {"name": "auditor", "password": "pw"},
    "users": [{"name": "auditor", "password": "pw"}],
    "regions": ["aws-us-east-1"],
    "cloud": {"plan": "BASIC", "api_key": KEY},
}


def load(tmp_path: Path, cloud: dict[str, Any] | None = None, **top: Any) -> CloudScenario:
    document = {**BASE, **top}
    if cloud is not None:
        document["cloud"] = {**BASE["cloud"], **cloud}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.cloud is not None
    return scenario.cloud


def test_cloud_defaults(tmp_path: Path) -> None:
    cloud = load(tmp_path)

    assert cloud.name == "cloud-base"
    assert cloud.cockroach_version == "v24.3.5"
    assert [region.name for region in cloud.regions] == ["aws-us-east-1"]
    assert cloud.regions[0].primary is True
    assert cloud.upgrade_status == "FINALIZED"
    assert cloud.page_size == 100
    assert cloud.cmek is None
    assert cloud.backups_config is None
    assert cloud.ccloud.logged_in is True


def test_self_hosted_scenario_has_no_cloud(tmp_path: Path) -> None:
    document = {**BASE, "deployment": "self-hosted"}
    del document["cloud"]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    assert load_scenario(path).cloud is None


@pytest.mark.parametrize(
    ("top", "cloud", "message"),
    [
        (
            {"deployment": "self-hosted"},
            {},
            "cloud: only a cloud deployment has a cloud section; remove it",
        ),
        ({}, {"tier": "x"}, "cloud.tier: unknown key; remove it or use one of:"),
        ({}, {"plan": "ENTERPRISE"}, "cloud.plan: invalid value 'ENTERPRISE'; use one of: BASIC"),
        (
            {},
            {"allowlist": [{"cidr_ip": "1.2.3.0", "cidr_mask": 40}]},
            "cloud.allowlist[0].cidr_mask: 1.2.3.0/40 is not a network",
        ),
        (
            {},
            {"allowlist": [{"cidr_ip": "1.2.3.0", "cidr_mask": "24"}]},
            "cloud.allowlist[0].cidr_mask: expected a prefix length such as 24, got '24'",
        ),
        (
            {},
            {"cmek": {"status": "ON"}},
            "cloud.cmek.status: invalid value 'ON'; use one of: DISABLED",
        ),
        (
            {},
            {
                "cmek": {
                    "status": "ENABLED",
                    "region_infos": [
                        {
                            "region": "a",
                            "status": "ENABLED",
                            "key_infos": [{"type": "VAULT", "uri": "x", "status": "ENABLED"}],
                        }
                    ],
                }
            },
            "cloud.cmek.region_infos[0].key_infos[0].type: invalid value 'VAULT'",
        ),
        (
            {},
            {"failures": {"sql_users": {"status": 500}}},
            "cloud.failures.sql_users: unknown endpoint",
        ),
        (
            {},
            {"failures": {"cmek": {"message": "x"}}},
            "cloud.failures.cmek.status: invalid value None",
        ),
        ({}, {"page_size": 0}, "cloud.page_size: must be at least 1"),
        (
            {},
            {
                "private_endpoint_connections": [
                    {"endpoint_id": "e", "region_name": "r", "status": "UP"}
                ]
            },
            "cloud.private_endpoint_connections[0].status: invalid value 'UP'",
        ),
        (
            {},
            {"ccloud": {"failures": {"login": {}}}},
            "cloud.ccloud.failures.login: unknown command",
        ),
        (
            {},
            {"ccloud": {"list_format": "table"}},
            "cloud.ccloud.list_format: invalid value 'table'",
        ),
        ({}, {"id": "not-a-uuid"}, "cloud.id: invalid value 'not-a-uuid'; write a UUID"),
    ],
)
def test_cloud_section_rejected(
    tmp_path: Path, top: dict[str, Any], cloud: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScenarioError) as raised:
        load(tmp_path, cloud, **top)

    assert message in str(raised.value)


def get(api: FakeCloudApi, path: str, key: str = KEY, **params: str) -> httpx.Response:
    return httpx.get(
        api.url + path, params=params, headers={"Authorization": f"Bearer {key}"}, trust_env=False
    )


def test_api_cluster_shapes(tmp_path: Path) -> None:
    cloud = load(tmp_path, {"other_clusters": ["b", "c"], "page_size": 2})
    with FakeCloudApi(cloud) as api:
        first = get(api, "/api/v1/clusters").json()
        second = get(api, "/api/v1/clusters", **{"pagination.page": "p2"}).json()
        one = get(api, f"/api/v1/clusters/{cloud.id}").json()

    assert [c["name"] for c in first["clusters"]] == ["cloud-base", "b"]
    assert first["pagination"] == {"next_page": "p2", "previous_page": ""}
    assert [c["name"] for c in second["clusters"]] == ["c"]
    assert second["pagination"]["next_page"] == ""
    limits = one["config"]["serverless"]["usage_limits"]
    # int64 fields are JSON strings under proto3 JSON rules.
    assert limits == {"request_unit_limit": "100000000", "storage_mib_limit": "10240"}
    assert one["plan"] == "BASIC"
    assert one["regions"][0]["node_count"] == 3


def test_api_errors(tmp_path: Path) -> None:
    cloud = load(
        tmp_path,
        {
            "failures": {
                "cmek": {"status": 403, "message": "no CMEK access"},
                "allowlist": {"body": "<html>"},
            }
        },
    )
    with FakeCloudApi(cloud) as api:
        unauthorized = get(api, "/api/v1/organization", key="wrong")
        forbidden = get(api, f"/api/v1/clusters/{cloud.id}/cmek")
        malformed = get(api, f"/api/v1/clusters/{cloud.id}/networking/allowlist")
        missing = get(api, f"/api/v1/clusters/{cloud.id}/backups-config")
        unknown = get(api, "/api/v1/clusters/00000000-0000-4000-8000-000000000000")
        bad_token = get(api, "/api/v1/clusters", **{"pagination.page": "zzz"})
        write = httpx.post(api.url + "/api/v1/clusters", trust_env=False)
        recorded = list(api.requests)

    assert unauthorized.status_code == 401
    assert unauthorized.json() == {
        "code": 16,
        "message": "invalid or missing API key",
        "details": [],
    }
    assert forbidden.status_code == 403
    assert forbidden.json()["message"] == "no CMEK access"
    assert (malformed.status_code, malformed.text) == (200, "<html>")
    assert missing.status_code == 404
    assert unknown.json()["code"] == 5
    assert bad_token.status_code == 400
    assert write.status_code == 405
    assert [r.method for r in recorded].count("POST") == 1
    assert recorded[0].authorized is False


def test_api_on_ipv6_loopback(tmp_path: Path) -> None:
    cloud = load(tmp_path)
    with FakeCloudApi(cloud, host="::1") as api:
        response = get(api, "/api/v1/organization")

    assert api.url.startswith("http://[::1]:")
    assert response.json()["name"] == "Simulated Org"


def run_ccloud(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, timeout=10, check=False
    )


def test_fake_ccloud_commands(tmp_path: Path) -> None:
    cloud = load(tmp_path, {"allowlist": [{"cidr_ip": "1.2.3.0", "cidr_mask": 24}]})
    script = write_fake_ccloud(tmp_path / "bin", cloud)

    whoami = run_ccloud(script, "auth", "whoami")
    listed = run_ccloud(script, "cluster", "list", "-o", "json")
    info = run_ccloud(script, "cluster", "info", cloud.name, "--output=json")
    allowlist = run_ccloud(
        script, "cluster", "networking", "allowlist", "list", cloud.id, "--output", "json"
    )
    unknown = run_ccloud(script, "cluster", "delete", cloud.name)

    assert whoami.stdout.strip() == "Simulated Org (org-sim)"
    assert isinstance(json.loads(listed.stdout), list)
    assert json.loads(info.stdout)["id"] == cloud.id
    assert json.loads(allowlist.stdout) == [
        {"cidr_ip": "1.2.3.0", "cidr_mask": 24, "name": "", "sql": True, "ui": False}
    ]
    assert unknown.returncode == 2
    log = (tmp_path / "bin" / "ccloud-calls.log").read_text().splitlines()
    assert log[-1] == f"cluster delete {cloud.name}"
