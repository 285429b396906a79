"""The audit context: who is audited, where, and against which obligations."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from pytest_crdb_security.attestations import Attestation


class ContextError(ValueError):
    """An invalid option value or context file; the message is one line for the user."""


class Environment(enum.Enum):
    PRODUCTION = "production"
    STAGING = "staging"
    DEVELOPMENT = "development"
    SANDBOX = "sandbox"


class Deployment(enum.Enum):
    AUTO = "auto"
    CLOUD = "cloud"
    SELF_HOSTED = "self-hosted"

    @property
    def label(self) -> str:
        return {"auto": "auto", "cloud": "CockroachDB Cloud", "self-hosted": "Self-hosted"}[
            self.value
        ]


class Compliance(enum.Enum):
    SOC2 = "SOC 2"
    HIPAA = "HIPAA"
    PCI_DSS = "PCI DSS"
    ISO_27001 = "ISO 27001"
    GDPR = "GDPR"


class DataSensitivity(enum.Enum):
    PII_PHI = "pii-phi"
    FINANCIAL = "financial"
    INTERNAL = "internal"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        return {"pii-phi": "PII/PHI"}.get(self.value, self.value)


class CloudPlan(enum.Enum):
    BASIC = "basic"
    STANDARD = "standard"
    ADVANCED = "advanced"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Cloud API plan names before the 2024-09-16 API version map onto today's tiers.
_PLAN_ALIASES = {"serverless": CloudPlan.BASIC, "dedicated": CloudPlan.ADVANCED}


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _choice(enum_type: type[enum.Enum], raw: str, what: str) -> Any:
    wanted = raw.strip().lower()
    for member in enum_type:
        if member.value == wanted:
            return member
    allowed = ", ".join(m.value for m in enum_type)
    raise ContextError(f"invalid {what} {raw!r}: use one of {allowed}")


def parse_environment(raw: str) -> Environment:
    return _choice(Environment, raw, "environment")  # type: ignore[no-any-return]


def parse_deployment(raw: str) -> Deployment:
    return _choice(Deployment, raw, "deployment")  # type: ignore[no-any-return]


def parse_data_sensitivity(raw: str) -> DataSensitivity:
    return _choice(DataSensitivity, raw, "data sensitivity")  # type: ignore[no-any-return]


def parse_plan(raw: str) -> CloudPlan:
    alias = _PLAN_ALIASES.get(raw.strip().lower())
    if alias is not None:
        return alias
    return _choice(CloudPlan, raw, "Cloud plan")  # type: ignore[no-any-return]


def parse_compliance(raw: str | Iterable[str]) -> tuple[Compliance, ...]:
    """Parse framework names such as ``SOC 2,pci-dss`` in any case and spelling of spaces."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    by_key = {_squash(member.value): member for member in Compliance}
    frameworks: list[Compliance] = []
    for item in items:
        if not isinstance(item, str):
            raise ContextError(f"invalid compliance framework {item!r}: use a name, not a number")
        key = _squash(item)
        if not key or key == "none":
            continue
        member = by_key.get(key)
        if member is None:
            allowed = ", ".join(m.value for m in Compliance)
            raise ContextError(
                f"invalid compliance framework {item.strip()!r}: use one or more of {allowed},"
                " separated by commas"
            )
        if member not in frameworks:
            frameworks.append(member)
    return tuple(frameworks)


@dataclass(frozen=True)
class AuditContext:
    """Everything the checks and the severity policy need to know about the audit."""

    environment: Environment = Environment.PRODUCTION
    deployment: Deployment = Deployment.AUTO
    compliance: tuple[Compliance, ...] = ()
    data_sensitivity: DataSensitivity = DataSensitivity.INTERNAL
    cluster_name: str | None = None
    plan: CloudPlan | None = None
    certs_dir: Path | None = None
    report_dir: Path = Path("reports")
    demo_scenario: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    # Console SSO and SCIM states confirmed by a person, by subject (console_sso, scim).
    attestations: Mapping[str, Attestation] = field(default_factory=dict)

    @property
    def is_demo(self) -> bool:
        return self.demo_scenario is not None

    def with_detected(self, **changes: Any) -> AuditContext:
        return replace(self, **changes)

    def compliance_label(self) -> str:
        if not self.compliance:
            return "(none specified)"
        return ", ".join(member.value for member in self.compliance)


CONTEXT_FILE_KEYS = (
    "environment",
    "deployment",
    "compliance",
    "data_sensitivity",
    "cluster_name",
    "plan",
    "certs_dir",
    "report_dir",
    "attestations",
)


def load_context_file(path: Path) -> dict[str, Any]:
    """Read a YAML context file into option values, rejecting unknown keys."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContextError(
            f"cannot read context file {str(path)!r}: {error.strerror or error}"
            "; check the path given to --crdb-context"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ContextError(
            f"invalid YAML in context file {str(path)!r}{where}; fix the syntax or remove the file"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContextError(
            f"invalid context file {str(path)!r}: expected a mapping of keys such as"
            " 'environment: staging'"
        )
    unknown = sorted(str(key) for key in data if key not in CONTEXT_FILE_KEYS)
    if unknown:
        raise ContextError(
            f"unknown key {unknown[0]!r} in context file {str(path)!r}: use one of "
            + ", ".join(CONTEXT_FILE_KEYS)
        )
    for key, value in data.items():
        # compliance may be a list and attestations a mapping, validated by their parsers.
        if key not in ("compliance", "attestations") and not isinstance(value, str):
            raise ContextError(
                f"invalid value for {key!r} in context file {str(path)!r}: expected text,"
                f" got {value!r}"
            )
    return dict(data)
