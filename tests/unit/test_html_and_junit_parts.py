"""The pure parts of the pytest-html columns and of the test-report properties."""

from dataclasses import replace

import pytest

from pytest_crdb_security.gate import FailOn
from pytest_crdb_security.redaction import Redactor
from pytest_crdb_security.report.findings import FINDING_PROPERTY
from pytest_crdb_security.report.html import (
    finding_cells,
    finding_details,
    relabel_result_header,
    summary_html,
)
from pytest_crdb_security.report.pytest_report import (
    failure_text,
    junit_properties,
    strip_finding_property,
    verdict_status,
)
from pytest_crdb_security.verdicts import Verdict
from tests.unit.report_findings import WAIVER, make_finding

SECRET = "pa&ss<word>"


def redactor() -> Redactor:
    return Redactor([SECRET])


def test_header_relabels_result_and_adds_columns() -> None:
    cells = [
        '<th class="sortable" data-column-type="result">Result</th>',
        '<th class="sortable" data-column-type="testId">Test</th>',
    ]

    relabel_result_header(cells)

    assert cells[0] == '<th class="sortable" data-column-type="result">Gate</th>'
    assert cells[1] == '<th class="sortable" data-column-type="verdict">Verdict</th>'
    assert cells[2] == '<th class="sortable" data-column-type="dimension">Dimension</th>'
    assert cells[3:5] == ["<th>Finding</th>", "<th>Remediation</th>"]
    assert cells[5] == '<th class="sortable" data-column-type="testId">Test</th>'


def test_cells_show_verdict_and_adjustment() -> None:
    finding = make_finding(
        "admin-users",
        Verdict.WARN,
        original=Verdict.FAIL,
        annotation="downgraded from FAIL — development cluster",
    )

    cells = finding_cells(finding, redactor())

    assert cells[0] == '<td class="col-verdict">WARN (was FAIL)</td>'
    assert cells[1] == '<td class="col-dimension">authorization</td>'
    assert cells[2].endswith("(downgraded from FAIL — development cluster)</td>")
    assert "REVOKE admin FROM &lt;user_or_role&gt;;" in cells[3]


def test_cells_redact_before_escaping() -> None:
    finding = make_finding("admin-users", Verdict.FAIL, detail=f"login failed with {SECRET}")

    cells = finding_cells(finding, redactor())
    details = finding_details(finding, redactor())

    assert "pa&amp;ss" not in "".join(cells) + details
    assert "***" in cells[2]
    assert "***" in details


def test_cells_of_waived_and_plain_rows() -> None:
    waived = finding_cells(make_finding("admin-users", Verdict.FAIL, waiver=WAIVER), redactor())

    assert waived[0] == '<td class="col-verdict">FAIL, waived</td>'
    assert finding_cells(None, redactor())[0] == '<td class="col-verdict"></td>'
    assert finding_cells(make_finding("version", Verdict.PASS), redactor())[3] == "<td></td>"


def test_details_list_policy_waiver_and_link() -> None:
    finding = make_finding(
        "audit-logging",
        Verdict.FAIL,
        rule="audit_logging_disabled",
        annotation="PCI DSS compliance — cannot downgrade",
        waiver=WAIVER,
    )

    details = finding_details(finding, redactor())

    assert "<tr><th>Original verdict</th><td>FAIL</td></tr>" in details
    assert "<tr><th>Policy rule</th><td>audit_logging_disabled</td></tr>" in details
    assert "<tr><th>Adjustment</th><td>PCI DSS compliance — cannot downgrade</td></tr>" in details
    assert "until 2099-01-31 by dba-team: accepted for the migration" in details
    assert (
        '<a href="https://www.cockroachlabs.com/docs/stable/role-based-audit-logging.html">'
        in details
    )


def test_summary_counts_and_gate() -> None:
    findings = [
        make_finding("admin-users", Verdict.FAIL),
        make_finding("regions", Verdict.INFO),
        make_finding("version", Verdict.FAIL, waiver=WAIVER),
    ]

    html = summary_html(findings, FailOn.FAIL)

    assert "<tr><td>FAIL</td><td>1</td></tr>" in html
    assert "<tr><td>INFO</td><td>1</td></tr>" in html
    assert "<tr><td>waived</td><td>1</td></tr>" in html
    assert "crdb-security gate: FAILED (fail-on=fail): 1 FAIL, 0 ERROR; 1 waived" in html


def test_junit_properties() -> None:
    finding = make_finding(
        "public-privileges",
        Verdict.WARN,
        "app",
        original=Verdict.FAIL,
        annotation="downgraded from FAIL — development cluster",
        waiver=WAIVER,
    )

    properties = dict(junit_properties(finding, redactor()))
    detail = properties.pop("crdb_detail")
    remediation = properties.pop("crdb_remediation")

    assert detail == finding.detail
    assert remediation.startswith("Revoke privileges on data from PUBLIC")
    assert properties == {
        "crdb_id": "public-privileges[app]",
        "crdb_check_id": "public-privileges",
        "crdb_verdict": "WARN",
        "crdb_original_verdict": "FAIL",
        "crdb_dimension": "authorization",
        "crdb_severity": "high",
        "crdb_annotation": "downgraded from FAIL — development cluster",
        "crdb_subject": "app",
        "crdb_waiver": "until 2099-01-31 by dba-team: accepted for the migration",
    }
    assert all(isinstance(value, str) for value in properties.values())


@pytest.mark.parametrize(
    ("verdict", "waived", "status"),
    [
        (Verdict.PASS, False, ("PASS", ".", "PASS")),
        (Verdict.FAIL, False, ("FAIL", "F", "FAIL")),
        (Verdict.NA, False, ("N/A", "s", "N/A")),
        (Verdict.FAIL, True, ("waived", "w", "FAIL, waived")),
    ],
)
def test_verdict_status(verdict: Verdict, waived: bool, status: tuple[str, str, str]) -> None:
    finding = make_finding(verdict=verdict, waiver=WAIVER if waived else None)

    assert verdict_status(finding) == status


def test_failure_text_has_remediation() -> None:
    text = failure_text(make_finding("admin-users", Verdict.FAIL))

    first, second = text.splitlines()
    assert first == (
        "[FAIL] Admin users: 6 users with admin role: alice, bob, carol, dave, erin, root"
    )
    assert second.startswith("Remediation: Take the admin role away")


def test_failure_text_of_error() -> None:
    finding = replace(make_finding("admin-users", Verdict.ERROR), detail="permission denied")

    assert failure_text(finding) == "[ERROR] Admin users: permission denied"


class FakeReport:
    def __init__(self, properties: list[tuple[str, object]]) -> None:
        self.user_properties = properties


def test_strip_finding_property_keeps_text_properties() -> None:
    report = FakeReport([(FINDING_PROPERTY, {"a": 1}), ("crdb_verdict", "FAIL")])

    strip_finding_property(report)  # type: ignore[arg-type]

    assert report.user_properties == [("crdb_verdict", "FAIL")]
