"""Helpers that run an audit through pytester and read the report it wrote."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

_FINDING = re.compile(r"^- \[(?P<verdict>[A-Z/]+)\] (?P<label>[^:]+): (?P<detail>.*)$")
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

    def findings(self) -> dict[str, tuple[str, str]]:
        """Map each finding label to (verdict, detail) as the markdown report shows them."""
        found: dict[str, tuple[str, str]] = {}
        for line in self.report.splitlines():
            match = _FINDING.match(line)
            if match:
                found[match["label"]] = (match["verdict"], match["detail"])
        return found

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
