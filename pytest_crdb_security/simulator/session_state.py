"""Per-connection session state: user, session variables and transaction status."""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_crdb_security.simulator.scenario import Scenario
from pytest_crdb_security.simulator.session_vars import VARIABLES

IDLE = "I"
IN_TRANSACTION = "T"
FAILED_TRANSACTION = "E"


@dataclass
class Session:
    """State of one authenticated connection."""

    user: str
    variables: dict[str, str] = field(default_factory=dict)
    transaction_status: str = IDLE

    @classmethod
    def start(cls, scenario: Scenario, user: str, database: str, is_superuser: bool) -> Session:
        """Create a session with every variable at its default for the scenario's version."""
        variables = {
            name: variable.default(scenario)
            for name, variable in VARIABLES.items()
            if scenario.release >= variable.introduced
        }
        variables.update(
            session_user=user,
            database=database,
            is_superuser="on" if is_superuser else "off",
        )
        return cls(user=user, variables=variables)

    @property
    def read_only(self) -> bool:
        return self.variables.get("default_transaction_read_only") == "on"

    @property
    def unsafe_internals_allowed(self) -> bool:
        # Releases without the variable have no restriction to lift.
        return self.variables.get("allow_unsafe_internals", "on") == "on"
