"""Find credentials inside cluster settings so the session's Redactor can mask them.

The checks never put these values in a detail. Registering them with the Redactor as
well masks them in every terminal line and report if a message quotes one by mistake.
"""

from __future__ import annotations

import re

from pytest_crdb_security.evidence.model import Settings, SqlEvidence, Unavailable
from pytest_crdb_security.parsing.hba import HbaParseError, is_secret_option, split_fields
from pytest_crdb_security.redaction import Redactor

HBA_SETTING = "server.host_based_authentication.configuration"

# Settings whose whole value is a credential or a private key.
CREDENTIAL_SETTINGS = (
    "server.oidc_authentication.client_secret",
    "server.oidc_authentication.client_id",
    "server.ldap_authentication.client.tls_key",
    "cluster.secret",
    "enterprise.license",
)

# Used on HBA lines that do not tokenize: any name=value whose name looks secret,
# either quoted as a whole ("name=a value") or with a quoted or plain value.
_SECRET_NAME = r"[a-z_]*(?:passw|secret|token|credential)[a-z_]*"
_SECRET_OPTION = re.compile(
    rf"""(?i)"{_SECRET_NAME}=([^"]*)"|\b{_SECRET_NAME}=("[^"]*"|[^\s"]+)"""
)


def credentials_in_settings(settings: Settings) -> list[str]:
    """Return every credential value found in the settings, excluding empty and redacted ones."""
    found = []
    for name in CREDENTIAL_SETTINGS:
        setting = settings.get(name)
        if setting is not None and not setting.is_redacted and setting.value.strip():
            found.append(setting.value.strip())
    hba = settings.get(HBA_SETTING)
    if hba is not None and not hba.is_redacted:
        found.extend(secret_hba_options(hba.value))
    return found


def secret_hba_options(text: str) -> list[str]:
    """Return the values of secret options (such as ldapbindpasswd) on every HBA line.

    Lines that do not parse are scanned with a pattern instead, so a typo elsewhere on
    the line does not hide the password.
    """
    values: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            fields = split_fields(line, number)
        except HbaParseError:
            for match in _SECRET_OPTION.finditer(line):
                value = match.group(1) if match.group(1) is not None else match.group(2)
                values.append(value.strip('"'))
            continue
        for field in fields:
            for token in field:
                name, sep, value = token.value.partition("=")
                if sep and value and is_secret_option(name):
                    values.append(value)
    return values


def register_credentials(evidence: SqlEvidence, redact: Redactor) -> None:
    """Add the credentials found in the collected settings to ``redact``."""
    if isinstance(evidence.settings, Unavailable):
        return
    for value in credentials_in_settings(evidence.settings):
        redact.add(value)
