"""Severity policy: environment downgrades and compliance floors, loaded from YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from pytest_crdb_security.context import AuditContext, Compliance, ContextError, Environment
from pytest_crdb_security.verdicts import Grade, Verdict

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.yaml")


@dataclass(frozen=True)
class Rule:
    topic: str
    verdicts: Mapping[Environment, Verdict]


@dataclass(frozen=True)
class Policy:
    rules: Mapping[str, Rule]
    compliance: Mapping[Compliance, frozenset[str]]


@dataclass(frozen=True)
class Adjustment:
    """A verdict before and after the policy, with the annotation the report shows."""

    original: Verdict
    adjusted: Verdict
    rule: str | None
    annotation: str | None


def load_policy(path: Path = DEFAULT_POLICY_PATH) -> Policy:
    """Load and validate a policy file; errors name the file, the key and the allowed values."""
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ContextError(
            f"cannot read policy file {where!r}: {error.strerror or error}; check --crdb-policy"
        ) from None
    except yaml.YAMLError:
        raise ContextError(f"invalid YAML in policy file {where!r}; fix the syntax") from None
    if not isinstance(data, dict) or set(data) != {"rules", "compliance"}:
        raise ContextError(
            f"invalid policy file {where!r}: it must contain exactly the keys"
            " 'rules' and 'compliance'"
        )

    rules: dict[str, Rule] = {}
    environments = [member.value for member in Environment]
    for name, body in (data["rules"] or {}).items():
        if not isinstance(body, dict) or set(body) != {"topic", *environments}:
            raise ContextError(
                f"invalid rule {name!r} in policy file {where!r}: give 'topic' and a verdict for "
                + ", ".join(environments)
            )
        verdicts: dict[Environment, Verdict] = {}
        for environment in Environment:
            raw = str(body[environment.value])
            try:
                verdicts[environment] = Verdict.parse(raw)
            except ValueError:
                raise ContextError(
                    f"invalid verdict {raw!r} for {name}.{environment.value} in policy file"
                    f" {where!r}: use PASS, WARN, FAIL or INFO"
                ) from None
        rules[str(name)] = Rule(str(body["topic"]), verdicts)

    compliance: dict[Compliance, frozenset[str]] = {}
    by_label = {member.value: member for member in Compliance}
    for label, topics in (data["compliance"] or {}).items():
        framework = by_label.get(str(label))
        if framework is None or not isinstance(topics, list):
            raise ContextError(
                f"invalid compliance entry {label!r} in policy file {where!r}: use one of "
                + ", ".join(by_label)
                + " with a list of topics"
            )
        compliance[framework] = frozenset(str(topic) for topic in topics)
    return Policy(rules, compliance)


def adjust(grade: Grade, context: AuditContext, policy: Policy) -> Adjustment:
    """Apply the environment's downgrade unless a compliance framework forbids it."""
    original = grade.verdict
    rule = policy.rules.get(grade.rule) if grade.rule else None
    if rule is None or rule.verdicts[Environment.PRODUCTION] is not original:
        return Adjustment(original, original, grade.rule, None)

    target = rule.verdicts[context.environment]
    if target is original:
        return Adjustment(original, original, grade.rule, None)

    for framework in context.compliance:
        if rule.topic in policy.compliance.get(framework, frozenset()):
            return Adjustment(
                original,
                original,
                grade.rule,
                f"{framework.value} compliance — cannot downgrade",
            )
    return Adjustment(
        original,
        target,
        grade.rule,
        f"downgraded from {original.value} — {context.environment.value} cluster",
    )
