"""The audit against a real single-node CockroachDB, when a ``cockroach`` binary is on PATH."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.audit_run import run_audit

COCKROACH = shutil.which("cockroach")

pytestmark = pytest.mark.skipif(
    COCKROACH is None, reason="no cockroach binary on PATH, so the live audit cannot run"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert COCKROACH is not None
    work = tmp_path_factory.mktemp("cockroach")
    url_file = work / "url"
    sql_port, http_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [
            COCKROACH,
            "start-single-node",
            "--insecure",
            "--store=type=mem,size=512MiB",
            f"--listen-addr=127.0.0.1:{sql_port}",
            f"--http-addr=127.0.0.1:{http_port}",
            f"--listening-url-file={url_file}",
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (url_file.exists() and url_file.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("cockroach start-single-node did not start within 60 s")
            time.sleep(0.2)
        yield f"postgresql://root@127.0.0.1:{sql_port}/defaultdb?sslmode=disable"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_live_audit_grades_every_sql_check(
    pytester: pytest.Pytester, live_url: str, tmp_path: Path
) -> None:
    run = run_audit(pytester, f"--crdb-url={live_url}", "--env=development")
    findings = run.findings()

    assert findings["Admin user count"][0] == "PASS"
    assert findings["Admin user count"][1] == "1 user with admin role: root"
    assert findings["PUBLIC role privileges (defaultdb)"][0] == "PASS"
    assert findings["Self-managed backups"][0] in ("WARN", "INFO")
    errors = {label: detail for label, (verdict, detail) in findings.items() if verdict == "ERROR"}
    assert not errors, errors
