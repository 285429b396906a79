"""Attestations in the context file and the Cloud options' key file."""

import contextlib
import datetime as dt
from pathlib import Path

import pytest

from pytest_crdb_security.attestations import parse_attestations
from pytest_crdb_security.cloud_options import CloudRequest, read_api_key_file
from pytest_crdb_security.cloud_session import (
    detect_deployment,
    start_demo_cloud,
    unknown_plan_reason,
)
from pytest_crdb_security.context import CloudPlan, ContextError, Deployment, load_context_file
from pytest_crdb_security.markers import CheckInfo
from pytest_crdb_security.target import parse_target_url

TODAY = dt.date(2026, 12, 1)
WHERE = "context file 'c.yaml'"


def test_attestations_parsed() -> None:
    parsed = parse_attestations(
        {
            "console_sso": {
                "enabled": True,
                "enforced": False,
                "confirmed_by": " J. Roe ",
                "confirmed_on": dt.date(2026, 11, 30),
            },
            "scim": {
                "enabled": True,
                "confirmed_by": "J. Roe",
                "confirmed_on": "2026-10-01",
                "evidence": "SEC-42",
            },
        },
        WHERE,
        TODAY,
    )

    sso = parsed["console_sso"]
    assert (sso.enabled, sso.enforced, sso.confirmed_by) == (True, False, "J. Roe")
    assert sso.confirmed_on == dt.date(2026, 11, 30)
    assert parsed["scim"].evidence == "SEC-42"
    assert parsed["scim"].enforced is None
    assert parse_attestations(None, WHERE, TODAY) == {}


SSO = {"enabled": True, "enforced": True, "confirmed_by": "J. Roe", "confirmed_on": "2026-11-30"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "invalid attestations in context file 'c.yaml': expected a mapping"),
        (
            {"okta": {}},
            "unknown attestation 'okta' in context file 'c.yaml': use console_sso or scim",
        ),
        ({"console_sso": "yes"}, "invalid attestations.console_sso in context file 'c.yaml'"),
        (
            {"console_sso": {**SSO, "mfa": True}},
            "unknown key 'mfa' in attestations.console_sso in context file 'c.yaml': use enabled,"
            " enforced, confirmed_by, confirmed_on, evidence",
        ),
        (
            {"console_sso": {"enabled": True, "confirmed_by": "x", "confirmed_on": "2026-11-30"}},
            "missing key 'enforced' in attestations.console_sso",
        ),
        ({"console_sso": {**SSO, "enabled": "yes"}}, "invalid enabled in attestations.console_sso"),
        (
            {"console_sso": {**SSO, "enabled": False}},
            "enforced is true but enabled is false",
        ),
        ({"console_sso": {**SSO, "confirmed_by": " "}}, "invalid confirmed_by"),
        ({"console_sso": {**SSO, "confirmed_on": "30/11/2026"}}, "write a date such as 2026-11-30"),
        ({"console_sso": {**SSO, "confirmed_on": "2026-12-02"}}, "the date is in the future"),
        ({"console_sso": {**SSO, "evidence": 42}}, "invalid evidence"),
        (
            {
                "scim": {
                    "enabled": True,
                    "enforced": True,
                    "confirmed_by": "x",
                    "confirmed_on": "2026-11-30",
                }
            },
            "unknown key 'enforced' in attestations.scim",
        ),
    ],
)
def test_attestations_rejected(raw: object, message: str) -> None:
    with pytest.raises(ContextError) as raised:
        parse_attestations(raw, WHERE, TODAY)

    assert message in str(raised.value)


def test_context_file_accepts_attestations(tmp_path: Path) -> None:
    path = tmp_path / "context.yaml"
    path.write_text(
        "environment: staging\n"
        "attestations:\n"
        "  scim: {enabled: true, confirmed_by: J. Roe, confirmed_on: 2026-11-30}\n"
    )

    values = load_context_file(path)

    assert values["attestations"]["scim"]["confirmed_on"] == dt.date(2026, 11, 30)


def test_key_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("  Sentinel-File-Key-1  \n\n")
    path.chmod(0o600)

    key, note = read_api_key_file(path)

    assert key.reveal() == "Sentinel-File-Key-1"
    assert note is None
    assert "Sentinel" not in repr(key)


def test_key_file_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("Sentinel-File-Key-1\n")
    path.chmod(0o644)

    _, note = read_api_key_file(path)

    assert (
        note
        == f"the API key file {str(path)!r} is readable by other users (mode 0644); chmod 600 it"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the file is empty"),
        ("Sentinel-A\nSentinel-B\n", "write only the API key, on one line without spaces"),
        ("Bearer Sentinel-A\n", "write only the API key, on one line without spaces"),
    ],
)
def test_key_file_rejected(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "key"
    path.write_text(text)

    with pytest.raises(ContextError) as raised:
        read_api_key_file(path)

    assert problem in str(raised.value)
    assert "Sentinel" not in str(raised.value)


def test_key_file_missing(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="cannot read --crdb-cloud-api-key-file"):
        read_api_key_file(tmp_path / "absent")


@pytest.mark.parametrize(
    ("url", "cluster", "deployment", "expected"),
    [
        ("postgresql://u@db.example.com/x", None, Deployment.AUTO, Deployment.SELF_HOSTED),
        (
            "postgresql://u@x-1.aws-us-east-1.cockroachlabs.cloud/x",
            None,
            Deployment.AUTO,
            Deployment.CLOUD,
        ),
        ("postgresql://u@127.0.0.1/x", "prod", Deployment.AUTO, Deployment.CLOUD),
        ("postgresql://u@127.0.0.1/x", None, Deployment.CLOUD, Deployment.CLOUD),
    ],
)
def test_detect_deployment(
    url: str, cluster: str | None, deployment: Deployment, expected: Deployment
) -> None:
    target = parse_target_url(url)

    assert detect_deployment(target, CloudRequest(cluster=cluster), deployment) is expected


def test_cloud_cluster_conflicts_with_self_hosted() -> None:
    target = parse_target_url("postgresql://u@127.0.0.1/x")

    with pytest.raises(ContextError, match="--crdb-cloud-cluster was given but the deployment"):
        detect_deployment(target, CloudRequest(cluster="prod"), Deployment.SELF_HOSTED)


def test_unknown_plan_reason() -> None:
    info = CheckInfo(
        "cmek", "CMEK", "encryption", "high", Deployment.CLOUD, (CloudPlan.ADVANCED,), None
    )

    assert unknown_plan_reason(info, Deployment.CLOUD, CloudPlan.BASIC, None) is None
    assert unknown_plan_reason(info, Deployment.SELF_HOSTED, None, None) is None
    assert unknown_plan_reason(info, Deployment.CLOUD, None, None) == (
        "the check applies only to the Advanced plan and the Cloud plan is unknown; set plan in"
        " the --crdb-context file or give the audit Cloud access"
    )


def test_demo_without_cloud_section_has_no_cloud_access() -> None:
    with contextlib.ExitStack() as stack:
        request = start_demo_cloud(stack, "mixed")

    assert request.api_key is None
    assert request.use_ccloud is False
