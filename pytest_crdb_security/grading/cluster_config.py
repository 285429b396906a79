"""Grading of the cluster's version, upgrade state, plan and regions."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_crdb_security.parsing.versions import BuildInfo, ClusterVersion
from pytest_crdb_security.verdicts import Grade, Verdict


def grade_version(build: BuildInfo, cluster_version: ClusterVersion | None) -> Grade:
    active = f", cluster version {cluster_version.label()}" if cluster_version else ""
    return Grade(Verdict.INFO, f"v{build.version} ({build.distribution} build{active})")


def grade_upgrade_finalized(build: BuildInfo, cluster_version: ClusterVersion) -> Grade:
    """A binary newer than the active cluster version means an unfinalized upgrade."""
    binary = build.version.release
    if cluster_version.upgrading_to is not None or cluster_version.active < binary:
        return Grade(
            Verdict.WARN,
            f"the node runs v{build.version} but the cluster version is {cluster_version.label()}:"
            " the upgrade is not finalized, so new features and fixes that need it stay off"
            " and a rollback is still possible",
        )
    return Grade(
        Verdict.PASS,
        f"cluster version {cluster_version.label()} matches the v{build.version} binary",
    )


def grade_regions(regions: Sequence[str]) -> Grade:
    if not regions:
        return Grade(Verdict.INFO, "no regions: nodes were started without a region locality")
    return Grade(Verdict.INFO, ", ".join(regions))
