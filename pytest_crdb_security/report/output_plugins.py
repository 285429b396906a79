"""Registration of the report plugins that only some runs need (pytest-html, JUnit XML)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_crdb_security.report.pytest_report import JunitFindingFilter

if TYPE_CHECKING:
    from pytest_crdb_security.session import AuditSession


def register_output_plugins(config: pytest.Config, audit: AuditSession) -> None:
    """Register the HTML hooks under ``--html`` and the JUnit filter under ``--junitxml``.

    Both run in the process that writes the file: the xdist controller, or the only
    process without xdist. pytest rejects implementations of unknown hooks, so the
    pytest-html hooks are registered only when pytest-html is loaded.
    """
    if hasattr(config, "workerinput"):
        return
    if config.getoption("xmlpath", None):
        config.pluginmanager.register(JunitFindingFilter(), "crdb-security-junit")
    if config.pluginmanager.hasplugin("html") and config.getoption("htmlpath", None):
        from pytest_crdb_security.report.html import HtmlReportHooks

        hooks = HtmlReportHooks(lambda: audit.findings, audit.request.fail_on, audit.redact)
        config.pluginmanager.register(hooks, "crdb-security-html")
