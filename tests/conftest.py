"""Shared fixtures of the project's own tests."""

from __future__ import annotations

import pytest

URL_VARIABLES = ("CRDB_URL", "COCKROACH_URL")


@pytest.fixture(autouse=True)
def _no_ambient_target(monkeypatch: pytest.MonkeyPatch) -> None:
    # A target URL in the developer's environment would turn every pytester run
    # into an audit of that cluster.
    for name in URL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
