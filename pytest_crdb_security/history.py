"""Comparison with the newest earlier JSON report of the same cluster.

Findings are keyed by check id and subject. Only WARN, FAIL and ERROR count as
problems, and each key falls into at most one group:

- new: a problem now, and absent or not a problem in the earlier report;
- resolved: a problem before, and present now as PASS, INFO or N/A;
- changed: a problem in both reports, with a different verdict (WARN to FAIL, say);
- no longer reported: a problem before, and absent now (the check did not run, for
  example under ``-m``, or its subject such as a database is gone).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_crdb_security.report.findings import Finding
from pytest_crdb_security.report.markdown import report_file_stem
from pytest_crdb_security.verdicts import Verdict

PROBLEM_VERDICTS = frozenset({Verdict.WARN.value, Verdict.FAIL.value, Verdict.ERROR.value})
_VERDICT_VALUES = frozenset(verdict.value for verdict in Verdict)

Key = tuple[str, "str | None"]


@dataclass(frozen=True)
class PastFinding:
    """The part of a finding in an earlier report that the comparison reads."""

    check_id: str
    subject: str | None
    title: str
    verdict: str

    @property
    def key(self) -> Key:
        return (self.check_id, self.subject)


@dataclass(frozen=True)
class EarlierReport:
    path: Path
    cluster_name: str | None
    date: str
    generated_at: str | None
    findings: tuple[PastFinding, ...]
    cluster_id: str | None = None


@dataclass(frozen=True)
class Change:
    """One finding whose problem state differs between the two reports."""

    check_id: str
    subject: str | None
    title: str
    before: str | None
    after: str | None

    @property
    def label(self) -> str:
        return f"{self.title} ({self.subject})" if self.subject else self.title

    def describe(self) -> str:
        """Return e.g. ``Admin user count: WARN → PASS``, with "not audited" for a missing side."""
        before = self.before or "not audited"
        after = self.after or "not audited"
        return f"{self.label}: {before} → {after}"

    def to_json(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "subject": self.subject,
            "title": self.title,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class Changes:
    since: EarlierReport
    new: tuple[Change, ...] = ()
    resolved: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()
    no_longer_reported: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.new or self.resolved or self.changed or self.no_longer_reported)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": {
                "report": self.since.path.name,
                "date": self.since.date,
                "generated_at": self.since.generated_at,
            },
            "new": [change.to_json() for change in self.new],
            "resolved": [change.to_json() for change in self.resolved],
            "changed": [change.to_json() for change in self.changed],
            "no_longer_reported": [change.to_json() for change in self.no_longer_reported],
        }


@dataclass
class HistoryLookup:
    """The earlier report found, if any, and a note for each earlier file that was skipped."""

    earlier: EarlierReport | None = None
    notes: list[str] = field(default_factory=list)


def earlier_report_files(directory: Path, cluster_name: str) -> list[Path]:
    """Return the JSON reports of ``cluster_name`` in ``directory``, newest first.

    Newest means the latest date in the file name, then the highest sequence number.
    """
    if not directory.is_dir():
        return []
    prefix = report_file_stem(cluster_name, dt.date(2000, 1, 1)).removesuffix("2000-01-01")
    pattern = re.compile(re.escape(prefix) + r"(\d{4}-\d{2}-\d{2})-(\d+)\.json$")
    dated: list[tuple[str, int, Path]] = []
    for path in directory.iterdir():
        match = pattern.match(path.name)
        if match:
            dated.append((match.group(1), int(match.group(2)), path))
    dated.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [path for _, _, path in dated]


def find_earlier_report(
    directory: Path, cluster_name: str, cluster_id: str | None = None
) -> HistoryLookup:
    """Load the newest readable earlier report of ``cluster_name``, skipping corrupt ones.

    When both reports know their cluster ID, a report of another cluster that shares
    the name (two clusters audited by the same host name, say) is skipped.
    """
    lookup = HistoryLookup()
    for path in earlier_report_files(directory, cluster_name):
        try:
            report = read_earlier_report(path)
        except ValueError as error:
            lookup.notes.append(f"skipped earlier report {path.name}: {error}")
            continue
        # Two cluster names can map to one file name ("prod east" and "prod-east").
        if report.cluster_name is not None and report.cluster_name != cluster_name:
            continue
        if not report.findings:
            lookup.notes.append(f"skipped earlier report {path.name}: it has no findings")
            continue
        if cluster_id and report.cluster_id and report.cluster_id != cluster_id:
            lookup.notes.append(
                f"skipped earlier report {path.name}: it is of cluster {report.cluster_id},"
                f" not {cluster_id}"
            )
            continue
        lookup.earlier = report
        break
    return lookup


def read_earlier_report(path: Path) -> EarlierReport:
    """Parse one earlier JSON report. Raises ValueError when it is unreadable or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read it ({error.strerror or error})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"it is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ValueError("it is not a JSON object")
    if data.get("schema_version") != 1:
        raise ValueError(f"unsupported schema_version {data.get('schema_version')!r}")
    cluster = data.get("cluster")
    findings = data.get("findings")
    if not isinstance(cluster, dict) or not isinstance(findings, list):
        raise ValueError("'cluster' or 'findings' is missing")
    if not isinstance(data.get("date"), str):
        raise ValueError("'date' is missing")
    past = tuple(_past_finding(entry, index) for index, entry in enumerate(findings))
    name = cluster.get("name")
    identifier = cluster.get("id")
    generated = data.get("generated_at")
    return EarlierReport(
        path=path,
        cluster_name=name if isinstance(name, str) else None,
        cluster_id=identifier if isinstance(identifier, str) and identifier else None,
        date=str(data["date"]),
        generated_at=generated if isinstance(generated, str) else None,
        findings=past,
    )


def _past_finding(entry: object, index: int) -> PastFinding:
    if not isinstance(entry, dict):
        raise ValueError(f"finding {index + 1} is not an object")
    check_id = entry.get("check_id")
    subject = entry.get("subject")
    title = entry.get("title")
    # Verdicts before the severity policy, so that a run with another --env or
    # compliance setting does not read as a change of the cluster.
    verdict = entry.get("original_verdict", entry.get("verdict"))
    if not isinstance(check_id, str) or not isinstance(title, str):
        raise ValueError(f"finding {index + 1} lacks 'check_id' or 'title'")
    if subject is not None and not isinstance(subject, str):
        raise ValueError(f"finding {index + 1} has a non-text 'subject'")
    if verdict not in _VERDICT_VALUES:
        raise ValueError(f"finding {index + 1} has the invalid verdict {verdict!r}")
    return PastFinding(check_id, subject, title, str(verdict))


def compare_findings(earlier: EarlierReport, current: Sequence[Finding]) -> Changes:
    """Group the differences in problem findings between ``earlier`` and ``current``.

    Both sides are compared by their verdicts before the severity policy.
    """
    before: Mapping[Key, PastFinding] = {finding.key: finding for finding in earlier.findings}
    # A check the earlier run did not audit (deselected with -m) has nothing to
    # compare with, so its findings are not reported as new.
    audited_before = {finding.check_id for finding in earlier.findings}
    after: Mapping[Key, Finding] = {
        (finding.check_id, finding.subject): finding for finding in current
    }
    new: list[Change] = []
    resolved: list[Change] = []
    changed: list[Change] = []
    no_longer: list[Change] = []

    for key, now in after.items():
        was = before.get(key)
        if was is None and now.check_id not in audited_before:
            continue
        was_verdict = was.verdict if was else None
        now_verdict = now.original.value
        change = Change(now.check_id, now.subject, now.title, was_verdict, now_verdict)
        if now_verdict in PROBLEM_VERDICTS:
            if was_verdict not in PROBLEM_VERDICTS:
                new.append(change)
            elif was_verdict != now_verdict:
                changed.append(change)
        elif was_verdict in PROBLEM_VERDICTS:
            resolved.append(change)

    for key, was in before.items():
        if key not in after and was.verdict in PROBLEM_VERDICTS:
            no_longer.append(Change(was.check_id, was.subject, was.title, was.verdict, None))

    return Changes(earlier, tuple(new), tuple(resolved), tuple(changed), tuple(no_longer))
