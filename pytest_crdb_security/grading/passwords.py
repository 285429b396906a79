"""Grading of the password policy settings."""

from __future__ import annotations

from pytest_crdb_security.evidence.model import Settings
from pytest_crdb_security.verdicts import Grade, Verdict

MIN_LENGTH = "server.user_login.min_password_length"
PRE_HASHED = "server.user_login.store_client_pre_hashed_passwords.enabled"


def grade_min_password_length(settings: Settings) -> Grade:
    """Minimum length 12 or more: PASS; 8 to 11: WARN; under 8: FAIL."""
    length = settings.integer(MIN_LENGTH)
    detail = f"{MIN_LENGTH} is {length}"
    if length >= 12:
        return Grade(Verdict.PASS, detail)
    if length >= 8:
        return Grade(Verdict.WARN, detail + "; 12 or more is recommended")
    return Grade(Verdict.FAIL, detail + "; passwords shorter than 8 characters are accepted")


def grade_pre_hashed_passwords(settings: Settings) -> Grade:
    """Storing client-computed hashes lets a client skip the minimum length check."""
    enabled = settings.flag(PRE_HASHED)
    if not enabled:
        return Grade(Verdict.PASS, f"{PRE_HASHED} is off, so every password is checked")
    length = settings.integer(MIN_LENGTH) if settings.has(MIN_LENGTH) else None
    bypassed = f" of {length}" if length is not None else ""
    return Grade(
        Verdict.WARN,
        f"{PRE_HASHED} is on: a client can send an already hashed password,"
        f" which bypasses the minimum length{bypassed}",
    )
