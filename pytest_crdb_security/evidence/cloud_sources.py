"""The two ways to read a Cloud cluster's configuration: the Cloud API and ccloud.

Both expose the same methods and raise CloudAccessError with a reason for the report.
ccloud has commands only for the organization, clusters and the IP allowlist, so its
other methods raise the reason that a Cloud API key is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from pytest_crdb_security.evidence.ccloud import CcloudRunner
from pytest_crdb_security.evidence.cloud_api import CloudAccessError, CloudApiClient
from pytest_crdb_security.parsing.cloud import (
    Allowlist,
    BackupsConfig,
    CloudCluster,
    CloudFormatError,
    CmekConfig,
    PrivateEndpointConnection,
    PrivateEndpointService,
    items_of,
    parse_allowlist_entry,
    parse_backups_config,
    parse_cluster,
    parse_cmek,
    parse_organization,
    parse_private_endpoint_connection,
    parse_private_endpoint_service,
)

T = TypeVar("T")

CLUSTERS = "/api/v1/clusters"


class CloudSource(Protocol):
    """Read access to the Cloud configuration of one organization."""

    label: str

    def identity(self) -> str: ...

    def clusters(self) -> list[CloudCluster]: ...

    def cluster(self, cluster_id: str, name: str | None) -> CloudCluster: ...

    def allowlist(self, cluster: CloudCluster) -> Allowlist: ...

    def private_endpoint_connections(
        self, cluster_id: str
    ) -> tuple[PrivateEndpointConnection, ...]: ...

    def private_endpoint_services(self, cluster_id: str) -> tuple[PrivateEndpointService, ...]: ...

    def cmek(self, cluster_id: str) -> CmekConfig | None: ...

    def backups_config(self, cluster_id: str) -> BackupsConfig: ...

    def calls(self) -> list[str]: ...

    def close(self) -> None: ...


def _parsed(call: str, parse: Callable[[], T]) -> T:
    try:
        return parse()
    except CloudFormatError as error:
        raise CloudAccessError(f"{call} returned an unexpected body: {error}") from None


def _each(items: Sequence[Any], parse: Callable[[object, str], T], where: str) -> tuple[T, ...]:
    return tuple(parse(item, f"{where}[{index}]") for index, item in enumerate(items))


class ApiSource:
    """The Cloud API with an API key, which can read every piece of Cloud evidence."""

    def __init__(self, client: CloudApiClient, key_source: str) -> None:
        self.client = client
        self.label = f"the Cloud API at {client.base_url} (key from {key_source})"

    def _path(self, cluster_id: str, suffix: str = "") -> str:
        return f"{CLUSTERS}/{quote(cluster_id, safe='')}{suffix}"

    def identity(self) -> str:
        path = "/api/v1/organization"
        organization = _parsed(f"GET {path}", lambda: parse_organization(self.client.get(path)))
        label = f" ({organization.label})" if organization.label else ""
        return f"organization {organization.name or organization.id}{label}"

    def clusters(self) -> list[CloudCluster]:
        items, _ = self.client.get_all(CLUSTERS, "clusters")
        return list(_parsed(f"GET {CLUSTERS}", lambda: _each(items, parse_cluster, "clusters")))

    def cluster(self, cluster_id: str, name: str | None) -> CloudCluster:
        path = self._path(cluster_id)
        return _parsed(f"GET {path}", lambda: parse_cluster(self.client.get(path)))

    def allowlist(self, cluster: CloudCluster) -> Allowlist:
        path = self._path(cluster.id, "/networking/allowlist")
        items, first = self.client.get_all(path, "allowlist")

        def parse() -> Allowlist:
            entries = _each(items, parse_allowlist_entry, "allowlist")
            propagating = isinstance(first, dict) and first.get("propagating") is True
            return Allowlist(entries, propagating)

        return _parsed(f"GET {path}", parse)

    def private_endpoint_connections(
        self, cluster_id: str
    ) -> tuple[PrivateEndpointConnection, ...]:
        path = self._path(cluster_id, "/networking/private-endpoint-connections")
        items, _ = self.client.get_all(path, "connections")
        return _parsed(
            f"GET {path}", lambda: _each(items, parse_private_endpoint_connection, "connections")
        )

    def private_endpoint_services(self, cluster_id: str) -> tuple[PrivateEndpointService, ...]:
        path = self._path(cluster_id, "/networking/private-endpoint-services")
        items, _ = self.client.get_all(path, "services")
        return _parsed(
            f"GET {path}", lambda: _each(items, parse_private_endpoint_service, "services")
        )

    def cmek(self, cluster_id: str) -> CmekConfig | None:
        """Return the CMEK state, or None when the API returns 404 (CMEK never configured)."""
        path = self._path(cluster_id, "/cmek")
        try:
            body = self.client.get(path)
        except CloudAccessError as error:
            if error.status == 404:
                return None
            raise
        return _parsed(f"GET {path}", lambda: parse_cmek(body))

    def backups_config(self, cluster_id: str) -> BackupsConfig:
        path = self._path(cluster_id, "/backups-config")
        return _parsed(f"GET {path}", lambda: parse_backups_config(self.client.get(path)))

    def calls(self) -> list[str]:
        return self.client.calls

    def close(self) -> None:
        self.client.close()


class CcloudSource:
    """A logged-in ccloud, which can read clusters and the IP allowlist only."""

    def __init__(self, runner: CcloudRunner, whoami: str) -> None:
        self.runner = runner
        self.whoami = whoami
        self.label = f"ccloud ({runner.executable})"

    def identity(self) -> str:
        return f"ccloud user {self.whoami}"

    def clusters(self) -> list[CloudCluster]:
        call = "`ccloud cluster list -o json`"
        output = self.runner.json("cluster", "list")
        return list(
            _parsed(
                call,
                lambda: _each(items_of(output, "clusters"), parse_cluster, "clusters"),
            )
        )

    def cluster(self, cluster_id: str, name: str | None) -> CloudCluster:
        name_or_id = name or cluster_id
        output = self.runner.json("cluster", "info", name_or_id)
        # A wrapper object such as {"cluster": {...}} is accepted too.
        if isinstance(output, dict) and isinstance(output.get("cluster"), dict):
            output = output["cluster"]
        return _parsed(f"`ccloud cluster info {name_or_id} -o json`", lambda: parse_cluster(output))

    def allowlist(self, cluster: CloudCluster) -> Allowlist:
        call = f"`ccloud cluster networking allowlist list {cluster.id} -o json`"
        output = self.runner.json("cluster", "networking", "allowlist", "list", cluster.id)

        def parse() -> Allowlist:
            items = items_of(output, "allowlist")
            propagating = isinstance(output, dict) and output.get("propagating") is True
            return Allowlist(_each(items, parse_allowlist_entry, "allowlist"), propagating)

        return _parsed(call, parse)

    def _needs_api(self, resource: str) -> CloudAccessError:
        return CloudAccessError(
            f"{resource} can be read only through the Cloud API, which ccloud does not cover:"
            " set COCKROACH_API_KEY or --crdb-cloud-api-key-file"
        )

    def private_endpoint_connections(
        self, cluster_id: str
    ) -> tuple[PrivateEndpointConnection, ...]:
        raise self._needs_api("private endpoint connections")

    def private_endpoint_services(self, cluster_id: str) -> tuple[PrivateEndpointService, ...]:
        raise self._needs_api("private endpoint services")

    def cmek(self, cluster_id: str) -> CmekConfig | None:
        raise self._needs_api("the CMEK configuration")

    def backups_config(self, cluster_id: str) -> BackupsConfig:
        raise self._needs_api("the managed backup configuration")

    def calls(self) -> list[str]:
        return self.runner.commands

    def close(self) -> None:
        pass
