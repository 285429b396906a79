import pytest

from pytest_crdb_security.context import CloudPlan, Deployment
from pytest_crdb_security.markers import CheckInfo, not_applicable_reason
from pytest_crdb_security.parsing.versions import Version


def info(
    deployment: Deployment | None = None,
    plans: tuple[CloudPlan, ...] = (),
    min_version: Version | None = None,
) -> CheckInfo:
    return CheckInfo("x", "X", "network", "high", deployment, plans, min_version)


@pytest.mark.parametrize(
    ("check", "deployment", "plan", "version", "reason"),
    [
        (info(), Deployment.SELF_HOSTED, None, None, None),
        (
            info(Deployment.SELF_HOSTED),
            Deployment.CLOUD,
            None,
            None,
            "only for self-hosted clusters; this is a CockroachDB Cloud cluster",
        ),
        (
            info(Deployment.CLOUD),
            Deployment.SELF_HOSTED,
            None,
            None,
            "only for CockroachDB Cloud clusters; this is a self-hosted cluster",
        ),
        (
            info(Deployment.CLOUD, (CloudPlan.ADVANCED,)),
            Deployment.CLOUD,
            CloudPlan.STANDARD,
            None,
            "only for the Advanced plan; this cluster is on the Standard plan",
        ),
        (
            info(Deployment.CLOUD, (CloudPlan.STANDARD, CloudPlan.ADVANCED)),
            Deployment.CLOUD,
            CloudPlan.BASIC,
            None,
            "only for the Standard or Advanced plan; this cluster is on the Basic plan",
        ),
        (
            info(Deployment.CLOUD, (CloudPlan.ADVANCED,)),
            Deployment.CLOUD,
            None,
            None,
            "only for the Advanced plan; the Cloud plan is unknown (set it in the context file)",
        ),
        (
            info(Deployment.CLOUD, (CloudPlan.ADVANCED,)),
            Deployment.CLOUD,
            CloudPlan.ADVANCED,
            None,
            None,
        ),
        (
            info(min_version=Version(23, 2)),
            Deployment.SELF_HOSTED,
            None,
            Version(23, 1, 14),
            "requires CockroachDB v23.2 or later; this cluster runs v23.1.14",
        ),
        (info(min_version=Version(23, 2)), Deployment.SELF_HOSTED, None, Version(23, 2, 0), None),
    ],
)
def test_not_applicable_reason(
    check: CheckInfo,
    deployment: Deployment,
    plan: CloudPlan | None,
    version: Version | None,
    reason: str | None,
) -> None:
    assert not_applicable_reason(check, deployment, plan, version) == reason
