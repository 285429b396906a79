import pytest

from pytest_crdb_security.parsing.roles import (
    Principal,
    members_of_role,
    parse_member_of,
    parse_role_options,
    principal_from_row,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # v23.1 to v25.2: one string joined with ", "
        ("", {}),
        (None, {}),
        ("CREATEROLE", {"CREATEROLE": None}),
        ("CREATEROLE, NOLOGIN", {"CREATEROLE": None, "NOLOGIN": None}),
        (
            "NOLOGIN, VALID UNTIL=2024-01-01 00:00:00+00:00",
            {"NOLOGIN": None, "VALID UNTIL": "2024-01-01 00:00:00+00:00"},
        ),
        ("SUBJECT=CN=alice", {"SUBJECT": "CN=alice"}),
        # v25.3 and later: an array, decoded by psycopg into a list
        ([], {}),
        (["CREATEROLE", "NOLOGIN"], {"CREATEROLE": None, "NOLOGIN": None}),
        (
            ["VALID UNTIL=2025-10-10 00:00:00+00:00"],
            {"VALID UNTIL": "2025-10-10 00:00:00+00:00"},
        ),
        # v25.3 and later when a client reads the array as text
        ("{}", {}),
        ("{CREATEROLE,NOLOGIN}", {"CREATEROLE": None, "NOLOGIN": None}),
        (
            '{"VALID UNTIL=2025-10-10 00:00:00+00:00"}',
            {"VALID UNTIL": "2025-10-10 00:00:00+00:00"},
        ),
        (
            '{CREATEDB,"PROVISIONSRC=ldap:ldap.example.com"}',
            {"CREATEDB": None, "PROVISIONSRC": "ldap:ldap.example.com"},
        ),
        ("createrole", {"CREATEROLE": None}),
    ],
)
def test_parse_role_options(raw: object, expected: dict[str, str | None]) -> None:
    assert parse_role_options(raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ()),
        ("{}", ()),
        ("{admin}", ("admin",)),
        ('{admin,"odd role"}', ("admin", "odd role")),
        ('{NULL,"NULL"}', ("NULL",)),
        (["admin", "ops"], ("admin", "ops")),
    ],
)
def test_parse_member_of(raw: object, expected: tuple[str, ...]) -> None:
    assert parse_member_of(raw) == expected  # type: ignore[arg-type]


def test_principal_login_flags() -> None:
    role = principal_from_row("ops", "NOLOGIN", "{admin}")
    console_only = principal_from_row("viewer", ["NOSQLLOGIN"], [])

    assert not role.can_login
    assert console_only.can_login
    assert not console_only.can_sql_login


def test_members_of_role_follows_nesting() -> None:
    principals = [
        Principal("root", member_of=("admin",)),
        Principal("ops", {"NOLOGIN": None}, ("admin",)),
        Principal("bob", member_of=("ops",)),
        Principal("team", {"NOLOGIN": None}, ("ops",)),
        Principal("erin", member_of=("team",)),
        Principal("app", member_of=()),
    ]

    chains = members_of_role("admin", principals)

    assert sorted(chains) == ["bob", "erin", "ops", "root", "team"]
    assert chains["erin"] == ["team", "ops", "admin"]


def test_members_of_role_survives_cycles() -> None:
    principals = [
        Principal("a", {"NOLOGIN": None}, ("admin", "b")),
        Principal("b", {"NOLOGIN": None}, ("a",)),
        Principal("carol", member_of=("b",)),
    ]

    chains = members_of_role("admin", principals)

    assert sorted(chains) == ["a", "b", "carol"]
