import pytest

from pytest_crdb_security.parsing.schedules import (
    Schedule,
    ScheduleHealth,
    classify_schedule,
    failure_excerpt,
    parse_command,
)


def schedule(status: str = "ACTIVE", state: str | None = None, command: object = None) -> Schedule:
    return Schedule(
        schedule_id=1,
        label="nightly",
        status=status,
        state=state,
        recurrence="@daily",
        owner="root",
        command=parse_command(command if command is not None else {"backup_statement": "BACKUP"}),
    )


@pytest.mark.parametrize(
    ("status", "state", "expected"),
    [
        ("ACTIVE", None, ScheduleHealth.HEALTHY),
        ("ACTIVE", "", ScheduleHealth.HEALTHY),
        ("ACTIVE", "pending", ScheduleHealth.PENDING),
        ("PAUSED", "Waiting for initial backup to complete", ScheduleHealth.PENDING),
        (
            "ACTIVE",
            "reschedule: backup job 1002 failed with err=backup job 1002 scheduled by 1001"
            " failed with status failed",
            ScheduleHealth.FAILED,
        ),
        (
            "ACTIVE",
            "reschedule: backup job 7 failed with err=backup job 7 scheduled by 6 failed"
            " with state failed",
            ScheduleHealth.FAILED,
        ),
        ("ACTIVE", "retrying: some storage error", ScheduleHealth.FAILED),
        ("PAUSED", "schedule paused: backup job 9 failed", ScheduleHealth.FAILED),
        ("PAUSED", None, ScheduleHealth.PAUSED),
        ("paused", "", ScheduleHealth.PAUSED),
    ],
)
def test_classify_schedule(status: str, state: str | None, expected: ScheduleHealth) -> None:
    assert classify_schedule(schedule(status, state)) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, {}),
        ({"backup_statement": "BACKUP"}, {"backup_statement": "BACKUP"}),
        (
            '{"backup_statement": "BACKUP", "backup_type": 1}',
            {"backup_statement": "BACKUP", "backup_type": 1},
        ),
        ("not json", {}),
        ("[1, 2]", {}),
        (42, {}),
    ],
)
def test_parse_command(raw: object, expected: dict[str, object]) -> None:
    assert dict(parse_command(raw)) == expected


def test_backup_detection_and_type() -> None:
    full = schedule(command={"backup_statement": "BACKUP INTO 'nodelocal://1/b'"})
    incremental = schedule(
        command={"backup_statement": "BACKUP INTO LATEST IN 'x'", "backup_type": 1}
    )
    internal = schedule(command={})

    assert full.is_backup and not full.is_incremental
    assert incremental.is_incremental
    assert not internal.is_backup


def test_backup_statement_masks_credentials() -> None:
    item = schedule(
        command={
            "backup_statement": "BACKUP INTO 's3://b/p?AWS_ACCESS_KEY_ID=AKIAXYZ&AWS_SECRET_ACCESS_KEY=hunter2secret'"
        }
    )

    assert "hunter2secret" not in item.backup_statement
    assert "AKIAXYZ" not in item.backup_statement


def test_failure_excerpt_shortens_and_masks() -> None:
    text = "retrying: s3://u:pa55word@bucket/x?AWS_SECRET_ACCESS_KEY=abc123 " + "x" * 300

    excerpt = failure_excerpt(text)

    assert len(excerpt) == 160
    assert "pa55word" not in excerpt
    assert "abc123" not in excerpt
