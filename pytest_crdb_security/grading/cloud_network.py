"""Grading of a Cloud cluster's IP allowlist and private endpoints."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from pytest_crdb_security.context import CloudPlan
from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.cloud import (
    Allowlist,
    AllowlistEntry,
    CloudCluster,
    PrivateEndpointConnection,
    PrivateEndpointService,
)
from pytest_crdb_security.verdicts import Grade, Verdict

# A network this wide or wider (prefix length at most this) is a broad range, such as
# /16 and /8 for IPv4.
BROAD_PREFIX_LENGTH = {4: 16, 6: 48}

PRIVATE_VISIBILITY = "PRIVATE"

ENDPOINT_AVAILABLE = "STATUS_AVAILABLE"
ENDPOINT_PENDING = frozenset({"STATUS_PENDING", "STATUS_PENDING_ACCEPTANCE"})

# NOTE: Cloud API v1 as documented for the 2024-09-16 version has no endpoint that lists
# egress private endpoints, so they are not checked.
EGRESS_NOTE = (
    "egress private endpoints are not checked because the Cloud API v1 documents no way"
    " to list them; review them in the Cloud Console under Networking"
)


class Exposure(enum.Enum):
    OPEN = "open"
    BROAD = "broad"
    SPECIFIC = "specific"


def classify_entry(entry: AllowlistEntry) -> Exposure:
    """Classify the network of an entry by address and mask together (10.0.0.0/0 is open)."""
    network = entry.network()
    if network.prefixlen == 0:
        return Exposure.OPEN
    if network.prefixlen <= BROAD_PREFIX_LENGTH[network.version]:
        return Exposure.BROAD
    return Exposure.SPECIFIC


def _labels(entries: Sequence[AllowlistEntry]) -> str:
    return join_names([entry.label for entry in entries])


def _admit(entries: Sequence[object]) -> str:
    return "admits" if len(entries) == 1 else "admit"


def _by_exposure(entries: Sequence[AllowlistEntry]) -> dict[Exposure, list[AllowlistEntry]]:
    groups: dict[Exposure, list[AllowlistEntry]] = {exposure: [] for exposure in Exposure}
    for entry in entries:
        groups[classify_entry(entry)].append(entry)
    return groups


def _suffix(allowlist: Allowlist) -> str:
    return "; changes are still propagating to the cluster" if allowlist.propagating else ""


def grade_ip_allowlist(allowlist: Allowlist, cluster: CloudCluster | None) -> Grade:
    """Grade the entries that admit SQL connections.

    FAIL (rule ``ip_allowlist_open``): an entry whose network is /0, from any address.
    WARN: a broad range (IPv4 /16 or wider, IPv6 /48 or wider). PASS: only narrower
    networks, or no SQL entry at all, since the public endpoint then admits no SQL
    client. A cluster with network visibility PRIVATE has no public endpoint, so an open
    entry there is a WARN: it takes effect only if the cluster is made public. Entries
    for the DB Console only are graded by ``grade_console_allowlist``.
    """
    sql_entries = [entry for entry in allowlist.entries if entry.sql]
    console_only = len([entry for entry in allowlist.entries if entry.ui and not entry.sql])
    console_note = (
        f"; {plural(console_only, 'entry', 'entries')} for the DB Console only, graded by the"
        " DB Console allowlist check"
        if console_only
        else ""
    )
    suffix = console_note + _suffix(allowlist)
    private = cluster is not None and cluster.network_visibility == PRIVATE_VISIBILITY

    if not sql_entries:
        visibility = (
            "the cluster has no public endpoint (network visibility PRIVATE)"
            if private
            else "the public SQL endpoint admits no client, so SQL access from the internet"
            " is blocked and clients must use private connectivity"
        )
        return Grade(
            Verdict.PASS, f"no allowlist entry admits SQL connections: {visibility}{suffix}"
        )

    groups = _by_exposure(sql_entries)
    parts = []
    if groups[Exposure.OPEN]:
        open_entries = groups[Exposure.OPEN]
        parts.append(
            f"{_labels(open_entries)} {_admit(open_entries)} SQL connections from any address"
        )
    if groups[Exposure.BROAD]:
        broad = groups[Exposure.BROAD]
        parts.append(f"broad range {_labels(broad)} {_admit(broad)} SQL connections")
    if groups[Exposure.SPECIFIC]:
        parts.append(f"specific: {_labels(groups[Exposure.SPECIFIC])}")
    detail = "; ".join(parts) + suffix

    if groups[Exposure.OPEN]:
        if private:
            return Grade(
                Verdict.WARN,
                f"{detail}; the cluster has no public endpoint (network visibility PRIVATE),"
                " so the open entry takes effect only if the cluster is made public",
            )
        return Grade(Verdict.FAIL, detail, rule="ip_allowlist_open")
    if groups[Exposure.BROAD]:
        return Grade(Verdict.WARN, detail)
    return Grade(
        Verdict.PASS,
        f"{plural(len(sql_entries), 'entry', 'entries')} {_admit(sql_entries)} SQL connections,"
        " each from a"
        f" specific network: {_labels(sql_entries)}{suffix}",
    )


def _console_labels(entries: Sequence[AllowlistEntry]) -> str:
    """Name entries, marking those that admit the DB Console but not SQL."""
    labels = []
    for entry in entries:
        cidr = f"{entry.cidr_ip}/{entry.cidr_mask}"
        notes = [entry.name] if entry.name else []
        if not entry.sql:
            notes.append("DB Console only")
        labels.append(f"{cidr} ({', '.join(notes)})" if notes else cidr)
    return join_names(labels)


def grade_console_allowlist(allowlist: Allowlist) -> Grade:
    """Grade the entries that admit the DB Console (``ui``).

    WARN: an open or broad network, since the DB Console login page is then reachable
    from that range (a login is still required). PASS: only specific networks, or none.
    Entries that admit the DB Console but not SQL are marked "DB Console only".
    """
    ui_entries = [entry for entry in allowlist.entries if entry.ui]
    if not ui_entries:
        return Grade(Verdict.PASS, "no allowlist entry admits the DB Console" + _suffix(allowlist))
    groups = _by_exposure(ui_entries)
    parts = []
    if groups[Exposure.OPEN]:
        parts.append(
            f"{_console_labels(groups[Exposure.OPEN])} {_admit(groups[Exposure.OPEN])} the DB"
            " Console from any address"
        )
    if groups[Exposure.BROAD]:
        broad = groups[Exposure.BROAD]
        parts.append(f"broad range {_console_labels(broad)} {_admit(broad)} the DB Console")
    if parts:
        if groups[Exposure.SPECIFIC]:
            parts.append(f"specific: {_console_labels(groups[Exposure.SPECIFIC])}")
        return Grade(Verdict.WARN, "; ".join(parts) + _suffix(allowlist))
    return Grade(
        Verdict.PASS,
        f"{plural(len(ui_entries), 'entry', 'entries')} {_admit(ui_entries)} the DB Console,"
        " each from a"
        f" specific network: {_console_labels(ui_entries)}{_suffix(allowlist)}",
    )


def _describe_connections(connections: Sequence[PrivateEndpointConnection]) -> str:
    return join_names([f"{c.label} ({c.status})" for c in connections])


def _describe_services(services: Sequence[PrivateEndpointService]) -> str:
    return join_names(
        [
            f"{service.region_name or '(no region)'} ({service.status or 'no status'})"
            for service in services
        ]
    )


def grade_private_endpoints(
    plan: CloudPlan,
    connections: Sequence[PrivateEndpointConnection],
    services: Sequence[PrivateEndpointService],
    cluster: CloudCluster | None,
) -> Grade:
    """Grade ingress private connectivity by the status of each endpoint connection.

    PASS: at least one connection is STATUS_AVAILABLE. Otherwise WARN with rule
    ``no_private_endpoints`` on Advanced (also when connections are only pending), and
    INFO on Standard, where private endpoints are optional. VPC peering is not visible
    through these endpoints.
    """
    available = [c for c in connections if c.status == ENDPOINT_AVAILABLE]
    pending = [c for c in connections if c.status in ENDPOINT_PENDING]
    inactive = [c for c in connections if c not in available and c not in pending]

    notes = []
    if available and pending:
        notes.append(f"pending: {_describe_connections(pending)}")
    if inactive:
        notes.append(f"not in use: {_describe_connections(inactive)}")
    if services:
        notes.append(f"endpoint services: {_describe_services(services)}")
    if cluster is not None and cluster.egress_traffic_policy:
        notes.append(f"egress traffic policy {cluster.egress_traffic_policy}")
    if plan is CloudPlan.ADVANCED:
        notes.append(EGRESS_NOTE)
    tail = "".join(f"; {note}" for note in notes)

    if available:
        return Grade(
            Verdict.PASS,
            f"{plural(len(available), 'private endpoint connection')} available:"
            f" {_describe_connections(available)}{tail}",
        )
    if pending:
        summary = (
            "no private endpoint connection is available yet; pending:"
            f" {_describe_connections(pending)}"
        )
    else:
        summary = (
            "no private endpoint connection is available, so clients use the public endpoint"
            " unless VPC peering (not visible to this audit) is set up"
        )
    if plan is CloudPlan.ADVANCED:
        return Grade(Verdict.WARN, summary + tail, rule="no_private_endpoints")
    return Grade(
        Verdict.INFO,
        f"{summary}; private endpoints are optional on the {plan.label} plan{tail}",
    )
