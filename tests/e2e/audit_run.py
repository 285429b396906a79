"""Helpers that run an audit through pytester and read the report it wrote."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_FINDING = re.compile(r"^- \[(?P<verdict>[A-Z/]+(?:, waived)?)\] (?P<rest>.*)$")
_COUNT = re.compile(r"^\| (?P<status>[A-Z/]+) +\| +(?P<count>\d+) \|$")


@dataclass
class AuditRun:
    result: pytest.RunResult
    report_path: Path | None

    @property
    def output(self) -> str:
        return self.result.stdout.str() + "\n" + self.result.stderr.str()

    @property
    def report(self) -> str:
        assert self.report_path is not None, "no report was written:\n" + self.output
        return self.report_path.read_text(encoding="utf-8")

    @property
    def json_path(self) -> Path:
        assert self.report_path is not None, "no report was written:\n" + self.output
        return self.report_path.with_suffix(".json")

    def json(self) -> dict[str, Any]:
        """Return the JSON report written beside the markdown report."""
        data: dict[str, Any] = json.loads(self.json_path.read_text(encoding="utf-8"))
        return data

    def findings(self) -> dict[str, tuple[str, str]]:
        """Map each finding label to (verdict, detail) as the markdown report shows them.

        Titles may contain ": " themselves, so the
        label is the longest label from the JSON report that starts the line, when
        that report exists, and the text before the first colon otherwise.
        """
        labels = self._json_labels()
        found: dict[str, tuple[str, str]] = {}
        for line in self.report.splitlines():
            match = _FINDING.match(line)
            if match:
                label, detail = _split_label(match["rest"], labels)
                found[label] = (match["verdict"], detail)
        return found

    def _json_labels(self) -> list[str]:
        if self.report_path is None or not self.json_path.exists():
            return []
        labels = []
        for finding in self.json()["findings"]:
            subject = finding["subject"]
            labels.append(f"{finding['title']} ({subject})" if subject else finding["title"])
        return sorted(labels, key=len, reverse=True)

    def verdict(self, label: str) -> str:
        findings = self.findings()
        assert label in findings, f"{label!r} not in report: {sorted(findings)}"
        return findings[label][0]

    def summary(self) -> dict[str, int]:
        counts = {}
        for line in self.report.splitlines():
            match = _COUNT.match(line)
            if match:
                counts[match["status"]] = int(match["count"])
        return counts


def _split_label(rest: str, labels: list[str]) -> tuple[str, str]:
    for label in labels:
        if rest.startswith(label + ": "):
            return label, rest[len(label) + 2 :]
    label, _, detail = rest.partition(": ")
    return label, detail


def run_audit(pytester: pytest.Pytester, *args: str) -> AuditRun:
    """Run pytest in a subprocess-free pytester session and locate the new report."""
    report_dir = pytester.path / "reports"
    before = set(report_dir.glob("*.md")) if report_dir.exists() else set()
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--crdb-report-dir", str(report_dir), *args
    )
    after = set(report_dir.glob("*.md")) if report_dir.exists() else set()
    new = sorted(after - before)
    assert len(new) <= 1, new
    return AuditRun(result, new[0] if new else None)
