import datetime as dt
import threading
from pathlib import Path

from pytest_crdb_security.report.findings import Finding
from pytest_crdb_security.report.markdown import (
    ReportHeader,
    render_markdown,
    report_file_stem,
    write_report,
)
from pytest_crdb_security.verdicts import Verdict

HEADER = ReportHeader(
    cluster_name="prod-east",
    date=dt.date(2026, 12, 4),
    cluster_id="0f6c…",
    plan="Self-hosted",
    version="v24.3.5",
    regions="(none configured)",
    deployment="Self-hosted",
    environment="development",
    compliance="(none specified)",
    data_sensitivity="internal",
)


def finding(title: str, section: str, verdict: Verdict, detail: str, **extra: object) -> Finding:
    values: dict[str, object] = {
        "nodeid": "checks/x.py::t",
        "check_id": title.lower(),
        "title": title,
        "dimension": "authorization",
        "section": section,
        "severity": "high",
        "subject": None,
        "original": verdict,
        "verdict": verdict,
        "detail": detail,
    }
    values.update(extra)
    return Finding(**values)  # type: ignore[arg-type]


def test_render_follows_template() -> None:
    findings = [
        finding(
            "Admin user count",
            "Authorization",
            Verdict.WARN,
            "7 users with admin role",
            original=Verdict.FAIL,
            annotation="downgraded from FAIL — development cluster",
        ),
        finding("PUBLIC role privileges", "Authorization", Verdict.FAIL, "SELECT", subject="app"),
        finding("Version", "Cluster Configuration", Verdict.INFO, "v24.3.5"),
        finding("Audit log configuration", "Audit Logging", Verdict.ERROR, "permission denied"),
    ]

    text = render_markdown(HEADER, findings)
    lines = text.splitlines()

    assert lines[0] == "# Security Audit Report — prod-east"
    assert lines[1] == "**Date:** 2026-12-04"
    assert "**Environment:** development" in lines
    assert "| WARN     |       1 |" in lines
    assert "| ERROR    |       1 |" in lines
    assert (
        "- [WARN] Admin user count: 7 users with admin role"
        " *(downgraded from FAIL — development cluster)*"
    ) in lines
    assert "- [FAIL] PUBLIC role privileges (app): SELECT" in lines
    assert "- [ERROR] Audit log configuration: could not evaluate: permission denied" in lines
    assert lines.index("### Authorization") < lines.index("### Audit Logging")
    assert lines.index("### Audit Logging") < lines.index("### Cluster Configuration")
    assert "### Network Security" not in lines


def test_stem_is_file_safe() -> None:
    assert report_file_stem("prod east/1", dt.date(2026, 1, 2)) == (
        "security-audit-prod-east-1-2026-01-02"
    )


def test_write_report_never_overwrites(tmp_path: Path) -> None:
    first = write_report(tmp_path, "security-audit-x-2026-12-04", "one")
    second = write_report(tmp_path, "security-audit-x-2026-12-04", "two")

    assert first.name == "security-audit-x-2026-12-04-1.md"
    assert second.name == "security-audit-x-2026-12-04-2.md"
    assert first.read_text() == "one"


def test_write_report_concurrent_writers_get_distinct_files(tmp_path: Path) -> None:
    paths: list[Path] = []
    lock = threading.Lock()

    def write(index: int) -> None:
        path = write_report(tmp_path, "security-audit-x-2026-12-04", f"report {index}")
        with lock:
            paths.append(path)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({path.name for path in paths}) == 8
    assert sorted(p.read_text() for p in paths) == sorted(f"report {i}" for i in range(8))
