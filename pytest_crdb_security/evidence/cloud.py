"""Cloud evidence: the cluster's Cloud configuration, collected once per audit run.

The Cloud API is used when an API key is given, because its response shapes are
documented. Otherwise a logged-in ccloud provides what it can: the cluster and its IP
allowlist. Every piece is a value or an Unavailable reason, like the SQL evidence.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from pytest_crdb_security.cloud_options import NO_CLOUD_ACCESS, CloudRequest
from pytest_crdb_security.context import CloudPlan
from pytest_crdb_security.evidence.ccloud import CcloudRunner, find_ccloud
from pytest_crdb_security.evidence.cloud_api import CloudAccessError, CloudApiClient
from pytest_crdb_security.evidence.cloud_sources import ApiSource, CcloudSource, CloudSource
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.grading.text import join_names
from pytest_crdb_security.parsing.cloud import (
    Allowlist,
    BackupsConfig,
    CloudCluster,
    CmekConfig,
    PrivateEndpointConnection,
    PrivateEndpointService,
)
from pytest_crdb_security.target import CLOUD_HOST_SUFFIXES

T = TypeVar("T")

_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

# Plans on which each piece of Cloud evidence exists; it is not requested elsewhere.
PRIVATE_ENDPOINT_PLANS = (CloudPlan.STANDARD, CloudPlan.ADVANCED)
CMEK_PLANS = (CloudPlan.ADVANCED,)


@dataclass(frozen=True)
class CloudEvidence:
    """Everything read from CockroachDB Cloud about the audited cluster."""

    source: str
    identity: str | Unavailable
    cluster: CloudCluster | Unavailable
    plan: CloudPlan | Unavailable
    declared_plan: CloudPlan | None
    allowlist: Allowlist | Unavailable
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] | Unavailable
    private_endpoint_services: tuple[PrivateEndpointService, ...] | Unavailable
    # None: the API returned 404, so CMEK was never configured.
    cmek: CmekConfig | Unavailable | None
    backups_config: BackupsConfig | Unavailable
    notes: tuple[str, ...] = ()
    # Set when the SQL target is a Cloud host name of another cluster.
    host_mismatch: str | None = None
    calls: tuple[str, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    @classmethod
    def unavailable(
        cls, reason: Unavailable, declared_plan: CloudPlan | None, notes: tuple[str, ...] = ()
    ) -> CloudEvidence:
        """Return evidence whose every piece carries the same reason."""
        return cls(
            source="none",
            identity=reason,
            cluster=reason,
            plan=reason,
            declared_plan=declared_plan,
            allowlist=reason,
            private_endpoint_connections=reason,
            private_endpoint_services=reason,
            cmek=reason,
            backups_config=reason,
            notes=notes,
        )

    @property
    def effective_plan(self) -> CloudPlan | None:
        """Return the detected plan, else the one declared in the audit context."""
        return self.plan if isinstance(self.plan, CloudPlan) else self.declared_plan

    def plan_mismatch(self) -> str | None:
        """Describe a declared plan that differs from the detected one, or return None."""
        if self.declared_plan is None or not isinstance(self.plan, CloudPlan):
            return None
        if self.declared_plan is self.plan:
            return None
        return (
            f"the audit context declares the {self.declared_plan.label} plan but Cloud reports"
            f" {self.plan.label}; the checks use {self.plan.label}"
        )


def open_source(request: CloudRequest, timeout: float) -> CloudSource | Unavailable:
    """Choose the Cloud API when a key is given, else a logged-in ccloud."""
    if request.api_key is not None:
        client = CloudApiClient(request.api_url, request.api_key, timeout)
        return ApiSource(client, request.api_key.source)
    if not request.use_ccloud:
        return Unavailable(NO_CLOUD_ACCESS)
    executable = find_ccloud(request.ccloud)
    if isinstance(executable, Unavailable):
        return Unavailable(f"{NO_CLOUD_ACCESS} ({executable.reason})")
    runner = CcloudRunner(executable, timeout)
    try:
        whoami = runner.whoami()
    except CloudAccessError as error:
        return Unavailable(f"{error.reason}, or set COCKROACH_API_KEY or --crdb-cloud-api-key-file")
    return CcloudSource(runner, whoami)


def collect_cloud_evidence(
    request: CloudRequest,
    sql_host: str,
    declared_plan: CloudPlan | None,
    timeout: float,
) -> CloudEvidence:
    """Resolve the audited cluster and read each piece of its Cloud configuration."""
    started = time.perf_counter()
    source = open_source(request, timeout)
    if isinstance(source, Unavailable):
        return CloudEvidence.unavailable(source, declared_plan, request.notes)
    try:
        evidence = _collect(source, request, sql_host, declared_plan)
    finally:
        source.close()
    return replace(evidence, calls=tuple(source.calls()), seconds=time.perf_counter() - started)


def _attempt(read: Callable[[], T]) -> T | Unavailable:
    try:
        return read()
    except CloudAccessError as error:
        return Unavailable(error.reason)


def _collect(
    source: CloudSource, request: CloudRequest, sql_host: str, declared_plan: CloudPlan | None
) -> CloudEvidence:
    notes = list(request.notes)
    try:
        identity: str | Unavailable = source.identity()
    except CloudAccessError as error:
        if error.status == 401 or error.unreachable:
            # A rejected key or an unreachable API fails every later call the same way,
            # and each of those calls would wait for the timeout again.
            return replace(
                CloudEvidence.unavailable(Unavailable(error.reason), declared_plan, tuple(notes)),
                source=source.label,
            )
        identity = Unavailable(error.reason)

    resolved = _attempt(lambda: resolve_cluster(source, request.cluster, sql_host))
    if isinstance(resolved, Unavailable):
        evidence = CloudEvidence.unavailable(resolved, declared_plan, tuple(notes))
        return replace(evidence, source=source.label, identity=identity)

    listed, fetched = resolved
    details: CloudCluster | Unavailable = (
        fetched if fetched is not None else _attempt(lambda: source.cluster(listed.id, listed.name))
    )

    described = listed if isinstance(details, Unavailable) else details
    plan: CloudPlan | Unavailable = described.plan or Unavailable(
        f"Cloud cluster {described.name} reports the unrecognized plan {described.plan_value!r}"
        if described.plan_value
        else f"Cloud cluster {described.name} reports no plan"
    )
    known = plan if isinstance(plan, CloudPlan) else None
    host_mismatch = _host_mismatch(described, sql_host)

    def on_plans(plans: tuple[CloudPlan, ...], read: Callable[[], T]) -> T | Unavailable:
        # Unknown plans read everything, so that a plan declared in the context still finds it.
        if known is None or known in plans:
            return _attempt(read)
        labels = " and ".join(plan.label for plan in plans)
        return Unavailable(f"not collected: Cloud offers it only on the {labels} plans")

    return CloudEvidence(
        source=source.label,
        identity=identity,
        cluster=details,
        plan=plan,
        declared_plan=declared_plan,
        allowlist=_attempt(lambda: source.allowlist(listed)),
        private_endpoint_connections=on_plans(
            PRIVATE_ENDPOINT_PLANS, lambda: source.private_endpoint_connections(listed.id)
        ),
        private_endpoint_services=on_plans(
            PRIVATE_ENDPOINT_PLANS, lambda: source.private_endpoint_services(listed.id)
        ),
        cmek=on_plans(CMEK_PLANS, lambda: source.cmek(listed.id)),
        backups_config=_attempt(lambda: source.backups_config(listed.id)),
        notes=tuple(notes),
        host_mismatch=host_mismatch,
    )


def resolve_cluster(
    source: CloudSource, wanted: str | None, sql_host: str
) -> tuple[CloudCluster, CloudCluster | None]:
    """Find the audited cluster by name or id, else by the SQL host name.

    Returns the matching cluster and, when it was fetched by id, its details too.
    """
    if wanted and _UUID.match(wanted) and isinstance(source, ApiSource):
        # A key scoped to one cluster may not list the others, so an id is read directly.
        try:
            cluster = source.cluster(wanted, None)
        except CloudAccessError as error:
            if error.status != 404:
                raise
            raise CloudAccessError(
                f"no Cloud cluster has the id {wanted}: {error.reason}"
            ) from None
        return cluster, cluster

    clusters = source.clusters()
    names = join_names(sorted(cluster.name for cluster in clusters), limit=8) or "none"
    if wanted:
        matches = [c for c in clusters if wanted in (c.id, c.name)]
        if not matches:
            raise CloudAccessError(
                f"no Cloud cluster is named or has the id {wanted!r}; the clusters visible"
                f" to the audit are: {names}"
            )
        return matches[0], None

    host = sql_host.lower().rstrip(".")
    matches = [cluster for cluster in clusters if host in cluster.dns_names()]
    if len(matches) != 1:
        problem = "matches no" if not matches else "matches more than one"
        raise CloudAccessError(
            f"cannot tell which Cloud cluster to audit: the SQL host {sql_host} {problem}"
            f" cluster host name; pass --crdb-cloud-cluster NAME_OR_ID (clusters: {names})"
        )
    return matches[0], None


def _host_mismatch(cluster: CloudCluster, sql_host: str) -> str | None:
    """Warn when the SQL target is a Cloud host name that belongs to another cluster."""
    host = sql_host.lower().rstrip(".")
    names = cluster.dns_names()
    if not host.endswith(CLOUD_HOST_SUFFIXES) or not names or host in names:
        return None
    return (
        f"the SQL host {sql_host} is not a host name of Cloud cluster {cluster.name}, so the"
        " SQL and Cloud findings may describe different clusters"
    )
