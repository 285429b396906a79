"""Grading of database SSO (OIDC, JWT, LDAP), identity maps and automatic user provisioning.

No detail ever quotes a credential: the LDAP bind password and the OIDC client ID and
secret are only reported as set or not set.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_crdb_security.evidence.model import Settings
from pytest_crdb_security.grading.authorization import ADMIN_ROLE, effective_admins
from pytest_crdb_security.grading.network import HbaTable, read_hba
from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.hba import HbaRule, RuleInForce
from pytest_crdb_security.parsing.identity_map import (
    IdentityMap,
    IdentityMapParseError,
    parse_identity_map,
)
from pytest_crdb_security.parsing.roles import Principal
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

OIDC_ENABLED = "server.oidc_authentication.enabled"
OIDC_PROVIDER_URL = "server.oidc_authentication.provider_url"
OIDC_CLIENT_ID = "server.oidc_authentication.client_id"
OIDC_CLIENT_SECRET = "server.oidc_authentication.client_secret"
# The current name first, then the name before the rename (release not confirmed).
OIDC_AUTOLOGIN = (
    "server.oidc_authentication.autologin.enabled",
    "server.oidc_authentication.autologin",
)
OIDC_CLAIM = "server.oidc_authentication.claim_json_key"
OIDC_PRINCIPAL_REGEX = "server.oidc_authentication.principal_regex"
OIDC_SQL_TOKENS = "server.oidc_authentication.generate_cluster_sso_token.enabled"

JWT_ENABLED = "server.jwt_authentication.enabled"
JWT_AUDIENCE = "server.jwt_authentication.audience"
JWT_ISSUERS = (
    "server.jwt_authentication.issuers.configuration",
    "server.jwt_authentication.issuers",
)

IDENTITY_MAP = "server.identity_map.configuration"
REDACT_SENSITIVE = "server.redact_sensitive_settings.enabled"
PROVISIONING = (
    ("security.provisioning.ldap.enabled", "LDAP"),
    ("security.provisioning.oidc.enabled", "OIDC"),
    # NOTE: the release that adds JWT provisioning is not confirmed; a build without
    # the setting simply does not list it.
    ("security.provisioning.jwt.enabled", "JWT"),
)

LDAPS_PORT = "636"


def _first_present(settings: Settings, names: Sequence[str]) -> str | None:
    return next((name for name in names if settings.has(name)), None)


def _presence(settings: Settings, name: str) -> str:
    """Describe a possibly sensitive setting as ``set``, ``set (value redacted)`` or ``not set``."""
    setting = settings.get(name)
    if setting is None or not setting.value.strip():
        return "not set"
    return "set (value redacted)" if setting.is_redacted else "set"


def _enabled(settings: Settings, name: str) -> bool:
    """Read a flag that some builds lack (OSS, older versions), taking a missing one as off."""
    return settings.has(name) and settings.flag(name)


def jwt_sso(settings: Settings) -> tuple[bool, str]:
    """Return whether JWT login is usable for SQL, and a phrase describing its state."""
    if not settings.has(JWT_ENABLED):
        return False, "JWT authentication is not available on this build"
    if not settings.flag(JWT_ENABLED):
        return False, f"{JWT_ENABLED} is off"
    issuers_name = _first_present(settings, JWT_ISSUERS)
    issuers = settings.text(issuers_name).strip() if issuers_name else ""
    audience = settings.text(JWT_AUDIENCE).strip() if settings.has(JWT_AUDIENCE) else ""
    missing = [
        label
        for label, value in (("issuers", issuers), ("audience", audience))
        if not value
    ]
    if missing:
        return False, f"JWT authentication is on but has no {' or '.join(missing)}"
    return True, "JWT authentication is on with issuers and an audience configured"


def _line_list(entries: Sequence[RuleInForce]) -> str:
    return _lines_of([entry.rule for entry in entries])


def _lines_of(rules: Sequence[HbaRule]) -> str:
    lines = [str(rule.line) for rule in rules]
    return ("HBA line " if len(lines) == 1 else "HBA lines ") + ", ".join(lines)


def grade_database_sso_oidc(settings: Settings) -> Grade:
    """Grade database SSO through OIDC, or through LDAP or JWT when OIDC is off.

    OIDC enabled and complete (provider URL, client ID, client secret) and reaching SQL logins
    through cluster SSO tokens, JWT or LDAP: PASS; for DB Console only: WARN. OIDC enabled but
    incomplete: FAIL with rule ``database_sso_missing``. OIDC off while SQL logins use LDAP (an
    ``ldap`` HBA rule in force) or JWT (enabled with issuers and an audience): PASS, because the
    cluster has database SSO by another method. No SSO at all: FAIL with rule
    ``database_sso_missing``.
    """
    if _enabled(settings, OIDC_ENABLED):
        provider = settings.text(OIDC_PROVIDER_URL).strip()
        client_id = _presence(settings, OIDC_CLIENT_ID)
        client_secret = _presence(settings, OIDC_CLIENT_SECRET)
        missing = [
            name
            for name, state in (
                (OIDC_PROVIDER_URL, provider or "not set"),
                (OIDC_CLIENT_ID, client_id),
                (OIDC_CLIENT_SECRET, client_secret),
            )
            if state == "not set"
        ]
        if missing:
            return Grade(
                Verdict.FAIL,
                f"OIDC is enabled but {join_names(missing)} {'is' if len(missing) == 1 else 'are'}"
                " empty, so no one can log in with it",
                rule="database_sso_missing",
            )
        autologin_name = _first_present(settings, OIDC_AUTOLOGIN)
        autologin = "on" if autologin_name and settings.flag(autologin_name) else "off"
        described = (
            f"OIDC is enabled with provider {provider}, client ID {client_id}, client secret"
            f" {client_secret}, autologin {autologin}"
        )
        if _enabled(settings, OIDC_SQL_TOKENS):
            return Grade(
                Verdict.PASS, f"{described}; it covers DB Console and SQL (cluster SSO tokens)"
            )
        sql_methods = _sql_sso_methods(settings)
        if sql_methods:
            return Grade(
                Verdict.PASS,
                f"{described} for DB Console, and SQL logins use {' and '.join(sql_methods)}",
            )
        # OIDC alone signs users in to DB Console; SQL clients still log in with
        # passwords or certificates unless cluster SSO tokens, JWT or LDAP are set up.
        return Grade(
            Verdict.WARN,
            f"{described}, but it covers DB Console only: {OIDC_SQL_TOKENS} is off and no"
            " JWT or LDAP login is set up, so SQL logins do not use SSO",
        )

    oidc_state = (
        f"{OIDC_ENABLED} is off"
        if settings.has(OIDC_ENABLED)
        else "OIDC is not available on this build (no server.oidc_authentication settings)"
    )
    jwt_on, jwt_text = jwt_sso(settings)
    try:
        ldap_rules = read_hba(settings).in_force("ldap")
    except CouldNotEvaluate as error:
        if not jwt_on:
            raise CouldNotEvaluate(
                f"{oidc_state}, and whether SQL logins use LDAP is unknown: {error.reason}"
            ) from None
        ldap_rules = []

    alternatives = []
    if ldap_rules:
        alternatives.append(f"LDAP ({_line_list(ldap_rules)})")
    if jwt_on:
        alternatives.append("JWT")
    if alternatives:
        return Grade(
            Verdict.PASS,
            f"{oidc_state}, but SQL logins use database SSO through {' and '.join(alternatives)};"
            f" {jwt_text}",
        )
    return Grade(
        Verdict.FAIL,
        f"no database SSO: {oidc_state}, no HBA rule in force uses ldap, and {jwt_text}",
        rule="database_sso_missing",
    )


def _sql_sso_methods(settings: Settings) -> list[str]:
    """Name the SQL login methods with SSO (JWT, LDAP rules in force); unreadable HBA adds none."""
    methods = ["JWT"] if jwt_sso(settings)[0] else []
    try:
        ldap_rules = read_hba(settings).in_force("ldap")
    except CouldNotEvaluate:
        ldap_rules = []
    if ldap_rules:
        methods.append(f"LDAP ({_line_list(ldap_rules)})")
    return methods


def _database_sso_configured(settings: Settings) -> bool:
    """Tell whether OIDC, JWT or an LDAP rule in force is set up; unknown counts as yes."""
    if _enabled(settings, OIDC_ENABLED) or jwt_sso(settings)[0]:
        return True
    try:
        return bool(read_hba(settings).in_force("ldap"))
    except CouldNotEvaluate:
        return True


def describe_ldap_rule(rule: HbaRule) -> str:
    port = rule.option("ldapport") or "?"
    transport = "LDAPS" if port == LDAPS_PORT else "plain LDAP"
    parts = [
        f"server {rule.option('ldapserver')}:{port} ({transport})",
        f"bind DN {rule.option('ldapbinddn')}",
        f"search base {rule.option('ldapbasedn')}",
        f"search filter {rule.option('ldapsearchfilter')}",
        f"search attribute {rule.option('ldapsearchattribute')}",
    ]
    group_filter = rule.option("ldapgrouplistfilter")
    if group_filter:
        parts.append(f"group filter {group_filter}")
    parts.append("bind password set" if rule.option("ldapbindpasswd") else "no bind password")
    return f"line {rule.line}: " + ", ".join(parts)


def _bind_password_exposure(settings: Settings) -> str | None:
    """Say why the bind password in the HBA text is readable, or None when it is redacted."""
    if not settings.has(REDACT_SENSITIVE):
        return (
            "this version cannot redact sensitive settings, so the LDAP bind password in"
            " the HBA configuration is readable by every user with VIEWCLUSTERSETTING"
        )
    if settings.flag(REDACT_SENSITIVE):
        return None
    return (
        f"{REDACT_SENSITIVE} is off, so the LDAP bind password in the HBA configuration is"
        " readable by every user with VIEWCLUSTERSETTING"
    )


def grade_database_sso_ldap(settings: Settings) -> Grade:
    """Grade the ``ldap`` HBA rules in force.

    Every rule over LDAPS (port 636) and the bind password redacted: PASS. WARN: a rule on port
    389, which is unencrypted unless StartTLS is used (whether CockroachDB uses StartTLS on 389
    is not confirmed), or a bind password readable by VIEWCLUSTERSETTING holders. INFO: no
    ``ldap`` rule in force.
    """
    table = read_hba(settings)
    rules = table.in_force("ldap")
    if not rules:
        unreachable = [
            entry for entry in table.rules if entry.rule.method == "ldap" and not entry.reachable
        ]
        note = (
            f"; {plural(len(unreachable), 'ldap rule')} never applies because earlier rules"
            " match first"
            if unreachable
            else ""
        )
        return Grade(Verdict.INFO, f"no HBA rule in force uses the ldap method{note}")

    warnings = []
    plain = [entry.rule for entry in rules if entry.rule.option("ldapport") != LDAPS_PORT]
    if plain:
        warnings.append(
            f"{_lines_of(plain)} use{'s' if len(plain) == 1 else ''} port 389, which sends the bind"
            " password and every user's password unencrypted unless StartTLS is used, and"
            " whether CockroachDB uses StartTLS on port 389 is not confirmed; use ldapport=636"
        )
    if any(entry.rule.option("ldapbindpasswd") for entry in rules):
        exposure = _bind_password_exposure(settings)
        if exposure:
            warnings.append(exposure)

    described = "; ".join(describe_ldap_rule(entry.rule) for entry in rules)
    if warnings:
        return Grade(Verdict.WARN, "; ".join(warnings) + f" ({described})")
    return Grade(Verdict.PASS, f"LDAP login over LDAPS: {described}")


def read_identity_map(settings: Settings) -> IdentityMap:
    try:
        return parse_identity_map(settings.text(IDENTITY_MAP))
    except IdentityMapParseError as error:
        raise CouldNotEvaluate(
            f"cluster setting {IDENTITY_MAP} does not parse at {error}"
        ) from None


def _unused_maps(names: Sequence[str]) -> str:
    if len(names) == 1:
        return f"identity map {names[0]} is not used by any HBA rule in force"
    return f"identity maps {join_names(names)} are not used by any HBA rule in force"


def _map_references(table: HbaTable) -> dict[str, list[RuleInForce]]:
    """Return the rules in force that name each identity map with ``map=``."""
    references: dict[str, list[RuleInForce]] = {}
    for entry in table.in_force():
        name = entry.rule.option("map")
        if name:
            references.setdefault(name, []).append(entry)
    return references


def _oidc_claim_mapping(settings: Settings) -> str | None:
    """Describe how enabled OIDC maps a claim onto SQL users, or None when it does not.

    OIDC does not use the identity map: it takes the claim named by claim_json_key and
    extracts the user name with principal_regex.
    """
    if not _enabled(settings, OIDC_ENABLED) or not settings.has(OIDC_CLAIM):
        return None
    claim = settings.text(OIDC_CLAIM).strip()
    if not claim:
        return None
    pattern = settings.text(OIDC_PRINCIPAL_REGEX) if settings.has(OIDC_PRINCIPAL_REGEX) else ""
    return f"OIDC maps the {claim} claim onto SQL users with principal_regex {pattern}"


def grade_auto_provisioning(settings: Settings) -> Grade:
    """Grade how SSO identities become SQL users.

    Automatic provisioning on, an identity map used by an HBA rule in force, or an OIDC claim
    mapping: PASS. An identity map that no rule in force uses has no effect: WARN. No database
    SSO at all: INFO, since there are no SSO identities (the Database SSO check reports that gap).
    Otherwise FAIL with rule ``database_sso_missing``, because every SSO user then needs a SQL
    user created by hand.
    """
    provisioning = [label for name, label in PROVISIONING if _enabled(settings, name)]
    identity_map = read_identity_map(settings)
    references = _map_references(read_hba(settings))
    used = [name for name in identity_map.map_names if name in references]
    unused = [name for name in identity_map.map_names if name not in references]

    parts = []
    if provisioning:
        parts.append(f"automatic provisioning is on for {' and '.join(provisioning)} logins")
    for name in used:
        entries = identity_map.entries_of(name)
        parts.append(
            f"identity map {name} ({plural(len(entries), 'entry', 'entries')}) is used by"
            f" {_line_list(references[name])}"
        )
    claim_mapping = _oidc_claim_mapping(settings)
    if claim_mapping:
        parts.append(claim_mapping)
    if parts:
        if unused:
            parts.append(_unused_maps(unused))
        return Grade(Verdict.PASS, "; ".join(parts))

    provisioning_off = "automatic user provisioning is off"
    if identity_map.entries:
        return Grade(
            Verdict.WARN,
            f"{IDENTITY_MAP} defines {join_names(list(identity_map.map_names))} but no HBA"
            f" rule in force names it with map=, so it has no effect; {provisioning_off}",
        )
    if not _database_sso_configured(settings):
        return Grade(
            Verdict.INFO,
            "no database SSO is configured, so there are no SSO identities to map or"
            " provision (the Database SSO check reports that gap)",
        )
    return Grade(
        Verdict.FAIL,
        f"{IDENTITY_MAP} is empty and {provisioning_off}, so every SSO user needs a SQL user"
        " created by hand",
        # Provisioning belongs to SSO, so it follows the SSO rows of the policy.
        rule="database_sso_missing",
    )


def grade_identity_map(settings: Settings, principals: Sequence[Principal]) -> Grade:
    """Grade the entries of the identity map and the maps that HBA rules name.

    No entry maps onto an admin and every pattern is anchored: PASS. FAIL: an entry maps an
    outside identity onto root, the admin role or a login that is an admin (directly or through
    nested roles). WARN: a ``/regex`` without ``^`` and ``$``, which matches more identities
    than intended, or an HBA rule in force that names a map the identity map does not define.
    INFO: no map configured or used.
    """
    identity_map = read_identity_map(settings)
    references = _map_references(read_hba(settings))
    admins = {principal.name for principal, _ in effective_admins(principals)}
    admins |= {"root", ADMIN_ROLE}

    failures = []
    warnings = []
    for entry in identity_map.entries:
        if not entry.uses_capture and entry.database_user in admins:
            failures.append(
                f"line {entry.line} `{entry.summary()}` maps an outside identity onto"
                f" {entry.database_user}, an admin"
            )
        if not entry.is_anchored:
            warnings.append(
                f"line {entry.line} `{entry.summary()}` is not anchored with ^ and $, so it"
                " also matches identities that merely contain the pattern"
            )
    defined = set(identity_map.map_names)
    for name, entries in sorted(references.items()):
        if name not in defined:
            warnings.append(
                f"{_line_list(entries)} use map={name}, which {IDENTITY_MAP} does not define,"
                " so those logins fail"
            )

    unused = [name for name in identity_map.map_names if name not in references]
    note = f"; {_unused_maps(unused)}" if unused else ""
    if failures:
        return Grade(Verdict.FAIL, "; ".join(failures + warnings) + note)
    if warnings:
        return Grade(Verdict.WARN, "; ".join(warnings) + note)
    if not identity_map.entries:
        return Grade(Verdict.INFO, f"{IDENTITY_MAP} is empty and no HBA rule names a map")
    return Grade(
        Verdict.PASS,
        f"{plural(len(identity_map.entries), 'entry', 'entries')} in"
        f" {join_names(list(identity_map.map_names))}: none maps onto an admin and every"
        f" pattern is anchored{note}",
    )
