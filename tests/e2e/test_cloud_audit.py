"""End-to-end audits of CockroachDB Cloud clusters.

Each run audits the simulated SQL cluster as a Cloud cluster and reads the Cloud
evidence from the fake Cloud API or the fake ccloud, both on loopback and driven by the
``cloud`` section of a scenario in tests/e2e/scenarios. The API key of these scenarios
is a Sentinel-* value that must not appear in any output or report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_crdb_security.simulator import SimulatedCluster, load_scenario
from pytest_crdb_security.simulator.cloud_api import FakeCloudApi
from pytest_crdb_security.simulator.cloud_scenario import ApiFailure
from tests.conftest import GUARD_API_URL
from tests.e2e.audit_run import AuditRun, run_audit
from tests.e2e.cloud_audit import (
    SCENARIOS,
    assert_no_sentinel,
    cloud_of,
    put_fake_ccloud_on_path,
    run_cloud_audit,
    use_api_key,
)

KEY = "Sentinel-CloudKey-7Hq2"
NO_ACCESS = (
    "no Cloud API key: set COCKROACH_API_KEY or --crdb-cloud-api-key-file,"
    " or log in with ccloud auth login"
)
ERROR_PREFIX = "could not evaluate: "
CLOUD_CHECKS = (
    "IP allowlist",
    "DB Console allowlist",
    "Private endpoints",
    "CMEK",
    "Managed backups",
    "Cloud cluster",
    "Cloud upgrade status",
)


@pytest.fixture(scope="module")
def sql() -> Iterator[SimulatedCluster]:
    # The Cloud scenarios share their SQL side, so one simulated cluster serves them all.
    with SimulatedCluster(load_scenario(SCENARIOS / "cloud_advanced.yaml")) as cluster:
        yield cluster


def verdicts(run: AuditRun, labels: tuple[str, ...] = CLOUD_CHECKS) -> dict[str, str]:
    findings = run.findings()
    return {label: findings[label][0] for label in labels if label in findings}


def detail(run: AuditRun, label: str) -> str:
    """Return the detail of a finding without the prefix that the report gives ERROR rows."""
    verdict, text = run.findings()[label]
    if verdict == "ERROR":
        assert text.startswith(ERROR_PREFIX), text
        return text.removeprefix(ERROR_PREFIX)
    return text


def test_advanced_cluster_audit(
    pytester: pytest.Pytester, sql: SimulatedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_api_key(monkeypatch, KEY)
    cloud = cloud_of("cloud_advanced")
    junit = pytester.path / "reports" / "junit.xml"
    with FakeCloudApi(cloud) as api:
        run = run_cloud_audit(
            pytester,
            sql,
            "-rA",
            "--showlocals",
            f"--junitxml={junit}",
            api_url=api.url,
            cluster="e2e-prod",
        )
        requests = list(api.requests)

    assert verdicts(run) == {
        "IP allowlist": "FAIL",
        "DB Console allowlist": "WARN",
        "Private endpoints": "PASS",
        "CMEK": "FAIL",
        "Managed backups": "PASS",
        "Cloud cluster": "INFO",
        "Cloud upgrade status": "INFO",
    }
    extra = ("Cloud Console SSO", "SCIM 2.0 provisioning", "Self-managed backups", "Plan", "TLS")
    assert verdicts(run, extra) == {
        "Cloud Console SSO": "FAIL",
        "SCIM 2.0 provisioning": "FAIL",
        "Self-managed backups": "INFO",
        "Plan": "INFO",
        "TLS": "N/A",
    }
    assert detail(run, "Plan") == "Advanced"
    assert detail(run, "Regions") == "us-east-1, us-west-2 (as CockroachDB Cloud reports)"
    assert detail(run, "Cloud upgrade status") == (
        "upgrade status FINALIZED on v25.2.4; operation CRDB_PATCH_RUNNING"
    )
    assert run.result.ret == 1

    # Five entries at two per page: the open entry is on page 2, the console range on page 3.
    pages = [
        request.query.get("pagination.page", [""])[0]
        for request in requests
        if request.path.endswith("/networking/allowlist")
    ]
    assert pages == ["", "p2", "p4"]
    allowlist = detail(run, "IP allowlist")
    assert allowlist.startswith("10.0.0.0/0 (anywhere) admits SQL connections from any address")
    assert "0.0.0.0/32 (unspecified-host)" in allowlist.split("specific: ")[1]
    assert "198.51.100.7/32 (vpn)" in allowlist
    assert "1 entry for the DB Console only" in allowlist
    assert detail(run, "DB Console allowlist") == (
        "broad range 172.16.0.0/16 (ops-console, DB Console only) admits the DB Console;"
        " specific: 203.0.113.16/28 (office)"
    )

    # A failed key in one region fails CMEK although the cluster status reads ENABLED.
    assert detail(run, "CMEK") == (
        "CMEK does not protect every region (cluster CMEK status ENABLED): us-west-2: region"
        " ENABLED, AWS_KMS ENABLE_FAILED (the KMS key policy denies the cluster's role)"
    )

    # Only authorized GET requests with the API version header, to the documented paths.
    cluster = f"/api/v1/clusters/{cloud.id}"
    assert {request.method for request in requests} == {"GET"}
    assert all(request.authorized for request in requests)
    assert {request.cc_version for request in requests} == {"2024-09-16"}
    assert sorted({request.path for request in requests}) == sorted(
        {
            "/api/v1/organization",
            "/api/v1/clusters",
            cluster,
            f"{cluster}/networking/allowlist",
            f"{cluster}/networking/private-endpoint-connections",
            f"{cluster}/networking/private-endpoint-services",
            f"{cluster}/cmek",
            f"{cluster}/backups-config",
        }
    )
    # Three clusters at two per page: the cluster list takes two requests.
    assert [request.path for request in requests].count("/api/v1/clusters") == 2
    run.result.stdout.fnmatch_lines(
        [
            "crdb-security: cluster e2e-prod, CockroachDB v25.2.4 CCL, CockroachDB Cloud Advanced",
            f"crdb-security: Cloud cluster e2e-prod, Advanced, read through the Cloud API at"
            f" {api.url} (key from $COCKROACH_API_KEY): 11 calls in *s",
        ]
    )

    # The key reached the fake API but no output, report or JUnit file.
    assert junit.exists()
    assert_no_sentinel(run)


def test_standard_cluster_with_context_file(
    pytester: pytest.Pytester,
    sql: SimulatedCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key_file = tmp_path / "api-key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o644)
    recent = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    context = tmp_path / "context.yaml"
    context.write_text(
        "plan: advanced\n"
        "attestations:\n"
        f"  console_sso: {{enabled: true, enforced: true, confirmed_by: J. Roe,"
        f" confirmed_on: {recent}}}\n"
        f"  scim: {{enabled: false, confirmed_by: J. Roe, confirmed_on: {recent}}}\n"
    )
    with FakeCloudApi(cloud_of("cloud_standard")) as api:
        run = run_cloud_audit(
            pytester,
            sql,
            f"--crdb-cloud-api-key-file={key_file}",
            f"--crdb-context={context}",
            api_url=api.url,
            cluster="e2e-standard",
        )
        paths = api.paths()

    assert verdicts(run) == {
        "IP allowlist": "PASS",
        "DB Console allowlist": "PASS",
        "Private endpoints": "INFO",
        "CMEK": "INFO",
        "Managed backups": "FAIL",
        "Cloud cluster": "INFO",
        "Cloud upgrade status": "WARN",
    }
    assert run.verdict("Plan") == "WARN"
    assert detail(run, "Plan") == (
        "Standard; the audit context declares the Advanced plan but Cloud reports Standard;"
        " the checks use Standard"
    )
    assert detail(run, "IP allowlist").startswith(
        "no allowlist entry admits SQL connections: the public SQL endpoint admits no client"
    )
    assert detail(run, "Managed backups") == (
        "managed backups are disabled and no self-managed backup schedule runs successfully,"
        " so no backup can restore the cluster"
    )
    assert run.verdict("Cloud Console SSO") == "PASS"
    assert detail(run, "Cloud Console SSO") == (
        f"Cloud Console SSO is enabled and enforced (attested by J. Roe on {recent})"
    )
    assert run.verdict("SCIM 2.0 provisioning") == "FAIL"
    assert not any(path.endswith("/cmek") for path in paths)
    run.result.stdout.fnmatch_lines(
        [
            "crdb-security: note: the API key file * is readable by other users (mode 0644);"
            " chmod 600 it",
            "crdb-security: note: the audit context declares the Advanced plan but Cloud"
            " reports Standard; the checks use Standard",
        ]
    )
    assert_no_sentinel(run)


def test_basic_cluster_not_applicable_reasons(
    pytester: pytest.Pytester, sql: SimulatedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_api_key(monkeypatch, KEY)
    with FakeCloudApi(cloud_of("cloud_basic")) as api:
        run = run_cloud_audit(pytester, sql, "-rs", api_url=api.url, cluster="e2e-basic")
        paths = api.paths()

    assert verdicts(run) == {
        "IP allowlist": "WARN",
        "DB Console allowlist": "PASS",
        "Private endpoints": "N/A",
        "CMEK": "N/A",
        "Managed backups": "PASS",
        "Cloud cluster": "INFO",
        "Cloud upgrade status": "PASS",
    }
    assert detail(run, "Plan") == "Basic (Cloud reports the legacy plan name SERVERLESS)"
    assert detail(run, "IP allowlist") == (
        "broad range 100.64.0.0/16 (carrier-nat) admits SQL connections"
    )
    assert detail(run, "Managed backups") == (
        "managed backups are enabled, every 1 day, kept 30 days"
    )
    reason = "only for the Standard or Advanced plan; this cluster is on the Basic plan"
    run.result.stdout.fnmatch_lines(
        [
            f"N/A [[]1[]] *test_cloud_encryption.py:*: {reason}",
            f"N/A [[]1[]] *test_cloud_network.py:*: {reason}",
        ]
    )
    assert not any("private-endpoint" in path or path.endswith("/cmek") for path in paths)


def test_error_statuses_and_malformed_bodies(
    pytester: pytest.Pytester, sql: SimulatedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_api_key(monkeypatch, KEY)
    cloud = cloud_of("cloud_advanced")
    failing = dataclasses.replace(
        cloud,
        failures={
            "allowlist": ApiFailure(403, "caller lacks networking permission", None, 0),
            "cmek": ApiFailure(404, "CMEK is not configured", None, 0),
            "backups_config": ApiFailure(200, "", "{not json", 0),
            "private_endpoint_connections": ApiFailure(200, "", '{"connections": "oops"}', 0),
            "cluster": ApiFailure(500, "internal error", None, 0),
        },
    )
    with FakeCloudApi(failing) as api:
        run = run_cloud_audit(pytester, sql, api_url=api.url, cluster="e2e-prod")

    base = f"GET /api/v1/clusters/{cloud.id}"
    assert verdicts(run) == {
        "IP allowlist": "ERROR",
        "DB Console allowlist": "ERROR",
        "Private endpoints": "ERROR",
        "CMEK": "FAIL",
        "Managed backups": "ERROR",
        "Cloud cluster": "ERROR",
        "Cloud upgrade status": "ERROR",
    }
    assert detail(run, "IP allowlist") == (
        f"the API key may not use {base}/networking/allowlist (HTTP 403: caller lacks"
        " networking permission (code 7)); give its service account a role that can read"
        " this cluster"
    )
    assert detail(run, "CMEK").startswith("CMEK is not configured (the Cloud API has no CMEK")
    assert detail(run, "Managed backups").startswith(
        f"{base}/backups-config returned a body that is not JSON"
    )
    assert detail(run, "Private endpoints") == (
        f"{base}/networking/private-endpoint-connections returned an unexpected body:"
        " 'connections' must be a JSON array, got a string"
    )
    assert detail(run, "Cloud cluster") == (
        f"the Cloud API failed on {base} (HTTP 500: internal error (code 13)); retry later"
    )
    # The cluster list still gives the plan when the cluster's own endpoint fails.
    assert detail(run, "Plan") == "Advanced"


def test_rejected_key_stops_after_first_call(
    pytester: pytest.Pytester, sql: SimulatedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_api_key(monkeypatch, "Sentinel-WrongKey-4Nd1")
    with FakeCloudApi(cloud_of("cloud_advanced")) as api:
        run = run_cloud_audit(pytester, sql, "-rs", api_url=api.url, cluster="e2e-prod")
        paths = api.paths()

    rejected = (
        "the Cloud API rejected the API key on GET /api/v1/organization (HTTP 401: invalid or"
        " missing API key (code 16)); check that the key is current and belongs to a service"
        " account of this organization"
    )
    assert paths == ["/api/v1/organization"]
    assert set(verdicts(run).values()) == {"ERROR"}
    assert detail(run, "IP allowlist") == rejected
    assert detail(run, "CMEK") == (
        "the check applies only to the Standard or Advanced plan and the Cloud plan is"
        f" unknown: {rejected}; set plan in the --crdb-context file or give the audit Cloud"
        " access"
    )
    assert_no_sentinel(run)


def test_unknown_cluster_id(
    pytester: pytest.Pytester, sql: SimulatedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_api_key(monkeypatch, KEY)
    unknown = "00000000-0000-4000-8000-000000000000"
    with FakeCloudApi(cloud_of("cloud_advanced")) as api:
        run = run_cloud_audit(pytester, sql, "-m", "network", api_url=api.url, cluster=unknown)

    assert run.verdict("IP allowlist") == "ERROR"
    assert detail(run, "IP allowlist") == (
        f"no Cloud cluster has the id {unknown}: GET /api/v1/clusters/{unknown} found nothing"
        f" (HTTP 404: cluster {unknown} not found (code 5))"
    )


def test_degraded_without_key_or_ccloud(
    pytester: pytest.Pytester,
    sql: SimulatedCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    run = run_cloud_audit(pytester, sql, "-rs", cluster="e2e-prod")

    unavailable = f"{NO_ACCESS} (ccloud is not installed: no ccloud on PATH)"
    assert set(verdicts(run).values()) == {"ERROR"}
    assert detail(run, "IP allowlist") == unavailable
    assert detail(run, "Managed backups") == unavailable
    assert detail(run, "Private endpoints").endswith(
        f"the Cloud plan is unknown: {unavailable}; set plan in the --crdb-context file or give"
        " the audit Cloud access"
    )
    # The SQL checks still run.
    assert run.verdict("Admin user count") == "PASS"
    assert run.verdict("Audit log configuration") in ("PASS", "WARN", "FAIL")
    run.result.stdout.fnmatch_lines([f"crdb-security: Cloud evidence unavailable: {unavailable}"])
    assert run.result.ret == 1


def test_ccloud_without_api_key(
    pytester: pytest.Pytester,
    sql: SimulatedCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cloud = cloud_of("cloud_advanced")
    calls = put_fake_ccloud_on_path(monkeypatch, tmp_path / "bin", cloud)
    run = run_cloud_audit(pytester, sql, cluster="e2e-prod")

    needs_api = "can be read only through the Cloud API, which ccloud does not cover: set"
    assert verdicts(run) == {
        "IP allowlist": "FAIL",
        "DB Console allowlist": "WARN",
        "Private endpoints": "ERROR",
        "CMEK": "ERROR",
        "Managed backups": "ERROR",
        "Cloud cluster": "INFO",
        "Cloud upgrade status": "INFO",
    }
    assert needs_api in detail(run, "CMEK")
    assert needs_api in detail(run, "Managed backups")
    assert "198.51.100.7/32 (vpn)" in detail(run, "IP allowlist")
    assert detail(run, "Plan") == "Advanced"
    assert calls.read_text().splitlines() == [
        "auth whoami",
        "cluster list -o json",
        "cluster info e2e-prod -o json",
        f"cluster networking allowlist list {cloud.id} -o json",
    ]
    run.result.stdout.fnmatch_lines(
        [f"crdb-security: Cloud cluster e2e-prod, Advanced, read through ccloud ({tmp_path}*"]
    )


def test_cloud_demo(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's key must not reach the demo's fake API, which has its own.
    use_api_key(monkeypatch, "Sentinel-RealKey-8Vb3")
    run = run_audit(pytester, "--crdb-demo=cloud-advanced")

    assert verdicts(run) == {
        "IP allowlist": "WARN",
        "DB Console allowlist": "PASS",
        "Private endpoints": "PASS",
        "CMEK": "WARN",
        "Managed backups": "PASS",
        "Cloud cluster": "INFO",
        "Cloud upgrade status": "WARN",
    }
    run.result.stdout.fnmatch_lines(
        [
            "crdb-security: SIMULATED cluster: scenario 'cloud-advanced' of the bundled simulator*",
            "crdb-security: Cloud cluster demo-cloud-advanced, Advanced, read through the Cloud"
            " API at http://127.0.0.1:* (key from the bundled demo): * calls in *s",
        ]
    )
    assert_no_sentinel(run)


def test_self_hosted_cloud_checks_not_applicable(pytester: pytest.Pytester) -> None:
    run = run_audit(pytester, "--crdb-demo", "-m", "network or backup", "-rs")

    assert run.verdict("IP allowlist") == "N/A"
    assert run.verdict("Managed backups") == "N/A"
    run.result.stdout.fnmatch_lines(
        [
            "N/A [[]1[]] *test_backup.py:*: only for CockroachDB Cloud clusters;"
            " this is a self-hosted cluster"
        ]
    )


def test_guard_keeps_tests_off_the_real_api(
    pytester: pytest.Pytester, sql: SimulatedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without --crdb-cloud-api-url, the test configuration sends requests to a closed
    # loopback port, never to the product's default https://cockroachlabs.cloud.
    assert os.environ["CRDB_CLOUD_API_URL"] == GUARD_API_URL
    assert shutil.which("ccloud") is None
    use_api_key(monkeypatch, KEY)
    run = run_cloud_audit(pytester, sql, "-m", "network", cluster="e2e-prod")

    assert detail(run, "IP allowlist").startswith(
        f"cannot reach the Cloud API at {GUARD_API_URL}: "
    )
    assert "https://cockroachlabs.cloud" not in run.output
