"""Grading of role-based (user) audit logging and admin audit logging."""

from __future__ import annotations

from pytest_crdb_security.evidence.model import Settings
from pytest_crdb_security.parsing.versions import BuildInfo, Version
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

USER_AUDIT = "sql.log.user_audit"
ADMIN_AUDIT = "sql.log.admin_audit.enabled"
# Role-based audit logging arrived in v23.2 and exists only in CCL builds.
USER_AUDIT_SINCE = Version(23, 2)


def _audited_roles(config: str) -> list[str]:
    roles = []
    for line in config.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            roles.append(line.split()[0])
    return roles


def _user_audit_state(settings: Settings, build: BuildInfo) -> tuple[bool | None, str]:
    """Return (configured, description); configured is None when the version lacks the setting."""
    if not settings.has(USER_AUDIT):
        if build.version < USER_AUDIT_SINCE:
            return (
                None,
                f"role-based audit logging needs v23.2 or later (cluster runs v{build.version})",
            )
        if not build.is_ccl:
            return (
                None,
                f"role-based audit logging needs a CCL build (this is {build.distribution})",
            )
        raise CouldNotEvaluate(
            f"cluster setting {USER_AUDIT} is missing on CCL v{build.version}, which should have it"
        )
    roles = _audited_roles(settings.text(USER_AUDIT))
    if not roles:
        return False, f"{USER_AUDIT} is empty"
    return True, f"{USER_AUDIT} audits roles {', '.join(roles)}"


def grade_audit_logging(settings: Settings, build: BuildInfo) -> Grade:
    """User and admin audit on: PASS; only one of them: WARN; neither: FAIL."""
    user_on, user_text = _user_audit_state(settings, build)
    if not settings.has(ADMIN_AUDIT):
        if user_on is None:
            raise CouldNotEvaluate(
                f"neither {USER_AUDIT} nor {ADMIN_AUDIT} exists on v{build.version}"
            )
        admin_on, admin_text = None, f"{ADMIN_AUDIT} is not available on v{build.version}"
    else:
        admin_on = settings.flag(ADMIN_AUDIT)
        admin_text = f"{ADMIN_AUDIT} is {'on' if admin_on else 'off'}"

    detail = f"{user_text}; {admin_text}"
    if user_on and admin_on:
        return Grade(Verdict.PASS, "user and admin audit logging are on: " + detail)
    if user_on or admin_on:
        which = "admin audit only" if admin_on else "user audit only"
        return Grade(Verdict.WARN, f"{which}: {detail}")
    return Grade(
        Verdict.FAIL, "audit logging is disabled: " + detail, rule="audit_logging_disabled"
    )
