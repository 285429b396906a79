"""The built wheel carries the checks, scenarios and data files, and audits from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("pytest_crdb_security-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    for check in (ROOT / "checks").glob("test_*.py"):
        assert f"pytest_crdb_security/checks/{check.name}" in names
    assert "pytest_crdb_security/policy.yaml" in names
    assert "pytest_crdb_security/simulator/scenarios/mixed.yaml" in names
    assert "pytest_crdb_security/py.typed" in names
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text
    assert "crdb_security = pytest_crdb_security.plugin" in text


def test_installed_wheel_audits_from_any_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    environment = {
        key: value for key, value in os.environ.items() if key not in ("CRDB_URL", "COCKROACH_URL")
    }
    environment["PYTHONPATH"] = str(target)

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--crdb-demo",
            "-m",
            "cluster_config",
            "-p",
            "no:cacheprovider",
            "-v",
        ],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_cluster_config.py::test_version INFO" in result.stdout
    code = "from pytest_crdb_security.collection import bundled_checks_dir as d; print(d())"
    located = subprocess.run(
        [sys.executable, "-c", code],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert located.stdout.strip() == str(target / "pytest_crdb_security" / "checks")
    reports = list((work / "reports").glob("security-audit-demo-mixed-*.md"))
    assert len(reports) == 1
    assert "[INFO] Version: v24.3.5" in reports[0].read_text()
