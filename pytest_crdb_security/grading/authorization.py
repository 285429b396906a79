"""Grading of users, roles, admin membership, powerful privileges and PUBLIC grants."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pytest_crdb_security.evidence.model import PublicGrant
from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.roles import (
    POWERFUL_ROLE_OPTIONS,
    POWERFUL_SYSTEM_PRIVILEGES,
    Principal,
    members_of_role,
)
from pytest_crdb_security.verdicts import Grade, Verdict

ADMIN_ROLE = "admin"

# Privileges on data objects that let PUBLIC, and so every user, read, change or
# export data. PUBLIC having any of them is a FAIL.
DATA_PRIVILEGES = frozenset(
    {"ALL", "SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "CHANGEFEED", "BACKUP", "RESTORE"}
)

# Default grants of every new database to PUBLIC: CONNECT on the database, and USAGE
# and CREATE on its public schema (CREATE while
# sql.auth.public_schema_create_privilege.enabled is on).
BASELINE_PUBLIC = frozenset(
    {("database", None, "CONNECT"), ("schema", "public", "USAGE"), ("schema", "public", "CREATE")}
)


def effective_admins(principals: Sequence[Principal]) -> list[tuple[Principal, list[str]]]:
    """Return login-capable principals in ``admin`` directly or via nested roles, with the chain."""
    by_name = {principal.name: principal for principal in principals}
    chains = members_of_role(ADMIN_ROLE, principals)
    admins = []
    for name in sorted(chains):
        principal = by_name.get(name)
        if principal is not None and principal.can_login:
            admins.append((principal, chains[name]))
    return admins


def _describe_admin(principal: Principal, chain: list[str]) -> str:
    via = [role for role in chain if role != ADMIN_ROLE]
    return f"{principal.name} (via {' > '.join(reversed(via))})" if via else principal.name


def grade_admin_count(principals: Sequence[Principal]) -> Grade:
    """Count login-capable admins: 1–2 PASS, 3–5 WARN, 6 or more FAIL."""
    admins = effective_admins(principals)
    count = len(admins)
    names = join_names([_describe_admin(principal, chain) for principal, chain in admins])
    detail = (
        f"{plural(count, 'user')} with admin role: {names}"
        if count
        else "no login-capable user has the admin role"
    )
    if count >= 6:
        return Grade(Verdict.FAIL, detail, rule="admin_count_excessive")
    if count >= 3:
        return Grade(Verdict.WARN, detail)
    if count == 0:
        # root is always an admin, so an empty list means the rows were filtered.
        return Grade(
            Verdict.WARN, detail + "; root should be listed, so SHOW USERS looks incomplete"
        )
    return Grade(Verdict.PASS, detail)


def _ancestors(principal: Principal, by_name: dict[str, Principal]) -> list[str]:
    seen: list[str] = []
    queue = list(principal.member_of)
    while queue:
        role = queue.pop(0)
        if role in seen:
            continue
        seen.append(role)
        parent = by_name.get(role)
        if parent is not None:
            queue.extend(parent.member_of)
    return seen


def grade_powerful_privileges(
    principals: Sequence[Principal], system_grants: Iterable[tuple[str, str]]
) -> Grade:
    """Find login-capable non-admins with role options or system privileges of admin-like reach.

    Role options belong to the principal itself; system privileges are inherited
    through role membership, so those of every ancestor role count.
    """
    by_name = {principal.name: principal for principal in principals}
    admin_names = {principal.name for principal, _ in effective_admins(principals)}
    grants_by_grantee: dict[str, set[str]] = {}
    for grantee, privilege in system_grants:
        grants_by_grantee.setdefault(grantee, set()).add(privilege.upper())

    holders: list[str] = []
    for principal in sorted(principals, key=lambda p: p.name):
        if (
            not principal.can_login
            or principal.name in admin_names
            or principal.name in (ADMIN_ROLE, "root")
        ):
            continue
        powers = [option for option in POWERFUL_ROLE_OPTIONS if option in principal.options]
        for source in [principal.name, *_ancestors(principal, by_name)]:
            for privilege in sorted(grants_by_grantee.get(source, ())):
                if privilege in POWERFUL_SYSTEM_PRIVILEGES:
                    via = "" if source == principal.name else f" via {source}"
                    powers.append(f"system privilege {privilege}{via}")
        if powers:
            holders.append(f"{principal.name} ({', '.join(powers)})")

    if holders:
        return Grade(
            Verdict.WARN,
            f"{plural(len(holders), 'non-admin user')} can change access or cluster settings: "
            + "; ".join(holders),
        )
    return Grade(
        Verdict.PASS,
        "no login-capable user outside admin holds CREATEROLE, CREATELOGIN,"
        " MODIFYCLUSTERSETTING or a similar role option or system privilege",
    )


def grade_public_privileges(database: str, grants: Iterable[PublicGrant]) -> Grade:
    """Grade PUBLIC's privileges in one database against the default baseline."""
    own = [grant for grant in grants if grant.database == database]
    data = [g for g in own if g.object_type != "database" and g.privilege in DATA_PRIVILEGES]
    data += [g for g in own if g.object_type == "database" and g.privilege == "ALL"]
    extra = [
        g
        for g in own
        if g not in data and (g.object_type, g.schema, g.privilege) not in BASELINE_PUBLIC
    ]
    if data:
        return Grade(
            Verdict.FAIL,
            f"public (every user) holds data privileges in {database}: "
            + join_names([grant.describe() for grant in data]),
        )
    if extra:
        return Grade(
            Verdict.WARN,
            f"public holds privileges beyond the default in {database}: "
            + join_names([grant.describe() for grant in extra]),
        )
    baseline = sorted({grant.describe() for grant in own})
    if not baseline:
        return Grade(Verdict.PASS, f"public holds no privileges in {database}")
    return Grade(
        Verdict.PASS,
        f"public holds only the default privileges in {database}: " + join_names(baseline),
    )
