"""Removal of secrets (passwords, keys, credentials in URIs) from text shown to users."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MASK = "***"

# Query parameters of cloud storage and connection URIs whose values are credentials
# (CockroachDB's own list of sensitive URI parameters plus the libpq password keys).
SENSITIVE_URI_PARAMETERS = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AZURE_ACCOUNT_KEY",
    "AZURE_CLIENT_SECRET",
    "CREDENTIALS",
    "BEARER_TOKEN",
    "password",
    "sslpassword",
    "passphrase",
    "client_secret",
    "api_key",
    "ldapbindpasswd",
)

# A sensitive name followed by "=" (URI parameter, HBA option) or ":" (error texts).
_URI_PARAMETER = re.compile(
    r"(?i)\b("
    + "|".join(re.escape(name) for name in SENSITIVE_URI_PARAMETERS)
    + r")(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^&\s'\"]+)"
)
# scheme://user:password@host, where the password may itself contain "/" or "@":
# everything up to the last "@" of the word is masked, which errs on the safe side.
_URI_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^:/@\s'\"]*:[^\s'\"]*@")


def redact_uri_credentials(text: str) -> str:
    """Mask ``user:password@`` parts and credential query parameters of every URI in ``text``.

    The user part goes too, because storage URIs put an access key id there.
    """
    text = _URI_USERINFO.sub(lambda match: f"{match.group(1)}{MASK}@", text)
    return _URI_PARAMETER.sub(_mask_parameter, text)


def _mask_parameter(match: re.Match[str]) -> str:
    value = match.group(3).strip("'\"")
    # Remediation text names placeholders such as '<client_secret>', which hide nothing.
    if value.startswith("<") and value.endswith(">"):
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{MASK}"


class Redactor:
    """A set of known secret values, removed from any text passed through it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        # Very short values would mask ordinary words, so they are kept out; a
        # password that short is already a finding of its own.
        if secret and len(secret) >= 3:
            with self._lock:
                self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, MASK)
        return redact_uri_credentials(text)
