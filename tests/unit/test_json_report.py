import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_crdb_security.history import EarlierReport, PastFinding, compare_findings
from pytest_crdb_security.report.json_report import (
    SCHEMA_PATH,
    build_json_report,
    finding_id,
    redact_tree,
    write_json_report,
)
from pytest_crdb_security.verdicts import Verdict
from pytest_crdb_security.waivers import Waiver, WaiverSet
from tests.unit.report_findings import WAIVER, make_document, make_finding


def validate(data: Any) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)


def full_document_json() -> dict[str, Any]:
    findings = [
        make_finding(
            "admin-users",
            Verdict.WARN,
            original=Verdict.FAIL,
            rule="admin_count_excessive",
            annotation="downgraded from FAIL — development cluster",
        ),
        make_finding("public-privileges", Verdict.FAIL, "app", waiver=WAIVER),
        make_finding("version", Verdict.INFO, detail="v24.3.5"),
        make_finding("self-managed-backups", Verdict.NA, detail="only for self-hosted clusters"),
        make_finding("audit-logging", Verdict.ERROR, detail="permission denied"),
    ]
    waivers = WaiverSet(
        Path("waivers.yaml"),
        active=(
            Waiver(1, "public-privileges", "by design", "data", dt.date(2099, 1, 1), "app"),
            Waiver(2, "hba-configuration", "later", "net", dt.date(2099, 1, 1)),
        ),
        expired=(Waiver(3, "tls", "old", "sec", dt.date(2020, 1, 1)),),
    )
    earlier = EarlierReport(
        Path("old.json"),
        "prod-east",
        "2026-11-30",
        "2026-11-30T10:00:00Z",
        (PastFinding("audit-logging", None, "Audit logging", "WARN"),),
    )
    document = make_document(
        findings,
        waivers=waivers,
        changes=compare_findings(earlier, findings),
        notes=("skipped earlier report x.json: it is not valid JSON",),
    )
    return build_json_report(document, "security-audit-prod-east-2026-12-04-1.md")


def test_report_validates_against_schema() -> None:
    validate(full_document_json())


def test_minimal_report_validates() -> None:
    validate(build_json_report(make_document([]), None))


def test_report_top_level() -> None:
    data = full_document_json()

    assert data["schema_version"] == 1
    assert data["generated_at"] == "2026-12-04T09:30:00Z"
    assert data["date"] == "2026-12-04"
    assert data["cluster"]["version"] == "24.3.5"
    assert data["context"]["compliance"] == ["PCI DSS"]
    assert data["context"]["simulated"] is False
    assert data["gate"] == {
        "fail_on": "fail",
        "result": "failed",
        "counts": {"FAIL": 0, "ERROR": 1},
        "waived": 1,
    }
    assert data["summary"] == {
        "PASS": 0,
        "WARN": 1,
        "FAIL": 0,
        "INFO": 1,
        "N/A": 1,
        "ERROR": 1,
        "waived": 1,
    }
    assert data["reports"] == {"markdown": "security-audit-prod-east-2026-12-04-1.md"}


def test_report_findings() -> None:
    findings = {finding["id"]: finding for finding in full_document_json()["findings"]}

    admin = findings["admin-users"]
    assert admin["verdict"] == "WARN"
    assert admin["original_verdict"] == "FAIL"
    assert admin["policy"] == {
        "rule": "admin_count_excessive",
        "annotation": "downgraded from FAIL — development cluster",
    }
    assert admin["gates"] is False
    assert admin["remediation"]["topic"] == "hardening-user-privileges"
    assert admin["remediation"]["sql"] == ["REVOKE admin FROM <user_or_role>;"]

    public = findings["public-privileges[app]"]
    assert public["subject"] == "app"
    assert public["waiver"] == {
        "reason": "accepted for the migration",
        "owner": "dba-team",
        "expires": "2099-01-31",
        "target": None,
    }
    assert public["gates"] is False
    assert public["remediation"] is not None

    assert findings["version"]["remediation"] is None
    assert findings["audit-logging"]["gates"] is True
    assert findings["audit-logging"]["remediation"] is None


def test_report_waivers_and_changes() -> None:
    data = full_document_json()

    assert data["waivers"]["file"] == "waivers.yaml"
    assert [w["check"] for w in data["waivers"]["expired"]] == ["tls"]
    assert data["waivers"]["unused"] == [
        {
            "entry": 2,
            "check": "hba-configuration",
            "target": None,
            "reason": "later",
            "owner": "net",
            "expires": "2099-01-01",
            "why": "check hba-configuration did not run in this audit",
        }
    ]
    assert data["changes"]["resolved"] == []
    assert [c["check_id"] for c in data["changes"]["changed"]] == ["audit-logging"]
    assert data["notes"] == ["skipped earlier report x.json: it is not valid JSON"]


def test_schema_rejects_unknown_verdict() -> None:
    data = full_document_json()
    data["findings"][0]["verdict"] = "OK"

    with pytest.raises(jsonschema.ValidationError):
        validate(data)


def test_finding_id() -> None:
    assert finding_id(make_finding("public-privileges", subject="app")) == "public-privileges[app]"
    assert finding_id(make_finding("admin-users")) == "admin-users"


def test_redact_tree_reaches_every_string() -> None:
    data = {"a": ["x s3cret y", {"s3cret": 1}], "b": ("s3cret",), "c": 2, "d": None}

    redacted = redact_tree(data, lambda text: text.replace("s3cret", "***"))

    assert redacted == {"a": ["x *** y", {"***": 1}], "b": ["***"], "c": 2, "d": None}


def test_write_json_report_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "r.json"

    write_json_report(path, {"a": "ü"})
    write_json_report(path, {"a": 2})

    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 2}
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]
    assert path.stat().st_mode & 0o777 == 0o640
