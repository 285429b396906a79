"""Marker registration and the applicability rules that skip a check as N/A."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from pytest_crdb_security.context import CloudPlan, Deployment, parse_plan
from pytest_crdb_security.parsing.versions import Version, parse_version

DIMENSIONS = {
    "network": "Network Security",
    "authentication": "Authentication & SSO",
    "authorization": "Authorization",
    "encryption": "Encryption",
    "crypto_posture": "Encryption",
    "audit_logging": "Audit Logging",
    "backup": "Backup & Recovery",
    "cluster_config": "Cluster Configuration",
}

SEVERITIES = ("critical", "high", "medium", "low", "info")

MARKER_LINES = (
    *(
        f"{name}: security check of the {title} dimension (select with -m {name})"
        for name, title in DIMENSIONS.items()
    ),
    "check(id, title): stable id and report title of a security check",
    "severity(level): impact of the check's finding: " + ", ".join(SEVERITIES),
    "deployment(model): run only on 'cloud' or 'self-hosted' clusters, N/A elsewhere",
    "cloud_plan(*plans): run only on these Cloud plans (basic, standard, advanced), N/A elsewhere",
    "min_version(version): run only on CockroachDB at or above this version, e.g. '23.2'",
)


class MarkerError(ValueError):
    """A check carries an invalid marker; the message names the check and the allowed values."""


@dataclass(frozen=True)
class CheckInfo:
    """Metadata of one security check, read from its markers."""

    check_id: str
    title: str
    dimension: str
    severity: str
    deployment: Deployment | None
    plans: tuple[CloudPlan, ...]
    min_version: Version | None

    @property
    def section(self) -> str:
        return DIMENSIONS[self.dimension]


def register_markers(config: pytest.Config) -> None:
    for line in MARKER_LINES:
        config.addinivalue_line("markers", line)


def is_check(item: pytest.Item) -> bool:
    return item.get_closest_marker("check") is not None


def read_check_info(item: pytest.Item) -> CheckInfo:
    """Read and validate the markers of a check item."""
    where = item.nodeid.split("[")[0]
    check = item.get_closest_marker("check")
    if check is None or len(check.args) != 2 or not all(isinstance(a, str) for a in check.args):
        raise MarkerError(f"{where}: use @pytest.mark.check('<id>', '<title>')")
    check_id, title = check.args

    dimensions = [name for name in DIMENSIONS if item.get_closest_marker(name) is not None]
    if len(dimensions) != 1:
        raise MarkerError(
            f"{where}: mark the check with exactly one dimension marker: " + ", ".join(DIMENSIONS)
        )

    severity_marker = item.get_closest_marker("severity")
    severity = severity_marker.args[0] if severity_marker and severity_marker.args else "medium"
    if severity not in SEVERITIES:
        raise MarkerError(
            f"{where}: invalid severity {severity!r}: use one of " + ", ".join(SEVERITIES)
        )

    deployment = None
    deployment_marker = item.get_closest_marker("deployment")
    if deployment_marker is not None:
        value = deployment_marker.args[0] if deployment_marker.args else None
        if value not in ("cloud", "self-hosted"):
            raise MarkerError(
                f"{where}: invalid deployment {value!r}: use 'cloud' or 'self-hosted'"
            )
        deployment = Deployment(value)

    plans: tuple[CloudPlan, ...] = ()
    plan_marker = item.get_closest_marker("cloud_plan")
    if plan_marker is not None:
        try:
            plans = tuple(parse_plan(str(plan)) for plan in plan_marker.args)
        except ValueError as error:
            raise MarkerError(f"{where}: {error}") from None

    min_version = None
    version_marker = item.get_closest_marker("min_version")
    if version_marker is not None:
        raw = str(version_marker.args[0]) if version_marker.args else ""
        try:
            min_version = parse_version(raw)
        except ValueError:
            raise MarkerError(
                f"{where}: invalid min_version {raw!r}: use a version such as '23.2'"
            ) from None

    return CheckInfo(check_id, title, dimensions[0], severity, deployment, plans, min_version)


def not_applicable_reason(
    info: CheckInfo,
    deployment: Deployment,
    plan: CloudPlan | None,
    version: Version | None,
) -> str | None:
    """Return why the check does not apply to this cluster, or None when it applies."""
    if info.deployment is not None and deployment is not info.deployment:
        if info.deployment is Deployment.SELF_HOSTED:
            return "only for self-hosted clusters; this is a CockroachDB Cloud cluster"
        return "only for CockroachDB Cloud clusters; this is a self-hosted cluster"

    if info.plans and deployment is Deployment.CLOUD:
        wanted = _plan_list(info.plans)
        if plan is None:
            return (
                f"only for the {wanted} plan; the Cloud plan is unknown"
                " (set it in the context file)"
            )
        if plan not in info.plans:
            return f"only for the {wanted} plan; this cluster is on the {plan.label} plan"

    if info.min_version is not None and version is not None and version < info.min_version:
        return (
            f"requires CockroachDB v{info.min_version.major}.{info.min_version.minor} or later;"
            f" this cluster runs v{version}"
        )
    return None


def _plan_list(plans: Iterable[CloudPlan]) -> str:
    labels = [plan.label for plan in plans]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1]
