"""Helpers that audit a simulated Cloud cluster: SQL simulator, fake Cloud API, fake ccloud."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_crdb_security.simulator import SimulatedCluster, load_scenario
from pytest_crdb_security.simulator.cloud_scenario import CloudScenario
from pytest_crdb_security.simulator.fake_ccloud import write_fake_ccloud
from tests.e2e.audit_run import AuditRun, run_audit

SCENARIOS = Path(__file__).parent / "scenarios"
SENTINEL = "Sentinel-"


def cloud_of(name: str) -> CloudScenario:
    """Return the ``cloud`` section of a scenario in tests/e2e/scenarios."""
    cloud = load_scenario(SCENARIOS / f"{name}.yaml").cloud
    assert cloud is not None, name
    return cloud


def use_api_key(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("COCKROACH_API_KEY", key)


def put_fake_ccloud_on_path(
    monkeypatch: pytest.MonkeyPatch, directory: Path, cloud: CloudScenario
) -> Path:
    """Write the fake ccloud into ``directory``, put it first on PATH, return its call log."""
    script = write_fake_ccloud(directory, cloud)
    monkeypatch.setenv("PATH", str(directory))
    return script.parent / "ccloud-calls.log"


def run_cloud_audit(
    pytester: pytest.Pytester,
    sql: SimulatedCluster,
    *args: str,
    api_url: str | None = None,
    cluster: str | None = None,
) -> AuditRun:
    """Audit ``sql`` as a Cloud cluster, reading Cloud evidence from ``api_url`` if given."""
    options = [f"--crdb-url={sql.url()}", "--crdb-deployment=cloud"]
    if "-m" not in args:
        # The TLS probes of the crypto_posture checks take most of a run's time and read
        # nothing from Cloud.
        options += ["-m", "not crypto_posture"]
    if api_url is not None:
        options.append(f"--crdb-cloud-api-url={api_url}")
    if cluster is not None:
        options.append(f"--crdb-cloud-cluster={cluster}")
    return run_audit(pytester, *options, *args)


def assert_no_sentinel(run: AuditRun) -> None:
    """Check stdout, stderr and every file of the report directory (markdown, JSON, JUnit)."""
    assert SENTINEL not in run.output
    assert run.report_path is not None, run.output
    for path in run.report_path.parent.iterdir():
        assert SENTINEL not in path.read_text(encoding="utf-8"), path.name
