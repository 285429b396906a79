"""Command-line options and their conversion into the audit context and target."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_crdb_security.attestations import parse_attestations
from pytest_crdb_security.cloud_options import CloudRequest, add_cloud_options, read_cloud_request
from pytest_crdb_security.context import (
    AuditContext,
    ContextError,
    Deployment,
    Environment,
    load_context_file,
    parse_compliance,
    parse_data_sensitivity,
    parse_deployment,
    parse_environment,
    parse_plan,
)
from pytest_crdb_security.gate import FAIL_ON_CHOICES, FailOn
from pytest_crdb_security.output_paths import validate_output_paths
from pytest_crdb_security.target import Target, parse_target_url

URL_ENVIRONMENT_VARIABLES = ("CRDB_URL", "COCKROACH_URL")
DEFAULT_DEMO = "mixed"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("crdb-security", "CockroachDB security audit")
    group.addoption(
        "--crdb-url",
        dest="crdb_url",
        metavar="URL",
        help="SQL connection URL of the cluster to audit, postgresql://USER:PASSWORD@HOST:26257/DB"
        " (default: $CRDB_URL, then $COCKROACH_URL)",
    )
    group.addoption(
        "--crdb-demo",
        dest="crdb_demo",
        metavar="SCENARIO",
        nargs="?",
        const=DEFAULT_DEMO,
        help="Audit a bundled simulated cluster instead of a real one"
        f" (scenario name, default {DEFAULT_DEMO!r})",
    )
    group.addoption(
        "--env",
        "--crdb-env",
        dest="crdb_env",
        metavar="ENVIRONMENT",
        help="Environment of the cluster, which calibrates severity:"
        " production, staging, development or sandbox (default: production)",
    )
    group.addoption(
        "--crdb-deployment",
        dest="crdb_deployment",
        metavar="MODEL",
        help="Deployment model: auto, cloud or self-hosted"
        " (default: auto, detected from the target)",
    )
    group.addoption(
        "--crdb-compliance",
        dest="crdb_compliance",
        metavar="FRAMEWORKS",
        help="Compliance frameworks, comma separated: SOC 2, HIPAA, PCI DSS, ISO 27001, GDPR"
        " (default: none)",
    )
    group.addoption(
        "--crdb-data-sensitivity",
        dest="crdb_data_sensitivity",
        metavar="LEVEL",
        help="Most sensitive data the cluster holds: pii-phi, financial, internal or public"
        " (default: internal)",
    )
    group.addoption(
        "--crdb-cluster-name",
        dest="crdb_cluster_name",
        metavar="NAME",
        help="Cluster name for the report (default: detected, else the host name)",
    )
    group.addoption(
        "--crdb-context",
        dest="crdb_context",
        metavar="FILE",
        help="YAML file with the same context keys (environment, deployment, compliance,"
        " data_sensitivity, cluster_name, plan, certs_dir, report_dir, attestations);"
        " options override it",
    )
    group.addoption(
        "--crdb-report-dir",
        dest="crdb_report_dir",
        metavar="DIR",
        help="Directory for the markdown and JSON reports (default: reports)",
    )
    group.addoption(
        "--crdb-certs-dir",
        dest="crdb_certs_dir",
        metavar="DIR",
        help="Certificates directory of a self-hosted node, for certificate checks",
    )
    group.addoption(
        "--crdb-policy",
        dest="crdb_policy",
        metavar="FILE",
        help="Severity policy YAML replacing the bundled one (environment downgrades,"
        " compliance floors)",
    )
    group.addoption(
        "--crdb-timeout",
        dest="crdb_timeout",
        metavar="SECONDS",
        type=int,
        default=30,
        help="Statement timeout of the audit session in seconds; connecting waits at most"
        " a third of it, at least 5 (default: 30)",
    )
    group.addoption(
        "--crdb-fail-on",
        dest="crdb_fail_on",
        metavar="LEVEL",
        type=str.lower,
        choices=FAIL_ON_CHOICES,
        default=FailOn.FAIL.value,
        help="Verdicts that fail the run: fail (FAIL or ERROR), warn (also WARN) or"
        " error (only ERROR), in any case; waived findings never do (default: fail)",
    )
    group.addoption(
        "--crdb-waivers",
        dest="crdb_waivers",
        metavar="FILE",
        help="YAML list of accepted findings (check, target, reason, owner, expires) that"
        " are reported as waived and do not fail the run",
    )
    group.addoption(
        "--crdb-remediation-sql",
        dest="crdb_remediation_sql",
        metavar="FILE",
        help="Write the suggested statements for FAIL and WARN findings to this SQL script,"
        " every statement commented out for review; the audit never runs them",
    )
    add_cloud_options(parser)


@dataclass(frozen=True)
class AuditRequest:
    """The audit the command line requests: a real target or a demo scenario, and the context."""

    context: AuditContext
    url: str | None
    url_source: str
    policy_path: Path | None
    timeout: int
    fail_on: FailOn = FailOn.FAIL
    waivers_path: Path | None = None
    remediation_sql_path: Path | None = None
    cloud: CloudRequest = field(default_factory=CloudRequest)


def audit_requested(config: pytest.Config) -> bool:
    if config.getoption("crdb_demo") or config.getoption("crdb_url"):
        return True
    # A URL in the environment is often set for the cockroach CLI, so it must never
    # take over a project's own test run. It starts an audit only when pytest got no
    # test paths (arguments or testpaths) and the directory has no tests of its own.
    if config.args_source is not pytest.Config.ArgsSource.INVOCATION_DIR:
        return False
    if _has_own_tests(config.invocation_params.dir):
        return False
    return any(os.environ.get(name) for name in URL_ENVIRONMENT_VARIABLES)


def _has_own_tests(directory: Path) -> bool:
    """Tell whether ``directory`` looks like a project with tests of its own."""
    if (directory / "conftest.py").exists():
        return True
    if (directory / "tests").is_dir() or (directory / "test").is_dir():
        return True
    return any(directory.glob("test_*.py")) or any(directory.glob("*_test.py"))


def read_request(config: pytest.Config) -> AuditRequest:
    """Validate every audit option; raises ContextError with one line naming the bad value."""
    option: dict[str, Any] = {
        "environment": config.getoption("crdb_env"),
        "deployment": config.getoption("crdb_deployment"),
        "compliance": config.getoption("crdb_compliance"),
        "data_sensitivity": config.getoption("crdb_data_sensitivity"),
        "cluster_name": config.getoption("crdb_cluster_name"),
        "report_dir": config.getoption("crdb_report_dir"),
        "certs_dir": config.getoption("crdb_certs_dir"),
    }
    values: dict[str, Any] = {}
    context_file = config.getoption("crdb_context")
    if context_file:
        values.update(load_context_file(Path(context_file)))
    values.update({key: value for key, value in option.items() if value is not None})

    timeout = config.getoption("crdb_timeout")
    if timeout is None or timeout < 1:
        raise ContextError(
            f"invalid --crdb-timeout {timeout!r}: use a whole number of seconds, 1 or more"
        )

    context = AuditContext(
        environment=parse_environment(values["environment"])
        if "environment" in values
        else Environment.PRODUCTION,
        deployment=parse_deployment(values["deployment"])
        if "deployment" in values
        else Deployment.AUTO,
        compliance=parse_compliance(values.get("compliance") or ()),
        data_sensitivity=parse_data_sensitivity(values.get("data_sensitivity", "internal")),
        cluster_name=values.get("cluster_name"),
        plan=parse_plan(values["plan"]) if values.get("plan") else None,
        certs_dir=Path(values["certs_dir"]) if values.get("certs_dir") else None,
        report_dir=Path(values.get("report_dir") or "reports"),
        demo_scenario=config.getoption("crdb_demo"),
        attestations=parse_attestations(
            values.get("attestations"), f"context file {context_file!r}", dt.date.today()
        ),
    )

    url = config.getoption("crdb_url")
    source = "--crdb-url"
    if url and context.demo_scenario:
        raise ContextError(
            "--crdb-demo and --crdb-url were both given: use --crdb-demo alone to audit the"
            " simulated cluster, or drop it to audit the URL"
        )
    if not url and not context.demo_scenario:
        for name in URL_ENVIRONMENT_VARIABLES:
            if os.environ.get(name):
                url, source = os.environ[name], f"${name}"
                break
    policy = config.getoption("crdb_policy")
    waivers = config.getoption("crdb_waivers")
    remediation_sql = config.getoption("crdb_remediation_sql")
    validate_output_paths(context.report_dir, Path(remediation_sql) if remediation_sql else None)
    return AuditRequest(
        context,
        url,
        source,
        Path(policy) if policy else None,
        timeout,
        fail_on=FailOn(config.getoption("crdb_fail_on")),
        waivers_path=Path(waivers) if waivers else None,
        remediation_sql_path=Path(remediation_sql) if remediation_sql else None,
        cloud=read_cloud_request(config),
    )


def parse_request_target(request: AuditRequest) -> Target:
    assert request.url is not None
    return parse_target_url(request.url, request.url_source)
