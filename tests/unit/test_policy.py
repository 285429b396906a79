from pathlib import Path

import pytest

from pytest_crdb_security.context import AuditContext, Compliance, ContextError, Environment
from pytest_crdb_security.policy import adjust, load_policy
from pytest_crdb_security.verdicts import Grade, Verdict

POLICY = load_policy()


def context(environment: Environment, *compliance: Compliance) -> AuditContext:
    return AuditContext(environment=environment, compliance=compliance)


@pytest.mark.parametrize(
    ("rule", "original", "environment", "expected"),
    [
        ("admin_count_excessive", Verdict.FAIL, Environment.PRODUCTION, Verdict.FAIL),
        ("admin_count_excessive", Verdict.FAIL, Environment.STAGING, Verdict.FAIL),
        ("admin_count_excessive", Verdict.FAIL, Environment.DEVELOPMENT, Verdict.WARN),
        ("audit_logging_disabled", Verdict.FAIL, Environment.SANDBOX, Verdict.INFO),
        ("audit_logging_disabled", Verdict.FAIL, Environment.DEVELOPMENT, Verdict.WARN),
        ("no_backup_schedules", Verdict.FAIL, Environment.SANDBOX, Verdict.INFO),
        ("hba_default", Verdict.WARN, Environment.DEVELOPMENT, Verdict.INFO),
        ("ip_allowlist_open", Verdict.FAIL, Environment.SANDBOX, Verdict.WARN),
        ("database_sso_missing", Verdict.FAIL, Environment.DEVELOPMENT, Verdict.INFO),
    ],
)
def test_environment_downgrades(
    rule: str, original: Verdict, environment: Environment, expected: Verdict
) -> None:
    adjustment = adjust(Grade(original, "x", rule), context(environment), POLICY)

    assert adjustment.original is original
    assert adjustment.adjusted is expected


def test_downgrade_annotation() -> None:
    adjustment = adjust(
        Grade(Verdict.FAIL, "x", "admin_count_excessive"), context(Environment.DEVELOPMENT), POLICY
    )

    assert adjustment.annotation == "downgraded from FAIL — development cluster"


@pytest.mark.parametrize(
    ("rule", "framework"),
    [
        ("admin_count_excessive", Compliance.PCI_DSS),
        ("admin_count_excessive", Compliance.SOC2),
        ("audit_logging_disabled", Compliance.GDPR),
        ("no_backup_schedules", Compliance.HIPAA),
        ("encryption_at_rest_missing", Compliance.HIPAA),
        ("hba_default", Compliance.PCI_DSS),
    ],
)
def test_compliance_blocks_downgrade(rule: str, framework: Compliance) -> None:
    original = POLICY.rules[rule].verdicts[Environment.PRODUCTION]
    adjustment = adjust(Grade(original, "x", rule), context(Environment.SANDBOX, framework), POLICY)

    assert adjustment.adjusted is original
    assert adjustment.annotation == f"{framework.value} compliance — cannot downgrade"


def test_unrelated_compliance_allows_downgrade() -> None:
    adjustment = adjust(
        Grade(Verdict.FAIL, "x", "no_backup_schedules"),
        context(Environment.DEVELOPMENT, Compliance.GDPR),
        POLICY,
    )

    assert adjustment.adjusted is Verdict.WARN


def test_grade_without_rule_or_other_verdict_is_unchanged() -> None:
    plain = adjust(Grade(Verdict.FAIL, "x"), context(Environment.SANDBOX), POLICY)
    passing = adjust(
        Grade(Verdict.PASS, "x", "admin_count_excessive"), context(Environment.SANDBOX), POLICY
    )

    assert plain.adjusted is Verdict.FAIL
    assert plain.annotation is None
    assert passing.adjusted is Verdict.PASS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: {}\n", "exactly the keys"),
        ("rules: {x: {topic: a, production: FAIL}}\ncompliance: {}\n", "invalid rule 'x'"),
        (
            "rules: {x: {topic: a, production: BAD, staging: FAIL,"
            " development: WARN, sandbox: INFO}}\n"
            "compliance: {}\n",
            "invalid verdict 'BAD' for x.production",
        ),
        ("rules: {}\ncompliance: {SOX: [a]}\n", "invalid compliance entry 'SOX'"),
        ("rules: [\n", "invalid YAML"),
    ],
)
def test_invalid_policy_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)

    with pytest.raises(ContextError, match=message):
        load_policy(path)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="cannot read policy file"):
        load_policy(tmp_path / "nope.yaml")
