"""Readers of the HTML and JUnit XML files an audit wrote, for end-to-end assertions."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2]
    / "pytest_crdb_security"
    / "report"
    / "schema"
    / "audit-report-v1.json"
)


def validate_json_report(data: Any) -> None:
    """Validate ``data`` against the shipped JSON Schema, raising ValidationError if invalid."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)


class _CellParser(HTMLParser):
    """Collects the text of each ``td`` or ``th`` with its first class name (or '')."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self._class: str | None = None
        self._text: list[str] = []
        self.data_blob: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("td", "th"):
            self._class = (values.get("class") or "").split(" ")[0]
            self._text = []
        if values.get("data-jsonblob") is not None:
            self.data_blob = values["data-jsonblob"]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._class is not None:
            self.cells.append((self._class, "".join(self._text).strip()))
            self._class = None

    def handle_data(self, data: str) -> None:
        if self._class is not None:
            self._text.append(data)


def _parse(html: str) -> _CellParser:
    parser = _CellParser()
    parser.feed(html)
    return parser


@dataclass
class HtmlReport:
    headers: list[str]
    rows: list[dict[str, str]]
    summary: str
    text: str


def read_html_report(path: Path) -> HtmlReport:
    """Read the table header, each result row (cells by column class) and the summary."""
    text = path.read_text(encoding="utf-8")
    page = _parse(text)
    assert page.data_blob is not None, "no data-jsonblob in the HTML report"
    data = json.loads(page.data_blob)
    rows = []
    for entries in data["tests"].values():
        for entry in entries:
            cells = _parse("".join(entry["resultsTableRow"])).cells
            rows.append(
                {name or f"column{index}": value for index, (name, value) in enumerate(cells)}
                | {"log": entry.get("log", "")}
            )
    head = text.split('<thead id="results-table-head">', 1)[1].split("</thead>", 1)[0]
    headers = [value for _, value in _parse(head).cells]
    summary = text.split('<div class="additional-summary prefix">', 1)[1].split("</div>\n", 1)[0]
    return HtmlReport(headers, rows, summary, text)


@dataclass
class Testcase:
    name: str
    outcome: str
    message: str
    properties: list[tuple[str, str]] = field(default_factory=list)

    @property
    def property_map(self) -> dict[str, str]:
        return dict(self.properties)


def read_junit(path: Path) -> list[Testcase]:
    """Read each testcase: name, outcome (passed, failure, error, skipped), properties."""
    cases = []
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                outcome, message = tag, element.get("message", "")
        properties = [
            (prop.get("name", ""), prop.get("value", "")) for prop in case.iter("property")
        ]
        cases.append(Testcase(case.get("name", ""), outcome, message, properties))
    return cases


GATING = {"fail": ("FAIL", "ERROR"), "warn": ("WARN", "FAIL", "ERROR"), "error": ("ERROR",)}


def expected_gate_line(summary: dict[str, int], fail_on: str) -> str:
    """Build the gate line that a run with these verdict counts should print."""
    gating = GATING[fail_on]
    state = "FAILED" if any(summary[verdict] for verdict in gating) else "PASSED"
    counts = ", ".join(f"{summary[verdict]} {verdict}" for verdict in gating)
    line = f"crdb-security gate: {state} (fail-on={fail_on}): {counts}"
    return line + (f"; {summary['waived']} waived" if summary["waived"] else "")
