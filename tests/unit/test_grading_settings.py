import pytest

from pytest_crdb_security.evidence.model import Setting, Settings
from pytest_crdb_security.grading.audit_logging import grade_audit_logging
from pytest_crdb_security.grading.passwords import (
    grade_min_password_length,
    grade_pre_hashed_passwords,
)
from pytest_crdb_security.parsing.versions import parse_build
from pytest_crdb_security.verdicts import CouldNotEvaluate, Verdict

CCL_24 = parse_build("CockroachDB CCL v24.3.5")
CCL_23_1 = parse_build("CockroachDB CCL v23.1.14")
OSS_24 = parse_build("CockroachDB OSS v24.1.0")


def settings(**values: str) -> Settings:
    by_name = {
        name.replace("__", "."): Setting(name.replace("__", "."), value, "s")
        for name, value in values.items()
    }
    return Settings(by_name, "v24.3")


def audit(user: str | None, admin: str | None) -> Settings:
    values = {}
    if user is not None:
        values["sql__log__user_audit"] = user
    if admin is not None:
        values["sql__log__admin_audit__enabled"] = admin
    return settings(**values)


@pytest.mark.parametrize(
    ("user", "admin", "build", "verdict", "rule"),
    [
        ("all ALL", "true", CCL_24, Verdict.PASS, None),
        ("", "true", CCL_24, Verdict.WARN, None),
        ("auditors ALL\n", "false", CCL_24, Verdict.WARN, None),
        ("", "false", CCL_24, Verdict.FAIL, "audit_logging_disabled"),
        ("# only a comment", "false", CCL_24, Verdict.FAIL, "audit_logging_disabled"),
        (None, "true", CCL_23_1, Verdict.WARN, None),
        (None, "false", CCL_23_1, Verdict.FAIL, "audit_logging_disabled"),
        (None, "true", OSS_24, Verdict.WARN, None),
    ],
)
def test_audit_logging(
    user: str | None, admin: str | None, build: object, verdict: Verdict, rule: str | None
) -> None:
    grade = grade_audit_logging(audit(user, admin), build)  # type: ignore[arg-type]

    assert grade.verdict is verdict
    assert grade.rule == rule


def test_audit_logging_fallback_names_version() -> None:
    grade = grade_audit_logging(audit(None, "true"), CCL_23_1)

    assert "needs v23.2 or later" in grade.detail


def test_audit_logging_missing_setting_on_ccl_is_error() -> None:
    with pytest.raises(CouldNotEvaluate, match=r"sql\.log\.user_audit is missing"):
        grade_audit_logging(audit(None, "true"), CCL_24)


def test_audit_logging_redacted_is_error() -> None:
    with pytest.raises(CouldNotEvaluate, match="redacted"):
        grade_audit_logging(audit("<redacted>", "true"), CCL_24)


@pytest.mark.parametrize(
    ("length", "verdict"),
    [
        ("1", Verdict.FAIL),
        ("7", Verdict.FAIL),
        ("8", Verdict.WARN),
        ("11", Verdict.WARN),
        ("12", Verdict.PASS),
        ("64", Verdict.PASS),
    ],
)
def test_min_password_length(length: str, verdict: Verdict) -> None:
    grade = grade_min_password_length(settings(server__user_login__min_password_length=length))

    assert grade.verdict is verdict
    assert f"is {length}" in grade.detail


def test_min_password_length_missing_is_error() -> None:
    with pytest.raises(CouldNotEvaluate, match="missing"):
        grade_min_password_length(settings())


def test_min_password_length_not_a_number() -> None:
    with pytest.raises(CouldNotEvaluate, match="non-integer"):
        grade_min_password_length(settings(server__user_login__min_password_length="ten"))


@pytest.mark.parametrize(("value", "verdict"), [("true", Verdict.WARN), ("false", Verdict.PASS)])
def test_pre_hashed_passwords(value: str, verdict: Verdict) -> None:
    grade = grade_pre_hashed_passwords(
        settings(
            server__user_login__store_client_pre_hashed_passwords__enabled=value,
            server__user_login__min_password_length="12",
        )
    )

    assert grade.verdict is verdict


def test_pre_hashed_warning_names_bypassed_length() -> None:
    grade = grade_pre_hashed_passwords(
        settings(
            server__user_login__store_client_pre_hashed_passwords__enabled="true",
            server__user_login__min_password_length="14",
        )
    )

    assert "bypasses the minimum length of 14" in grade.detail
