import pytest

from pytest_crdb_security.evidence.model import REDACTED, Setting, Settings
from pytest_crdb_security.evidence.secrets import credentials_in_settings, secret_hba_options
from pytest_crdb_security.grading.network import HBA_SETTING, grade_hba
from pytest_crdb_security.grading.sso import (
    IDENTITY_MAP,
    grade_auto_provisioning,
    grade_database_sso_ldap,
    grade_database_sso_oidc,
    grade_identity_map,
)
from pytest_crdb_security.parsing.roles import Principal
from pytest_crdb_security.redaction import Redactor
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

BIND_PASSWORD = "Sentinel-Bind-4d1f"
CLIENT_SECRET = "Sentinel-Oidc-9c2e"

LDAP_OPTIONS = (
    '"ldapbasedn=ou=users,dc=example,dc=com" "ldapbinddn=cn=readonly,dc=example,dc=com"'
    f" ldapbindpasswd={BIND_PASSWORD} ldapsearchattribute=uid"
    ' "ldapsearchfilter=(memberOf=cn=crdb,ou=groups,dc=example,dc=com)"'
)


def ldap_line(port: int = 636, connection: str = "hostssl", address: str = "10.0.0.0/8") -> str:
    server = f"ldapserver=ldap.example.com ldapport={port}"
    return f"{connection} all all {address} ldap {server} {LDAP_OPTIONS}"


def settings(values: dict[str, str]) -> Settings:
    return Settings({name: Setting(name, value, "s") for name, value in values.items()}, "v24.3")


def base(**overrides: str) -> dict[str, str]:
    values = {
        HBA_SETTING: "",
        IDENTITY_MAP: "",
        "server.oidc_authentication.enabled": "false",
        "server.oidc_authentication.provider_url": "",
        "server.oidc_authentication.client_id": "",
        "server.oidc_authentication.client_secret": "",
        "server.oidc_authentication.autologin.enabled": "false",
        "server.oidc_authentication.generate_cluster_sso_token.enabled": "false",
        "server.jwt_authentication.enabled": "false",
        "server.jwt_authentication.audience": "",
        "server.jwt_authentication.issuers.configuration": "",
        "server.redact_sensitive_settings.enabled": "true",
    }
    values.update({name.replace("__", "."): value for name, value in overrides.items()})
    return values


def hba(text: str) -> Grade:
    return grade_hba(settings(base(**{HBA_SETTING: text})))


def test_hba_empty_is_default_warning() -> None:
    grade = hba("# nothing configured\n")

    assert grade.verdict is Verdict.WARN
    assert grade.rule == "hba_default"
    assert "built-in default applies" in grade.detail
    assert "`host all all all cert-password`" in grade.detail


@pytest.mark.parametrize(
    ("text", "verdict", "detail"),
    [
        (
            "host all all 0.0.0.0/0 password",
            Verdict.WARN,
            "line 1 `host all all 0.0.0.0/0 password` admits all users from any IPv4 address"
            " with a password",
        ),
        (
            "hostssl all app all scram-sha-256",
            Verdict.WARN,
            "line 1 `hostssl all app all scram-sha-256` admits app from any address with a"
            " SCRAM-SHA-256 password",
        ),
        (
            "host all all ::/0 cert-password",
            Verdict.WARN,
            "line 1 `host all all ::/0 cert-password` admits all users from any IPv6 address"
            " with a certificate or a password",
        ),
        (
            "host all all 10.0.0.0/8 trust",
            Verdict.FAIL,
            "line 1 `host all all 10.0.0.0/8 trust` admits all users from 10.0.0.0/8 without"
            " any credential",
        ),
        (
            "hostssl all app,report all trust",
            Verdict.FAIL,
            "line 1 `hostssl all app,report all trust` admits app, report from any address"
            " without any credential",
        ),
        (
            "hostnossl all app 10.1.0.0 255.255.0.0 password",
            Verdict.FAIL,
            "line 1 `hostnossl all app 10.1.0.0/16 password` admits app from 10.1.0.0/16 with a"
            " password over unencrypted connections",
        ),
        (
            "hostnossl all app 10.1.0.0/16 jwt_token",
            Verdict.FAIL,
            "with a JWT over unencrypted connections",
        ),
        (
            "host all all 127.0.0.1/32 trust",
            Verdict.WARN,
            "line 1 `host all all 127.0.0.1/32 trust` admits all users from 127.0.0.1 without"
            " any credential",
        ),
        (
            "local all all trust",
            Verdict.WARN,
            "line 1 `local all all trust` admits all users over the local Unix socket without"
            " any credential",
        ),
    ],
)
def test_hba_findings(text: str, verdict: Verdict, detail: str) -> None:
    grade = hba(text)

    assert grade.verdict is verdict
    assert detail in grade.detail
    assert grade.rule is None


@pytest.mark.parametrize(
    "text",
    [
        "host all all all cert",
        "hostssl all all 0.0.0.0/0 cert\nhost all all all reject",
        "hostssl all app 10.0.0.0/8 password\nhostssl all all all jwt_token",
        "local all all password\nhostssl all all 192.168.0.0/16 cert-password",
        "hostnossl all all all reject\nhostssl all all ::1/128 scram-sha-256",
    ],
)
def test_hba_restrictive_rules_pass(text: str) -> None:
    grade = hba(text)

    assert grade.verdict is Verdict.PASS
    assert "none admits users without credentials" in grade.detail


def test_hba_grades_only_rules_in_force() -> None:
    text = (
        "host all root 0.0.0.0/0 trust\n"
        "hostssl all all 10.0.0.0/8 cert\n"
        "host all all all reject\n"
        "hostnossl all app all password\n"
    )

    grade = hba(text)

    assert grade.verdict is Verdict.PASS
    assert grade.detail == (
        "2 configured rules in force, none admits users without credentials, sends a password"
        " without TLS or accepts a password from any address;"
        " line 1 `host all root 0.0.0.0/0 trust` never applies because the mandatory rule"
        " `host all root all cert-password` always comes first;"
        " line 4 `hostnossl all app all password` never applies because line 3"
        " `host all all all reject` matches the same connections first"
    )


def test_hba_orders_failures_first_and_excludes_decided_users() -> None:
    text = (
        "host all alice 0.0.0.0/0 cert\n"
        "host all all 0.0.0.0/0 password\n"
        "hostnossl all bob ::/0 password\n"
    )

    grade = hba(text)

    assert grade.verdict is Verdict.FAIL
    assert grade.detail == (
        "line 3 `hostnossl all bob ::/0 password` admits bob from any IPv6 address with a"
        " password over unencrypted connections;"
        " line 2 `host all all 0.0.0.0/0 password` admits all users except alice from any"
        " IPv4 address with a password"
    )


def test_hba_never_shows_bind_password() -> None:
    grade = hba(ldap_line(389, "host", "0.0.0.0/0"))

    assert grade.verdict is Verdict.WARN
    assert BIND_PASSWORD not in grade.detail
    assert "with an LDAP password" in grade.detail


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (REDACTED, "reads <redacted>"),
        ("host all all all md5", "does not parse at line 1: unknown authentication method 'md5'"),
        ('host all "app all cert', "does not parse at line 1: unterminated double quote"),
    ],
)
def test_hba_unreadable_is_could_not_evaluate(value: str, reason: str) -> None:
    with pytest.raises(CouldNotEvaluate) as caught:
        hba(value)

    assert reason in caught.value.reason


def test_hba_missing_setting_is_could_not_evaluate() -> None:
    values = base()
    del values[HBA_SETTING]

    with pytest.raises(CouldNotEvaluate, match="is missing"):
        grade_hba(settings(values))


def oidc(**overrides: str) -> Grade:
    return grade_database_sso_oidc(settings(base(**overrides)))


OIDC_ON = {
    "server__oidc_authentication__enabled": "true",
    "server__oidc_authentication__provider_url": "https://idp.example.com",
    "server__oidc_authentication__client_id": "crdb-client",
    "server__oidc_authentication__client_secret": CLIENT_SECRET,
}


def test_oidc_for_db_console_only_warns() -> None:
    grade = oidc(**OIDC_ON)

    assert grade.verdict is Verdict.WARN
    assert grade.detail == (
        "OIDC is enabled with provider https://idp.example.com, client ID set, client secret"
        " set, autologin off, but it covers DB Console only:"
        " server.oidc_authentication.generate_cluster_sso_token.enabled is off and no JWT or"
        " LDAP login is set up, so SQL logins do not use SSO"
    )
    assert CLIENT_SECRET not in grade.detail
    assert "crdb-client" not in grade.detail


def test_oidc_with_sql_tokens_passes() -> None:
    grade = oidc(
        **OIDC_ON, server__oidc_authentication__generate_cluster_sso_token__enabled="true"
    )

    assert grade.verdict is Verdict.PASS
    assert grade.detail.endswith("it covers DB Console and SQL (cluster SSO tokens)")


def test_oidc_with_ldap_for_sql_passes() -> None:
    grade = oidc(**OIDC_ON, **{HBA_SETTING: ldap_line()})

    assert grade.verdict is Verdict.PASS
    assert "for DB Console, and SQL logins use LDAP (HBA line 1)" in grade.detail


def test_oidc_redacted_client_id_counts_as_set() -> None:
    grade = oidc(
        **{
            **OIDC_ON,
            "server__oidc_authentication__client_id": REDACTED,
            "server__oidc_authentication__client_secret": REDACTED,
            "server__oidc_authentication__generate_cluster_sso_token__enabled": "true",
        }
    )

    assert grade.verdict is Verdict.PASS
    assert "client ID set (value redacted)" in grade.detail
    assert "covers DB Console and SQL" in grade.detail


def test_oidc_old_autologin_name() -> None:
    values = base(**OIDC_ON)
    del values["server.oidc_authentication.autologin.enabled"]
    values["server.oidc_authentication.autologin"] = "true"

    grade = grade_database_sso_oidc(settings(values))

    assert "autologin on" in grade.detail


def test_oidc_enabled_but_incomplete_fails() -> None:
    grade = oidc(**{**OIDC_ON, "server__oidc_authentication__provider_url": ""})

    assert grade.verdict is Verdict.FAIL
    assert grade.rule == "database_sso_missing"
    assert grade.detail == (
        "OIDC is enabled but server.oidc_authentication.provider_url is empty, so no one can"
        " log in with it"
    )


def test_oidc_missing_everywhere_fails() -> None:
    grade = oidc(**{HBA_SETTING: "hostssl all all all cert"})

    assert grade.verdict is Verdict.FAIL
    assert grade.rule == "database_sso_missing"
    assert grade.detail == (
        "no database SSO: server.oidc_authentication.enabled is off, no HBA rule in force uses"
        " ldap, and server.jwt_authentication.enabled is off"
    )


def test_oidc_off_but_ldap_in_use_passes() -> None:
    grade = oidc(**{HBA_SETTING: "hostssl all root all cert\n" + ldap_line()})

    assert grade.verdict is Verdict.PASS
    assert "SQL logins use database SSO through LDAP (HBA line 2)" in grade.detail


def test_oidc_off_but_jwt_configured_passes() -> None:
    grade = oidc(
        server__jwt_authentication__enabled="true",
        server__jwt_authentication__audience="crdb",
        server__jwt_authentication__issuers__configuration="https://issuer.example.com",
    )

    assert grade.verdict is Verdict.PASS
    assert "through JWT" in grade.detail


def test_oidc_jwt_with_old_issuers_name() -> None:
    values = base(
        server__jwt_authentication__enabled="true", server__jwt_authentication__audience="x"
    )
    del values["server.jwt_authentication.issuers.configuration"]
    values["server.jwt_authentication.issuers"] = '["https://issuer.example.com"]'

    assert grade_database_sso_oidc(settings(values)).verdict is Verdict.PASS


def test_oidc_jwt_without_issuers_does_not_count() -> None:
    grade = oidc(server__jwt_authentication__enabled="true")

    assert grade.verdict is Verdict.FAIL
    assert "JWT authentication is on but has no issuers or audience" in grade.detail


def test_oidc_off_hba_redacted_errors() -> None:
    with pytest.raises(CouldNotEvaluate, match="whether SQL logins use LDAP is unknown"):
        oidc(**{HBA_SETTING: REDACTED})


def test_oidc_absent_on_oss_build() -> None:
    values = {HBA_SETTING: "host all all all cert"}

    grade = grade_database_sso_oidc(settings(values))

    assert grade.verdict is Verdict.FAIL
    assert "OIDC is not available on this build" in grade.detail
    assert "JWT authentication is not available on this build" in grade.detail


def ldap(text: str, **overrides: str) -> Grade:
    return grade_database_sso_ldap(settings(base(**{HBA_SETTING: text}, **overrides)))


def test_ldap_over_ldaps_passes_with_details() -> None:
    grade = ldap(ldap_line(636))

    assert grade.verdict is Verdict.PASS
    assert grade.detail == (
        "LDAP login over LDAPS: line 1: server ldap.example.com:636 (LDAPS), bind DN"
        " cn=readonly,dc=example,dc=com, search base ou=users,dc=example,dc=com, search filter"
        " (memberOf=cn=crdb,ou=groups,dc=example,dc=com), search attribute uid, bind password set"
    )


def test_ldap_port_389_warns_and_says_starttls_unconfirmed() -> None:
    grade = ldap(ldap_line(389))

    assert grade.verdict is Verdict.WARN
    assert "HBA line 1 uses port 389" in grade.detail
    assert "whether CockroachDB uses StartTLS on port 389 is not confirmed" in grade.detail
    assert BIND_PASSWORD not in grade.detail


def test_ldap_bind_password_readable_without_redaction() -> None:
    grade = ldap(ldap_line(636), server__redact_sensitive_settings__enabled="false")

    assert grade.verdict is Verdict.WARN
    assert "server.redact_sensitive_settings.enabled is off" in grade.detail
    assert BIND_PASSWORD not in grade.detail


def test_ldap_absent_is_info() -> None:
    grade = ldap("hostssl all all all cert")

    assert grade.verdict is Verdict.INFO
    assert grade.detail == "no HBA rule in force uses the ldap method"


def test_ldap_rules_never_reached_are_noted() -> None:
    grade = ldap("host all all all reject\n" + ldap_line())

    assert grade.verdict is Verdict.INFO
    assert "1 ldap rule never applies" in grade.detail


def test_ldap_redacted_hba_is_could_not_evaluate() -> None:
    with pytest.raises(CouldNotEvaluate, match="<redacted>"):
        ldap(REDACTED)


ADMINS = [
    Principal("admin", {"NOLOGIN": None}),
    Principal("root", member_of=("admin",)),
    Principal("ops", {"NOLOGIN": None}, ("admin",)),
    Principal("dba", member_of=("ops",)),
    Principal("app"),
]


def identity(map_text: str, hba_text: str = "hostssl all all all cert map=corp") -> Grade:
    values = settings(base(**{IDENTITY_MAP: map_text, HBA_SETTING: hba_text}))
    return grade_identity_map(values, ADMINS)


@pytest.mark.parametrize(
    ("map_text", "verdict", "fragment"),
    [
        ("corp /^(.*)@example\\.com$ \\1", Verdict.PASS, "1 entry in corp: none maps onto"),
        ("corp carol@example.com app", Verdict.PASS, "every pattern is anchored"),
        ("corp boss@example.com root", Verdict.FAIL,
         "line 1 `corp boss@example.com root` maps an outside identity onto root, an admin"),
        ("corp /^dba-.*$ dba", Verdict.FAIL, "onto dba, an admin"),
        ("corp ops@example.com admin", Verdict.FAIL, "onto admin, an admin"),
        ("corp /(.*)@example\\.com \\1", Verdict.WARN, "is not anchored with ^ and $"),
        ("corp /^(.*)@example\\.com \\1", Verdict.WARN, "is not anchored"),
    ],
)
def test_identity_map_entries(map_text: str, verdict: Verdict, fragment: str) -> None:
    grade = identity(map_text)

    assert grade.verdict is verdict
    assert fragment in grade.detail


def test_identity_map_reports_undefined_and_unused_maps() -> None:
    grade = identity(
        "corp /^(.*)@example\\.com$ \\1\nlegacy x y",
        "hostssl all all 10.0.0.0/8 cert map=corp\nhostssl all all all jwt_token map=partners",
    )

    assert grade.verdict is Verdict.WARN
    assert grade.detail == (
        "HBA line 2 use map=partners, which server.identity_map.configuration does not define,"
        " so those logins fail; identity map legacy is not used by any HBA rule in force"
    )


def test_identity_map_empty_is_info() -> None:
    grade = identity("", "hostssl all all all cert")

    assert grade.verdict is Verdict.INFO


def test_identity_map_redacted_is_could_not_evaluate() -> None:
    with pytest.raises(CouldNotEvaluate, match=r"identity_map\.configuration reads <redacted>"):
        identity(REDACTED)


def test_identity_map_malformed_is_could_not_evaluate() -> None:
    with pytest.raises(CouldNotEvaluate, match="does not parse at line 1: expected MAP-NAME"):
        identity("corp alice")


def provisioning(map_text: str, hba_text: str, **overrides: str) -> Grade:
    values = base(**{IDENTITY_MAP: map_text, HBA_SETTING: hba_text}, **overrides)
    return grade_auto_provisioning(settings(values))


def test_provisioning_with_used_identity_map_passes() -> None:
    grade = provisioning(
        "corp /^(.*)@example\\.com$ \\1\ncorp a b", "hostssl all all 10.0.0.0/8 cert map=corp"
    )

    assert grade.verdict is Verdict.PASS
    assert grade.detail == "identity map corp (2 entries) is used by HBA line 1"


def test_provisioning_setting_passes() -> None:
    grade = provisioning("", ldap_line(), security__provisioning__ldap__enabled="true")

    assert grade.verdict is Verdict.PASS
    assert grade.detail == "automatic provisioning is on for LDAP logins"


def test_provisioning_oidc_claim_passes() -> None:
    grade = provisioning(
        "sso /^(.*)@example\\.com$ \\1",
        "hostssl all all 10.0.0.0/8 cert-scram-sha-256",
        **OIDC_ON,
        server__oidc_authentication__claim_json_key="email",
        server__oidc_authentication__principal_regex="^([^@]+)@example\\.com$",
    )

    assert grade.verdict is Verdict.PASS
    assert grade.detail == (
        "OIDC maps the email claim onto SQL users with principal_regex ^([^@]+)@example\\.com$;"
        " identity map sso is not used by any HBA rule in force"
    )


def test_provisioning_oidc_without_claim_key_does_not_count() -> None:
    grade = provisioning("", "hostssl all all all cert", **OIDC_ON)

    assert grade.verdict is Verdict.FAIL


def test_provisioning_unused_map_warns() -> None:
    grade = provisioning("corp a b", "hostssl all all all cert")

    assert grade.verdict is Verdict.WARN
    assert "defines corp but no HBA rule in force names it with map=" in grade.detail


def test_provisioning_without_sso_is_info() -> None:
    grade = provisioning("", "", security__provisioning__ldap__enabled="false")

    assert grade.verdict is Verdict.INFO
    assert grade.detail.startswith("no database SSO is configured")


def test_provisioning_missing_fails() -> None:
    grade = provisioning("", "", security__provisioning__ldap__enabled="false", **OIDC_ON)

    assert grade.verdict is Verdict.FAIL
    assert grade.rule == "database_sso_missing"
    assert grade.detail == (
        "server.identity_map.configuration is empty and automatic user provisioning is off,"
        " so every SSO user needs a SQL user created by hand"
    )


def test_credentials_found_in_settings() -> None:
    values = base(
        **{HBA_SETTING: ldap_line() + "\nhost all all all password"},
        server__oidc_authentication__client_secret=CLIENT_SECRET,
        server__oidc_authentication__client_id=REDACTED,
    )

    found = credentials_in_settings(settings(values))

    assert found == [CLIENT_SECRET, BIND_PASSWORD]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ('host all all all ldap ldapbindpasswd=first "broken', ["first"]),
        ('host all all all ldap "ldapbindpasswd=two words" "broken', ["two words"]),
        ('host all all all ldap ldapbindpasswd="quoted value" "broken', ["quoted value"]),
        ('"ldapbindpasswd=sec ond" client_secret=abc', ["sec ond", "abc"]),
        ("host all all all cert map=corp", []),
    ],
)
def test_secret_hba_options(text: str, values: list[str]) -> None:
    assert secret_hba_options(text) == values


def test_redactor_masks_registered_credentials() -> None:
    redact = Redactor(credentials_in_settings(settings(base(**{HBA_SETTING: ldap_line()}))))

    assert redact(f"bind {BIND_PASSWORD} end") == "bind *** end"
