import pytest

from pytest_crdb_security.parsing.identity_map import (
    IdentityMapEntry,
    IdentityMapParseError,
    parse_identity_map,
)


def test_parse_entries_and_map_names() -> None:
    text = (
        "# map  identity  user\n"
        "corp alice@example.com alice\n"
        "\n"
        'corp "/^(.*)@example\\.com$" \\1   # strip the domain\n'
        "kerberos bob/admin@REALM bob\n"
    )

    identity_map = parse_identity_map(text)

    assert [entry.line for entry in identity_map.entries] == [2, 4, 5]
    assert identity_map.map_names == ("corp", "kerberos")
    assert [entry.database_user for entry in identity_map.entries_of("corp")] == ["alice", "\\1"]
    assert identity_map.entries_of("missing") == []


def test_regex_entry_properties() -> None:
    entry = parse_identity_map("corp /^(.*)@example\\.com$ \\1").entries[0]

    assert entry.is_regex
    assert entry.pattern == "^(.*)@example\\.com$"
    assert entry.uses_capture
    assert entry.is_anchored
    assert entry.summary() == "corp /^(.*)@example\\.com$ \\1"


@pytest.mark.parametrize(
    ("identity", "anchored"),
    [
        ("alice@example.com", True),
        ("/^alice$", True),
        ("/^(.*)@example\\.com$", True),
        ("/(.*)@example\\.com", False),
        ("/^(.*)@example\\.com", False),
        ("/(.*)@example\\.com$", False),
        ("/^alice\\$", False),
    ],
)
def test_anchoring(identity: str, anchored: bool) -> None:
    entry = IdentityMapEntry(1, "corp", identity, "alice")

    assert entry.is_anchored is anchored


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("corp alice", "expected MAP-NAME SYSTEM-IDENTITY DATABASE-USER, found 2 fields"),
        ("corp alice alice extra", "found 4 fields"),
        ("corp alice,bob alice", "SYSTEM-IDENTITY takes one value, not a list"),
        ('corp "" alice', "SYSTEM-IDENTITY is empty"),
        ('corp "alice alice', "unterminated double quote"),
        ("corp /^(unclosed$ alice", "invalid regular expression '^(unclosed$'"),
        ("corp alice \\1", "\\1 in DATABASE-USER needs a /regex SYSTEM-IDENTITY"),
        ("corp /^alice$ \\1", "DATABASE-USER uses \\1 but '^alice$' has no capture group"),
    ],
)
def test_parse_errors(line: str, problem: str) -> None:
    with pytest.raises(IdentityMapParseError) as caught:
        parse_identity_map("# header\n" + line)

    assert caught.value.line == 2
    assert problem in caught.value.problem
    assert str(caught.value).startswith("line 2: ")


def test_empty_map() -> None:
    identity_map = parse_identity_map("  \n# nothing\n")

    assert identity_map.entries == ()
    assert identity_map.map_names == ()
