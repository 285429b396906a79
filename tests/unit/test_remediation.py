import re
from pathlib import Path

import pytest

from pytest_crdb_security.check_catalog import bundled_check_ids, check_ids_in_source
from pytest_crdb_security.remediation import (
    DOCS_PREFIX,
    REMEDIATION_TOPICS,
    RemediationError,
    bundled_remediations,
    load_remediations,
)


def test_every_check_has_remediation() -> None:
    missing = sorted(set(bundled_check_ids()) - set(bundled_remediations()))

    assert missing == [], f"add entries for {missing} to pytest_crdb_security/remediation.yaml"


def test_every_entry_names_a_check() -> None:
    stale = sorted(set(bundled_remediations()) - set(bundled_check_ids()))

    assert stale == [], f"remediation.yaml has entries for checks that do not exist: {stale}"


def test_bundled_checks_are_found() -> None:
    ids = bundled_check_ids()

    assert "admin-users" in ids
    assert "public-privileges" in ids
    assert len(ids) >= 10


@pytest.mark.parametrize("check_id", sorted(bundled_remediations()))
def test_entry_is_well_formed(check_id: str) -> None:
    entry = bundled_remediations()[check_id]

    assert entry.change.endswith("."), entry.change
    assert entry.topic is None or entry.topic in REMEDIATION_TOPICS
    assert entry.docs is None or re.fullmatch(
        re.escape(DOCS_PREFIX) + r"(stable|cockroachcloud)/[a-z0-9/-]+\.html", entry.docs
    ), entry.docs
    for statement in entry.sql:
        assert statement.endswith(";"), statement
        assert "\n" not in statement


def test_check_ids_in_source() -> None:
    source = (
        "import pytest\n"
        "pytestmark = [pytest.mark.network, pytest.mark.check('module-level', 'x')]\n"
        "@pytest.mark.check('hba-configuration', 'HBA configuration')\n"
        "def test_a(): pass\n"
        "@pytest.mark.severity('high')\n"
        "def test_b(): pytest.mark.other('ignored', 'x')\n"
    )

    assert sorted(check_ids_in_source(source)) == ["hba-configuration", "module-level"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "remediation.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_flattens_statements(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x:\n  change: Do it.\n  sql: >-\n    SET CLUSTER SETTING a\n    = 1;\n"
        "  command: [ccloud cluster info <cluster>]\n  topic: null\n  docs: null\n",
    )

    entry = load_remediations(path)["x"]

    assert entry.sql == ("SET CLUSTER SETTING a = 1;",)
    assert entry.commands == ("ccloud cluster info <cluster>",)
    assert entry.summary() == "Do it. `SET CLUSTER SETTING a = 1;`"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  change: x\n  topic: null\n  docs: null\n  url: y\n", "unknown key 'url'"),
        ("  change: x\n  topic: null\n", "missing key 'docs' (it may be null)"),
        ("  change: ''\n  topic: null\n  docs: null\n", "'change' must be a non-empty sentence"),
        ("  change: x\n  topic: fixing-things\n  docs: null\n", "invalid topic 'fixing-things'"),
        (
            "  change: x\n  topic: null\n  docs: https://example.com/a.html\n",
            "'docs' must be null or a link under https://www.cockroachlabs.com/docs/",
        ),
        (
            "  change: x\n  topic: null\n  docs: null\n  sql: [1]\n",
            "'sql' must be a statement or a list of statements",
        ),
    ],
)
def test_load_rejects(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "x:\n" + body)

    with pytest.raises(RemediationError, match=re.escape(message)):
        load_remediations(path)
