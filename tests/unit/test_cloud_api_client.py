import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pytest_crdb_security.evidence.cloud_api import (
    ApiKey,
    CloudAccessError,
    CloudApiClient,
    validate_api_url,
)

BASE = "https://api.example.test"
SECRET = "Sentinel-UnitKey-5Tz"


def client(handler: Callable[[httpx.Request], httpx.Response]) -> CloudApiClient:
    return CloudApiClient(
        BASE, ApiKey(SECRET, "$COCKROACH_API_KEY"), 5, httpx.MockTransport(handler)
    )


def reply(status: int, body: Any = None, text: str | None = None) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text)
    return httpx.Response(status, json=body)


def test_get_sends_key_and_version() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply(200, {"id": "org"})

    body = client(handler).get("/api/v1/organization")

    assert body == {"id": "org"}
    assert seen[0].headers["authorization"] == f"Bearer {SECRET}"
    assert seen[0].headers["cc-version"] == "2024-09-16"
    assert seen[0].method == "GET"
    assert SECRET not in repr(seen[0].headers)


def test_get_all_follows_pages() -> None:
    pages = {
        "": {"allowlist": [{"n": 1}], "pagination": {"next_page": "t2"}, "propagating": True},
        "t2": {"allowlist": [{"n": 2}], "pagination": {"next_page": "t3"}},
        "t3": {"allowlist": [{"n": 3}], "pagination": {"next_page": ""}},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return reply(200, pages[request.url.params.get("pagination.page", "")])

    api = client(handler)
    items, first = api.get_all("/x/allowlist", "allowlist")

    assert items == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert first["propagating"] is True
    assert len(api.calls) == 3


def test_get_all_stops_on_repeated_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return reply(200, {"clusters": [], "pagination": {"next_page": "same"}})

    with pytest.raises(CloudAccessError, match="returned the page token 'same' twice"):
        client(handler).get_all("/api/v1/clusters", "clusters")


def test_get_all_rejects_wrong_shape() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return reply(200, {"clusters": {"id": "x"}})

    with pytest.raises(CloudAccessError) as raised:
        client(handler).get_all("/api/v1/clusters", "clusters")

    assert raised.value.reason == (
        "GET /api/v1/clusters returned an unexpected body: 'clusters' must be a JSON array,"
        " got an object"
    )


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (
            reply(401, {"code": 16, "message": "invalid credentials", "details": []}),
            "the Cloud API rejected the API key on GET /p (HTTP 401: invalid credentials"
            " (code 16)); check that the key is current and belongs to a service account of"
            " this organization",
        ),
        (
            reply(403, {"code": 7, "message": "permission denied"}),
            "the API key may not use GET /p (HTTP 403: permission denied (code 7)); give its"
            " service account a role that can read this cluster",
        ),
        (
            reply(404, {"code": 5, "message": "not found"}),
            "GET /p found nothing (HTTP 404: not found (code 5))",
        ),
        (reply(429, {}), "the Cloud API rate-limited GET /p (HTTP 429); retry later"),
        (
            reply(503, text="<html>upstream down</html>\nmore"),
            "the Cloud API failed on GET /p (HTTP 503: <html>upstream down</html>); retry later",
        ),
        (
            httpx.Response(302, headers={"location": "https://elsewhere.test/"}),
            "GET /p redirected to 'https://elsewhere.test/' (HTTP 302); the audit does not"
            " follow redirects with the API key, so check --crdb-cloud-api-url",
        ),
        (reply(418, ["x"]), "GET /p failed with HTTP 418"),
        (reply(200, text="{not json"), "GET /p returned a body that is not JSON"),
    ],
)
def test_error_reasons(response: httpx.Response, reason: str) -> None:
    with pytest.raises(CloudAccessError) as raised:
        client(lambda request: response).get("/p")

    assert raised.value.reason.startswith(reason), raised.value.reason
    assert SECRET not in raised.value.reason


def test_status_is_kept() -> None:
    with pytest.raises(CloudAccessError) as raised:
        client(lambda request: reply(404, {})).get("/p")

    assert raised.value.status == 404


def test_timeout_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(CloudAccessError) as raised:
        client(handler).get("/p")

    assert raised.value.reason == "GET /p timed out after 5s; retry with a larger --crdb-timeout"


def test_connection_error_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(CloudAccessError) as raised:
        client(handler).get("/p")

    assert raised.value.reason == (
        f"cannot reach the Cloud API at {BASE}: [Errno 111] Connection refused"
    )


def test_api_key_repr_hides_value() -> None:
    key = ApiKey(SECRET, "--crdb-cloud-api-key-file '/k'")

    assert SECRET not in repr(key)
    assert SECRET not in str(key)
    assert SECRET not in json.dumps({"k": str(key)})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://cockroachlabs.cloud", "https://cockroachlabs.cloud"),
        ("https://proxy.example.com/cloud/", "https://proxy.example.com/cloud"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_api_url_accepted(raw: str, expected: str) -> None:
    assert validate_api_url(raw, "--crdb-cloud-api-url") == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("http://cockroachlabs.cloud", "the API key would travel unencrypted"),
        ("http://localhost:8080", "the API key would travel unencrypted"),
        ("ftp://example.com", "use an https:// URL"),
        ("cockroachlabs.cloud", "use an https:// URL"),
        ("https://user:pw@example.com", "remove the user name, password, query and fragment"),
        ("https://example.com/?x=1", "remove the user name, password, query and fragment"),
        ("https://example.com:99999", "invalid --crdb-cloud-api-url"),
    ],
)
def test_api_url_rejected(raw: str, problem: str) -> None:
    with pytest.raises(ValueError, match="invalid --crdb-cloud-api-url") as raised:
        validate_api_url(raw, "--crdb-cloud-api-url")

    assert problem in str(raised.value)
    assert "pw" not in str(raised.value)
