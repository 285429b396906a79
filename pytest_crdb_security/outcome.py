"""Turn the way a check ended into a finding."""

from __future__ import annotations

from collections.abc import Callable

from pytest_crdb_security.context import AuditContext
from pytest_crdb_security.markers import CheckInfo
from pytest_crdb_security.policy import Policy, adjust
from pytest_crdb_security.report.findings import Finding
from pytest_crdb_security.verdicts import CheckConcluded, CouldNotEvaluate, Grade, Verdict


def grade_from_exception(error: BaseException | None) -> Grade:
    """Map how the check body ended to a grade; anything but a verdict is ERROR."""
    if isinstance(error, CheckConcluded):
        return error.grade
    if isinstance(error, CouldNotEvaluate):
        return Grade(Verdict.ERROR, error.reason)
    if error is None:
        return Grade(Verdict.ERROR, "the check ended without a verdict")
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return Grade(Verdict.ERROR, f"the check raised {type(error).__name__}: {message}".rstrip(": "))


def build_finding(
    nodeid: str,
    info: CheckInfo,
    subject: str | None,
    grade: Grade,
    context: AuditContext,
    policy: Policy,
    redact: Callable[[str], str],
) -> Finding:
    adjustment = adjust(grade, context, policy)
    return Finding(
        nodeid=nodeid,
        check_id=info.check_id,
        title=info.title,
        dimension=info.dimension,
        section=info.section,
        severity=info.severity,
        subject=subject,
        original=adjustment.original,
        verdict=adjustment.adjusted,
        detail=redact(grade.detail),
        rule=adjustment.rule,
        annotation=adjustment.annotation,
    )
