"""Finding records: one per check item, built from test reports and read by every writer."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from pytest_crdb_security.verdicts import VERDICT_ORDER, Verdict

FINDING_PROPERTY = "crdb_finding"


@dataclass(frozen=True)
class WaiverNote:
    """The waiver applied to a finding: why, who owns it, and until when (ISO date)."""

    reason: str
    owner: str
    expires: str
    target: str | None = None


@dataclass(frozen=True)
class Finding:
    """The graded outcome of one check item, before and after the severity policy."""

    nodeid: str
    check_id: str
    title: str
    dimension: str
    section: str
    severity: str
    subject: str | None
    original: Verdict
    verdict: Verdict
    detail: str
    rule: str | None = None
    annotation: str | None = None
    waiver: WaiverNote | None = None

    @property
    def label(self) -> str:
        return f"{self.title} ({self.subject})" if self.subject else self.title

    @property
    def verdict_label(self) -> str:
        """Return the verdict as reports show it, e.g. ``FAIL`` or ``FAIL, waived``."""
        return f"{self.verdict.value}, waived" if self.waiver else self.verdict.value

    def to_property(self) -> dict[str, Any]:
        data = asdict(self)
        data["original"] = self.original.value
        data["verdict"] = self.verdict.value
        return data

    @classmethod
    def from_property(cls, data: dict[str, Any]) -> Finding:
        values = dict(data)
        values["original"] = Verdict(values["original"])
        values["verdict"] = Verdict(values["verdict"])
        if values.get("waiver") is not None:
            values["waiver"] = WaiverNote(**values["waiver"])
        return cls(**values)


def finding_of(user_properties: list[tuple[str, object]]) -> Finding | None:
    for name, value in user_properties:
        if name == FINDING_PROPERTY and isinstance(value, dict):
            return Finding.from_property(value)
    return None


def count_verdicts(findings: list[Finding]) -> dict[Verdict, int]:
    """Count findings per verdict, leaving out waived findings (count_waived counts those)."""
    counts = Counter(finding.verdict for finding in findings if finding.waiver is None)
    return {verdict: counts.get(verdict, 0) for verdict in VERDICT_ORDER}


def count_waived(findings: list[Finding]) -> int:
    return sum(1 for finding in findings if finding.waiver is not None)
