"""Simulated CockroachDB cluster: a loopback pgwire server whose state comes from a scenario."""

from pytest_crdb_security.simulator.errors import ScenarioError
from pytest_crdb_security.simulator.scenario import Scenario
from pytest_crdb_security.simulator.scenario_loader import (
    bundled_scenario_names,
    bundled_scenario_path,
    load_scenario,
)
from pytest_crdb_security.simulator.server import SimulatedCluster

__all__ = [
    "Scenario",
    "ScenarioError",
    "SimulatedCluster",
    "bundled_scenario_names",
    "bundled_scenario_path",
    "load_scenario",
]
