"""A read-only client of the CockroachDB Cloud API v1.

It only sends GET requests, follows ``pagination.next_page`` across pages, never
follows redirects (so the API key goes only to the configured host), and turns every
failure into a CloudAccessError with one sentence for the report.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Generator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from pytest_crdb_security.parsing.cloud import CloudFormatError, items_of, next_page_token

# The API version the response shapes of this audit were written against.
CC_VERSION = "2024-09-16"
DEFAULT_API_URL = "https://cockroachlabs.cloud"
USER_AGENT = "pytest-crdb-security"

# A safety stop for a server whose next_page tokens never run out.
MAX_PAGES = 1000
# Maximum length, in characters, of an error message quoted from a response body.
MAX_MESSAGE = 200


class CloudAccessError(Exception):
    """A Cloud API or ccloud call failed; ``reason`` is one sentence for the report.

    ``status`` is the HTTP status of an error reply, and ``unreachable`` is true when no
    reply came at all (a connection error or a timeout).
    """

    def __init__(self, reason: str, status: int | None = None, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.unreachable = unreachable


class ApiKey:
    """A Cloud API key that never shows its value in repr, str or tracebacks."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"ApiKey(from {self.source})"

    __str__ = __repr__


class _BearerAuth(httpx.Auth):
    def __init__(self, key: ApiKey) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.reveal()}"
        yield request


def is_loopback_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_api_url(raw: str, source: str) -> str:
    """Return the base URL without a trailing slash; raise ValueError naming the problem.

    HTTPS is required, because the API key travels in every request, except on a
    loopback address (127.0.0.0/8 or ::1), where a local fake or proxy may listen.
    """
    text = raw.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for an invalid port
    except ValueError as error:
        raise ValueError(f"invalid {source}: {error}") from None
    # Checked first, so that no later message repeats a password from the URL.
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(
            f"invalid {source}: remove the user name, password, query and fragment from the URL"
        )
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(f"invalid {source} {raw!r}: use an https:// URL such as {DEFAULT_API_URL}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            f"invalid {source} {raw!r}: the API key would travel unencrypted; use https://"
            " (plain http is accepted only on a loopback address)"
        )
    return text


class CloudApiClient:
    """GET requests to one Cloud API base URL with one API key; records each call made."""

    def __init__(
        self,
        base_url: str,
        key: ApiKey,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.calls: list[str] = []
        host = urlsplit(base_url).hostname or ""
        self._client = httpx.Client(
            base_url=base_url,
            auth=_BearerAuth(key),
            headers={"Cc-Version": CC_VERSION, "User-Agent": USER_AGENT},
            timeout=timeout,
            follow_redirects=False,
            # Proxy variables and netrc apply to the real service, never to a loopback fake.
            trust_env=not is_loopback_host(host),
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """Return the decoded JSON body of a successful GET, or raise CloudAccessError."""
        call = f"GET {path}"
        self.calls.append(call)
        try:
            response = self._client.get(path, params=dict(params or {}))
        except httpx.TimeoutException:
            raise CloudAccessError(
                f"{call} timed out after {self.timeout:g}s; retry with a larger --crdb-timeout",
                unreachable=True,
            ) from None
        except httpx.HTTPError as error:
            raise CloudAccessError(
                f"cannot reach the Cloud API at {self.base_url}: {_first_line(str(error))}",
                unreachable=True,
            ) from None
        if response.status_code != 200:
            raise CloudAccessError(describe_status(call, response), response.status_code)
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CloudAccessError(
                f"{call} returned a body that is not JSON ({_first_line(str(error))})"
            ) from None

    def get_all(self, path: str, key: str) -> tuple[list[Any], Any]:
        """Return the items of a list endpoint from every page, and the first page's body."""
        items: list[Any] = []
        first: Any = None
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            params = {"pagination.page": token} if token else {}
            body = self.get(path, params)
            first = body if first is None else first
            try:
                items.extend(items_of(body, key))
                token = next_page_token(body)
            except CloudFormatError as error:
                raise CloudAccessError(f"GET {path} returned an unexpected body: {error}") from None
            if token is None:
                return items, first
            if token in seen:
                raise CloudAccessError(
                    f"GET {path} returned the page token {token!r} twice, so the list never ends"
                )
            seen.add(token)
        raise CloudAccessError(f"GET {path} returned more than {MAX_PAGES} pages")


def describe_status(call: str, response: httpx.Response) -> str:
    """Say what an error status means for the audit, quoting the JSON error body."""
    status = response.status_code
    detail = _error_message(response)
    if status == 401:
        return (
            f"the Cloud API rejected the API key on {call} (HTTP 401{detail}); check that the"
            " key is current and belongs to a service account of this organization"
        )
    if status == 403:
        return (
            f"the API key may not use {call} (HTTP 403{detail}); give its service account a"
            " role that can read this cluster"
        )
    if status == 404:
        return f"{call} found nothing (HTTP 404{detail})"
    if status == 429:
        return f"the Cloud API rate-limited {call} (HTTP 429{detail}); retry later"
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        return (
            f"{call} redirected to {location!r} (HTTP {status}); the audit does not follow"
            " redirects with the API key, so check --crdb-cloud-api-url"
        )
    if status >= 500:
        return f"the Cloud API failed on {call} (HTTP {status}{detail}); retry later"
    return f"{call} failed with HTTP {status}{detail}"


def _error_message(response: httpx.Response) -> str:
    """Return ``: <message> (code N)`` from a ``{"code", "message", "details"}`` body, or ""."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = _first_line(response.text)
        return f": {text[:MAX_MESSAGE]}" if text else ""
    if not isinstance(body, dict):
        return ""
    message = body.get("message")
    code = body.get("code")
    parts = ""
    if isinstance(message, str) and message.strip():
        parts = f": {_first_line(message)[:MAX_MESSAGE]}"
    if isinstance(code, int) and not isinstance(code, bool):
        parts += f" (code {code})"
    return parts


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
