"""Measure the SQL evidence phase alone, the TLS probe alone, and both run as an audit runs them.

Run: python benchmarks/bench_tls_concurrency.py [--repeat N] [--databases N] [--delay-ms MS]

Each run starts from a fresh connection against one simulated cluster on loopback, the
bundled mixed scenario with ``--databases`` extra databases (more databases make the SQL
phase longer, as on a large cluster). ``--delay-ms`` puts a relay in front of the
cluster that delays every chunk of data by that long in each direction, an estimate of
a network round trip of twice that. "both"
starts the probe on its background thread, collects the SQL evidence on the calling
thread, then waits for the probe, which is what ``pytest_sessionstart`` and the TLS
fixture do. The probe's cipher suite enumeration runs ``openssl s_client`` once per suite,
so its time depends on the number of cores and on process start-up cost.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench_sql_phase import scenario_with_databases
from tabulate import tabulate

from pytest_crdb_security.evidence.sql import SessionLimits, collect_sql_evidence
from pytest_crdb_security.evidence.tls_background import BackgroundTlsProbe
from pytest_crdb_security.evidence.tls_handshake import build_contexts
from pytest_crdb_security.evidence.tls_model import CipherScan, TlsEvidence
from pytest_crdb_security.evidence.tls_probe import probe_tls
from pytest_crdb_security.evidence.tls_settings import Deadline, TlsProbeSettings, probe_settings
from pytest_crdb_security.redaction import Redactor
from pytest_crdb_security.simulator import SimulatedCluster, load_scenario
from pytest_crdb_security.target import Target, parse_target_url


@contextlib.contextmanager
def delaying_relay(port: int, delay: float) -> Iterator[int]:
    """Relay a loopback port to ``port``, delaying each chunk ``delay`` seconds; yield its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stopping = threading.Event()

    def pipe(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                time.sleep(delay)
                target.sendall(chunk)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def relay(client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", port)) as server:
            upstream = threading.Thread(target=pipe, args=(client, server), daemon=True)
            upstream.start()
            pipe(server, client)
            upstream.join()

    def accept() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=relay, args=(client,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stopping.set()
        acceptor.join()
        listener.close()


def sql_phase(target: Target) -> None:
    collect_sql_evidence(target, SessionLimits(), Redactor())


def tls_probe(settings: TlsProbeSettings) -> TlsEvidence:
    return probe_tls(settings, build_contexts(settings), Deadline(settings.budget))


def both(target: Target, settings: TlsProbeSettings) -> TlsEvidence:
    background = BackgroundTlsProbe(settings, build_contexts(settings))
    try:
        sql_phase(target)
        return background.result()
    finally:
        background.stop()


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def cipher_seconds(evidence: TlsEvidence) -> float:
    return evidence.ciphers.seconds if isinstance(evidence.ciphers, CipherScan) else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument(
        "--databases", type=int, default=0, help="extra databases in the simulated cluster"
    )
    parser.add_argument(
        "--delay-ms", type=float, default=0, help="delay of each relayed chunk, in milliseconds"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        scenario = load_scenario(scenario_with_databases(args.databases, Path(directory)))
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(SimulatedCluster(scenario))
        url = cluster.url()
        if args.delay_ms > 0:
            relay_port = stack.enter_context(delaying_relay(cluster.port, args.delay_ms / 1000))
            url = url.replace(f":{cluster.port}/", f":{relay_port}/")
        target = parse_target_url(url)
        settings = probe_settings(target, 30)
        # One run of each before measuring, so that imports and caches are warm.
        sql_phase(target)
        suites = tls_probe(settings)

        rows = []
        for name, action in (
            ("SQL phase alone", lambda: sql_phase(target)),
            ("TLS probe alone", lambda: tls_probe(settings)),
            ("both, probe in background", lambda: both(target, settings)),
        ):
            seconds = timed(action, args.repeat)
            rows.append((name, f"{statistics.median(seconds):.3f}", f"{max(seconds):.3f}"))

    print(
        f"{args.databases} extra databases, {args.delay_ms:g} ms relay delay,"
        f" {args.repeat} runs each, {os.cpu_count()} CPUs"
    )
    print(tabulate(rows, headers=["measurement", "median s", "max s"], tablefmt="github"))
    if isinstance(suites.ciphers, CipherScan):
        print(
            f"cipher suites: {len(suites.ciphers.results)} handshakes in"
            f" {cipher_seconds(suites):.3f} s ({suites.ciphers.tool})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
