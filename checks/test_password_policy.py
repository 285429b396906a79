"""Password policy checks."""

import pytest

from pytest_crdb_security.evidence.model import SqlEvidence, require
from pytest_crdb_security.grading.passwords import (
    grade_min_password_length,
    grade_pre_hashed_passwords,
)
from pytest_crdb_security.verdicts import conclude

pytestmark = pytest.mark.authentication


@pytest.mark.check("password-min-length", "Minimum password length")
@pytest.mark.severity("medium")
def test_min_password_length(crdb_sql: SqlEvidence) -> None:
    """Passwords should be at least 12 characters long.

    Remediation: ``SET CLUSTER SETTING server.user_login.min_password_length = 12``.
    """
    conclude(grade_min_password_length(require(crdb_sql.settings)))


@pytest.mark.check("password-pre-hashed", "Pre-hashed passwords")
@pytest.mark.severity("medium")
def test_pre_hashed_passwords(crdb_sql: SqlEvidence) -> None:
    """Clients should not be able to store pre-hashed passwords, which skip the length check.

    Remediation: ``SET CLUSTER SETTING
    server.user_login.store_client_pre_hashed_passwords.enabled = false``.
    """
    conclude(grade_pre_hashed_passwords(require(crdb_sql.settings)))
