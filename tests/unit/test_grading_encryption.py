import datetime as dt
from typing import Any

import pytest

from pytest_crdb_security.context import Compliance, DataSensitivity
from pytest_crdb_security.evidence.certs import KeyFile
from pytest_crdb_security.evidence.model import Store
from pytest_crdb_security.grading.encryption import (
    certificate_findings,
    grade_certificate_file,
    grade_encryption_at_rest,
    key_findings,
)
from pytest_crdb_security.parsing.certificates import CertificateInfo
from pytest_crdb_security.verdicts import CouldNotEvaluate, Verdict

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


def store(node: int, encrypted: Any = True) -> Store:
    properties: dict[str, Any] = {"read_only": False}
    if encrypted is not None:
        properties["encrypted"] = encrypted
    return Store(node, node, properties)


def test_encryption_all_stores_encrypted_passes() -> None:
    grade = grade_encryption_at_rest([store(1), store(2)], DataSensitivity.PII_PHI)

    assert grade.verdict is Verdict.PASS
    assert grade.detail.startswith(
        "all 2 stores are encrypted at rest (node 1 store 1, node 2 store 2);"
        " SQL does not show the cipher (AES-128 or AES-256)"
    )
    assert "cockroach debug encryption-active-key" in grade.detail
    assert "#/reports/stores/local" in grade.detail


@pytest.mark.parametrize(
    ("sensitivity", "verdict"),
    [
        (DataSensitivity.PII_PHI, Verdict.FAIL),
        (DataSensitivity.FINANCIAL, Verdict.FAIL),
        (DataSensitivity.INTERNAL, Verdict.WARN),
        (DataSensitivity.PUBLIC, Verdict.WARN),
    ],
)
def test_encryption_plaintext_store_by_sensitivity(
    sensitivity: DataSensitivity, verdict: Verdict
) -> None:
    grade = grade_encryption_at_rest([store(1), store(2, False), store(3, False)], sensitivity)

    assert grade.verdict is verdict
    assert grade.rule == "encryption_at_rest_missing"
    assert grade.detail == (
        "2 of 3 stores are not encrypted at rest: node 2 store 2, node 3 store 3;"
        f" data sensitivity is {sensitivity.label}"
    )


def test_encryption_no_store_encrypted() -> None:
    grade = grade_encryption_at_rest([store(1, False), store(2, False)], DataSensitivity.PUBLIC)

    assert grade.verdict is Verdict.WARN
    assert grade.detail == (
        "none of the 2 stores is encrypted at rest: node 1 store 1, node 2 store 2;"
        " data sensitivity is public"
    )


def test_encryption_unknown_store_cannot_be_determined() -> None:
    grade = grade_encryption_at_rest([store(1), store(2, None)], DataSensitivity.INTERNAL)

    assert grade.verdict is Verdict.WARN
    assert grade.rule is None
    assert grade.detail == (
        "1 of 2 stores are encrypted; cannot determine node 2 store 2, which report no"
        " `encrypted` property"
    )


def test_encryption_non_boolean_property_is_unknown() -> None:
    grade = grade_encryption_at_rest([store(1, "true")], DataSensitivity.INTERNAL)

    assert grade.verdict is Verdict.WARN
    assert "cannot determine node 1 store 1" in grade.detail


def test_encryption_plaintext_and_unknown_mentions_both() -> None:
    grade = grade_encryption_at_rest([store(1, False), store(2, None)], DataSensitivity.FINANCIAL)

    assert grade.verdict is Verdict.FAIL
    assert "1 of 2 stores is not encrypted at rest: node 1 store 1" in grade.detail
    assert "cannot determine node 2 store 2" in grade.detail


def test_encryption_without_stores_is_could_not_evaluate() -> None:
    with pytest.raises(CouldNotEvaluate, match="returned no stores"):
        grade_encryption_at_rest([], DataSensitivity.INTERNAL)


def info(**changes: Any) -> CertificateInfo:
    values: dict[str, Any] = {
        "subject": "CN=node",
        "common_name": "node",
        "issuer": "CN=Cockroach CA",
        "self_signed": False,
        "is_ca": False,
        "not_before": NOW - dt.timedelta(days=10),
        "not_after": NOW + dt.timedelta(days=365),
        "key_type": "RSA",
        "key_bits": 2048,
        "curve": None,
        "signature_hash": "sha256",
        "signature_algorithm": "sha256WithRSAEncryption",
    }
    values.update(changes)
    return CertificateInfo(**values)


@pytest.mark.parametrize(
    ("changes", "verdicts", "fragment"),
    [
        ({}, [], ""),
        ({"not_after": NOW + dt.timedelta(days=90)}, [], ""),
        ({"not_after": NOW + dt.timedelta(days=89, hours=23)}, [Verdict.WARN], "in 89 days"),
        ({"not_after": NOW + dt.timedelta(days=30)}, [Verdict.WARN], "in 30 days"),
        ({"not_after": NOW + dt.timedelta(days=29)}, [Verdict.FAIL], "in 29 days"),
        ({"not_after": NOW - dt.timedelta(days=1)}, [Verdict.FAIL], "expired on 2025-05-31"),
        ({"not_before": NOW + dt.timedelta(days=1)}, [Verdict.WARN], "not valid before 2025-06-02"),
        ({"key_bits": 1024}, [Verdict.FAIL], "RSA key of 1024 bits"),
        ({"key_bits": 4096}, [], ""),
        ({"key_type": "EC", "key_bits": 224, "curve": "secp224r1"}, [Verdict.FAIL], "EC key of"),
        ({"key_type": "EC", "key_bits": 256, "curve": "secp256r1"}, [], ""),
        ({"key_type": "Ed25519", "key_bits": 256}, [], ""),
        ({"key_type": "DSA", "key_bits": 2048}, [Verdict.FAIL], "DSA key"),
        ({"signature_hash": "sha1", "signature_algorithm": "sha1WithRSAEncryption"},
         [Verdict.FAIL], "is signed with SHA1 (sha1WithRSAEncryption)"),
        ({"signature_hash": "md5"}, [Verdict.FAIL], "is signed with MD5"),
        ({"signature_hash": None, "key_type": "Ed448", "key_bits": 456}, [], ""),
    ],
)
def test_certificate_findings(
    changes: dict[str, Any], verdicts: list[Verdict], fragment: str
) -> None:
    findings = certificate_findings(info(**changes), NOW)

    assert [verdict for verdict, _ in findings] == verdicts
    assert all(fragment in text for _, text in findings)


@pytest.mark.parametrize(
    ("mode", "uid", "verdicts", "fragment"),
    [
        (0o600, 1000, [], ""),
        (0o400, 1000, [], ""),
        (0o700, 1000, [], ""),
        (0o640, 1000, [Verdict.WARN], "node.key has mode 0640: its group can access"),
        (0o660, 1000, [Verdict.WARN], "COCKROACH_SKIP_KEY_PERMISSION_CHECK"),
        (0o640, 0, [], ""),
        (0o740, 0, [], ""),
        (0o750, 0, [Verdict.WARN], "mode 0750"),
        (0o660, 0, [Verdict.WARN], "mode 0660"),
        (0o604, 0, [Verdict.FAIL], "node.key has mode 0604: other users can access"),
        (0o644, 1000, [Verdict.FAIL], "other users can access"),
        (0o601, 1000, [Verdict.FAIL], "other users can access"),
    ],
)
def test_key_permissions(mode: int, uid: int, verdicts: list[Verdict], fragment: str) -> None:
    findings = key_findings(KeyFile("node.key", mode, uid))

    assert [verdict for verdict, _ in findings] == verdicts
    assert all(fragment in text for _, text in findings)


def test_ca_key_on_node_warns() -> None:
    grade = grade_certificate_file(KeyFile("ca.key", 0o600, 1000), NOW)

    assert grade.verdict is Verdict.WARN
    assert grade.detail == (
        "ca.key: ca.key is in the certificates directory: keep the CA key off the nodes,"
        " because whoever reads it can issue a certificate for any user, root included"
        " (ca.key mode 0600, owner uid 1000)"
    )


def test_unpaired_key_file_passes() -> None:
    grade = grade_certificate_file(KeyFile("client.app.key.pk8", 0o600, 0), NOW)

    assert grade.verdict is Verdict.PASS
    assert grade.detail == "client.app.key.pk8: client.app.key.pk8 mode 0600, owned by root"


@pytest.mark.parametrize("framework", [Compliance.HIPAA, Compliance.PCI_DSS])
def test_plaintext_store_fails_under_encryption_frameworks(framework: Compliance) -> None:
    stores = [Store(1, 1, {"encrypted": True}), Store(2, 2, {"encrypted": False})]

    grade = grade_encryption_at_rest(stores, DataSensitivity.INTERNAL, (framework,))

    assert grade.verdict is Verdict.FAIL
    assert grade.detail.endswith(f"data sensitivity is internal, {framework.value} applies")


def test_plaintext_store_warns_under_gdpr_only() -> None:
    stores = [Store(1, 1, {"encrypted": False})]

    grade = grade_encryption_at_rest(stores, DataSensitivity.INTERNAL, (Compliance.GDPR,))

    assert grade.verdict is Verdict.WARN
