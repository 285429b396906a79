"""pytest hooks of pytest-crdb-security; each delegates to a plain function."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import pytest

from pytest_crdb_security.cloud_fixtures import crdb_cloud
from pytest_crdb_security.cloud_session import unknown_plan_reason
from pytest_crdb_security.collection import bundled_checks_dir
from pytest_crdb_security.context import ContextError
from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.evidence.sql import ConnectionFailed
from pytest_crdb_security.fixtures import audit_session, audit_session_key, crdb_context, crdb_sql
from pytest_crdb_security.markers import (
    MarkerError,
    is_check,
    not_applicable_reason,
    read_check_info,
    register_markers,
)
from pytest_crdb_security.options import add_options, audit_requested, read_request
from pytest_crdb_security.outcome import build_finding, grade_from_exception
from pytest_crdb_security.report.findings import finding_of
from pytest_crdb_security.report.output_plugins import register_output_plugins
from pytest_crdb_security.report.outputs import outcome_lines, write_outputs, written_outputs_key
from pytest_crdb_security.report.pytest_report import record_finding, verdict_status
from pytest_crdb_security.report.terminal import summary_lines
from pytest_crdb_security.session import AuditSession
from pytest_crdb_security.tls_fixtures import (
    crdb_tls,
    start_tls_probe,
    stop_tls_probe,
    tls_failure_hint,
)
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

__all__ = ["crdb_cloud", "crdb_context", "crdb_sql", "crdb_tls"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    register_markers(config)
    if not audit_requested(config):
        return
    try:
        session = AuditSession.open(read_request(config))
    except ContextError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[audit_session_key] = session
    config.pluginmanager.register(FindingCollector(session), "crdb-security-findings")
    register_output_plugins(config, session)
    config.option.strict_markers = True
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(bundled_checks_dir())]


def pytest_unconfigure(config: pytest.Config) -> None:
    session = audit_session(config)
    if session is not None:
        stop_tls_probe(config)
        session.close()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    audit = audit_session(session.config)
    if audit is None:
        return
    # The TLS probe runs on its own thread while the SQL evidence is collected.
    start_tls_probe(session.config, audit)
    try:
        audit.collect()
    except ConnectionFailed as error:
        # A UsageError here ends the run before the header with one line on stderr
        # and exit code 4, instead of one error per check.
        hint = tls_failure_hint(session.config, audit)
        raise pytest.UsageError(f"crdb-security: {error}{hint}") from None


def pytest_report_header(config: pytest.Config) -> list[str]:
    audit = audit_session(config)
    return audit.header_lines() if audit is not None else []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "crdb_database" not in metafunc.fixturenames:
        return
    audit = audit_session(metafunc.config)
    databases: list[str] = []
    if audit is not None and audit.evidence is not None:
        found = audit.evidence.databases
        databases = ["(unavailable)"] if isinstance(found, Unavailable) else list(found)
    metafunc.parametrize("crdb_database", databases, ids=databases, scope="function")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if audit_session(config) is None:
        return
    for item in items:
        if is_check(item):
            try:
                item.stash[_check_info_key] = read_check_info(item)
            except MarkerError as error:
                raise pytest.UsageError(str(error)) from None


_check_info_key = pytest.StashKey[Any]()


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    if not items:
        return
    audit = audit_session(items[0].config)
    if audit is not None:
        audit.deselected_checks += sum(1 for item in items if is_check(item))


def pytest_runtest_setup(item: pytest.Item) -> None:
    audit = audit_session(item.config)
    info = item.stash.get(_check_info_key, None)
    if audit is None or info is None:
        return
    evidence = audit.evidence
    version = None
    if evidence is not None and not isinstance(evidence.build, Unavailable):
        version = evidence.build.version
    # An undetected plan is missing evidence: ERROR, not the marker's N/A.
    unknown = unknown_plan_reason(info, audit.context.deployment, audit.context.plan, audit.cloud)
    if unknown is not None:
        raise CouldNotEvaluate(unknown)
    reason = not_applicable_reason(info, audit.context.deployment, audit.context.plan, version)
    if reason is not None:
        pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    audit = audit_session(item.config)
    info = item.stash.get(_check_info_key, None)
    if audit is None or info is None:
        return report

    if call.when in ("setup", "call") and report.skipped:
        # N/A from an applicability marker, or from a fixture or check that found
        # the check does not apply (for example no certificates directory given).
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        grade = Grade(Verdict.NA, reason)
        # Point -rs at the check itself rather than at the hook that skipped it.
        path, line = item.reportinfo()[:2]
        report.longrepr = (str(path), (line or 0) + 1, reason)
    elif call.when == "setup" and report.failed:
        error = call.excinfo.value if call.excinfo else None
        grade = grade_from_exception(error)
    elif call.when == "call":
        grade = grade_from_exception(call.excinfo.value if call.excinfo else None)
    else:
        return report

    subject = _subject(item)
    finding = build_finding(
        item.nodeid, info, subject, grade, audit.context, audit.policy, audit.redact
    )
    finding = audit.waivers.apply(finding)
    record_finding(item, report, finding, audit.request.fail_on, audit.redact)
    return report


def _subject(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    value = callspec.params.get("crdb_database")
    return str(value) if value is not None else callspec.id


def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, str] | None:
    # Collection reports reach this hook too, and they have no user_properties.
    finding = finding_of(getattr(report, "user_properties", []))
    return verdict_status(finding) if finding is not None else None


class FindingCollector:
    """Gathers findings from test reports, also those sent by xdist workers."""

    def __init__(self, audit: AuditSession) -> None:
        self.audit = audit

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        finding = finding_of(report.user_properties)
        if finding is not None:
            self.audit.findings.append(finding)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    audit = audit_session(session.config)
    # xdist workers send their reports to the controller, which writes the file.
    if audit is None or audit.evidence is None or hasattr(session.config, "workerinput"):
        return
    session.config.stash[written_outputs_key] = write_outputs(audit)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> Generator[None, None, None]:
    audit = audit_session(config)
    stats = terminalreporter.stats
    # The short summary of -rs lists stats["skipped"]; N/A checks are shown there
    # too, then removed so that the closing line counts them once, as N/A.
    borrowed = audit is not None and "skipped" not in stats and bool(stats.get("N/A"))
    if borrowed:
        stats["skipped"] = stats["N/A"]
    try:
        if audit is not None:
            for line in summary_lines(audit):
                terminalreporter.write_line(line)
            outputs = config.stash.get(written_outputs_key, None)
            if outputs is not None:
                for line in outcome_lines(outputs):
                    terminalreporter.write_line(audit.redact(line))
        return (yield)
    finally:
        if borrowed:
            del stats["skipped"]
