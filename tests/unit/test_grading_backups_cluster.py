import pytest

from pytest_crdb_security.grading.backups import backup_destination, grade_backup_schedules
from pytest_crdb_security.grading.cluster_config import (
    grade_regions,
    grade_upgrade_finalized,
    grade_version,
)
from pytest_crdb_security.parsing.schedules import Schedule
from pytest_crdb_security.parsing.versions import parse_build, parse_cluster_version
from pytest_crdb_security.verdicts import Verdict

FAILED_STATE = (
    "reschedule: backup job 1002 failed with err=backup job 1002 scheduled by 1001 failed"
    " with status failed"
)
URI = "s3://bucket/crdb?AWS_ACCESS_KEY_ID=AKIAEXAMPLE&AWS_SECRET_ACCESS_KEY=top-secret-key"


def make(
    label: str,
    status: str = "ACTIVE",
    state: str | None = None,
    command: dict[str, object] | None = None,
) -> Schedule:
    if command is None:
        command = {"backup_statement": f"BACKUP INTO '{URI}' WITH detached"}
    return Schedule(1, label, status, state, "@daily", "root", command)


INTERNAL = make("sql-stats-compaction", command={})


@pytest.mark.parametrize(
    ("schedules", "verdict", "fragment"),
    [
        ([], Verdict.FAIL, "no backup schedules exist"),
        ([INTERNAL], Verdict.FAIL, "no backup schedules exist"),
        ([INTERNAL, make("nightly")], Verdict.PASS, "1 backup schedule active: nightly (full"),
        ([make("nightly", state=FAILED_STATE)], Verdict.FAIL, "reports failed runs"),
        ([make("nightly", status="PAUSED")], Verdict.WARN, "is paused"),
        (
            [make("nightly", status="PAUSED", state="Waiting for initial backup to complete")],
            Verdict.WARN,
            "waiting for its first backup",
        ),
    ],
)
def test_backup_schedules(schedules: list[Schedule], verdict: Verdict, fragment: str) -> None:
    grade = grade_backup_schedules(schedules)

    assert grade.verdict is verdict
    assert fragment in grade.detail


def test_no_backups_uses_policy_rule() -> None:
    assert grade_backup_schedules([INTERNAL]).rule == "no_backup_schedules"


def test_backup_details_never_show_credentials() -> None:
    for schedules in ([make("nightly")], [make("nightly", state=FAILED_STATE + " " + URI)]):
        detail = grade_backup_schedules(schedules).detail

        assert "top-secret-key" not in detail
        assert "AKIAEXAMPLE" not in detail


def test_backup_destination_strips_query_and_userinfo() -> None:
    schedule = make(
        "x", command={"backup_statement": "BACKUP INTO 'gs://u:p@bkt/path?AUTH=implicit'"}
    )

    assert backup_destination(schedule) == "gs://bkt/path"


@pytest.mark.parametrize(
    ("binary", "active", "verdict"),
    [
        ("v24.3.5", "24.3", Verdict.PASS),
        ("v24.3.5", "24.2", Verdict.WARN),
        ("v23.2.9", "23.1", Verdict.WARN),
        ("v24.3.0", "24.2-upgrading-to-24.3-step-010", Verdict.WARN),
    ],
)
def test_upgrade_finalized(binary: str, active: str, verdict: Verdict) -> None:
    grade = grade_upgrade_finalized(
        parse_build(f"CockroachDB CCL {binary}"), parse_cluster_version(active)
    )

    assert grade.verdict is verdict


def test_version_and_regions_are_info() -> None:
    build = parse_build("CockroachDB CCL v24.3.5")

    assert grade_version(build, parse_cluster_version("24.3")).detail == (
        "v24.3.5 (CCL build, cluster version 24.3)"
    )
    assert grade_regions([]).verdict is Verdict.INFO
    assert grade_regions(["us-east1", "europe-west1"]).detail == "us-east1, europe-west1"
