"""Remediation script, markdown additions and terminal notes of the report writers."""

import datetime as dt
from pathlib import Path

from pytest_crdb_security.history import EarlierReport, PastFinding, compare_findings
from pytest_crdb_security.report.markdown import ReportHeader, render_markdown
from pytest_crdb_security.report.markdown_sections import (
    changes_section,
    count_noun,
    finding_notes,
    report_addenda,
)
from pytest_crdb_security.report.outputs import finding_terminal_notes
from pytest_crdb_security.report.remediation_script import render_remediation_script
from pytest_crdb_security.verdicts import Verdict
from pytest_crdb_security.waivers import Waiver, WaiverSet
from tests.unit.report_findings import WAIVER, make_document, make_finding

HEADER = ReportHeader(
    cluster_name="prod-east",
    date=dt.date(2026, 12, 4),
    cluster_id="0f6c-11",
    plan="Self-hosted",
    version="v24.3.5",
    regions="(none configured)",
    deployment="Self-hosted",
    environment="production",
    compliance="PCI DSS",
    data_sensitivity="financial",
)


def test_script_comments_out_everything() -> None:
    injected = "SELECT on table x\nDROP TABLE customers; --"
    document = make_document(
        [
            make_finding("public-privileges", Verdict.FAIL, "app", injected),
            make_finding("encryption-at-rest", Verdict.WARN, detail="1 of 3 stores"),
            make_finding("version", Verdict.INFO, detail="v24.3.5"),
        ]
    )

    script = render_remediation_script(document, "r.md")
    lines = script.splitlines()

    assert all(line == "" or line.startswith("--") for line in lines), script
    assert "-- [FAIL] Public privileges (app): SELECT on table x DROP TABLE customers; --" in lines
    assert "-- REVOKE <privilege> ON TABLE <schema>.<table> FROM public;" in lines
    assert "-- shell: cockroach gen encryption-key -s 256 <key_file>" in lines
    assert "-- finding public-privileges[app]" in lines
    assert not any("v24.3.5" in line for line in lines[8:])


def test_script_marks_waived_findings() -> None:
    document = make_document([make_finding("admin-users", Verdict.FAIL, waiver=WAIVER)])

    lines = render_remediation_script(document, None).splitlines()

    assert (
        "-- [FAIL, waived] Admin users: 6 users with admin role: alice, bob, carol, dave,"
        " erin, root" in lines
    )
    assert "-- waived until 2099-01-31 by dba-team: accepted for the migration" in lines


def test_script_without_findings() -> None:
    script = render_remediation_script(make_document([]), None)

    assert script.endswith("-- No FAIL or WARN findings: nothing to remediate.\n")


def test_script_check_without_entry() -> None:
    document = make_document([make_finding("custom-check", Verdict.FAIL)])

    assert (
        "-- no remediation is recorded for check custom-check"
        in render_remediation_script(document, None).splitlines()
    )


def test_finding_notes_for_fail() -> None:
    notes = finding_notes(make_finding("password-min-length", Verdict.FAIL))

    assert notes == [
        "Remediation (enforcing-password-policies): Require passwords of at least 12"
        " characters. The setting applies to passwords set after the change, so rotate"
        " existing short passwords as well.",
        "SQL: `SET CLUSTER SETTING server.user_login.min_password_length = 12;`",
        "Docs: https://www.cockroachlabs.com/docs/stable/cluster-settings.html",
    ]


def test_finding_notes_for_pass_and_waiver() -> None:
    assert finding_notes(make_finding("admin-users", Verdict.PASS)) == []
    assert finding_notes(make_finding("admin-users", Verdict.INFO, waiver=WAIVER)) == [
        "Waived until 2099-01-31 by dba-team: accepted for the migration"
    ]


def test_markdown_keeps_template_lines() -> None:
    findings = [
        make_finding("admin-users", Verdict.FAIL, waiver=WAIVER),
        make_finding("public-privileges", Verdict.WARN, "app", "USAGE on schema reports"),
        make_finding("version", Verdict.PASS, detail="ok"),
    ]
    document = make_document(findings)

    lines = render_markdown(HEADER, findings, report_addenda(document)).splitlines()

    index = lines.index(
        "- [FAIL, waived] Admin users: 6 users with admin role: alice, bob, carol, dave, erin, root"
    )
    assert lines[index + 1] == "  - Waived until 2099-01-31 by dba-team: accepted for the migration"
    assert lines[index + 2].startswith("  - Remediation (hardening-user-privileges): ")
    assert "- [WARN] Public privileges (app): USAGE on schema reports" in lines
    assert "- [PASS] Version: ok" in lines
    assert lines[-1] == "- [PASS] Version: ok"
    assert "| Waived   |       1 |" in lines
    assert "| FAIL     |       0 |" in lines
    assert "**Gate:** PASSED (fail-on=fail): 0 FAIL, 0 ERROR; 1 waived" in lines


def test_markdown_waivers_and_notes_sections() -> None:
    waivers = WaiverSet(
        Path("w.yaml"),
        active=(Waiver(1, "regions", "r", "o", dt.date(2099, 1, 1)),),
        expired=(Waiver(2, "admin-users", "r", "dba", dt.date(2020, 1, 1), "alice"),),
    )
    findings = [make_finding("admin-users", Verdict.FAIL)]
    document = make_document(findings, waivers=waivers, notes=("skipped earlier report x",))

    lines = render_markdown(HEADER, findings, report_addenda(document)).splitlines()

    assert "## Waivers" in lines
    assert "Waiver file `w.yaml`: 1 in force, 1 expired; 0 findings waived." in lines
    assert "- entry 2: admin-users (target alice), owner dba, expires 2020-01-01" in lines
    assert (
        "- entry 1: regions, owner o, expires 2099-01-01: check regions did not run in this audit"
    ) in lines
    assert "## Notes" in lines
    assert "- skipped earlier report x" in lines
    assert not any(line.startswith("- [") for line in lines[lines.index("## Waivers") :])


def test_changes_section_lines() -> None:
    earlier = EarlierReport(
        Path("security-audit-prod-east-2026-11-30-1.json"),
        "prod-east",
        "2026-11-30",
        None,
        (
            PastFinding("password-min-length", None, "Minimum password length", "WARN"),
            PastFinding("admin-users", None, "Admin users", "PASS"),
        ),
    )
    current = [
        make_finding("password-min-length", Verdict.PASS, title="Minimum password length"),
        make_finding("admin-users", Verdict.FAIL),
    ]

    section = changes_section(compare_findings(earlier, current)).splitlines()

    assert section[0] == "## Changes since 2026-11-30"
    assert "### New findings: 1" in section
    assert "- Admin users: PASS → FAIL" in section
    assert "### Resolved findings: 1" in section
    assert "- Minimum password length: WARN → PASS" in section
    assert "### Changed verdicts: 1" not in section


def test_changes_section_without_changes() -> None:
    earlier = EarlierReport(Path("old.json"), "prod-east", "2026-11-30", None, ())

    section = changes_section(compare_findings(earlier, []))

    assert section.endswith("No changes in WARN, FAIL or ERROR findings.")


def test_terminal_notes() -> None:
    notes = finding_terminal_notes(make_finding("admin-users", Verdict.WARN, waiver=WAIVER))

    assert notes[0] == "waived until 2099-01-31 by dba-team: accepted for the migration"
    assert notes[1].startswith("remediation: Take the admin role away")
    assert notes[1].endswith(
        "`REVOKE admin FROM <user_or_role>;` https://www.cockroachlabs.com/docs/stable/revoke.html"
    )
    assert finding_terminal_notes(make_finding("custom", Verdict.FAIL)) == [
        "remediation: no guidance is recorded for check custom"
    ]


def test_count_noun() -> None:
    assert count_noun(1, "finding") == "1 finding"
    assert count_noun(0, "waiver") == "0 waivers"
