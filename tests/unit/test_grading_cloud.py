import datetime as dt
from dataclasses import replace

import pytest

from pytest_crdb_security.attestations import Attestation
from pytest_crdb_security.context import CloudPlan
from pytest_crdb_security.evidence.cloud import CloudEvidence
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.grading.cloud_backups import (
    grade_cloud_backup_schedules,
    grade_managed_backups,
)
from pytest_crdb_security.grading.cloud_cluster import (
    grade_cloud_cluster,
    grade_cloud_plan,
    grade_cloud_upgrade,
)
from pytest_crdb_security.grading.cloud_console import grade_console_sso, grade_scim
from pytest_crdb_security.grading.cloud_encryption import grade_cmek
from pytest_crdb_security.grading.cloud_network import (
    EGRESS_NOTE,
    grade_console_allowlist,
    grade_ip_allowlist,
    grade_private_endpoints,
)
from pytest_crdb_security.parsing.cloud import (
    Allowlist,
    AllowlistEntry,
    BackupsConfig,
    CloudCluster,
    CmekConfig,
    CmekKey,
    CmekRegion,
    PrivateEndpointConnection,
    PrivateEndpointService,
)
from pytest_crdb_security.parsing.schedules import Schedule
from pytest_crdb_security.verdicts import CouldNotEvaluate, Verdict

TODAY = dt.date(2026, 12, 1)


def cluster(**changes: object) -> CloudCluster:
    values: dict[str, object] = {
        "id": "c-1",
        "name": "prod",
        "plan_value": "ADVANCED",
        "cockroach_version": "v25.2.4",
        "cloud_provider": "AWS",
        "state": "CREATED",
        "operation_status": "UNSPECIFIED",
        "upgrade_status": "FINALIZED",
        "network_visibility": "PUBLIC",
        "egress_traffic_policy": "",
        "delete_protection": "ENABLED",
        "sql_dns": "",
        "regions": (),
    }
    values.update(changes)
    return CloudCluster(**values)  # type: ignore[arg-type]


def entry(cidr: str, name: str = "", sql: bool = True, ui: bool = False) -> AllowlistEntry:
    ip, mask = cidr.split("/")
    return AllowlistEntry(ip, int(mask), name, sql, ui)


@pytest.mark.parametrize(
    ("entries", "verdict", "rule", "detail"),
    [
        (
            [entry("0.0.0.0/0", "any"), entry("1.2.3.0/24")],
            Verdict.FAIL,
            "ip_allowlist_open",
            "0.0.0.0/0 (any) admits SQL connections from any address; specific: 1.2.3.0/24",
        ),
        (
            [entry("10.0.0.0/0")],
            Verdict.FAIL,
            "ip_allowlist_open",
            "10.0.0.0/0 admits SQL connections from any address",
        ),
        (
            [entry("10.0.0.0/8"), entry("172.16.0.0/16")],
            Verdict.WARN,
            None,
            "broad range 10.0.0.0/8, 172.16.0.0/16 admit SQL connections",
        ),
        (
            [entry("172.16.0.0/17"), entry("0.0.0.0/32")],
            Verdict.PASS,
            None,
            "2 entries admit SQL connections, each from a specific network: 172.16.0.0/17,"
            " 0.0.0.0/32",
        ),
        (
            [entry("0.0.0.0/0", sql=False, ui=True)],
            Verdict.PASS,
            None,
            "no allowlist entry admits SQL connections: the public SQL endpoint admits no"
            " client, so SQL access from the internet is blocked and clients must use private"
            " connectivity; 1 entry for the DB Console only, graded by the DB Console allowlist"
            " check",
        ),
        (
            [],
            Verdict.PASS,
            None,
            "no allowlist entry admits SQL connections: the public SQL endpoint admits no"
            " client, so SQL access from the internet is blocked and clients must use private"
            " connectivity",
        ),
        (
            [entry("2001:db8::/32")],
            Verdict.WARN,
            None,
            "broad range 2001:db8::/32 admits SQL connections",
        ),
    ],
)
def test_ip_allowlist(
    entries: list[AllowlistEntry], verdict: Verdict, rule: str | None, detail: str
) -> None:
    grade = grade_ip_allowlist(Allowlist(tuple(entries)), cluster())

    assert grade.verdict is verdict
    assert grade.rule == rule
    assert grade.detail == detail


def test_ip_allowlist_private_visibility_caps_open_entry() -> None:
    grade = grade_ip_allowlist(
        Allowlist((entry("0.0.0.0/0"),)), cluster(network_visibility="PRIVATE")
    )

    assert grade.verdict is Verdict.WARN
    assert grade.rule is None
    assert "takes effect only if the cluster is made public" in grade.detail


def test_ip_allowlist_propagating_note() -> None:
    grade = grade_ip_allowlist(Allowlist((entry("1.2.3.4/32"),), propagating=True), None)

    assert grade.detail.endswith("; changes are still propagating to the cluster")


@pytest.mark.parametrize(
    ("entries", "verdict", "detail"),
    [
        ([entry("1.2.3.0/24")], Verdict.PASS, "no allowlist entry admits the DB Console"),
        (
            [entry("0.0.0.0/0", "all", sql=False, ui=True), entry("1.2.3.4/32", "me", ui=True)],
            Verdict.WARN,
            "0.0.0.0/0 (all, DB Console only) admits the DB Console from any address;"
            " specific: 1.2.3.4/32 (me)",
        ),
        (
            [entry("1.2.3.4/32", "me", ui=True)],
            Verdict.PASS,
            "1 entry admits the DB Console, each from a specific network: 1.2.3.4/32 (me)",
        ),
    ],
)
def test_console_allowlist(entries: list[AllowlistEntry], verdict: Verdict, detail: str) -> None:
    grade = grade_console_allowlist(Allowlist(tuple(entries)))

    assert grade.verdict is verdict
    assert grade.detail == detail


def connection(status: str, endpoint: str = "vpce-1") -> PrivateEndpointConnection:
    return PrivateEndpointConnection(endpoint, "us-east-1", "AWS", status, "svc")


@pytest.mark.parametrize(
    ("plan", "connections", "verdict", "rule", "start"),
    [
        (
            CloudPlan.ADVANCED,
            [connection("STATUS_AVAILABLE"), connection("STATUS_FAILED", "vpce-2")],
            Verdict.PASS,
            None,
            "1 private endpoint connection available: vpce-1 in us-east-1 (STATUS_AVAILABLE);"
            " not in use: vpce-2 in us-east-1 (STATUS_FAILED)",
        ),
        (
            CloudPlan.ADVANCED,
            [],
            Verdict.WARN,
            "no_private_endpoints",
            "no private endpoint connection is available, so clients use the public endpoint",
        ),
        (
            CloudPlan.ADVANCED,
            [connection("STATUS_PENDING_ACCEPTANCE")],
            Verdict.WARN,
            "no_private_endpoints",
            "no private endpoint connection is available yet; pending: vpce-1 in us-east-1",
        ),
        (
            CloudPlan.STANDARD,
            [connection("STATUS_REJECTED")],
            Verdict.INFO,
            None,
            "no private endpoint connection is available, so clients use the public endpoint"
            " unless VPC peering (not visible to this audit) is set up; private endpoints are"
            " optional on the Standard plan; not in use: vpce-1 in us-east-1 (STATUS_REJECTED)",
        ),
    ],
)
def test_private_endpoints(
    plan: CloudPlan,
    connections: list[PrivateEndpointConnection],
    verdict: Verdict,
    rule: str | None,
    start: str,
) -> None:
    grade = grade_private_endpoints(plan, connections, [], None)

    assert grade.verdict is verdict
    assert grade.rule == rule
    assert grade.detail.startswith(start), grade.detail
    assert (EGRESS_NOTE in grade.detail) is (plan is CloudPlan.ADVANCED)


def test_private_endpoints_names_services() -> None:
    services = [PrivateEndpointService("us-east-1", "AWS", "STATUS_AVAILABLE", "svc")]

    grade = grade_private_endpoints(CloudPlan.STANDARD, [], services, None)

    assert "endpoint services: us-east-1 (STATUS_AVAILABLE)" in grade.detail


def key(status: str, message: str = "") -> CmekKey:
    return CmekKey("AWS_KMS", "arn:aws:kms:x", status, message)


def cmek(status: str, *regions: CmekRegion) -> CmekConfig:
    return CmekConfig(status, regions)


@pytest.mark.parametrize(
    ("config", "regions", "verdict", "rule", "detail"),
    [
        (
            None,
            ["us-east-1"],
            Verdict.FAIL,
            "cmek_missing",
            "CMEK is not configured (the Cloud API has no CMEK configuration for this cluster),"
            " so the data is not encrypted with a customer-managed key",
        ),
        (
            cmek("DISABLED", CmekRegion("us-east-1", "DISABLED", ())),
            ["us-east-1"],
            Verdict.FAIL,
            "cmek_missing",
            "CMEK is DISABLED, so the data is not encrypted with a customer-managed key",
        ),
        (
            cmek(
                "ENABLED",
                CmekRegion("us-east-1", "ENABLED", (key("ENABLED"),)),
                CmekRegion("us-west-2", "ENABLED", (key("REVOKED", "key revoked"),)),
            ),
            ["us-east-1", "us-west-2"],
            Verdict.FAIL,
            "cmek_missing",
            "CMEK does not protect every region (cluster CMEK status ENABLED): us-west-2:"
            " region ENABLED, AWS_KMS REVOKED (key revoked)",
        ),
        (
            cmek("ENABLED", CmekRegion("us-east-1", "ENABLED", (key("ENABLED"),))),
            ["us-east-1", "eu-west-1"],
            Verdict.FAIL,
            "cmek_missing",
            "CMEK does not protect every region (cluster CMEK status ENABLED): eu-west-1: the"
            " cluster region has no CMEK key",
        ),
        (
            cmek("ENABLED", CmekRegion("us-east-1", "ENABLED", ())),
            [],
            Verdict.FAIL,
            "cmek_missing",
            "CMEK does not protect every region (cluster CMEK status ENABLED): us-east-1:"
            " region ENABLED, no keys",
        ),
        (
            cmek("ROTATING", CmekRegion("us-east-1", "ROTATING", (key("ROTATING"),))),
            ["us-east-1"],
            Verdict.WARN,
            None,
            "CMEK is changing state (cluster CMEK status ROTATING): us-east-1: region ROTATING,"
            " AWS_KMS ROTATING",
        ),
        (
            cmek("ENABLED", CmekRegion("us-east-1", "ENABLED", (key("ENABLED"), key("REVOKING")))),
            ["us-east-1"],
            Verdict.WARN,
            None,
            "CMEK is changing state (cluster CMEK status ENABLED): us-east-1: region ENABLED,"
            " AWS_KMS ENABLED; AWS_KMS REVOKING",
        ),
        (
            cmek("ENABLED", CmekRegion("us-east-1", "ENABLED", (key("ENABLED"),))),
            ["us-east-1"],
            Verdict.PASS,
            None,
            "CMEK is enabled with an enabled key in every region: us-east-1 (AWS_KMS)",
        ),
        (
            cmek("ROTATE_FAILED", CmekRegion("us-east-1", "ENABLED", (key("ENABLED"),))),
            ["us-east-1"],
            Verdict.FAIL,
            "cmek_missing",
            "CMEK does not protect every region (cluster CMEK status ROTATE_FAILED): cluster"
            " CMEK status ROTATE_FAILED",
        ),
    ],
)
def test_cmek_advanced(
    config: CmekConfig | None,
    regions: list[str],
    verdict: Verdict,
    rule: str | None,
    detail: str,
) -> None:
    grade = grade_cmek(CloudPlan.ADVANCED, config, regions)

    assert grade.verdict is verdict
    assert grade.rule == rule
    assert grade.detail == detail


def test_cmek_standard_is_upgrade_path() -> None:
    grade = grade_cmek(CloudPlan.STANDARD, None, [])

    assert grade.verdict is Verdict.INFO
    assert "moving to Advanced is the upgrade path" in grade.detail


def test_cmek_without_any_region_cannot_be_judged() -> None:
    with pytest.raises(CouldNotEvaluate, match="lists no region"):
        grade_cmek(CloudPlan.ADVANCED, cmek("ENABLED"), [])


def backup_schedule(state: str | None) -> Schedule:
    command = {"backup_statement": "BACKUP INTO 's3://bucket/nightly'"}
    return Schedule(1, "nightly", "ACTIVE", state, "@daily", "root", command)


@pytest.mark.parametrize(
    ("config", "verdict", "rule", "detail"),
    [
        (
            BackupsConfig(True, 60, 30),
            Verdict.PASS,
            None,
            "managed backups are enabled, every 1 hour, kept 30 days",
        ),
        (
            BackupsConfig(True, 2880, 30),
            Verdict.WARN,
            None,
            "managed backups are enabled, every 2 days, kept 30 days; a backup only every 2"
            " days can lose more than a day of writes",
        ),
        (
            BackupsConfig(True, 1440, 3),
            Verdict.WARN,
            None,
            "managed backups are enabled, every 1 day, kept 3 days; backups are kept only 3"
            " days, less than 7",
        ),
        (
            BackupsConfig(True, 0, 0),
            Verdict.WARN,
            None,
            "managed backups are enabled; the backup interval is not reported; the retention"
            " is not reported",
        ),
        (
            BackupsConfig(False, 60, 30),
            Verdict.FAIL,
            "managed_backups_disabled",
            "managed backups are disabled and no self-managed backup schedule runs"
            " successfully, so no backup can restore the cluster",
        ),
    ],
)
def test_managed_backups(
    config: BackupsConfig, verdict: Verdict, rule: str | None, detail: str
) -> None:
    grade = grade_managed_backups(config, [])

    assert grade.verdict is verdict
    assert grade.rule == rule
    assert grade.detail == detail


def test_managed_backups_disabled_with_healthy_schedule() -> None:
    grade = grade_managed_backups(BackupsConfig(False, 0, 0), [backup_schedule(None)])

    assert grade.verdict is Verdict.INFO
    assert grade.detail == (
        "managed backups are disabled, but 1 self-managed backup schedule runs successfully:"
        " nightly"
    )


def test_managed_backups_disabled_with_failing_schedule() -> None:
    failing = backup_schedule("reschedule: backup job 7 failed with status failed")

    grade = grade_managed_backups(BackupsConfig(False, 0, 0), [failing])

    assert grade.verdict is Verdict.FAIL


def test_managed_backups_disabled_schedules_unreadable() -> None:
    grade = grade_managed_backups(BackupsConfig(False, 0, 0), Unavailable("permission denied"))

    assert grade.verdict is Verdict.FAIL
    assert "(self-managed schedules could not be read: permission denied)" in grade.detail


def test_cloud_backup_schedules_optional() -> None:
    assert grade_cloud_backup_schedules([]).verdict is Verdict.INFO
    unreadable = grade_cloud_backup_schedules(Unavailable("permission denied"))
    assert unreadable.verdict is Verdict.INFO
    assert unreadable.detail.endswith("could not be read: permission denied")


def attestation(
    enabled: bool = True, enforced: bool | None = True, age_days: int = 10
) -> Attestation:
    return Attestation(
        "console_sso", enabled, enforced, "J. Roe", TODAY - dt.timedelta(days=age_days)
    )


@pytest.mark.parametrize(
    ("given", "verdict", "rule", "start"),
    [
        (None, Verdict.FAIL, "console_sso_missing", "not verified: Cloud Console SSO is not"),
        (attestation(), Verdict.PASS, None, "Cloud Console SSO is enabled and enforced"),
        (
            attestation(enforced=False),
            Verdict.WARN,
            None,
            "Cloud Console SSO is enabled but not enforced",
        ),
        (
            attestation(enabled=False, enforced=False),
            Verdict.FAIL,
            "console_sso_missing",
            "Cloud Console SSO is not enabled (attested by J. Roe on 2026-11-21)",
        ),
        (
            attestation(age_days=400),
            Verdict.WARN,
            None,
            "the attestation that Cloud Console SSO is enabled and enforced is 400 days old",
        ),
    ],
)
def test_console_sso(
    given: Attestation | None, verdict: Verdict, rule: str | None, start: str
) -> None:
    grade = grade_console_sso(given, TODAY)

    assert grade.verdict is verdict
    assert grade.rule == rule
    assert grade.detail.startswith(start), grade.detail


def test_scim() -> None:
    unverified = grade_scim(None, TODAY)
    assert unverified.verdict is Verdict.FAIL
    assert unverified.rule == "scim_missing"
    enabled = Attestation("scim", True, None, "J. Roe", TODAY, "SEC-42")
    assert grade_scim(enabled, TODAY).detail == (
        "SCIM 2.0 provisioning is enabled (attested by J. Roe on 2026-12-01, evidence SEC-42)"
    )


@pytest.mark.parametrize(
    ("changes", "verdict", "detail"),
    [
        ({}, Verdict.PASS, "upgrade status FINALIZED on v25.2.4, no operation running"),
        (
            {"upgrade_status": "PENDING_FINALIZATION"},
            Verdict.WARN,
            "the upgrade to v25.2.4 is pending finalization: until it is finalized the new"
            " version's features stay off and a rollback is still possible",
        ),
        (
            {
                "operation_status": "CRDB_MAJOR_UPGRADE_RUNNING",
                "upgrade_status": "MAJOR_UPGRADE_RUNNING",
            },
            Verdict.INFO,
            "upgrade status MAJOR_UPGRADE_RUNNING on v25.2.4; operation CRDB_MAJOR_UPGRADE_RUNNING",
        ),
        (
            {"operation_status": "CRDB_MAJOR_UPGRADE_FAILED"},
            Verdict.WARN,
            "upgrade status FINALIZED; operation CRDB_MAJOR_UPGRADE_FAILED failed",
        ),
        ({"upgrade_status": ""}, Verdict.INFO, "upgrade status not reported on v25.2.4"),
    ],
)
def test_cloud_upgrade(changes: dict[str, str], verdict: Verdict, detail: str) -> None:
    grade = grade_cloud_upgrade(cluster(**changes))

    assert grade.verdict is verdict
    assert grade.detail == detail


def test_cloud_cluster_host_mismatch() -> None:
    assert grade_cloud_cluster(cluster(), None).verdict is Verdict.INFO
    grade = grade_cloud_cluster(cluster(), "the SQL host x is not a host name of prod")
    assert grade.verdict is Verdict.WARN
    assert grade.detail.endswith("; the SQL host x is not a host name of prod")


def evidence(plan: CloudPlan | Unavailable, declared: CloudPlan | None) -> CloudEvidence:
    base = CloudEvidence.unavailable(Unavailable("no access"), declared)
    return replace(base, plan=plan, cluster=cluster(plan_value="DEDICATED"))


def test_cloud_plan() -> None:
    legacy = grade_cloud_plan(evidence(CloudPlan.ADVANCED, None))
    assert (legacy.verdict, legacy.detail) == (
        Verdict.INFO,
        "Advanced (Cloud reports the legacy plan name DEDICATED)",
    )
    mismatch = grade_cloud_plan(evidence(CloudPlan.ADVANCED, CloudPlan.STANDARD))
    assert mismatch.verdict is Verdict.WARN
    assert mismatch.detail.endswith(
        "the audit context declares the Standard plan but Cloud reports Advanced; the checks"
        " use Advanced"
    )
    declared = grade_cloud_plan(evidence(Unavailable("no access"), CloudPlan.STANDARD))
    assert declared.detail == (
        "Standard, as declared in the audit context; Cloud did not confirm it: no access"
    )
    with pytest.raises(CouldNotEvaluate, match="the Cloud plan is unknown: no access"):
        grade_cloud_plan(evidence(Unavailable("no access"), None))
