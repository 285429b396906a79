"""Scenario sections about principals: users and roles, the audit user and grants."""

from __future__ import annotations

import re
from datetime import datetime

from pytest_crdb_security.simulator.scenario import (
    ADMIN,
    NODE_USER,
    ROOT,
    SystemGrant,
    TableGrant,
    User,
)
from pytest_crdb_security.simulator.scenario_fields import Fields
from pytest_crdb_security.simulator.timestamps import parse_timestamp

# Role options as `system.role_options` stores them. CockroachDB stores no
# row for a default such as LOGIN or NOCREATEROLE, so those are rejected.
FLAG_OPTIONS = frozenset(
    {
        "BYPASSRLS",
        "CANCELQUERY",
        "CONTROLCHANGEFEED",
        "CONTROLJOB",
        "CREATEDB",
        "CREATELOGIN",
        "CREATEROLE",
        "MODIFYCLUSTERSETTING",
        "NOLOGIN",
        "NOSQLLOGIN",
        "REPLICATION",
        "VIEWACTIVITY",
        "VIEWACTIVITYREDACTED",
        "VIEWCLUSTERSETTING",
    }
)
VALUE_OPTIONS = frozenset({"VALID UNTIL", "SUBJECT", "PROVISIONSRC"})
DEFAULT_OPTIONS = frozenset(
    {
        "LOGIN",
        "SQLLOGIN",
        "NOBYPASSRLS",
        "NOCANCELQUERY",
        "NOCONTROLCHANGEFEED",
        "NOCONTROLJOB",
        "NOCREATEDB",
        "NOCREATELOGIN",
        "NOCREATEROLE",
        "NOMODIFYCLUSTERSETTING",
        "NOREPLICATION",
        "NOVIEWACTIVITY",
        "NOVIEWACTIVITYREDACTED",
        "NOVIEWCLUSTERSETTING",
    }
)
SYSTEM_PRIVILEGES = (
    "ALL",
    "BACKUP",
    "CANCELQUERY",
    "CHANGEFEED",
    "CONTROLJOB",
    "CREATEDB",
    "CREATELOGIN",
    "CREATEROLE",
    "EXTERNALCONNECTION",
    "EXTERNALIOIMPLICITACCESS",
    "MODIFYCLUSTERSETTING",
    "MODIFYSQLCLUSTERSETTING",
    "NOSQLLOGIN",
    "REPAIRCLUSTER",
    "REPLICATION",
    "RESTORE",
    "VIEWACTIVITY",
    "VIEWACTIVITYREDACTED",
    "VIEWCLUSTERMETADATA",
    "VIEWCLUSTERSETTING",
    "VIEWDEBUG",
    "VIEWJOB",
    "VIEWSYSTEMTABLE",
)
TABLE_PRIVILEGES = ("ALL", "SELECT", "INSERT", "UPDATE", "DELETE")
RESERVED_NAMES = frozenset({"public", "none", NODE_USER})

_USER_NAME = re.compile(r"[a-z_][a-z0-9_.\-]*")
_SYSTEM_TABLE = re.compile(r"system\.[a-z_]+")


def _user_name(raw: object) -> str:
    if not isinstance(raw, str) or _USER_NAME.fullmatch(raw) is None:
        raise ValueError("use a lower-case SQL user name such as app_rw")
    if raw in RESERVED_NAMES:
        raise ValueError(f"{raw} is reserved by CockroachDB; pick another name")
    return raw


def _read_options(fields: Fields) -> tuple[str, ...]:
    options: list[str] = []
    seen: set[str] = set()
    for key, item in fields.items("options"):
        if not isinstance(item, str):
            raise fields.source.error(
                key, f"expected a string, got {item!r}", "write e.g. CREATEROLE"
            )
        name, separator, value = item.partition("=")
        name = name.strip().upper()
        if name == "PASSWORD":
            raise fields.source.error(
                key, "PASSWORD is not a listed option", "use the password key"
            )
        if name in DEFAULT_OPTIONS:
            raise fields.source.error(
                key, f"{name} is a default that CockroachDB does not store", "omit it"
            )
        if name in VALUE_OPTIONS and not (separator and value.strip()):
            raise fields.source.error(key, f"{name} needs a value", f"write {name}=<value>")
        if name not in FLAG_OPTIONS | VALUE_OPTIONS or (name in FLAG_OPTIONS and separator):
            raise fields.source.error(
                key,
                f"unknown role option {item!r}",
                f"use one of: {', '.join(sorted(FLAG_OPTIONS | VALUE_OPTIONS))}",
            )
        if name in seen:
            raise fields.source.error(key, f"duplicate option {name}", "list each option once")
        seen.add(name)
        options.append(f"{name}={value.strip()}" if separator else name)
    return tuple(sorted(options))


def _read_member_of(fields: Fields) -> tuple[str, ...]:
    roles: list[str] = []
    for key, item in fields.items("member_of"):
        if not isinstance(item, str):
            raise fields.source.error(
                key, f"expected a role name, got {item!r}", "write e.g. admin"
            )
        roles.append(item)
    return tuple(sorted(set(roles)))


def _read_user(fields: Fields, now: datetime) -> User:
    user = User(
        name=fields.converted("name", _user_name),
        password=fields.typed("password", str, "a string", None),
        options=_read_options(fields),
        member_of=_read_member_of(fields),
        last_login=fields.converted(
            "last_login", lambda raw: None if raw is None else parse_timestamp(raw, now), None
        ),
    )
    fields.finish()
    return user


def _built_in(declared: dict[str, User], name: str, member_of: tuple[str, ...]) -> User:
    user = declared.get(name, User(name=name))
    return User(user.name, user.password, user.options, member_of, user.last_login)


def read_users(fields: Fields, now: datetime) -> tuple[User, ...]:
    """Read `users`, add root and admin, and check every membership."""
    declared: dict[str, User] = {}
    for key, item in fields.items("users"):
        user = _read_user(Fields(fields.source, key, item), now)
        if user.name in declared:
            raise fields.source.error(key, f"duplicate user {user.name}", "list each user once")
        declared[user.name] = user

    root_roles = tuple(sorted({*declared.get(ROOT, User(ROOT)).member_of, ADMIN}))
    declared[ROOT] = _built_in(declared, ROOT, root_roles)
    if declared.get(ADMIN, User(ADMIN)).member_of:
        raise fields.error("users", "admin cannot be a member of another role", "remove member_of")
    declared[ADMIN] = _built_in(declared, ADMIN, ())

    for user in declared.values():
        for role in user.member_of:
            if role not in declared or role == user.name:
                raise fields.error(
                    "users",
                    f"{user.name} is a member of unknown role {role!r}",
                    "add the role to users or fix member_of",
                )
    _check_no_cycles(fields, declared)
    return tuple(declared[name] for name in sorted(declared))


def _check_no_cycles(fields: Fields, users: dict[str, User]) -> None:
    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for role in users[start].member_of:
            if role == target or (role not in seen and reaches(role, target, seen | {role})):
                return True
        return False

    for name in users:
        if reaches(name, name, set()):
            raise fields.error(
                "users", f"role memberships of {name} form a cycle", "remove one member_of entry"
            )


def read_audit_user(fields: Fields, users: tuple[User, ...], tls: bool) -> tuple[str, str | None]:
    """Read `audit_user`: the user that the demo and `url()` connect as."""
    audit = Fields(fields.source, fields.key("audit_user"), fields.raw("audit_user"))
    name = audit.text("name")
    password = audit.typed("password", str, "a string", None)
    audit.finish()

    by_name = {user.name: user for user in users}
    if name not in by_name:
        raise audit.error("name", f"user {name!r} is not in users", "add it to users")
    user = by_name[name]
    if user.password is not None and password is not None and user.password != password:
        raise audit.error("password", "differs from the password in users", "use one password")
    password = password if password is not None else user.password
    if tls and password is None:
        raise audit.error("password", "missing on a secure cluster", "add a password")
    if user.option_names & {"NOLOGIN", "NOSQLLOGIN"}:
        raise audit.error("name", f"{name} cannot log in", "remove NOLOGIN from its options")
    return name, password


def _grantee(fields: Fields, user_names: frozenset[str], allow_public: bool) -> str:
    grantee = fields.text("grantee")
    if grantee not in user_names and not (allow_public and grantee == "public"):
        raise fields.error("grantee", f"unknown user or role {grantee!r}", "add it to users")
    return grantee


def read_system_grants(fields: Fields, user_names: frozenset[str]) -> tuple[SystemGrant, ...]:
    """Read `system_grants`: system privileges such as VIEWCLUSTERSETTING."""
    grants: list[SystemGrant] = []
    for key, item in fields.items("system_grants"):
        grant_fields = Fields(fields.source, key, item)
        grants.append(
            SystemGrant(
                grantee=_grantee(grant_fields, user_names, allow_public=True),
                privilege=grant_fields.choice("privilege", SYSTEM_PRIVILEGES),
                grantable=grant_fields.typed("grantable", bool, "true or false", False),
            )
        )
        grant_fields.finish()
    return tuple(grants)


def read_table_grants(fields: Fields, user_names: frozenset[str]) -> tuple[TableGrant, ...]:
    """Read `table_grants`: privileges on system tables, such as SELECT on system.users."""
    grants: list[TableGrant] = []
    for key, item in fields.items("table_grants"):
        grant_fields = Fields(fields.source, key, item)
        table = grant_fields.text("table")
        if _SYSTEM_TABLE.fullmatch(table) is None:
            raise grant_fields.error("table", f"invalid table {table!r}", "write system.<table>")
        grants.append(
            TableGrant(
                grantee=_grantee(grant_fields, user_names, allow_public=False),
                table=table,
                privilege=grant_fields.choice("privilege", TABLE_PRIVILEGES),
            )
        )
        grant_fields.finish()
    return tuple(grants)
