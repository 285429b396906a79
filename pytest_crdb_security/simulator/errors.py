"""Exceptions raised by the simulated CockroachDB cluster."""

from __future__ import annotations


class ScenarioError(ValueError):
    """Invalid scenario: the one-line message names the file, the key and the fix."""


class SqlError(Exception):
    """Error that the server sends to the client as an ErrorResponse."""

    def __init__(
        self,
        sqlstate: str,
        message: str,
        *,
        hint: str | None = None,
        severity: str = "ERROR",
    ) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.message = message
        self.hint = hint
        self.severity = severity


class ConnectionClosed(Exception):
    """The client closed the connection, or the cluster is stopping."""
