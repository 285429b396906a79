"""Waivers: accepted findings that keep their verdict but no longer fail the gate.

A waiver file is a YAML list. Each entry has the keys ``check`` (a check id),
``reason``, ``owner``, ``expires`` (an ISO date such as 2027-06-30) and an optional
``target``. A waiver applies to a WARN, FAIL or ERROR finding of its check:

- without ``target``, to every such finding of the check;
- with ``target``, when the finding's subject (a database name, for example) equals
  the target, or when the target occurs in the finding's detail with no letter, digit
  or underscore directly before or after it. So ``app`` matches "database app" but not
  "application". Both comparisons are case-sensitive.

A waiver is in force through its ``expires`` date and expired from the next day on.
When several waivers match a finding, the first one in the file applies.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from pytest_crdb_security.check_catalog import bundled_check_ids
from pytest_crdb_security.context import ContextError
from pytest_crdb_security.remediation import bundled_remediations
from pytest_crdb_security.report.findings import Finding, WaiverNote
from pytest_crdb_security.verdicts import Verdict

WAIVABLE_VERDICTS = (Verdict.WARN, Verdict.FAIL, Verdict.ERROR)
WAIVER_KEYS = ("check", "target", "reason", "owner", "expires")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FIX_FOR_MISSING = {
    "check": "give the id of the check to waive, e.g. check: admin-users",
    "reason": "say why the finding is accepted",
    "owner": "name the person or team responsible for the waiver",
    "expires": "give the last day the waiver is in force, e.g. expires: 2027-06-30",
}


class _WaiverLoader(yaml.SafeLoader):
    """A safe loader that keeps dates as text.

    PyYAML turns an unquoted date into a ``datetime.date`` and fails with a bare
    ValueError on an impossible one such as 2027-13-01. Kept as text, the date is
    checked here, and the error names the entry.
    """


_WaiverLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class WaiverError(ContextError):
    """An invalid waiver file. The message is one line naming the file, the entry and the fix."""


@dataclass(frozen=True)
class Waiver:
    """One entry of the waiver file, with its 1-based position in the file as ``entry``."""

    entry: int
    check: str
    reason: str
    owner: str
    expires: dt.date
    target: str | None = None

    def is_expired(self, today: dt.date) -> bool:
        return today > self.expires

    def matches(self, finding: Finding) -> bool:
        """Return True when this waiver's check and target select ``finding``."""
        if finding.check_id != self.check:
            return False
        if self.target is None or finding.subject == self.target:
            return True
        pattern = r"(?<!\w)" + re.escape(self.target) + r"(?!\w)"
        return re.search(pattern, finding.detail) is not None

    def note(self) -> WaiverNote:
        return WaiverNote(self.reason, self.owner, self.expires.isoformat(), self.target)

    def describe(self) -> str:
        """Return e.g. ``admin-users (target alice), owner dba-team, expires 2027-06-30``."""
        target = f" (target {self.target})" if self.target is not None else ""
        return f"{self.check}{target}, owner {self.owner}, expires {self.expires.isoformat()}"


@dataclass(frozen=True)
class UnusedWaiver:
    waiver: Waiver
    reason: str


@dataclass(frozen=True)
class WaiverSet:
    """The waivers of one run, split into those in force and those already expired."""

    source: Path | None = None
    active: tuple[Waiver, ...] = ()
    expired: tuple[Waiver, ...] = ()

    def apply(self, finding: Finding) -> Finding:
        """Return ``finding`` with the first matching waiver in force, or unchanged."""
        if finding.verdict not in WAIVABLE_VERDICTS or finding.waiver is not None:
            return finding
        for waiver in self.active:
            if waiver.matches(finding):
                return replace(finding, waiver=waiver.note())
        return finding

    def unused(self, findings: Sequence[Finding]) -> list[UnusedWaiver]:
        """Return the waivers in force that matched no WARN, FAIL or ERROR finding, and why."""
        unused: list[UnusedWaiver] = []
        ran = {finding.check_id for finding in findings}
        for waiver in self.active:
            if any(
                finding.verdict in WAIVABLE_VERDICTS and waiver.matches(finding)
                for finding in findings
            ):
                continue
            if waiver.check not in ran:
                reason = f"check {waiver.check} did not run in this audit"
            else:
                reason = "it matched no WARN, FAIL or ERROR finding"
            unused.append(UnusedWaiver(waiver, reason))
        return unused


def load_waivers(path: Path, known_checks: Iterable[str], today: dt.date) -> WaiverSet:
    """Read and validate a waiver file. Raises WaiverError on the first invalid entry."""
    where = f"waiver file {str(path)!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise WaiverError(
            f"cannot read {where}: {error.strerror or error}; check the path given to"
            " --crdb-waivers"
        ) from None
    try:
        # _WaiverLoader is a SafeLoader, so this builds only plain YAML types.
        data = yaml.load(text, Loader=_WaiverLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise WaiverError(f"invalid YAML in {where}{line}; fix the syntax") from None
    waivers = parse_waivers(data, where, frozenset(known_checks))
    active = tuple(waiver for waiver in waivers if not waiver.is_expired(today))
    expired = tuple(waiver for waiver in waivers if waiver.is_expired(today))
    return WaiverSet(path, active, expired)


def load_known_waivers(path: Path | None, today: dt.date) -> WaiverSet:
    """Load ``path`` against the ids of the bundled checks. No path means no waivers."""
    if path is None:
        return WaiverSet()
    # NOTE: only bundled check ids (and those with remediation entries) are known, so a
    # waiver for a check collected from a user's own directory is rejected as unknown.
    known = set(bundled_check_ids()) | set(bundled_remediations())
    return load_waivers(path, known, today)


def parse_waivers(data: object, where: str, known_checks: frozenset[str]) -> list[Waiver]:
    """Validate the parsed YAML of a waiver file. ``where`` names the file in messages."""
    if not isinstance(data, list):
        raise WaiverError(
            f"invalid {where}: expected a YAML list of waivers, each a mapping with the keys"
            " check, reason, owner, expires and an optional target"
        )
    waivers: list[Waiver] = []
    seen: dict[tuple[str, str | None], int] = {}
    for number, item in enumerate(data, start=1):
        waiver = _parse_entry(item, number, where, known_checks)
        key = (waiver.check, waiver.target)
        if key in seen:
            raise WaiverError(
                f"invalid {where}, entry {number}: it repeats entry {seen[key]} (check"
                f" {waiver.check!r}, target {waiver.target!r}); merge the two entries"
            )
        seen[key] = number
        waivers.append(waiver)
    return waivers


def _parse_entry(item: object, number: int, where: str, known_checks: frozenset[str]) -> Waiver:
    prefix = f"invalid {where}, entry {number}"
    if not isinstance(item, dict):
        raise WaiverError(f"{prefix}: expected a mapping with the keys " + ", ".join(WAIVER_KEYS))
    check = item.get("check")
    if isinstance(check, str) and check:
        prefix += f" (check {check!r})"

    unknown = [str(key) for key in item if key not in WAIVER_KEYS]
    if unknown:
        raise WaiverError(
            f"{prefix}: unknown key {unknown[0]!r}{_suggestion(unknown[0], WAIVER_KEYS)};"
            " use " + ", ".join(WAIVER_KEYS)
        )
    for key in ("check", "reason", "owner", "expires"):
        value = item.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise WaiverError(f"{prefix}: missing {key!r}; {_FIX_FOR_MISSING[key]}")
    for key in ("check", "reason", "owner", "target"):
        if key in item and not isinstance(item[key], str):
            raise WaiverError(
                f"{prefix}: {key!r} must be text, got {item[key]!r}; put the value in quotes"
            )

    check = str(item["check"]).strip()
    if check not in known_checks:
        hint = _suggestion(check, sorted(known_checks))
        if not hint:
            hint = "; use one of " + ", ".join(sorted(known_checks))
        raise WaiverError(f"{prefix}: unknown check id {check!r}{hint}")

    target = item.get("target")
    if target is not None and not target.strip():
        raise WaiverError(f"{prefix}: 'target' is empty; remove it to waive the whole check")
    return Waiver(
        entry=number,
        check=check,
        reason=" ".join(str(item["reason"]).split()),
        owner=str(item["owner"]).strip(),
        expires=_parse_date(item["expires"], prefix),
        target=target.strip() if target is not None else None,
    )


def _parse_date(value: object, prefix: str) -> dt.date:
    # A file's dates arrive as text. A caller passing parsed YAML may pass a date, but
    # not a datetime, which is a subclass of date and is rejected here.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise WaiverError(
        f"{prefix}: invalid expires {str(value)!r}; use an ISO date such as 2027-06-30"
    )


def _suggestion(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
