"""The CI gate: which verdicts fail the run under ``--crdb-fail-on``, and its summary line."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pytest_crdb_security.report.findings import Finding
from pytest_crdb_security.verdicts import VERDICT_ORDER, Verdict

Outcome = Literal["passed", "failed", "skipped"]


class FailOn(enum.Enum):
    """The lowest verdict that fails the gate. ERROR fails it at every level."""

    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"

    @property
    def gating_verdicts(self) -> tuple[Verdict, ...]:
        return _GATING[self]


_GATING = {
    FailOn.FAIL: (Verdict.FAIL, Verdict.ERROR),
    FailOn.WARN: (Verdict.WARN, Verdict.FAIL, Verdict.ERROR),
    FailOn.ERROR: (Verdict.ERROR,),
}

FAIL_ON_CHOICES = tuple(member.value for member in FailOn)


def finding_gates(finding: Finding, fail_on: FailOn) -> bool:
    """Return True when ``finding`` fails the gate: a gating verdict that is not waived."""
    return finding.waiver is None and finding.verdict in fail_on.gating_verdicts


def pytest_outcome(finding: Finding, fail_on: FailOn, when: str) -> Outcome:
    """Map a finding to the pytest outcome of the report that carries it.

    N/A is skipped and a gating finding failed. Everything else passes, except a
    non-gating finding from the setup phase (a waived setup ERROR): it is skipped,
    because pytest runs the check body after a setup report that passed.
    """
    if finding.verdict is Verdict.NA:
        return "skipped"
    if finding_gates(finding, fail_on):
        return "failed"
    return "skipped" if when == "setup" else "passed"


@dataclass(frozen=True)
class GateResult:
    """The gate decision over all findings of a run."""

    fail_on: FailOn
    failed: bool
    gating_counts: dict[Verdict, int]
    waived: int
    checked: int | None = None

    def summary_line(self) -> str:
        """Return e.g. ``crdb-security gate: FAILED (fail-on=fail): 3 FAIL, 1 ERROR``."""
        if self.checked == 0:
            return (
                f"crdb-security gate: NO CHECKS RAN (fail-on={self.fail_on.value}):"
                " the selection matched no check, so nothing was audited"
            )
        state = "FAILED" if self.failed else "PASSED"
        counts = ", ".join(
            f"{count} {verdict.value}" for verdict, count in self.gating_counts.items()
        )
        line = f"crdb-security gate: {state} (fail-on={self.fail_on.value}): {counts}"
        if self.waived:
            line += f"; {self.waived} waived"
        return line


def evaluate_gate(findings: Sequence[Finding], fail_on: FailOn) -> GateResult:
    """Decide the gate: failed when any unwaived finding has a gating verdict."""
    gating = [verdict for verdict in VERDICT_ORDER if verdict in fail_on.gating_verdicts]
    counts = {verdict: 0 for verdict in gating}
    waived = 0
    for finding in findings:
        if finding.waiver is not None:
            waived += 1
        elif finding.verdict in counts:
            counts[finding.verdict] += 1
    return GateResult(fail_on, any(counts.values()), counts, waived, checked=len(findings))
