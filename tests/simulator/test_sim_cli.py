"""The `python -m pytest_crdb_security.simulator` command."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sim_helpers import TEST_SCENARIOS

from pytest_crdb_security.simulator.__main__ import main

REPOSITORY = Path(__file__).resolve().parents[2]


def test_unknown_scenario_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nosuch"]) == 2

    assert capsys.readouterr().err == (
        "error: unknown bundled scenario 'nosuch'; choose one of: cloud-advanced, hardened,"
        " legacy, mixed\n"
    )


def test_invalid_scenario_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\n", encoding="utf-8")

    assert main([str(path)]) == 2

    assert (
        capsys.readouterr().err
        == f"error: {path}: description: missing required key; add `description:` to the file\n"
    )


def test_command_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest_crdb_security.simulator",
            str(TEST_SCENARIOS / "redacted.yaml"),
        ],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": str(REPOSITORY)},
    )
    try:
        assert process.stdout is not None
        header = [process.stdout.readline() for _ in range(4)]
        url = re.fullmatch(r"URL: (\S+)\n", header[2])
        assert header[0] == "Simulated CockroachDB cluster 'redacted' (v24.3.5, TLS)\n"
        assert header[3] == "Press Ctrl+C to stop.\n"
        assert url is not None

        with psycopg.crdb.connect(url[1], autocommit=True) as connection:
            assert connection.execute("SELECT current_user()").fetchall() == [("auditor",)]
        certificates = Path(re.search(r"sslrootcert=(\S+)", url[1])[1]).parent  # type: ignore[index]
        assert certificates.exists()
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=10)

    assert process.returncode == 0, errors
    assert not certificates.exists()
