"""Helpers shared by the simulated-cluster tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import psycopg.crdb

from pytest_crdb_security.simulator import (
    Scenario,
    SimulatedCluster,
    bundled_scenario_names,
    bundled_scenario_path,
    load_scenario,
)

TEST_SCENARIOS = Path(__file__).parent / "scenarios"

# Type of the `cluster_for` fixture: the running cluster of a scenario, by name.
ClusterFor = Callable[[str], SimulatedCluster]


def scenario_named(name: str) -> Scenario:
    """Load a bundled scenario, or one from tests/simulator/scenarios."""
    if name in bundled_scenario_names():
        return load_scenario(bundled_scenario_path(name))
    return load_scenario(TEST_SCENARIOS / f"{name}.yaml")


def connect(
    cluster: SimulatedCluster, user: str | None = None, password: str | None = None
) -> psycopg.Connection[tuple[object, ...]]:
    """Connect as the plugin does: psycopg's CockroachDB class in autocommit mode."""
    connection: psycopg.Connection[tuple[object, ...]] = psycopg.crdb.connect(
        cluster.url(user=user, password=password), autocommit=True
    )
    return connection


@dataclass
class Answer:
    """What psycopg saw for one statement."""

    columns: list[tuple[str, int]]
    rows: list[tuple[object, ...]]
    status: str | None
    notices: list[str] = field(default_factory=list)


def ask(
    cluster: SimulatedCluster,
    statement: str,
    user: str | None = None,
    setup: tuple[str, ...] = (),
) -> Answer:
    """Run setup statements and one statement on a new connection; return what came back."""
    with connect(cluster, user) as connection:
        notices: list[str] = []
        connection.add_notice_handler(
            lambda diagnostic: notices.append(diagnostic.message_primary or "")
        )
        cursor = connection.cursor()
        for setup_statement in setup:
            cursor.execute(setup_statement)
        cursor.execute(statement)
        description = cursor.description or []
        rows = cursor.fetchall() if description else []
        return Answer(
            columns=[(column.name, column.type_code) for column in description],
            rows=rows,
            status=cursor.statusmessage,
            notices=notices,
        )
