"""Grading of Cloud Console SSO and SCIM from attestations in the audit context.

Neither ccloud nor the Cloud API v1 shows these organization settings, so a person's
attestation is the only evidence, and without one the check never passes.
"""

from __future__ import annotations

import datetime as dt

from pytest_crdb_security.attestations import CONSOLE_SSO, SCIM, Attestation
from pytest_crdb_security.verdicts import Grade, Verdict

# An attestation older than this is no longer evidence of the current state.
MAX_ATTESTATION_AGE_DAYS = 365

_WHERE = {
    CONSOLE_SSO: "Cloud Console > Organization settings > Authentication",
    SCIM: "Cloud Console > Organization settings > Authentication > SCIM",
}


def _not_verified(subject: str, what: str, rule: str) -> Grade:
    return Grade(
        Verdict.FAIL,
        f"not verified: {what} is not visible to ccloud or the Cloud API; confirm it in"
        f" {_WHERE[subject]} and record it under attestations.{subject} in the --crdb-context"
        " file",
        rule=rule,
    )


def _stale(attestation: Attestation, today: dt.date, claim: str) -> Grade | None:
    age = attestation.age_days(today)
    if age <= MAX_ATTESTATION_AGE_DAYS:
        return None
    return Grade(
        Verdict.WARN,
        f"the attestation that {claim} is {age} days old ({attestation.provenance()}), older"
        f" than {MAX_ATTESTATION_AGE_DAYS} days; confirm it again and update confirmed_on",
    )


def grade_console_sso(attestation: Attestation | None, today: dt.date) -> Grade:
    """Grade Cloud Console SSO.

    Attested enabled and enforced: PASS. Enabled but not enforced (password logins still
    work): WARN. Attested as not enabled, or no attestation: FAIL with rule
    ``console_sso_missing``. An attestation older than 365 days: WARN.
    """
    what = "Cloud Console SSO"
    if attestation is None:
        return _not_verified(CONSOLE_SSO, what, "console_sso_missing")
    if not attestation.enabled:
        return Grade(
            Verdict.FAIL,
            f"{what} is not enabled ({attestation.provenance()})",
            rule="console_sso_missing",
        )
    enforced = "enforced" if attestation.enforced else "not enforced"
    stale = _stale(attestation, today, f"{what} is enabled and {enforced}")
    if stale is not None:
        return stale
    if not attestation.enforced:
        return Grade(
            Verdict.WARN,
            f"{what} is enabled but not enforced, so members can still log in with a password"
            f" ({attestation.provenance()})",
        )
    return Grade(Verdict.PASS, f"{what} is enabled and enforced ({attestation.provenance()})")


def grade_scim(attestation: Attestation | None, today: dt.date) -> Grade:
    """Grade SCIM 2.0 provisioning: attested enabled PASS, not enabled or unverified FAIL
    with rule ``scim_missing``, an attestation older than 365 days WARN."""
    what = "SCIM 2.0 provisioning"
    if attestation is None:
        return _not_verified(SCIM, what, "scim_missing")
    if not attestation.enabled:
        return Grade(
            Verdict.FAIL, f"{what} is not enabled ({attestation.provenance()})", rule="scim_missing"
        )
    stale = _stale(attestation, today, f"{what} is enabled")
    if stale is not None:
        return stale
    return Grade(Verdict.PASS, f"{what} is enabled ({attestation.provenance()})")
