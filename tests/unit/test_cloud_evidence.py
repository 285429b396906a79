import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pytest_crdb_security.cloud_options import NO_CLOUD_ACCESS, CloudRequest
from pytest_crdb_security.context import CloudPlan
from pytest_crdb_security.evidence.ccloud import CcloudRunner, find_ccloud
from pytest_crdb_security.evidence.cloud import _collect, collect_cloud_evidence, resolve_cluster
from pytest_crdb_security.evidence.cloud_api import ApiKey, CloudAccessError
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.parsing.cloud import (
    Allowlist,
    BackupsConfig,
    CloudCluster,
    CloudRegion,
    CmekConfig,
    PrivateEndpointConnection,
    PrivateEndpointService,
)
from pytest_crdb_security.simulator import load_scenario
from pytest_crdb_security.simulator.cloud_scenario import CcloudFailure, CloudScenario
from pytest_crdb_security.simulator.fake_ccloud import write_fake_ccloud

SCENARIO = Path(__file__).parents[1] / "e2e" / "scenarios" / "cloud_advanced.yaml"


def cluster(name: str, cluster_id: str, host: str = "", plan: str = "ADVANCED") -> CloudCluster:
    region = CloudRegion("us-east-1", 3, True, host, "", "")
    return CloudCluster(
        cluster_id,
        name,
        plan,
        "v25.2.4",
        "AWS",
        "CREATED",
        "",
        "FINALIZED",
        "PUBLIC",
        "",
        "",
        host,
        (region,),
    )


class StubSource:
    """A CloudSource over fixed clusters that records what the audit asked for."""

    label = "stub"

    def __init__(self, *clusters: CloudCluster) -> None:
        self.listed = list(clusters)
        self.asked: list[str] = []

    def identity(self) -> str:
        return "organization stub"

    def clusters(self) -> list[CloudCluster]:
        self.asked.append("clusters")
        return self.listed

    def cluster(self, cluster_id: str, name: str | None) -> CloudCluster:
        self.asked.append(f"cluster {cluster_id}")
        return next(c for c in self.listed if c.id == cluster_id)

    def allowlist(self, cluster: CloudCluster) -> Allowlist:
        return Allowlist(())

    def private_endpoint_connections(
        self, cluster_id: str
    ) -> tuple[PrivateEndpointConnection, ...]:
        return ()

    def private_endpoint_services(self, cluster_id: str) -> tuple[PrivateEndpointService, ...]:
        return ()

    def cmek(self, cluster_id: str) -> CmekConfig | None:
        return None

    def backups_config(self, cluster_id: str) -> BackupsConfig:
        return BackupsConfig(True, 60, 30)

    def calls(self) -> list[str]:
        return self.asked

    def close(self) -> None:
        pass


PROD = cluster("prod", "c-prod", "prod-x.aws-us-east-1.cockroachlabs.cloud")
DEV = cluster("dev", "c-dev", "dev-y.aws-us-east-1.cockroachlabs.cloud", plan="BASIC")


@pytest.mark.parametrize(
    ("wanted", "host", "found"),
    [
        ("prod", "10.0.0.1", "c-prod"),
        ("c-dev", "10.0.0.1", "c-dev"),
        (None, "PROD-X.aws-us-east-1.cockroachlabs.cloud.", "c-prod"),
    ],
)
def test_resolve_cluster(wanted: str | None, host: str, found: str) -> None:
    listed, details = resolve_cluster(StubSource(PROD, DEV), wanted, host)

    assert listed.id == found
    assert details is None


@pytest.mark.parametrize(
    ("wanted", "host", "reason"),
    [
        (
            "nosuch",
            "10.0.0.1",
            "no Cloud cluster is named or has the id 'nosuch'; the clusters visible to the"
            " audit are: dev, prod",
        ),
        (
            None,
            "db.example.com",
            "cannot tell which Cloud cluster to audit: the SQL host db.example.com matches no"
            " cluster host name; pass --crdb-cloud-cluster NAME_OR_ID (clusters: dev, prod)",
        ),
    ],
)
def test_resolve_cluster_fails(wanted: str | None, host: str, reason: str) -> None:
    with pytest.raises(CloudAccessError) as raised:
        resolve_cluster(StubSource(PROD, DEV), wanted, host)

    assert raised.value.reason == reason


def test_resolve_cluster_ambiguous_host() -> None:
    twin = cluster("twin", "c-twin", PROD.sql_dns)

    with pytest.raises(CloudAccessError, match="matches more than one cluster host name"):
        resolve_cluster(StubSource(PROD, twin), None, PROD.sql_dns)


def fake_ccloud(tmp_path: Path, **changes: Any) -> tuple[str, Path, CloudScenario]:
    cloud = load_scenario(SCENARIO).cloud
    assert cloud is not None
    cloud = dataclasses.replace(cloud, ccloud=dataclasses.replace(cloud.ccloud, **changes))
    script = write_fake_ccloud(tmp_path, cloud)
    return str(script), tmp_path / "ccloud-calls.log", cloud


def collect_with_ccloud(executable: str, timeout: float = 10) -> Any:
    request = CloudRequest(cluster="e2e-prod", ccloud=executable)
    return collect_cloud_evidence(request, "127.0.0.1", None, timeout)


def test_ccloud_object_wrapper(tmp_path: Path) -> None:
    executable, calls, cloud = fake_ccloud(tmp_path, list_format="object")

    evidence = collect_with_ccloud(executable)

    assert evidence.plan is CloudPlan.ADVANCED
    assert not isinstance(evidence.allowlist, Unavailable)
    assert len(evidence.allowlist.entries) == len(cloud.allowlist)
    assert evidence.identity == "ccloud user Simulated Org (org-sim)"
    assert calls.read_text().splitlines()[0] == "auth whoami"


def test_ccloud_not_logged_in(tmp_path: Path) -> None:
    executable, calls, _ = fake_ccloud(tmp_path, logged_in=False)

    evidence = collect_with_ccloud(executable)

    assert evidence.allowlist == Unavailable(
        "ccloud is not logged in: `ccloud auth whoami` failed (exit 1): Error: you are not"
        " logged in; run 'ccloud auth login'; run ccloud auth login, or set COCKROACH_API_KEY"
        " or --crdb-cloud-api-key-file"
    )
    assert calls.read_text().splitlines() == ["auth whoami"]


def test_ccloud_nonzero_exit_quotes_first_stderr_line(tmp_path: Path) -> None:
    failure = CcloudFailure(3, "Error: rpc error: code = PermissionDenied\ndetails follow", None, 0)
    executable, _, cloud = fake_ccloud(tmp_path, failures={"allowlist": failure})

    evidence = collect_with_ccloud(executable)

    assert evidence.allowlist == Unavailable(
        f"`ccloud cluster networking allowlist list {cloud.id} -o json` failed (exit 3):"
        " Error: rpc error: code = PermissionDenied"
    )
    assert evidence.plan is CloudPlan.ADVANCED


def test_ccloud_malformed_json(tmp_path: Path) -> None:
    failure = CcloudFailure(0, "", "[{not json", 0)
    executable, _, _ = fake_ccloud(tmp_path, failures={"cluster_list": failure})

    evidence = collect_with_ccloud(executable)

    assert evidence.plan == Unavailable(
        "`ccloud cluster list -o json` printed malformed JSON (Expecting property name"
        " enclosed in double quotes: line 1 column 3 (char 2))"
    )


def test_ccloud_unexpected_shape(tmp_path: Path) -> None:
    failure = CcloudFailure(0, "", '{"items": []}', 0)
    executable, _, _ = fake_ccloud(tmp_path, failures={"cluster_list": failure})

    evidence = collect_with_ccloud(executable)

    assert evidence.plan == Unavailable(
        "`ccloud cluster list -o json` returned an unexpected body: the object has no"
        " 'clusters' list"
    )


def test_ccloud_timeout(tmp_path: Path) -> None:
    failure = CcloudFailure(0, "", None, 1.0)
    executable, _, _ = fake_ccloud(tmp_path, failures={"cluster_info": failure})

    evidence = collect_with_ccloud(executable, timeout=0.3)

    assert evidence.cluster == Unavailable(
        "`ccloud cluster info e2e-prod -o json` timed out after 0.3s; retry with a larger"
        " --crdb-timeout"
    )


def test_ccloud_runner_without_output(tmp_path: Path) -> None:
    failure = CcloudFailure(0, "", "", 0)
    executable, _, _ = fake_ccloud(tmp_path, failures={"whoami": failure})

    with pytest.raises(CloudAccessError, match="`ccloud auth whoami` printed nothing"):
        CcloudRunner(executable, 5).whoami()


def test_find_ccloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_ccloud(None) == Unavailable("ccloud is not installed: no ccloud on PATH")
    missing = str(tmp_path / "ccloud")
    assert find_ccloud(missing) == Unavailable(
        f"--crdb-ccloud {missing!r} is not an executable file"
    )


def test_no_access_without_key_or_ccloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    evidence = collect_cloud_evidence(CloudRequest(), "127.0.0.1", CloudPlan.STANDARD, 5)

    reason = Unavailable(f"{NO_CLOUD_ACCESS} (ccloud is not installed: no ccloud on PATH)")
    assert evidence.cluster == reason
    assert evidence.backups_config == reason
    assert evidence.declared_plan is CloudPlan.STANDARD
    assert evidence.effective_plan is CloudPlan.STANDARD
    assert evidence.calls == ()


def test_demo_request_never_runs_ccloud(tmp_path: Path) -> None:
    executable, calls, _ = fake_ccloud(tmp_path)

    request = CloudRequest(cluster="e2e-prod", ccloud=executable, use_ccloud=False)
    evidence = collect_cloud_evidence(request, "127.0.0.1", None, 5)

    assert evidence.cluster == Unavailable(NO_CLOUD_ACCESS)
    assert not calls.exists()


def test_host_of_another_cluster_is_noted(tmp_path: Path) -> None:
    executable, _, _ = fake_ccloud(tmp_path)

    request = CloudRequest(cluster="e2e-prod", ccloud=executable)
    evidence = collect_cloud_evidence(request, "other.aws-us-east-1.cockroachlabs.cloud", None, 10)

    assert evidence.host_mismatch == (
        "the SQL host other.aws-us-east-1.cockroachlabs.cloud is not a host name of Cloud"
        " cluster e2e-prod, so the SQL and Cloud findings may describe different clusters"
    )


def test_unreachable_api_stops_after_first_call() -> None:
    key = ApiKey("Sentinel-Unreachable-2Kx", "$COCKROACH_API_KEY")
    # Nothing listens on the discard port of loopback, so the connection is refused.
    request = CloudRequest(cluster="prod", api_url="http://127.0.0.1:9", api_key=key)

    evidence = collect_cloud_evidence(request, "127.0.0.1", None, 5)

    assert evidence.calls == ("GET /api/v1/organization",)
    assert isinstance(evidence.allowlist, Unavailable)
    assert evidence.allowlist.reason.startswith(
        "cannot reach the Cloud API at http://127.0.0.1:9: "
    )
    assert evidence.source == "the Cloud API at http://127.0.0.1:9 (key from $COCKROACH_API_KEY)"


@pytest.mark.parametrize(
    ("plan", "reason"),
    [
        ("ENTERPRISE", "Cloud cluster prod reports the unrecognized plan 'ENTERPRISE'"),
        ("", "Cloud cluster prod reports no plan"),
    ],
)
def test_unrecognized_plan_reads_everything(plan: str, reason: str) -> None:
    source = StubSource(cluster("prod", "c-prod", plan=plan))

    evidence = _collect(source, CloudRequest(cluster="prod"), "127.0.0.1", CloudPlan.ADVANCED)

    assert evidence.plan == Unavailable(reason)
    assert evidence.effective_plan is CloudPlan.ADVANCED
    # With the plan unknown, CMEK is still read, for the plan declared in the context.
    assert evidence.cmek is None
    assert evidence.private_endpoint_connections == ()
