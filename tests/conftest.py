"""Shared fixtures of the project's own tests."""

from __future__ import annotations

import os

# pytester's in-process runs remove the modules first imported during a run. httpx
# imports httpcore lazily and keeps a map of httpcore's exception classes, so a
# re-imported httpcore would raise classes missing from that map. Importing it here
# keeps one httpcore for the whole session.
import httpcore  # noqa: F401
import pytest

URL_VARIABLES = ("CRDB_URL", "COCKROACH_URL")

# The Cloud API URL of every test that passes no --crdb-cloud-api-url: a closed port on
# loopback, never the real service behind the product's default URL.
GUARD_API_URL = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _no_ambient_target(monkeypatch: pytest.MonkeyPatch) -> None:
    # A target URL in the developer's environment would turn every pytester run
    # into an audit of that cluster.
    for name in URL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_real_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's API key or a logged-in ccloud must never reach CockroachDB Cloud
    # from a test. The key is removed, the API URL falls back to a closed loopback
    # port, and every directory that contains a ccloud is removed from PATH.
    monkeypatch.delenv("COCKROACH_API_KEY", raising=False)
    monkeypatch.setenv("CRDB_CLOUD_API_URL", GUARD_API_URL)
    directories = os.environ.get("PATH", "").split(os.pathsep)
    kept = [d for d in directories if not os.access(os.path.join(d, "ccloud"), os.X_OK)]
    monkeypatch.setenv("PATH", os.pathsep.join(kept))
