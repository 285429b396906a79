"""Cloud Console SSO and SCIM: organization settings confirmed by attestation."""

import datetime as dt

import pytest

from pytest_crdb_security.attestations import CONSOLE_SSO, SCIM
from pytest_crdb_security.context import AuditContext
from pytest_crdb_security.grading.cloud_console import grade_console_sso, grade_scim
from pytest_crdb_security.verdicts import conclude

pytestmark = [pytest.mark.authentication, pytest.mark.deployment("cloud")]


@pytest.mark.check("cloud-console-sso", "Cloud Console SSO")
@pytest.mark.severity("high")
def test_cloud_console_sso(crdb_context: AuditContext) -> None:
    """Members should log in to the Cloud Console only through the organization's SSO.

    Neither ccloud nor the Cloud API shows this setting, so the evidence is an
    attestation in the context file (``attestations.console_sso``). Without one the
    check fails as not verified. Remediation: configure SAML or OIDC under Organization
    settings > Authentication in the Cloud Console and enforce it, then record the
    attestation.
    """
    attestation = crdb_context.attestations.get(CONSOLE_SSO)
    conclude(grade_console_sso(attestation, dt.date.today()))


@pytest.mark.check("scim", "SCIM 2.0 provisioning")
@pytest.mark.severity("medium")
def test_scim(crdb_context: AuditContext) -> None:
    """The identity provider should provision and remove Cloud organization members (SCIM 2.0).

    Like Console SSO, SCIM is visible only in the Cloud Console, so the evidence is
    ``attestations.scim`` in the context file. Remediation: create a SCIM app integration
    in the identity provider with a service account of the organization, then record the
    attestation.
    """
    conclude(grade_scim(crdb_context.attestations.get(SCIM), dt.date.today()))
