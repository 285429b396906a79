"""Grading of the HBA configuration: which users each rule in force admits, and how."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pytest_crdb_security.evidence.model import Settings
from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.hba import (
    PASSWORD_METHODS,
    HbaConfig,
    HbaParseError,
    HbaRule,
    RuleInForce,
    RuleOrigin,
    effective_rules,
    parse_hba,
    rules_in_force,
)
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

HBA_SETTING = "server.host_based_authentication.configuration"

_METHOD_PHRASES = {
    "password": "with a password",
    "scram-sha-256": "with a SCRAM-SHA-256 password",
    "cert-password": "with a certificate or a password",
    "cert-scram-sha-256": "with a certificate or a SCRAM-SHA-256 password",
    "ldap": "with an LDAP password",
    "trust": "without any credential",
    "cert": "with a client certificate",
    "jwt_token": "with a JWT",
    "gss": "with Kerberos (GSSAPI)",
    "reject": "and rejects them",
}

_VERDICT_RANK = {Verdict.PASS: 0, Verdict.INFO: 0, Verdict.WARN: 1, Verdict.FAIL: 2}


@dataclass(frozen=True)
class HbaTable:
    """The parsed configuration and the effective table, each rule with the users it admits."""

    config: HbaConfig
    rules: list[RuleInForce]

    def in_force(self, method: str | None = None) -> list[RuleInForce]:
        """Return the configured rules that some user can still reach, optionally of one method."""
        return [
            entry
            for entry in self.rules
            if entry.reachable
            and entry.rule.origin is RuleOrigin.CONFIGURED
            and (method is None or entry.rule.method == method)
        ]


def read_hba(settings: Settings) -> HbaTable:
    """Parse the HBA setting; a redacted or malformed value ends the check as could-not-evaluate."""
    text = settings.text(HBA_SETTING)
    try:
        config = parse_hba(text)
    except HbaParseError as error:
        raise CouldNotEvaluate(
            f"cluster setting {HBA_SETTING} does not parse at {error}; the audit cannot tell"
            " which rules are in force"
        ) from None
    return HbaTable(config, rules_in_force(effective_rules(config)))


def describe_users(entry: RuleInForce) -> str:
    if entry.all_users:
        # Every table starts with the mandatory root rule, so "except root" would be noise.
        others = [name for name in entry.users if name != "root"]
        return "all users" + (f" except {join_names(others)}" if others else "")
    return join_names(list(entry.users))


def describe_source(rule: HbaRule) -> str:
    if rule.connection_type == "local":
        return "over the local Unix socket"
    network = rule.network
    if network is None:
        return "from any address"
    if network.prefixlen == 0:
        return f"from any IPv{network.version} address"
    if network.num_addresses == 1:
        return f"from {network.network_address}"
    return f"from {network}"


def describe_admission(entry: RuleInForce) -> str:
    """Say whom a rule admits, from where and how: ``line 3 `...` admits all users from ...``."""
    rule = entry.rule
    transport = " over unencrypted connections" if rule.connection_type == "hostnossl" else ""
    method = _METHOD_PHRASES.get(rule.method, f"with {rule.method}")
    verb = "matches" if rule.method == "reject" else "admits"
    users = describe_users(entry)
    return f"{rule.label()} {verb} {users} {describe_source(rule)} {method}{transport}"


def _is_open(rule: HbaRule) -> bool:
    if rule.connection_type == "local":
        return False
    return rule.network is None or rule.network.prefixlen == 0


def _is_local_only(rule: HbaRule) -> bool:
    if rule.connection_type == "local":
        return True
    return rule.network is not None and rule.network.is_loopback


def classify_rule(rule: HbaRule) -> Verdict:
    """Return the verdict one rule earns on its own; see grade_hba for the thresholds."""
    if rule.method == "trust":
        return Verdict.WARN if _is_local_only(rule) else Verdict.FAIL
    sends_credential = rule.method in PASSWORD_METHODS or rule.method == "jwt_token"
    if rule.connection_type == "hostnossl" and sends_credential:
        return Verdict.FAIL
    if rule.method in PASSWORD_METHODS and _is_open(rule):
        return Verdict.WARN
    return Verdict.PASS


def _never_applies(entry: RuleInForce) -> str:
    shadow = entry.shadowed_by
    assert shadow is not None
    if shadow.origin is RuleOrigin.MANDATORY:
        reason = "the mandatory rule `host all root all cert-password` always comes first"
    else:
        reason = f"{shadow.label()} matches the same connections first"
    return f"{entry.rule.label()} never applies because {reason}"


def _worst(verdicts: Sequence[Verdict]) -> Verdict:
    return max(verdicts, key=lambda verdict: _VERDICT_RANK[verdict], default=Verdict.PASS)


def grade_hba(settings: Settings) -> Grade:
    """Grade the rules in force, not only the text.

    Thresholds, per rule some user can still reach:

    - FAIL: ``trust`` from any address that is not loopback-only, and any credential
      method (password, scram-sha-256, ldap, the cert- variants, jwt_token) on
      ``hostnossl``, which sends the secret without TLS.
    - WARN: a password method open to every address (``all``, ``0.0.0.0/0``, ``::/0``),
      and ``trust`` on ``local`` or loopback, which lets any process on the node log in.
    - WARN with rule ``hba_default``: an empty value, so the built-in default applies.
    - PASS: otherwise; ``cert`` and ``reject`` are fine from anywhere.

    Rules that never apply (an earlier rule matches all their connections) are named
    in the detail but not graded.
    """
    table = read_hba(settings)
    if table.config.is_empty:
        return Grade(
            Verdict.WARN,
            f"{HBA_SETTING} is empty, so the built-in default applies: every user can log in"
            " from any address with a certificate or a password (`host all all all"
            " cert-password`) and over the local Unix socket with a password",
            rule="hba_default",
        )

    findings: list[tuple[Verdict, str]] = []
    notes: list[str] = []
    configured = [entry for entry in table.rules if entry.rule.origin is RuleOrigin.CONFIGURED]
    for entry in configured:
        if not entry.reachable:
            notes.append(_never_applies(entry))
            continue
        verdict = classify_rule(entry.rule)
        if verdict is not Verdict.PASS:
            findings.append((verdict, describe_admission(entry)))

    verdict = _worst([found for found, _ in findings])
    reachable = len(configured) - len(notes)
    if findings:
        ordered = sorted(findings, key=lambda item: -_VERDICT_RANK[item[0]])
        detail = "; ".join(text for _, text in ordered)
    else:
        detail = (
            f"{plural(reachable, 'configured rule')} in force, none admits users without"
            " credentials, sends a password without TLS or accepts a password from any address"
        )
    if notes:
        detail += "; " + "; ".join(notes)
    return Grade(verdict, detail)
