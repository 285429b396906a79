import re
from pathlib import Path

import pytest

from pytest_crdb_security.context import (
    CloudPlan,
    Compliance,
    ContextError,
    load_context_file,
    parse_compliance,
    parse_environment,
    parse_plan,
)
from pytest_crdb_security.redaction import Redactor, redact_uri_credentials
from pytest_crdb_security.target import parse_target_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SOC 2", (Compliance.SOC2,)),
        ("soc2,pci-dss", (Compliance.SOC2, Compliance.PCI_DSS)),
        ("PCI DSS, ISO 27001 ,gdpr", (Compliance.PCI_DSS, Compliance.ISO_27001, Compliance.GDPR)),
        ("hipaa,HIPAA", (Compliance.HIPAA,)),
        ("none", ()),
        ("", ()),
        (["SOC 2", "GDPR"], (Compliance.SOC2, Compliance.GDPR)),
    ],
)
def test_parse_compliance(raw: str | list[str], expected: tuple[Compliance, ...]) -> None:
    assert parse_compliance(raw) == expected


def test_parse_compliance_rejects_unknown() -> None:
    with pytest.raises(
        ContextError, match=r"invalid compliance framework 'SOX': use one or more of"
    ):
        parse_compliance("SOC 2,SOX")


def test_parse_environment_lists_allowed() -> None:
    with pytest.raises(ContextError, match="'prod': use one of production, staging"):
        parse_environment("prod")


@pytest.mark.parametrize(
    ("raw", "plan"),
    [
        ("Standard", CloudPlan.STANDARD),
        ("SERVERLESS", CloudPlan.BASIC),
        ("dedicated", CloudPlan.ADVANCED),
        ("ADVANCED", CloudPlan.ADVANCED),
    ],
)
def test_parse_plan(raw: str, plan: CloudPlan) -> None:
    assert parse_plan(raw) is plan


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("environment: [prod\n", "invalid YAML in context file"),
        ("- a\n- b\n", "expected a mapping"),
        ("enviroment: staging\n", "unknown key 'enviroment'"),
        ("environment: 3\n", "invalid value for 'environment'"),
    ],
)
def test_context_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "context.yaml"
    path.write_text(text)

    with pytest.raises(ContextError, match=message):
        load_context_file(path)


def test_context_file_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="cannot read context file"):
        load_context_file(tmp_path / "missing.yaml")


def test_target_keeps_password_out_of_display() -> None:
    target = parse_target_url(
        "postgresql://auditor:p%40ss-w0rd@db.example.internal:26257/defaultdb?sslmode=verify-full"
    )

    assert target.password == "p@ss-w0rd"
    assert target.display_url == (
        "postgresql://auditor@db.example.internal:26257/defaultdb?sslmode=verify-full"
    )
    assert target.address == "db.example.internal:26257"
    assert not target.is_cloud_host


def test_target_password_in_query_is_masked() -> None:
    target = parse_target_url("postgresql://auditor@h/db?password=hunter22&sslmode=require")

    assert target.password == "hunter22"
    assert "hunter22" not in target.display_url


def test_target_cloud_host_and_default_port() -> None:
    target = parse_target_url("postgres://u:p@my-cluster-7xd.aws-us-east-1.cockroachlabs.cloud/db")

    assert target.is_cloud_host
    assert target.port == 26257


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:topsecret@h/db", "the scheme must be postgresql://"),
        ("postgresql://u:topsecret@:26257/db", "the host is missing"),
        ("postgresql://u:topsecret@h:notaport/db", "invalid --crdb-url"),
    ],
)
def test_target_errors_hide_password(url: str, message: str) -> None:
    with pytest.raises(ContextError, match=message) as raised:
        parse_target_url(url)

    assert "topsecret" not in str(raised.value)


def test_redactor_masks_known_secrets_and_uri_credentials() -> None:
    redact = Redactor(["s3cr3t-value"])

    text = redact(
        "pw s3cr3t-value in s3://b/p?AWS_SECRET_ACCESS_KEY=abc&x=1 and postgresql://u:pw1@h"
    )

    assert "s3cr3t-value" not in text
    assert "abc" not in text
    assert "pw1" not in text
    assert "x=1" in text


def test_redact_uri_credentials_leaves_plain_text() -> None:
    assert redact_uri_credentials("nothing to hide here") == "nothing to hide here"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("s3://AKIDLEAK1:Sl/ash9@bucket/x rejected", "Sl/ash9"),
        ("s3://AKIDLEAK1:Sl/ash9@bucket/x rejected", "AKIDLEAK1"),
        ("s3://AKIAX:at@sign@bucket/p", "sign"),
        ("AWS_SECRET_ACCESS_KEY: ColonSecret6 invalid", "ColonSecret6"),
        ("gs://b/p?AUTH=specified&CREDENTIALS=GcsSecret", "GcsSecret"),
        ('ldapbindpasswd="quoted secret" next', "quoted secret"),
        ("password: 'single quoted' rest", "single quoted"),
        ("azure://c/p?AZURE_ACCOUNT_KEY=Zm9vYmFy&x=1", "Zm9vYmFy"),
    ],
)
def test_redact_uri_credentials_masks(text: str, secret: str) -> None:
    assert secret not in redact_uri_credentials(text)


def test_redact_uri_credentials_keeps_plain_urls() -> None:
    for text in ("postgresql://auditor@h:26257/db", "see https://example.com/a:b here"):
        assert redact_uri_credentials(text) == text


@pytest.mark.parametrize(
    "raw",
    [
        "auditor:NoSchemePw-1@127.0.0.1:26257/defaultdb",
        "host=127.0.0.1 port=26257 user=auditor password=NoSchemePw-1",
    ],
)
def test_target_without_scheme_is_not_echoed(raw: str) -> None:
    with pytest.raises(ContextError, match="not a postgresql:// URL") as raised:
        parse_target_url(raw)

    assert "NoSchemePw-1" not in str(raised.value)


@pytest.mark.parametrize(
    ("query", "mode", "verifies"),
    [
        ("", "prefer", False),
        ("?sslmode=require", "require", False),
        ("?sslmode=verify-ca&sslrootcert=ca.crt", "verify-ca", True),
        ("?sslmode=verify-full", "verify-full", True),
    ],
)
def test_target_sslmode(query: str, mode: str, verifies: bool) -> None:
    target = parse_target_url(f"postgresql://u@h:26257/db{query}")

    assert target.sslmode == mode
    assert target.verifies_server is verifies


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("postgresql://auditor:Hunter22@corp@127.0.0.1:1/x", "unencoded '@' or space"),
        ("postgresql://auditor:Hunter 22@127.0.0.1:1/x", "unencoded '@' or space"),
        ("postgresql://auditor:Hunter22@[::1/x", "Invalid IPv6 URL"),
        ("postgres//auditor:Hunter22@127.0.0.1/x", "not a postgresql:// URL"),
    ],
)
def test_target_malformed_userinfo_and_hosts(raw: str, message: str) -> None:
    with pytest.raises(ContextError, match=re.escape(message)) as raised:
        parse_target_url(raw)

    assert "Hunter" not in str(raised.value)
    assert "corp" not in str(raised.value)


def test_redact_keeps_placeholders() -> None:
    text = "SET CLUSTER SETTING server.oidc_authentication.client_secret = '<client_secret>';"

    assert redact_uri_credentials(text) == text
