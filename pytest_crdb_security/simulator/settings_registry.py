"""Cluster settings that the simulated cluster registers, with the versions that have them.

Only the settings that a security audit reads are listed. The simulator
returns `unknown setting` for every other name, as a real cluster does for a
name it has never registered.

Descriptions are the simulator's own one-line summaries, not CockroachDB's
text. Whether a setting is public only changes `SHOW PUBLIC CLUSTER SETTINGS`
and the `public` column.
NOTE: the public flag of settings that CockroachDB documents neither way is a
best guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pytest_crdb_security.simulator.versions import Release

SettingValue = bool | int | float | timedelta | str

FIRST_RELEASE: Release = (23, 1)

# Setting types by the one-letter code that `setting_type` shows.
BOOL_TYPE = "b"
INT_TYPE = "i"
FLOAT_TYPE = "f"
DURATION_TYPE = "d"
STRING_TYPE = "s"
ENUM_TYPE = "e"
VERSION_TYPE = "m"


@dataclass(frozen=True)
class SettingSpec:
    """One registered cluster setting."""

    name: str
    type_code: str
    default: SettingValue
    description: str
    public: bool = True
    sensitive: bool = False
    introduced: Release = FIRST_RELEASE
    removed: Release | None = None  # first release series without the setting
    ccl_only: bool = False
    enum_values: tuple[str, ...] = ()

    def exists_in(self, release: Release, edition: str) -> bool:
        """Tell whether a binary of this release series and edition registers the setting."""
        if self.ccl_only and edition != "CCL":
            return False
        if release < self.introduced:
            return False
        return self.removed is None or release < self.removed


@dataclass(frozen=True)
class SettingAlias:
    """An old setting name that still works, with a notice, after a rename."""

    old_name: str
    new_name: str
    renamed_in: Release


def _hours(count: int) -> timedelta:
    return timedelta(hours=count)


def _seconds(count: int) -> timedelta:
    return timedelta(seconds=count)


_AUTHENTICATION: tuple[SettingSpec, ...] = (
    SettingSpec(
        "server.host_based_authentication.configuration",
        STRING_TYPE,
        "",
        "host-based authentication rules in pg_hba.conf syntax",
        sensitive=True,
    ),
    SettingSpec(
        "server.identity_map.configuration",
        STRING_TYPE,
        "",
        "identity map from system identities to SQL users",
        sensitive=True,
    ),
    SettingSpec(
        "server.user_login.min_password_length",
        INT_TYPE,
        1,
        "minimum length of passwords set in clear text",
    ),
    SettingSpec(
        "server.user_login.password_encryption",
        ENUM_TYPE,
        "scram-sha-256",
        "hash algorithm for new passwords",
        enum_values=("crdb-bcrypt", "scram-sha-256"),
    ),
    SettingSpec(
        "server.user_login.password_hashes.default_cost.crdb_bcrypt",
        INT_TYPE,
        10,
        "bcrypt cost for new password hashes",
    ),
    SettingSpec(
        "server.user_login.password_hashes.default_cost.scram_sha_256",
        INT_TYPE,
        10610,
        "SCRAM iteration count for new password hashes",
    ),
    SettingSpec(
        "server.user_login.upgrade_bcrypt_stored_passwords_to_scram.enabled",
        BOOL_TYPE,
        True,
        "convert bcrypt hashes to SCRAM at the next login",
    ),
    SettingSpec(
        "server.user_login.downgrade_scram_stored_passwords_to_bcrypt.enabled",
        BOOL_TYPE,
        True,
        "convert SCRAM hashes to bcrypt when bcrypt is the configured algorithm",
    ),
    SettingSpec(
        "server.user_login.rehash_scram_stored_passwords_on_cost_change.enabled",
        BOOL_TYPE,
        True,
        "hash SCRAM passwords again when the configured cost changes",
    ),
    SettingSpec(
        "server.user_login.store_client_pre_hashed_passwords.enabled",
        BOOL_TYPE,
        True,
        "accept password hashes computed by the client",
        public=False,
    ),
    SettingSpec(
        "server.user_login.timeout",
        DURATION_TYPE,
        _seconds(10),
        "time limit for looking up a user during login",
    ),
    SettingSpec(
        "sql.auth.change_own_password.enabled",
        BOOL_TYPE,
        False,
        "let users without CREATEROLE change their own password",
    ),
    SettingSpec(
        "sql.auth.public_schema_create_privilege.enabled",
        BOOL_TYPE,
        True,
        "give public CREATE on the public schema of new databases",
    ),
    SettingSpec(
        "sql.auth.grant_option_inheritance.enabled",
        BOOL_TYPE,
        True,
        "let members inherit the grant option of their roles",
    ),
    SettingSpec(
        "sql.auth.resolve_membership_single_scan.enabled",
        BOOL_TYPE,
        True,
        "resolve role memberships with one scan of system.role_members",
        public=False,
        removed=(25, 1),
    ),
    SettingSpec(
        "security.ocsp.mode",
        ENUM_TYPE,
        "off",
        "OCSP checks of client certificates",
        enum_values=("off", "lax", "strict"),
    ),
    SettingSpec(
        "security.ocsp.timeout",
        DURATION_TYPE,
        _seconds(3),
        "time limit for one OCSP request",
    ),
    SettingSpec(
        "server.auth_log.sql_connections.enabled",
        BOOL_TYPE,
        False,
        "log SQL connection events",
    ),
    SettingSpec(
        "server.auth_log.sql_sessions.enabled",
        BOOL_TYPE,
        False,
        "log SQL authentication events",
    ),
    # NOTE: the first release series of the next four settings is a best guess.
    SettingSpec(
        "security.client_cert.subject_required.enabled",
        BOOL_TYPE,
        False,
        "require a SUBJECT role option for certificate logins",
        introduced=(23, 2),
    ),
    SettingSpec(
        "security.client_cert.san_required.enabled",
        BOOL_TYPE,
        False,
        "match client certificates by subject alternative name",
        introduced=(25, 2),
    ),
    SettingSpec(
        "security.provisioning.ldap.enabled",
        BOOL_TYPE,
        False,
        "create SQL users at their first LDAP login",
        introduced=(25, 2),
        ccl_only=True,
    ),
    SettingSpec(
        "security.provisioning.oidc.enabled",
        BOOL_TYPE,
        False,
        "create SQL users at their first OIDC login",
        introduced=(26, 1),
        ccl_only=True,
    ),
)

_OIDC: tuple[SettingSpec, ...] = (
    SettingSpec(
        "server.oidc_authentication.enabled",
        BOOL_TYPE,
        False,
        "enable OIDC login to the DB Console",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.client_id",
        STRING_TYPE,
        "",
        "OIDC client id",
        sensitive=True,
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.client_secret",
        STRING_TYPE,
        "",
        "OIDC client secret",
        sensitive=True,
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.provider_url",
        STRING_TYPE,
        "",
        "OIDC issuer URL",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.redirect_url",
        STRING_TYPE,
        "https://localhost:8080/oidc/v1/callback",
        "URL that the OIDC provider redirects to after login",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.scopes",
        STRING_TYPE,
        "openid",
        "OIDC scopes to request",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.claim_json_key",
        STRING_TYPE,
        "",
        "claim that holds the SQL user name",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.principal_regex",
        STRING_TYPE,
        "(.+)",
        "regular expression that extracts the SQL user from the claim",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.button_text",
        STRING_TYPE,
        "Log in with your OIDC provider",
        "label of the OIDC login button",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.autologin.enabled",
        BOOL_TYPE,
        False,
        "start the OIDC login when the DB Console opens",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.generate_cluster_sso_token.enabled",
        BOOL_TYPE,
        False,
        "issue SQL login tokens after an OIDC login",
        ccl_only=True,
    ),
    # NOTE: the defaults of the next three settings and the first release
    # series of the last two OIDC settings are best guesses.
    SettingSpec(
        "server.oidc_authentication.generate_cluster_sso_token.use_token",
        ENUM_TYPE,
        "id_token",
        "OIDC token to hand out for SQL logins",
        ccl_only=True,
        enum_values=("id_token", "access_token"),
    ),
    SettingSpec(
        "server.oidc_authentication.generate_cluster_sso_token.sql_host",
        STRING_TYPE,
        "localhost",
        "SQL host shown with a generated token",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.generate_cluster_sso_token.sql_port",
        INT_TYPE,
        26257,
        "SQL port shown with a generated token",
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.client.timeout",
        DURATION_TYPE,
        _seconds(15),
        "time limit for requests to the OIDC provider",
        introduced=(24, 1),
        ccl_only=True,
    ),
    SettingSpec(
        "server.oidc_authentication.provider.custom_ca",
        STRING_TYPE,
        "",
        "CA certificate for the OIDC provider",
        sensitive=True,
        introduced=(24, 1),
        ccl_only=True,
    ),
)

# NOTE: the release series that renamed `server.jwt_authentication.issuers`
# and that added the last three JWT settings are best guesses.
_JWT: tuple[SettingSpec, ...] = (
    SettingSpec(
        "server.jwt_authentication.enabled",
        BOOL_TYPE,
        False,
        "enable SQL logins with JSON web tokens",
        ccl_only=True,
    ),
    SettingSpec(
        "server.jwt_authentication.audience",
        STRING_TYPE,
        "",
        "accepted token audiences",
        ccl_only=True,
    ),
    SettingSpec(
        "server.jwt_authentication.claim",
        STRING_TYPE,
        "",
        "claim that holds the SQL user name",
        ccl_only=True,
    ),
    SettingSpec(
        "server.jwt_authentication.jwks",
        STRING_TYPE,
        '{"keys":[]}',
        "public keys that sign accepted tokens",
        ccl_only=True,
    ),
    SettingSpec(
        "server.jwt_authentication.issuers",
        STRING_TYPE,
        "",
        "accepted token issuers",
        removed=(24, 1),
        ccl_only=True,
    ),
    SettingSpec(
        "server.jwt_authentication.issuers.configuration",
        STRING_TYPE,
        "",
        "accepted token issuers",
        introduced=(24, 1),
        ccl_only=True,
    ),
    SettingSpec(
        "server.jwt_authentication.jwks_auto_fetch.enabled",
        BOOL_TYPE,
        False,
        "fetch signing keys from the issuer",
        introduced=(23, 2),
        ccl_only=True,
    ),
    SettingSpec(
        "server.jwt_authentication.issuers.custom_ca",
        STRING_TYPE,
        "",
        "CA certificate for the token issuers",
        sensitive=True,
        introduced=(24, 1),
        ccl_only=True,
    ),
    SettingSpec(
        "server.jwt_authentication.client.timeout",
        DURATION_TYPE,
        _seconds(15),
        "time limit for requests to the issuer",
        introduced=(24, 1),
        ccl_only=True,
    ),
)

# LDAP arrived in v24.3. NOTE: whether v24.3.0 named the CA setting
# `domain.custom_ca` or `domain_ca` is unconfirmed; the newer name is used.
_LDAP: tuple[SettingSpec, ...] = (
    SettingSpec(
        "server.ldap_authentication.domain.custom_ca",
        STRING_TYPE,
        "",
        "CA certificate for the LDAP server",
        sensitive=True,
        introduced=(24, 3),
        ccl_only=True,
    ),
    SettingSpec(
        "server.ldap_authentication.client.tls_certificate",
        STRING_TYPE,
        "",
        "client certificate for the LDAP connection",
        sensitive=True,
        introduced=(24, 3),
        ccl_only=True,
    ),
    SettingSpec(
        "server.ldap_authentication.client.tls_key",
        STRING_TYPE,
        "",
        "client key for the LDAP connection",
        sensitive=True,
        introduced=(24, 3),
        ccl_only=True,
    ),
)

_AUDIT_LOGGING: tuple[SettingSpec, ...] = (
    SettingSpec(
        "sql.log.user_audit",
        STRING_TYPE,
        "",
        "role-based audit logging rules, one `ROLE STATEMENT_FILTER` per line",
        introduced=(23, 2),
        ccl_only=True,
    ),
    SettingSpec(
        "sql.log.user_audit.reduced_config.enabled",
        BOOL_TYPE,
        False,
        "compute the audit rules of a session once, at its first statement",
        introduced=(23, 2),
        ccl_only=True,
    ),
    SettingSpec(
        "sql.log.admin_audit.enabled",
        BOOL_TYPE,
        False,
        "log every statement that an admin runs",
        public=False,
    ),
    SettingSpec(
        "sql.log.all_statements.enabled",
        BOOL_TYPE,
        False,
        "log every SQL statement",
    ),
)

_MISCELLANEOUS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "server.web_session.timeout",
        DURATION_TYPE,
        _hours(168),
        "lifetime of a DB Console session",
    ),
    SettingSpec(
        "server.web_session.purge.ttl",
        DURATION_TYPE,
        _hours(1),
        "time that expired DB Console sessions are kept",
        public=False,
    ),
    SettingSpec("cluster.organization", STRING_TYPE, "", "organization name of the license"),
    SettingSpec("version", VERSION_TYPE, "", "active cluster version"),
    # NOTE: CCL-only because the license setting lives in CCL code in the
    # versions read; a newer OSS build may also register it.
    SettingSpec(
        "enterprise.license",
        STRING_TYPE,
        "",
        "enterprise license key",
        sensitive=True,
        ccl_only=True,
    ),
    SettingSpec(
        "diagnostics.reporting.enabled",
        BOOL_TYPE,
        True,
        "send anonymous usage data to Cockroach Labs",
    ),
    SettingSpec(
        "server.redact_sensitive_settings.enabled",
        BOOL_TYPE,
        False,
        "hide sensitive setting values from users without MODIFYCLUSTERSETTING",
        introduced=(23, 2),
    ),
    SettingSpec(
        "cloudstorage.http.custom_ca",
        STRING_TYPE,
        "",
        "CA certificate for HTTP external storage",
        sensitive=True,
    ),
)

REGISTRY: tuple[SettingSpec, ...] = (
    *_AUTHENTICATION,
    *_OIDC,
    *_JWT,
    *_LDAP,
    *_AUDIT_LOGGING,
    *_MISCELLANEOUS,
)

# NOTE: the release series of both OIDC and web-session renames is a best
# guess (about v23.1), so both old names are aliases on every simulated version.
ALIASES: tuple[SettingAlias, ...] = (
    SettingAlias("server.web_session_timeout", "server.web_session.timeout", (23, 1)),
    SettingAlias(
        "server.oidc_authentication.autologin",
        "server.oidc_authentication.autologin.enabled",
        (23, 1),
    ),
    SettingAlias(
        "server.jwt_authentication.issuers",
        "server.jwt_authentication.issuers.configuration",
        (24, 1),
    ),
)


def settings_for(release: Release, edition: str) -> dict[str, SettingSpec]:
    """Return the settings that a binary of this release series and edition registers."""
    return {spec.name: spec for spec in REGISTRY if spec.exists_in(release, edition)}


def resolve_alias(name: str, release: Release) -> str | None:
    """Return the current name for an old setting name, or None if it is not an alias."""
    for alias in ALIASES:
        if alias.old_name == name and release >= alias.renamed_in:
            return alias.new_name
    return None
