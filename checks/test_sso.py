"""Database SSO checks: OIDC, LDAP/AD, identity maps and automatic user provisioning."""

import pytest

from pytest_crdb_security.evidence.model import SqlEvidence, require
from pytest_crdb_security.grading.sso import (
    grade_auto_provisioning,
    grade_database_sso_ldap,
    grade_database_sso_oidc,
    grade_identity_map,
)
from pytest_crdb_security.verdicts import conclude

pytestmark = pytest.mark.authentication


@pytest.mark.check("database-sso-oidc", "Database SSO (OIDC)")
@pytest.mark.severity("high")
def test_database_sso_oidc(crdb_sql: SqlEvidence) -> None:
    """Users should log in through the organization's identity provider (cluster SSO).

    OIDC passes when enabled with a provider URL, client ID and client secret. LDAP
    rules or JWT login also count as database SSO. Remediation: ``SET CLUSTER SETTING
    server.oidc_authentication.provider_url = 'https://idp.example.com'``, set
    ``client_id`` and ``client_secret`` the same way, then ``SET CLUSTER SETTING
    server.oidc_authentication.enabled = true``.
    """
    conclude(grade_database_sso_oidc(require(crdb_sql.settings)))


@pytest.mark.check("database-sso-ldap", "Database SSO (LDAP/AD)")
@pytest.mark.severity("medium")
@pytest.mark.min_version("24.3")
def test_database_sso_ldap(crdb_sql: SqlEvidence) -> None:
    """LDAP login rules should reach the directory over LDAPS (port 636), and the bind
    password in the HBA text should be hidden from non-admins.

    Remediation: use ``ldapport=636`` on every ``ldap`` HBA line and ``SET CLUSTER
    SETTING server.redact_sensitive_settings.enabled = true``.
    """
    conclude(grade_database_sso_ldap(require(crdb_sql.settings)))


@pytest.mark.check("auto-user-provisioning", "Auto user provisioning")
@pytest.mark.severity("medium")
def test_auto_user_provisioning(crdb_sql: SqlEvidence) -> None:
    """SSO identities should map onto SQL users through an identity map used by HBA
    rules (``map=``), or users should be provisioned automatically.

    Remediation: ``SET CLUSTER SETTING server.identity_map.configuration = 'corp
    /^(.*)@example\\.com$ \\1'`` and add ``map=corp`` to the HBA rules of the SSO method,
    or turn on ``security.provisioning.ldap.enabled`` where available.
    """
    conclude(grade_auto_provisioning(require(crdb_sql.settings)))


@pytest.mark.check("identity-map", "Identity map rules")
@pytest.mark.severity("high")
def test_identity_map(crdb_sql: SqlEvidence) -> None:
    """No identity map entry should map an outside identity onto root or an admin, and
    every ``/regex`` entry should be anchored with ``^`` and ``$``.

    Remediation: remove the entries that map onto admins from
    ``server.identity_map.configuration``, anchor every pattern, and define each map
    that an HBA ``map=`` option names.
    """
    settings = require(crdb_sql.settings)
    conclude(grade_identity_map(settings, require(crdb_sql.principals)))
