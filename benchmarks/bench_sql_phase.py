"""Measure the SQL evidence phase against the simulator with 1, 100 and 1,000 databases.

Run: python benchmarks/bench_sql_phase.py [--repeat N]

It prints, per database count, the statements the audit sent and the wall time of
the whole SQL phase (connect, TLS, read-only session set-up, every evidence query).
The statement count must stay the same for every database count.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from tabulate import tabulate

from pytest_crdb_security.evidence.sql import SessionLimits, collect_sql_evidence
from pytest_crdb_security.redaction import Redactor
from pytest_crdb_security.simulator import SimulatedCluster, bundled_scenario_path, load_scenario
from pytest_crdb_security.target import parse_target_url

DATABASE_COUNTS = (1, 100, 1000)


def scenario_with_databases(count: int, directory: Path) -> Path:
    """Write the bundled mixed scenario with ``count`` extra databases, each with a grant."""
    data = yaml.safe_load(bundled_scenario_path("mixed").read_text(encoding="utf-8"))
    data["name"] = f"bench-{count}"
    data["databases"] = [
        {
            "name": f"db_{index:04d}",
            "public_grants": [
                {"object_type": "table", "schema": "public", "object": "t", "privilege": "SELECT"}
            ],
        }
        for index in range(count)
    ]
    path = directory / f"bench-{count}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def measure(count: int, repeat: int, directory: Path) -> tuple[int, int, float, float]:
    scenario = load_scenario(scenario_with_databases(count, directory))
    with SimulatedCluster(scenario) as cluster:
        target = parse_target_url(cluster.url())
        seconds = []
        statements = 0
        databases = 0
        for _ in range(repeat):
            cluster.clear_statements()
            started = time.perf_counter()
            evidence = collect_sql_evidence(target, SessionLimits(), Redactor())
            seconds.append(time.perf_counter() - started)
            statements = len(cluster.statements)
            databases = len(evidence.databases) if isinstance(evidence.databases, list) else -1
    return statements, databases, statistics.median(seconds), max(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per database count")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in DATABASE_COUNTS:
            statements, databases, median, worst = measure(count, args.repeat, Path(tmp))
            row = (count, databases, statements, f"{median * 1000:.1f}", f"{worst * 1000:.1f}")
            rows.append(row)
    print(
        tabulate(
            rows,
            headers=["extra databases", "databases seen", "statements", "median ms", "max ms"],
            tablefmt="github",
        )
    )
    counts = {row[2] for row in rows}
    if len(counts) != 1:
        print("statement count grows with the number of databases", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
