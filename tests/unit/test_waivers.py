import datetime as dt
from pathlib import Path

import pytest

from pytest_crdb_security.check_catalog import bundled_check_ids
from pytest_crdb_security.verdicts import Verdict
from pytest_crdb_security.waivers import (
    Waiver,
    WaiverError,
    WaiverSet,
    load_known_waivers,
    load_waivers,
    parse_waivers,
)
from tests.unit.report_findings import make_finding

TODAY = dt.date.today()
KNOWN = frozenset({"admin-users", "public-privileges", "audit-logging"})
WHERE = "waiver file 'w.yaml'"


def entry(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "check": "admin-users",
        "reason": "break-glass accounts",
        "owner": "dba-team",
        "expires": "2099-01-31",
    }
    base.update(values)
    return {key: value for key, value in base.items() if value is not None}


def waiver(target: str | None = None, check: str = "public-privileges", number: int = 1) -> Waiver:
    return Waiver(number, check, "accepted", "owner", TODAY, target)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_valid_entries() -> None:
    waivers = parse_waivers(
        [entry(), entry(check="public-privileges", target="app", expires=dt.date(2030, 5, 1))],
        WHERE,
        KNOWN,
    )

    assert waivers[0] == Waiver(
        1, "admin-users", "break-glass accounts", "dba-team", dt.date(2099, 1, 31), None
    )
    assert waivers[1].target == "app"
    assert waivers[1].expires == dt.date(2030, 5, 1)
    assert waivers[1].entry == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"check": "admin-users"},
            "invalid waiver file 'w.yaml': expected a YAML list of waivers, each a mapping"
            " with the keys check, reason, owner, expires and an optional target",
        ),
        (
            ["admin-users"],
            "invalid waiver file 'w.yaml', entry 1: expected a mapping with the keys"
            " check, target, reason, owner, expires",
        ),
        (
            [entry(expiry="2099-01-01")],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-users'): unknown key 'expiry'"
            " (did you mean 'expires'?); use check, target, reason, owner, expires",
        ),
        (
            [entry(), entry(owner=None)],
            "invalid waiver file 'w.yaml', entry 2 (check 'admin-users'): missing 'owner';"
            " name the person or team responsible for the waiver",
        ),
        (
            [entry(reason="  ")],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-users'): missing 'reason';"
            " say why the finding is accepted",
        ),
        (
            [entry(expires=None)],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-users'): missing 'expires';"
            " give the last day the waiver is in force, e.g. expires: 2027-06-30",
        ),
        (
            [entry(check=None)],
            "invalid waiver file 'w.yaml', entry 1: missing 'check'; give the id of the"
            " check to waive, e.g. check: admin-users",
        ),
        (
            [entry(expires="2099-13-01")],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-users'): invalid expires"
            " '2099-13-01'; use an ISO date such as 2027-06-30",
        ),
        (
            [entry(expires="31/01/2099")],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-users'): invalid expires"
            " '31/01/2099'; use an ISO date such as 2027-06-30",
        ),
        (
            [entry(expires=dt.datetime(2099, 1, 31, 12, 0))],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-users'): invalid expires"
            " '2099-01-31 12:00:00'; use an ISO date such as 2027-06-30",
        ),
        (
            [entry(check="admin-user")],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-user'): unknown check id"
            " 'admin-user' (did you mean 'admin-users'?)",
        ),
        (
            [entry(check="zzz")],
            "invalid waiver file 'w.yaml', entry 1 (check 'zzz'): unknown check id 'zzz';"
            " use one of admin-users, audit-logging, public-privileges",
        ),
        (
            [entry(target=5432)],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-users'): 'target' must be"
            " text, got 5432; put the value in quotes",
        ),
        (
            [entry(target=" ")],
            "invalid waiver file 'w.yaml', entry 1 (check 'admin-users'): 'target' is empty;"
            " remove it to waive the whole check",
        ),
        (
            [entry(target="alice"), entry(), entry(target="alice")],
            "invalid waiver file 'w.yaml', entry 3: it repeats entry 1 (check 'admin-users',"
            " target 'alice'); merge the two entries",
        ),
    ],
)
def test_parse_rejects(data: object, message: str) -> None:
    with pytest.raises(WaiverError) as raised:
        parse_waivers(data, WHERE, KNOWN)

    assert str(raised.value) == message


def test_load_unquoted_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- check: admin-users\n  reason: r\n  owner: o\n  expires: 2099-01-31\n",
    )

    loaded = load_waivers(path, KNOWN, TODAY)

    assert loaded.active[0].expires == dt.date(2099, 1, 31)
    assert loaded.source == path


def test_load_impossible_unquoted_date(tmp_path: Path) -> None:
    path = write(tmp_path, "- check: admin-users\n  reason: r\n  owner: o\n  expires: 2099-13-01\n")

    with pytest.raises(WaiverError) as raised:
        load_waivers(path, KNOWN, TODAY)

    assert str(raised.value) == (
        f"invalid waiver file {str(path)!r}, entry 1 (check 'admin-users'): invalid expires"
        " '2099-13-01'; use an ISO date such as 2027-06-30"
    )


def test_load_bad_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "- check: admin-users\n  reason: [unclosed\n")

    with pytest.raises(WaiverError) as raised:
        load_waivers(path, KNOWN, TODAY)

    assert str(raised.value).startswith(f"invalid YAML in waiver file {str(path)!r} at line ")
    assert str(raised.value).endswith("; fix the syntax")


def test_load_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nosuch.yaml"

    with pytest.raises(WaiverError) as raised:
        load_waivers(path, KNOWN, TODAY)

    assert str(raised.value) == (
        f"cannot read waiver file {str(path)!r}: No such file or directory; check the path"
        " given to --crdb-waivers"
    )


def test_load_empty_file_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="expected a YAML list of waivers"):
        load_waivers(write(tmp_path, ""), KNOWN, TODAY)


def test_empty_list_means_no_waivers(tmp_path: Path) -> None:
    loaded = load_waivers(write(tmp_path, "[]\n"), KNOWN, TODAY)

    assert loaded.active == ()
    assert loaded.expired == ()


def test_expiry_is_inclusive(tmp_path: Path) -> None:
    yesterday = TODAY - dt.timedelta(days=1)
    text = (
        f"- check: admin-users\n  reason: r\n  owner: o\n  expires: {TODAY.isoformat()}\n"
        f"- check: audit-logging\n  reason: r\n  owner: o\n  expires: {yesterday.isoformat()}\n"
    )

    loaded = load_waivers(write(tmp_path, text), KNOWN, TODAY)

    assert [w.check for w in loaded.active] == ["admin-users"]
    assert [w.check for w in loaded.expired] == ["audit-logging"]


def test_known_waivers_accept_bundled_ids(tmp_path: Path) -> None:
    lines = [
        f"- check: {check}\n  reason: r\n  owner: o\n  expires: 2099-01-01\n"
        for check in bundled_check_ids()
    ]

    loaded = load_known_waivers(write(tmp_path, "".join(lines)), TODAY)

    assert len(loaded.active) == len(bundled_check_ids())


def test_no_waiver_file_means_no_waivers() -> None:
    assert load_known_waivers(None, TODAY) == WaiverSet()


@pytest.mark.parametrize(
    ("target", "subject", "detail", "matches"),
    [
        (None, "app", "SELECT on table public.customers", True),
        ("app", "app", "SELECT on table public.customers", True),
        ("crm", "app", "SELECT on table public.customers", False),
        ("customers", "app", "SELECT on table public.customers", True),
        ("public.customers", "app", "SELECT on table public.customers", True),
        ("custom", "app", "SELECT on table public.customers", False),
        ("Customers", "app", "SELECT on table public.customers", False),
        ("bob", None, "4 users with admin role: alice, bob (via ops), root", True),
        ("ops", None, "4 users with admin role: alice, bob (via ops), root", True),
        ("o", None, "4 users with admin role: alice, bob (via ops), root", False),
        ("0.0.0.0/0", None, "line 4 `host all all 0.0.0.0/0 password` admits all", True),
        ("0.0.0.0/0", None, "line 4 `host all all 10.0.0.0/0 password` admits all", False),
        ("node.crt", "node.crt", "expires in 20 days", True),
    ],
)
def test_waiver_matching(
    target: str | None, subject: str | None, detail: str, matches: bool
) -> None:
    finding = make_finding("public-privileges", Verdict.FAIL, subject, detail)

    assert waiver(target).matches(finding) is matches


def test_waiver_other_check_never_matches() -> None:
    finding = make_finding("admin-users", Verdict.FAIL)

    assert not waiver(None, check="public-privileges").matches(finding)


def test_apply_marks_finding_waived() -> None:
    waivers = WaiverSet(active=(waiver("app"),))
    finding = make_finding("public-privileges", Verdict.FAIL, "app")

    waived = waivers.apply(finding)

    assert waived.waiver is not None
    assert waived.waiver.owner == "owner"
    assert waived.waiver.expires == TODAY.isoformat()
    assert waived.verdict is Verdict.FAIL
    assert waived.verdict_label == "FAIL, waived"


@pytest.mark.parametrize("verdict", [Verdict.PASS, Verdict.INFO, Verdict.NA])
def test_apply_ignores_non_problem_verdicts(verdict: Verdict) -> None:
    waivers = WaiverSet(active=(waiver(None),))
    finding = make_finding("public-privileges", verdict, "app")

    assert waivers.apply(finding).waiver is None


def test_apply_takes_first_match_in_file_order() -> None:
    first = Waiver(1, "public-privileges", "first", "a", TODAY, None)
    second = Waiver(2, "public-privileges", "second", "b", TODAY, "app")
    finding = make_finding("public-privileges", Verdict.WARN, "app")

    waived = WaiverSet(active=(first, second)).apply(finding)

    assert waived.waiver is not None
    assert waived.waiver.reason == "first"


def test_expired_waiver_does_not_apply() -> None:
    stale = Waiver(1, "public-privileges", "old", "a", TODAY - dt.timedelta(days=1), None)
    finding = make_finding("public-privileges", Verdict.FAIL, "app")

    assert WaiverSet(expired=(stale,)).apply(finding).waiver is None


def test_unused_waivers_and_why() -> None:
    used = waiver("app", number=1)
    no_match = waiver("crm", number=2)
    only_pass = waiver("defaultdb", number=3)
    not_run = waiver(None, check="audit-logging", number=4)
    findings = [
        make_finding("public-privileges", Verdict.FAIL, "app"),
        make_finding("public-privileges", Verdict.PASS, "defaultdb"),
    ]

    unused = WaiverSet(active=(used, no_match, only_pass, not_run)).unused(findings)

    assert [(item.waiver.entry, item.reason) for item in unused] == [
        (2, "it matched no WARN, FAIL or ERROR finding"),
        (3, "it matched no WARN, FAIL or ERROR finding"),
        (4, "check audit-logging did not run in this audit"),
    ]


def test_waiver_describe() -> None:
    assert waiver("app").describe() == (
        f"public-privileges (target app), owner owner, expires {TODAY.isoformat()}"
    )
