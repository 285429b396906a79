import pytest

from pytest_crdb_security.evidence.model import PublicGrant
from pytest_crdb_security.grading.authorization import (
    grade_admin_count,
    grade_powerful_privileges,
    grade_public_privileges,
)
from pytest_crdb_security.parsing.roles import Principal
from pytest_crdb_security.verdicts import Verdict

NOLOGIN = {"NOLOGIN": None}


def admins(count: int) -> list[Principal]:
    users = [Principal("admin"), Principal("root", member_of=("admin",))]
    users += [Principal(f"user{i}", member_of=("admin",)) for i in range(count - 1)]
    return users


@pytest.mark.parametrize(
    ("count", "verdict", "rule"),
    [
        (1, Verdict.PASS, None),
        (2, Verdict.PASS, None),
        (3, Verdict.WARN, None),
        (5, Verdict.WARN, None),
        (6, Verdict.FAIL, "admin_count_excessive"),
        (9, Verdict.FAIL, "admin_count_excessive"),
    ],
)
def test_admin_count_thresholds(count: int, verdict: Verdict, rule: str | None) -> None:
    grade = grade_admin_count(admins(count))

    assert grade.verdict is verdict
    assert grade.rule == rule
    assert grade.detail.startswith(f"{count} user")


def test_admin_count_follows_nested_roles_and_skips_roles() -> None:
    principals = [
        Principal("admin"),
        Principal("root", member_of=("admin",)),
        Principal("ops", NOLOGIN, ("admin",)),
        Principal("bob", member_of=("ops",)),
        Principal("carol", member_of=("ops",)),
        Principal("team", NOLOGIN, ("ops",)),
        Principal("erin", member_of=("team",)),
    ]

    grade = grade_admin_count(principals)

    assert grade.verdict is Verdict.WARN
    assert grade.detail == (
        "4 users with admin role: bob (via ops), carol (via ops), erin (via ops > team), root"
    )


def test_admin_count_without_root_is_suspicious() -> None:
    grade = grade_admin_count([Principal("admin"), Principal("app")])

    assert grade.verdict is Verdict.WARN
    assert "SHOW USERS looks incomplete" in grade.detail


def test_powerful_privileges_counts_options_and_inherited_grants() -> None:
    principals = [
        Principal("admin"),
        Principal("root", member_of=("admin",)),
        Principal("alice", {"CREATEROLE": None}, ("admin",)),
        Principal("dba", {"NOLOGIN": None, "CREATEROLE": None}),
        Principal("dave", member_of=("dba",)),
        Principal("frank", {"CREATELOGIN": None}),
        Principal("app", {"VIEWACTIVITY": None}),
    ]
    grants = [("dba", "MODIFYCLUSTERSETTING"), ("app", "VIEWCLUSTERSETTING")]

    grade = grade_powerful_privileges(principals, grants)

    assert grade.verdict is Verdict.WARN
    assert "dave (system privilege MODIFYCLUSTERSETTING via dba)" in grade.detail
    assert "frank (CREATELOGIN)" in grade.detail
    assert "alice" not in grade.detail
    assert "app" not in grade.detail


def test_powerful_privileges_pass_when_only_admins() -> None:
    principals = [Principal("root", member_of=("admin",)), Principal("app")]

    assert grade_powerful_privileges(principals, []).verdict is Verdict.PASS


def grant(
    database: str,
    object_type: str,
    privilege: str,
    schema: str | None = None,
    name: str | None = None,
) -> PublicGrant:
    return PublicGrant(database, schema, name, object_type, privilege)


BASELINE = [
    grant("app", "database", "CONNECT"),
    grant("app", "schema", "USAGE", "public"),
    grant("app", "schema", "CREATE", "public"),
]


@pytest.mark.parametrize(
    ("extra", "verdict", "fragment"),
    [
        ([], Verdict.PASS, "only the default privileges in app"),
        (
            [grant("app", "table", "SELECT", "public", "customers")],
            Verdict.FAIL,
            "SELECT on table public.customers",
        ),
        ([grant("app", "table", "INSERT", "public", "orders")], Verdict.FAIL, "INSERT on table"),
        ([grant("app", "database", "ALL")], Verdict.FAIL, "ALL on database app"),
        ([grant("app", "table", "CHANGEFEED", "public", "events")], Verdict.FAIL, "CHANGEFEED"),
        ([grant("app", "schema", "USAGE", "reports")], Verdict.WARN, "USAGE on schema reports"),
        ([grant("app", "database", "CREATE")], Verdict.WARN, "CREATE on database app"),
        ([grant("other", "table", "SELECT", "public", "t")], Verdict.PASS, "default"),
    ],
)
def test_public_privileges(extra: list[PublicGrant], verdict: Verdict, fragment: str) -> None:
    grade = grade_public_privileges("app", BASELINE + extra)

    assert grade.verdict is verdict
    assert fragment in grade.detail


def test_public_privileges_none_at_all() -> None:
    grade = grade_public_privileges("system", BASELINE)

    assert grade.verdict is Verdict.PASS
    assert grade.detail == "public holds no privileges in system"
