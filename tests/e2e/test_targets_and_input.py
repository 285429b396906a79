"""Audits against a URL: secrets, connection failures and invalid input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_crdb_security.simulator import SimulatedCluster, bundled_scenario_path, load_scenario
from tests.e2e.audit_run import run_audit

SENTINEL_PASSWORD = "Sentinel-Pw-93kq"


@pytest.fixture(scope="module")
def mixed_cluster() -> Iterator[SimulatedCluster]:
    scenario = load_scenario(bundled_scenario_path("mixed"))
    with SimulatedCluster(scenario) as cluster:
        yield cluster


def test_password_appears_nowhere(
    pytester: pytest.Pytester, mixed_cluster: SimulatedCluster
) -> None:
    url = mixed_cluster.url()
    password = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]

    run = run_audit(pytester, f"--crdb-url={url}", "-v", "-rA")

    assert run.report_path is not None
    assert password not in run.output
    assert password not in run.report
    assert run.verdict("Admin user count") == "WARN"


def test_url_from_environment(
    pytester: pytest.Pytester, mixed_cluster: SimulatedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKROACH_URL", mixed_cluster.url())

    run = run_audit(pytester, "-m", "cluster_config")

    assert run.verdict("Version") == "INFO"
    run.result.stdout.fnmatch_lines(["crdb-security: target postgresql://auditor@127.0.0.1:*"])


@pytest.mark.parametrize(
    "layout", ["test path argument", "testpaths setting", "tests directory", "test module"]
)
def test_url_in_environment_leaves_own_tests_alone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    monkeypatch.setenv("COCKROACH_URL", f"postgresql://u:{SENTINEL_PASSWORD}@127.0.0.1:1/db")
    pytester.makepyfile(test_own="def test_ok():\n    assert True\n")
    args = ["test_own.py"] if layout == "test path argument" else []
    if layout == "testpaths setting":
        pytester.makeini("[pytest]\ntestpaths = test_own.py\n")
    if layout == "tests directory":
        (pytester.path / "tests").mkdir()
        (pytester.path / "test_own.py").rename(pytester.path / "tests" / "test_own.py")

    result = pytester.runpytest("-p", "no:cacheprovider", *args)

    result.assert_outcomes(passed=1)
    assert "crdb-security" not in result.stdout.str().replace("crdb-security-", "")
    assert not (pytester.path / "reports").exists()


def test_wrong_password_is_one_line(
    pytester: pytest.Pytester, mixed_cluster: SimulatedCluster
) -> None:
    url = mixed_cluster.url(password=SENTINEL_PASSWORD)

    run = run_audit(pytester, f"--crdb-url={url}")

    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    assert SENTINEL_PASSWORD not in run.output
    run.result.stderr.fnmatch_lines(
        [
            f"ERROR: crdb-security: cannot connect to 127.0.0.1:{mixed_cluster.port} as auditor:"
            " *password authentication failed for user auditor*"
        ]
    )
    assert run.report_path is None
    assert "test session starts" not in run.output


def test_unreachable_cluster_is_one_line(pytester: pytest.Pytester) -> None:
    url = f"postgresql://auditor:{SENTINEL_PASSWORD}@127.0.0.1:1/defaultdb?sslmode=disable"

    run = run_audit(pytester, f"--crdb-url={url}")

    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    assert SENTINEL_PASSWORD not in run.output
    error_lines = [line for line in run.result.stderr.lines if line.strip()]
    assert error_lines == [
        "ERROR: crdb-security: cannot connect to 127.0.0.1:1 as auditor: Connection refused"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--env=prod"],
            "ERROR: invalid environment 'prod': use one of production, staging,"
            " development, sandbox",
        ),
        (
            ["--crdb-deployment=onprem"],
            "ERROR: invalid deployment 'onprem': use one of auto, cloud, self-hosted",
        ),
        (
            ["--crdb-compliance=SOC 2,SOX"],
            "ERROR: invalid compliance framework 'SOX': use one or"
            " more of SOC 2, HIPAA, PCI DSS, ISO 27001, GDPR,"
            " separated by commas",
        ),
        (
            ["--crdb-data-sensitivity=secret"],
            "ERROR: invalid data sensitivity 'secret': use one"
            " of pii-phi, financial, internal, public",
        ),
        (["--crdb-demo=nosuch"], "ERROR: invalid --crdb-demo: *nosuch*"),
        (["--crdb-timeout=0"], "ERROR: invalid --crdb-timeout 0: *"),
        (
            [f"--crdb-url=mysql://u:{SENTINEL_PASSWORD}@h/db"],
            "ERROR: invalid --crdb-url 'mysql://u@h/db': the scheme must be postgresql://*",
        ),
    ],
)
def test_invalid_options(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    if not any(arg.startswith(("--crdb-url", "--crdb-demo")) for arg in args):
        args = ["--crdb-demo", *args]

    run = run_audit(pytester, *args)

    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines([message])
    assert SENTINEL_PASSWORD not in run.output


def test_context_file_sets_context(pytester: pytest.Pytester) -> None:
    context = pytester.path / "context.yaml"
    context.write_text(
        "environment: sandbox\ncompliance: [GDPR]\ndata_sensitivity: pii-phi\n"
        "cluster_name: ledger-eu\n"
    )

    run = run_audit(pytester, "--crdb-demo=legacy", f"--crdb-context={context}", "--env=staging")
    lines = run.report.splitlines()

    assert lines[0] == "# Security Audit Report — ledger-eu"
    assert "**Environment:** staging" in lines
    assert "**Compliance:** GDPR" in lines
    assert "**Data Sensitivity:** PII/PHI" in lines
    assert run.report_path is not None
    assert run.report_path.name.startswith("security-audit-ledger-eu-")


def test_malformed_context_file(pytester: pytest.Pytester, tmp_path: Path) -> None:
    context = tmp_path / "context.yaml"
    context.write_text("environment: [staging\n")

    run = run_audit(pytester, "--crdb-demo", f"--crdb-context={context}")

    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines([f"ERROR: invalid YAML in context file '{context}' at line *"])


def test_plain_run_is_no_audit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    assert True\n")

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)
    assert "crdb-security:" not in result.stdout.str()
    assert "crdb-security verdicts" not in result.stdout.str()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--crdb-report-dir=afile", "ERROR: invalid --crdb-report-dir 'afile': it is a file;*"),
        (
            "--crdb-remediation-sql=adir",
            "ERROR: invalid --crdb-remediation-sql 'adir': it is a directory;*",
        ),
        (
            "--crdb-remediation-sql=missing/x.sql",
            "ERROR: invalid --crdb-remediation-sql"
            " 'missing/x.sql': the directory 'missing'"
            " does not exist; create it first",
        ),
    ],
)
def test_unwritable_output_paths(pytester: pytest.Pytester, option: str, message: str) -> None:
    (pytester.path / "afile").write_text("")
    (pytester.path / "adir").mkdir()

    result = pytester.runpytest("-p", "no:cacheprovider", "--crdb-demo", option)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert not (pytester.path / "missing").exists()


def test_unverified_tls_is_warned(
    pytester: pytest.Pytester, mixed_cluster: SimulatedCluster
) -> None:
    url = mixed_cluster.url().split("?")[0] + "?sslmode=require"

    run = run_audit(pytester, f"--crdb-url={url}", "-m", "cluster_config")

    run.result.stdout.fnmatch_lines(
        ["crdb-security: WARNING: sslmode=require does not verify the server certificate*"]
    )
