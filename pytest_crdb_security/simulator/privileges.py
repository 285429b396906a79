"""Privilege decisions of the simulated cluster: admin membership, system privileges, options."""

from __future__ import annotations

from functools import cached_property

from pytest_crdb_security.simulator.scenario import ADMIN, ROOT, Scenario

VIEWCLUSTERSETTING = "VIEWCLUSTERSETTING"
MODIFYCLUSTERSETTING = "MODIFYCLUSTERSETTING"
MODIFYSQLCLUSTERSETTING = "MODIFYSQLCLUSTERSETTING"
VIEWCLUSTERMETADATA = "VIEWCLUSTERMETADATA"
VIEWSYSTEMTABLE = "VIEWSYSTEMTABLE"


class Privileges:
    """Answers privilege questions about the users of one scenario.

    System privileges and table privileges are inherited through role
    membership; role options are not. Members of `admin` hold everything.
    """

    def __init__(self, scenario: Scenario) -> None:
        self._scenario = scenario

    @cached_property
    def _direct_roles(self) -> dict[str, tuple[str, ...]]:
        return {user.name: user.member_of for user in self._scenario.users}

    def roles_of(self, user: str) -> frozenset[str]:
        """Return the user and every role it belongs to, directly or through other roles."""
        found = {user}
        pending = [user]
        while pending:
            for role in self._direct_roles.get(pending.pop(), ()):
                if role not in found:
                    found.add(role)
                    pending.append(role)
        return frozenset(found)

    def is_admin(self, user: str) -> bool:
        return user == ROOT or ADMIN in self.roles_of(user)

    def has_system_privilege(self, user: str, privilege: str) -> bool:
        """Tell whether a system privilege reaches the user through itself, a role or public."""
        if self.is_admin(user):
            return True
        holders = self.roles_of(user) | {"public"}
        return any(
            grant.grantee in holders and grant.privilege in (privilege, "ALL")
            for grant in self._scenario.system_grants
        )

    def has_role_option(self, user: str, option: str) -> bool:
        """Tell whether the user itself carries a role option; admins count as having all."""
        if self.is_admin(user):
            return True
        account = self._scenario.user(user)
        return account is not None and option in account.option_names

    def has_either(self, user: str, privilege: str) -> bool:
        """Tell whether the user has a privilege as a system privilege or as a role option."""
        return self.has_system_privilege(user, privilege) or self.has_role_option(user, privilege)

    def can_view_cluster_settings(self, user: str) -> bool:
        return self.has_either(user, VIEWCLUSTERSETTING) or self.has_either(
            user, MODIFYCLUSTERSETTING
        )

    def can_modify_cluster_settings(self, user: str) -> bool:
        return self.has_either(user, MODIFYCLUSTERSETTING)

    def can_modify_sql_cluster_settings(self, user: str) -> bool:
        return self.has_system_privilege(user, MODIFYSQLCLUSTERSETTING)

    def can_select_system_table(self, user: str, table: str) -> bool:
        """Tell whether the user may read a system table such as `system.users`."""
        if self.is_admin(user) or self.has_system_privilege(user, VIEWSYSTEMTABLE):
            return True
        holders = self.roles_of(user)
        return any(
            grant.grantee in holders
            and grant.table == table
            and grant.privilege in ("SELECT", "ALL")
            for grant in self._scenario.table_grants
        )

    def can_log_in(self, user: str) -> bool:
        """Tell whether the user may open a SQL session (no NOLOGIN or NOSQLLOGIN)."""
        account = self._scenario.user(user)
        if account is None or account.option_names & {"NOLOGIN", "NOSQLLOGIN"}:
            return False
        if self.is_admin(user):
            return True
        holders = self.roles_of(user) | {"public"}
        return not any(
            grant.grantee in holders and grant.privilege == "NOSQLLOGIN"
            for grant in self._scenario.system_grants
        )
