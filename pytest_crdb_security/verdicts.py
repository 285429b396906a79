"""Verdicts, graded findings and the exceptions a check ends with."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NoReturn


class Verdict(enum.Enum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    INFO = "INFO"
    NA = "N/A"
    ERROR = "ERROR"

    @classmethod
    def parse(cls, text: str) -> Verdict:
        for member in cls:
            if text.upper() in (member.value, member.name):
                return member
        allowed = ", ".join(member.value for member in cls)
        raise ValueError(f"invalid verdict {text!r}: use one of {allowed}")


# Order of the summary table and of the terminal's closing line.
VERDICT_ORDER = (Verdict.PASS, Verdict.WARN, Verdict.FAIL, Verdict.INFO, Verdict.NA, Verdict.ERROR)


@dataclass(frozen=True)
class Grade:
    """The result of grading evidence: a verdict, one detail sentence and the policy rule.

    ``rule`` names the row of the severity policy that may adjust this verdict by
    environment and compliance; None means the verdict is never adjusted.
    """

    verdict: Verdict
    detail: str
    rule: str | None = None


class CheckConcluded(Exception):
    """Raised by a check to end with a grade; the plugin turns it into the test outcome."""

    def __init__(self, grade: Grade) -> None:
        super().__init__(grade.detail)
        self.grade = grade


class CouldNotEvaluate(Exception):
    """Evidence a check needs could not be collected; the check ends as ERROR, never PASS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def conclude(grade: Grade) -> NoReturn:
    """End the running check with ``grade``."""
    raise CheckConcluded(grade)
