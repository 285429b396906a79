"""Authorization checks: admin membership, powerful privileges and PUBLIC grants."""

import pytest

from pytest_crdb_security.evidence.model import SqlEvidence, require
from pytest_crdb_security.grading.authorization import (
    grade_admin_count,
    grade_powerful_privileges,
    grade_public_privileges,
)
from pytest_crdb_security.verdicts import conclude

pytestmark = pytest.mark.authorization


@pytest.mark.check("admin-users", "Admin user count")
@pytest.mark.severity("high")
def test_admin_user_count(crdb_sql: SqlEvidence) -> None:
    """Few principals should be able to log in with the admin role.

    Members of ``admin`` can read and change everything, and membership is inherited
    through nested roles, so the count follows role chains and counts only principals
    that can log in. Remediation: ``REVOKE admin FROM <user>`` and grant narrower
    privileges instead.
    """
    conclude(grade_admin_count(require(crdb_sql.principals)))


@pytest.mark.check("powerful-privileges", "Powerful privileges outside admin")
@pytest.mark.severity("medium")
def test_powerful_privileges(crdb_sql: SqlEvidence) -> None:
    """Role options and system privileges such as CREATEROLE or MODIFYCLUSTERSETTING
    should stay with administrators.

    A user with MODIFYCLUSTERSETTING can rewrite the HBA configuration, and one with
    CREATELOGIN can set other users' passwords. Remediation: ``ALTER ROLE <user>
    WITH NOCREATEROLE`` or ``REVOKE SYSTEM MODIFYCLUSTERSETTING FROM <user>``.
    """
    principals = require(crdb_sql.principals)
    conclude(grade_powerful_privileges(principals, require(crdb_sql.system_grants)))


@pytest.mark.check("public-privileges", "PUBLIC role privileges")
@pytest.mark.severity("high")
def test_public_privileges(crdb_sql: SqlEvidence, crdb_database: str) -> None:
    """PUBLIC, which every user belongs to, should hold no privilege on data.

    Each database is its own item. CONNECT on the database and USAGE and CREATE on its
    public schema are CockroachDB's defaults. Remediation: ``REVOKE SELECT ON TABLE
    <table> FROM public`` and grant to a role instead.
    """
    require(crdb_sql.databases)
    conclude(grade_public_privileges(crdb_database, require(crdb_sql.public_grants)))
