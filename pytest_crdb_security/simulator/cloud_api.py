"""A fake CockroachDB Cloud API v1 on a loopback address, serving a scenario's ``cloud`` section.

It serves the GET endpoints the audit reads, checks the Bearer key, pages list
responses by the scenario's ``page_size``, injects the scenario's failures, and records
every request so that tests can check what the audit sent.
"""

from __future__ import annotations

import json
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pytest_crdb_security.simulator import cloud_responses as bodies
from pytest_crdb_security.simulator.cloud_scenario import CloudScenario

_CLUSTER = r"/api/v1/clusters/(?P<id>[^/]+)"
ROUTES = (
    ("organization", re.compile(r"/api/v1/organization")),
    ("clusters", re.compile(r"/api/v1/clusters")),
    ("cluster", re.compile(_CLUSTER)),
    ("allowlist", re.compile(_CLUSTER + r"/networking/allowlist")),
    (
        "private_endpoint_connections",
        re.compile(_CLUSTER + r"/networking/private-endpoint-connections"),
    ),
    ("private_endpoint_services", re.compile(_CLUSTER + r"/networking/private-endpoint-services")),
    ("cmek", re.compile(_CLUSTER + r"/cmek")),
    ("backups_config", re.compile(_CLUSTER + r"/backups-config")),
)
PAGE_PARAMETER = "pagination.page"
LIMIT_PARAMETER = "pagination.limit"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake API received; the key itself is not kept, only whether it matched."""

    method: str
    path: str
    query: dict[str, list[str]]
    authorized: bool
    cc_version: str | None


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


def _json(status: int, value: object) -> Reply:
    return Reply(status, json.dumps(value).encode())


def _error(status: int, message: str) -> Reply:
    return _json(status, bodies.error_body(status, message))


class FakeCloudApi:
    """The fake API server; use it as a context manager and read ``url`` and ``requests``."""

    def __init__(self, cloud: CloudScenario, host: str = "127.0.0.1") -> None:
        self.cloud = cloud
        self.host = host
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the fake Cloud API is not running"
        port = self._server.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeCloudApi:
        handler = _handler_class(self.answer)
        server_class = _Ipv6Server if ":" in self.host else _Server
        self._server = server_class((self.host, 0), handler)
        # A short poll interval keeps shutdown() quick: it waits for the next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-cloud-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def paths(self) -> list[str]:
        """Return the paths requested so far, in order."""
        with self._lock:
            return [request.path for request in self.requests]

    def answer(self, method: str, target: str, headers: dict[str, str]) -> Reply:
        """Record a request and return the reply that the scenario specifies."""
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        authorized = headers.get("authorization") == f"Bearer {self.cloud.api_key}"
        with self._lock:
            self.requests.append(
                RecordedRequest(method, parts.path, query, authorized, headers.get("cc-version"))
            )
        if method != "GET":
            return _error(405, f"the fake Cloud API serves only GET, not {method}")
        if not authorized:
            return _error(401, "invalid or missing API key")

        endpoint, cluster_id = _route(parts.path)
        if endpoint is None:
            return _error(404, f"no such endpoint: {parts.path}")
        failure = self.cloud.failures.get(endpoint)
        if failure is not None:
            time.sleep(failure.delay_seconds)
            if failure.body is not None:
                return Reply(failure.status, failure.body.encode())
            if failure.status != 200:
                return _error(failure.status, failure.message)
        if cluster_id is not None and not self._known(endpoint, cluster_id):
            return _error(404, f"cluster {cluster_id} not found")
        return self._data(endpoint, cluster_id or "", query)

    def _known(self, endpoint: str, cluster_id: str) -> bool:
        if cluster_id == self.cloud.id:
            return True
        others = {self.cloud.cluster_id_of(name) for name in self.cloud.other_clusters}
        return endpoint == "cluster" and cluster_id in others

    def _data(self, endpoint: str, cluster_id: str, query: dict[str, list[str]]) -> Reply:
        cloud = self.cloud
        if endpoint == "organization":
            return _json(200, bodies.organization_body(cloud))
        if endpoint == "cluster":
            found = [c for c in bodies.clusters(cloud) if c["id"] == cluster_id]
            return _json(200, found[0])
        if endpoint == "cmek":
            cmek = bodies.cmek_body(cloud)
            return _json(200, cmek) if cmek is not None else _error(404, "CMEK is not configured")
        if endpoint == "backups_config":
            config = bodies.backups_config_body(cloud)
            if config is None:
                return _error(404, "no backups configuration")
            return _json(200, config)
        lists: dict[str, tuple[str, Callable[[CloudScenario], list[dict[str, Any]]]]] = {
            "clusters": ("clusters", bodies.clusters),
            "allowlist": ("allowlist", bodies.allowlist_entries),
            "private_endpoint_connections": ("connections", bodies.private_endpoint_connections),
            "private_endpoint_services": ("services", bodies.private_endpoint_services),
        }
        key, build = lists[endpoint]
        extra = {"propagating": cloud.allowlist_propagating} if endpoint == "allowlist" else {}
        return self._page(key, build(cloud), query, extra)

    def _page(
        self,
        key: str,
        items: list[dict[str, Any]],
        query: dict[str, list[str]],
        extra: dict[str, Any],
    ) -> Reply:
        token = query.get(PAGE_PARAMETER, [""])[0]
        offset = 0
        if token:
            if not re.fullmatch(r"p\d+", token):
                return _error(400, f"invalid page token {token!r}")
            offset = int(token[1:])
        size = self.cloud.page_size
        limit = query.get(LIMIT_PARAMETER, [""])[0]
        if limit.isdigit() and int(limit) > 0:
            size = min(size, int(limit))
        end = offset + size
        pagination = {
            "next_page": f"p{end}" if end < len(items) else "",
            "previous_page": f"p{max(0, offset - size)}" if offset else "",
        }
        return _json(200, {key: items[offset:end], **extra, "pagination": pagination})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's full name, which can wait for DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])


class _Ipv6Server(_Server):
    address_family = socket.AF_INET6


def _route(path: str) -> tuple[str | None, str | None]:
    for name, pattern in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return name, match.groupdict().get("id")
    return None, None


def _handler_class(
    answer: Callable[[str, str, dict[str, str]], Reply],
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeCloudApi"
        # One buffered write per reply: separate small writes meet delayed ACKs and
        # cost about 40 ms per request (measured on Linux over loopback).
        wbufsize = 64 * 1024
        disable_nagle_algorithm = True

        def _reply(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = answer(self.command, self.path, headers)
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _reply

        def log_message(self, format: str, *args: Any) -> None:
            # Silent: request lines would clutter pytest's output.
            return

    return Handler
