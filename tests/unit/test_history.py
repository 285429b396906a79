import json
from pathlib import Path
from typing import Any

import pytest

from pytest_crdb_security.history import (
    EarlierReport,
    PastFinding,
    compare_findings,
    earlier_report_files,
    find_earlier_report,
    read_earlier_report,
)
from pytest_crdb_security.verdicts import Verdict
from tests.unit.report_findings import make_finding


def report_data(cluster: str = "prod-east", **findings: str) -> dict[str, Any]:
    """Return a minimal earlier report; keyword names are check ids, values verdicts."""
    return {
        "schema_version": 1,
        "date": "2026-11-30",
        "generated_at": "2026-11-30T10:00:00Z",
        "cluster": {"name": cluster},
        "findings": [
            {"check_id": check.replace("_", "-"), "subject": None, "title": check, "verdict": v}
            for check, v in findings.items()
        ],
    }


def write_report(directory: Path, name: str, data: object) -> Path:
    path = directory / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def earlier(*findings: PastFinding) -> EarlierReport:
    return EarlierReport(Path("old.json"), "prod-east", "2026-11-30", None, findings)


def past(check_id: str, verdict: str, subject: str | None = None) -> PastFinding:
    return PastFinding(check_id, subject, check_id, verdict)


def test_files_newest_first(tmp_path: Path) -> None:
    for name in (
        "security-audit-prod-east-2026-11-30-1.json",
        "security-audit-prod-east-2026-12-01-1.json",
        "security-audit-prod-east-2026-12-01-10.json",
        "security-audit-prod-east-2026-12-01-2.json",
        "security-audit-prod-east-2026-12-01-3.md",
        "security-audit-prod-2026-12-02-1.json",
        "security-audit-prod-east-eu-2026-12-02-1.json",
    ):
        (tmp_path / name).write_text("{}")

    files = earlier_report_files(tmp_path, "prod-east")

    assert [path.name for path in files] == [
        "security-audit-prod-east-2026-12-01-10.json",
        "security-audit-prod-east-2026-12-01-2.json",
        "security-audit-prod-east-2026-12-01-1.json",
        "security-audit-prod-east-2026-11-30-1.json",
    ]


def test_files_of_missing_directory(tmp_path: Path) -> None:
    assert earlier_report_files(tmp_path / "nosuch", "prod-east") == []


def test_find_skips_corrupt_report_with_note(tmp_path: Path) -> None:
    write_report(
        tmp_path, "security-audit-prod-east-2026-11-30-1.json", report_data(admin_users="FAIL")
    )
    write_report(tmp_path, "security-audit-prod-east-2026-12-01-1.json", '{"schema_version": 1,')

    lookup = find_earlier_report(tmp_path, "prod-east")

    assert lookup.earlier is not None
    assert lookup.earlier.path.name == "security-audit-prod-east-2026-11-30-1.json"
    assert len(lookup.notes) == 1
    assert lookup.notes[0].startswith(
        "skipped earlier report security-audit-prod-east-2026-12-01-1.json: it is not valid JSON"
    )


def test_find_skips_other_cluster_with_same_file_name(tmp_path: Path) -> None:
    write_report(tmp_path, "security-audit-prod-east-2026-12-01-1.json", report_data("prod east"))

    lookup = find_earlier_report(tmp_path, "prod-east")

    assert lookup.earlier is None
    assert lookup.notes == []


def test_find_without_reports(tmp_path: Path) -> None:
    lookup = find_earlier_report(tmp_path, "prod-east")

    assert lookup.earlier is None
    assert lookup.notes == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[1, 2]", "it is not a JSON object"),
        ('{"schema_version": 2}', "unsupported schema_version 2"),
        ('{"schema_version": 1, "date": "2026-11-30"}', "'cluster' or 'findings' is missing"),
        ('{"schema_version": 1, "cluster": {}, "findings": []}', "'date' is missing"),
        (
            '{"schema_version": 1, "date": "d", "cluster": {}, "findings": [{"title": "x"}]}',
            "finding 1 lacks 'check_id' or 'title'",
        ),
        (
            '{"schema_version": 1, "date": "d", "cluster": {}, "findings":'
            ' [{"check_id": "a", "title": "A", "subject": null, "verdict": "BAD"}]}',
            "finding 1 has the invalid verdict 'BAD'",
        ),
        (
            '{"schema_version": 1, "date": "d", "cluster": {}, "findings":'
            ' [{"check_id": "a", "title": "A", "subject": 3, "verdict": "PASS"}]}',
            "finding 1 has a non-text 'subject'",
        ),
    ],
)
def test_read_rejects_malformed(tmp_path: Path, content: str, reason: str) -> None:
    path = write_report(tmp_path, "r.json", content)

    with pytest.raises(ValueError) as raised:
        read_earlier_report(path)

    assert str(raised.value) == reason


def test_read_valid_report(tmp_path: Path) -> None:
    path = write_report(tmp_path, "r.json", report_data(admin_users="WARN"))

    report = read_earlier_report(path)

    assert report.cluster_name == "prod-east"
    assert report.date == "2026-11-30"
    assert report.findings == (PastFinding("admin-users", None, "admin_users", "WARN"),)


def test_compare_groups_changes() -> None:
    before = earlier(
        past("admin-users", "WARN"),
        past("audit-logging", "FAIL"),
        past("public-privileges", "PASS", "app"),
        past("public-privileges", "WARN", "crm"),
        past("self-managed-backups", "FAIL"),
        past("version", "INFO"),
        past("password-min-length", "WARN"),
    )
    current = [
        make_finding("admin-users", Verdict.FAIL),
        make_finding("audit-logging", Verdict.PASS),
        make_finding("public-privileges", Verdict.FAIL, "app"),
        make_finding("public-privileges", Verdict.WARN, "crm"),
        make_finding("hba-configuration", Verdict.WARN),
        make_finding("public-privileges", Verdict.FAIL, "billing"),
        make_finding("version", Verdict.INFO),
        make_finding("password-min-length", Verdict.NA),
        make_finding("regions", Verdict.PASS),
    ]

    changes = compare_findings(before, current)

    assert [c.describe() for c in changes.new] == [
        "Public privileges (app): PASS → FAIL",
        "Public privileges (billing): not audited → FAIL",
    ]
    assert [c.describe() for c in changes.resolved] == [
        "Audit logging: FAIL → PASS",
        "Password min length: WARN → N/A",
    ]
    assert [c.describe() for c in changes.changed] == ["Admin users: WARN → FAIL"]
    assert [c.describe() for c in changes.no_longer_reported] == [
        "self-managed-backups: FAIL → not audited"
    ]
    assert not changes.is_empty


def test_compare_unchanged_is_empty() -> None:
    changes = compare_findings(
        earlier(past("admin-users", "FAIL")), [make_finding("admin-users", Verdict.FAIL)]
    )

    assert changes.is_empty


def test_changes_json_shape() -> None:
    changes = compare_findings(
        earlier(past("admin-users", "WARN")), [make_finding("admin-users", Verdict.FAIL)]
    )

    data = changes.to_json()

    assert data["since"] == {"report": "old.json", "date": "2026-11-30", "generated_at": None}
    assert data["changed"] == [
        {
            "check_id": "admin-users",
            "subject": None,
            "title": "Admin users",
            "before": "WARN",
            "after": "FAIL",
        }
    ]
    assert data["new"] == data["resolved"] == data["no_longer_reported"] == []


def test_earlier_report_of_other_cluster_is_skipped(tmp_path: Path) -> None:
    for sequence, cluster_id in ((1, "aaaa-1111"), (2, "bbbb-2222")):
        data = {
            "schema_version": 1,
            "date": "2026-12-01",
            "cluster": {"name": "127.0.0.1", "id": cluster_id},
            "findings": [
                {"check_id": "admin-users", "subject": None, "title": "Admin", "verdict": "PASS"}
            ],
        }
        name = f"security-audit-127.0.0.1-2026-12-01-{sequence}.json"
        (tmp_path / name).write_text(json.dumps(data))

    lookup = find_earlier_report(tmp_path, "127.0.0.1", "aaaa-1111")

    assert lookup.earlier is not None
    assert lookup.earlier.cluster_id == "aaaa-1111"
    assert lookup.notes == [
        "skipped earlier report security-audit-127.0.0.1-2026-12-01-2.json: it is of cluster"
        " bbbb-2222, not aaaa-1111"
    ]


def test_compare_ignores_checks_not_audited_before() -> None:
    changes = compare_findings(
        earlier(past("admin-users", "FAIL")),
        [
            make_finding("admin-users", Verdict.FAIL),
            make_finding("hba-configuration", Verdict.WARN),
        ],
    )

    assert changes.new == ()
    assert changes.is_empty
