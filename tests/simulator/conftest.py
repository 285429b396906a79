"""Fixtures for the simulated-cluster tests: clusters started once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sim_helpers import ClusterFor, scenario_named

from pytest_crdb_security.simulator import SimulatedCluster


@pytest.fixture(scope="session")
def running_clusters() -> Iterator[dict[str, SimulatedCluster]]:
    clusters: dict[str, SimulatedCluster] = {}
    yield clusters
    for cluster in clusters.values():
        cluster.stop()


@pytest.fixture(scope="session")
def cluster_for(running_clusters: dict[str, SimulatedCluster]) -> ClusterFor:
    """Return a function that gives the running cluster of a scenario, starting it once."""

    def get(name: str) -> SimulatedCluster:
        if name not in running_clusters:
            running_clusters[name] = SimulatedCluster(scenario_named(name)).start()
        return running_clusters[name]

    return get


@pytest.fixture(autouse=True)
def no_unexpected_server_errors(running_clusters: dict[str, SimulatedCluster]) -> Iterator[None]:
    """Fail the test during which a connection handler of any cluster crashed."""
    yield
    for name, cluster in running_clusters.items():
        assert cluster.unexpected_errors == [], f"a connection handler of {name} crashed"
