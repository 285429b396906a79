"""Validation of the paths the audit writes to, before any check runs."""

from __future__ import annotations

from pathlib import Path

from pytest_crdb_security.context import ContextError


def validate_output_paths(report_dir: Path, remediation_sql: Path | None) -> None:
    """Raise ContextError when a report or script could not be written where requested.

    The report directory is created when missing, but the remediation script's
    directory must exist, so that a typo does not create a directory tree.
    """
    if report_dir.exists() and not report_dir.is_dir():
        raise ContextError(
            f"invalid --crdb-report-dir {str(report_dir)!r}: it is a file;"
            " give a directory (it is created when missing)"
        )
    if remediation_sql is None:
        return
    if remediation_sql.is_dir():
        raise ContextError(
            f"invalid --crdb-remediation-sql {str(remediation_sql)!r}: it is a directory;"
            " give a file name such as fixes.sql"
        )
    parent = remediation_sql.parent
    if not parent.is_dir():
        raise ContextError(
            f"invalid --crdb-remediation-sql {str(remediation_sql)!r}: the directory"
            f" {str(parent)!r} does not exist; create it first"
        )
