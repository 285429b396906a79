"""Command-line options for CockroachDB Cloud access: cluster, API key, API URL, ccloud."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_crdb_security.context import ContextError
from pytest_crdb_security.evidence.cloud_api import DEFAULT_API_URL, ApiKey, validate_api_url
from pytest_crdb_security.redaction import Redactor

API_KEY_VARIABLE = "COCKROACH_API_KEY"
API_URL_VARIABLE = "CRDB_CLOUD_API_URL"

NO_CLOUD_ACCESS = (
    f"no Cloud API key: set {API_KEY_VARIABLE} or --crdb-cloud-api-key-file,"
    " or log in with ccloud auth login"
)


def add_cloud_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("crdb-security")
    group.addoption(
        "--crdb-cloud-cluster",
        dest="crdb_cloud_cluster",
        metavar="NAME_OR_ID",
        help="CockroachDB Cloud cluster to audit, by name or id; implies --crdb-deployment"
        " cloud (default: the cluster whose SQL host name matches the target)",
    )
    group.addoption(
        "--crdb-cloud-api-key-file",
        dest="crdb_cloud_api_key_file",
        metavar="FILE",
        help=f"File holding a Cloud API key (service-account secret), used instead of"
        f" ${API_KEY_VARIABLE}; the key itself is never accepted as an option",
    )
    group.addoption(
        "--crdb-cloud-api-url",
        dest="crdb_cloud_api_url",
        metavar="URL",
        help=f"Base URL of the Cloud API, https:// except on a loopback address"
        f" (default: ${API_URL_VARIABLE}, else {DEFAULT_API_URL})",
    )
    group.addoption(
        "--crdb-ccloud",
        dest="crdb_ccloud",
        metavar="PATH",
        help="ccloud executable, used when no Cloud API key is given (default: ccloud on PATH)",
    )


@dataclass(frozen=True)
class CloudRequest:
    """Access to CockroachDB Cloud: the cluster, the API key, the API URL and the ccloud.

    With an API key the audit reads everything through the Cloud API, because its
    response shapes are documented. Without one it falls back to ccloud for what ccloud
    shows.
    """

    cluster: str | None = None
    api_url: str = DEFAULT_API_URL
    api_key: ApiKey | None = None
    ccloud: str | None = None
    use_ccloud: bool = True
    notes: tuple[str, ...] = ()

    def register_secrets(self, redact: Redactor) -> None:
        if self.api_key is not None:
            redact.add(self.api_key.reveal())


def read_cloud_request(config: pytest.Config) -> CloudRequest:
    """Validate the Cloud options; raise ContextError with one line naming the bad value."""
    url_option = config.getoption("crdb_cloud_api_url")
    url_source = "--crdb-cloud-api-url"
    raw_url = url_option
    if not raw_url and os.environ.get(API_URL_VARIABLE):
        raw_url, url_source = os.environ[API_URL_VARIABLE], f"${API_URL_VARIABLE}"
    try:
        api_url = validate_api_url(raw_url or DEFAULT_API_URL, url_source)
    except ValueError as error:
        raise ContextError(str(error)) from None

    notes: list[str] = []
    key_file = config.getoption("crdb_cloud_api_key_file")
    api_key = None
    if key_file:
        api_key, note = read_api_key_file(Path(key_file))
        notes.extend([note] if note else [])
    elif os.environ.get(API_KEY_VARIABLE, "").strip():
        api_key = ApiKey(os.environ[API_KEY_VARIABLE].strip(), f"${API_KEY_VARIABLE}")

    cluster = config.getoption("crdb_cloud_cluster")
    if cluster is not None and not cluster.strip():
        raise ContextError("invalid --crdb-cloud-cluster '': give a cluster name or id")
    return CloudRequest(
        cluster=cluster.strip() if cluster else None,
        api_url=api_url,
        api_key=api_key,
        ccloud=config.getoption("crdb_ccloud"),
        notes=tuple(notes),
    )


def read_api_key_file(path: Path) -> tuple[ApiKey, str | None]:
    """Read a key file; return the key and a note when other users can read the file."""
    where = f"--crdb-cloud-api-key-file {str(path)!r}"
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except OSError as error:
        raise ContextError(f"cannot read {where}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ContextError(f"invalid {where}: the file is not UTF-8 text") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ContextError(f"invalid {where}: the file is empty; write the API key on one line")
    if len(lines) > 1 or any(ch.isspace() for ch in lines[0]):
        raise ContextError(f"invalid {where}: write only the API key, on one line without spaces")
    note = None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        note = (
            f"the API key file {str(path)!r} is readable by other users"
            f" (mode {stat.S_IMODE(mode):04o}); chmod 600 it"
        )
    return ApiKey(lines[0], f"--crdb-cloud-api-key-file {str(path)!r}"), note
