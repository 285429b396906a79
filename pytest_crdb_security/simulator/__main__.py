"""Run one simulated cluster in the foreground: `python -m pytest_crdb_security.simulator`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from pytest_crdb_security.simulator.errors import ScenarioError
from pytest_crdb_security.simulator.scenario import Scenario
from pytest_crdb_security.simulator.scenario_loader import (
    bundled_scenario_names,
    bundled_scenario_path,
    load_scenario,
)
from pytest_crdb_security.simulator.server import SimulatedCluster

DEFAULT_SCENARIO = "mixed"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_crdb_security.simulator",
        description="Serve a simulated CockroachDB cluster on a loopback port until Ctrl+C.",
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=(
            f"Bundled scenario name ({', '.join(bundled_scenario_names())}) or path to a "
            f"scenario YAML file (default: {DEFAULT_SCENARIO})"
        ),
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port to listen on (default: a free port)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        choices=("127.0.0.1", "::1", "localhost"),
        help="Loopback address to listen on (default: 127.0.0.1)",
    )
    return parser


def _load(argument: str) -> Scenario:
    path = Path(argument)
    if argument.endswith((".yaml", ".yml")) or path.exists():
        return load_scenario(path)
    return load_scenario(bundled_scenario_path(argument))


def main(argv: list[str] | None = None, stop: threading.Event | None = None) -> int:
    """Run the command; `stop` lets a caller end the wait instead of Ctrl+C."""
    arguments = _parser().parse_args(argv)
    try:
        scenario = _load(arguments.scenario)
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    if stop is None:
        stop = threading.Event()
        # SIGTERM ends the wait like Ctrl+C, so the certificate directory is deleted.
        signal.signal(signal.SIGTERM, lambda _signal, _frame: stop.set())
    with SimulatedCluster(scenario, host=arguments.host, port=arguments.port) as cluster:
        tls = "TLS" if scenario.tls.enabled else "insecure"
        print(f"Simulated CockroachDB cluster '{scenario.name}' ({scenario.version}, {tls})")
        print(scenario.description)
        print(f"URL: {cluster.url()}")
        print("Press Ctrl+C to stop.", flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            print("Stopping.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
