"""Attestations: facts a person confirmed that no API shows, read from the context file.

Cloud Console SSO and SCIM are organization settings that neither ccloud nor the Cloud
API v1 expose, so the audit can only record who confirmed them and when::

    attestations:
      console_sso: {enabled: true, enforced: true, confirmed_by: "J. Roe", confirmed_on: 2026-11-30}
      scim: {enabled: true, confirmed_by: "J. Roe", confirmed_on: 2026-11-30, evidence: SEC-42}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from pytest_crdb_security.context import ContextError

CONSOLE_SSO = "console_sso"
SCIM = "scim"

# Required keys of each subject, besides confirmed_by and confirmed_on.
_FLAGS = {CONSOLE_SSO: ("enabled", "enforced"), SCIM: ("enabled",)}
_COMMON = ("confirmed_by", "confirmed_on")
_OPTIONAL = ("evidence",)


@dataclass(frozen=True)
class Attestation:
    """One confirmed organization setting: its state, who confirmed it and on which date."""

    subject: str
    enabled: bool
    enforced: bool | None
    confirmed_by: str
    confirmed_on: dt.date
    evidence: str | None = None

    def age_days(self, today: dt.date) -> int:
        return (today - self.confirmed_on).days

    def provenance(self) -> str:
        evidence = f", evidence {self.evidence}" if self.evidence else ""
        return f"attested by {self.confirmed_by} on {self.confirmed_on.isoformat()}{evidence}"


def parse_attestations(raw: object, where: str, today: dt.date) -> Mapping[str, Attestation]:
    """Validate the ``attestations`` mapping of a context file; raise ContextError on any flaw."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ContextError(
            f"invalid attestations in {where}: expected a mapping with the keys"
            f" {CONSOLE_SSO} and {SCIM}"
        )
    result: dict[str, Attestation] = {}
    for subject, body in raw.items():
        if subject not in _FLAGS:
            raise ContextError(
                f"unknown attestation {subject!r} in {where}: use {CONSOLE_SSO} or {SCIM}"
            )
        result[subject] = _attestation(subject, body, f"attestations.{subject} in {where}", today)
    return result


def _attestation(subject: str, body: object, where: str, today: dt.date) -> Attestation:
    flags = _FLAGS[subject]
    allowed = (*flags, *_COMMON, *_OPTIONAL)
    if not isinstance(body, dict):
        raise ContextError(f"invalid {where}: expected a mapping of {', '.join(allowed)}")
    unknown = sorted(str(key) for key in body if key not in allowed)
    if unknown:
        raise ContextError(f"unknown key {unknown[0]!r} in {where}: use {', '.join(allowed)}")
    missing = [key for key in (*flags, *_COMMON) if key not in body]
    if missing:
        raise ContextError(f"missing key {missing[0]!r} in {where}: give {', '.join(allowed[:-1])}")

    values: dict[str, bool] = {}
    for key in flags:
        if not isinstance(body[key], bool):
            raise ContextError(f"invalid {key} in {where}: use true or false, got {body[key]!r}")
        values[key] = body[key]
    enforced = values.get("enforced")
    if enforced and not values["enabled"]:
        raise ContextError(
            f"invalid {where}: enforced is true but enabled is false; SSO cannot be enforced"
            " without being enabled"
        )

    confirmed_by = body["confirmed_by"]
    if not isinstance(confirmed_by, str) or not confirmed_by.strip():
        raise ContextError(f"invalid confirmed_by in {where}: name the person who confirmed it")
    confirmed_on = _date(body["confirmed_on"], where, today)
    evidence = body.get("evidence")
    if evidence is not None and (not isinstance(evidence, str) or not evidence.strip()):
        raise ContextError(f"invalid evidence in {where}: give a ticket, link or document name")
    return Attestation(
        subject=subject,
        enabled=values["enabled"],
        enforced=enforced,
        confirmed_by=confirmed_by.strip(),
        confirmed_on=confirmed_on,
        evidence=evidence.strip() if evidence else None,
    )


def _date(value: object, where: str, today: dt.date) -> dt.date:
    # YAML reads an unquoted 2026-11-30 as a date and a quoted one as text.
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise ContextError(f"invalid confirmed_on in {where}: write a date such as 2026-11-30")
    if value > today:
        raise ContextError(
            f"invalid confirmed_on {value.isoformat()} in {where}: the date is in the future"
        )
    return value
