"""Encryption checks: encryption at rest per store, and the node's TLS certificates."""

import datetime as dt

import pytest

from pytest_crdb_security.context import AuditContext
from pytest_crdb_security.evidence.certs import CertificatesDirectory
from pytest_crdb_security.evidence.model import SqlEvidence, require
from pytest_crdb_security.fixtures import certs_evidence, crdb_certs
from pytest_crdb_security.grading.encryption import (
    grade_certificate_file,
    grade_encryption_at_rest,
    grade_tls_directory,
)
from pytest_crdb_security.verdicts import CouldNotEvaluate, conclude

# NOTE: plugin.py registers only the fixtures it imports; importing crdb_certs here
# makes it visible to this module until the plugin imports it too.
__all__ = ["crdb_certs"]

pytestmark = pytest.mark.encryption

# The single item of the per-file check when there is no file list to expand.
DIRECTORY_ITEM = "certs-dir"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "crdb_cert_file" not in metafunc.fixturenames:
        return
    evidence = certs_evidence(metafunc.config)
    names = [DIRECTORY_ITEM]
    if isinstance(evidence, CertificatesDirectory) and evidence.item_names:
        names = evidence.item_names
    metafunc.parametrize("crdb_cert_file", names, ids=names, scope="function")


@pytest.mark.check("encryption-at-rest", "Enterprise Encryption")
@pytest.mark.severity("high")
@pytest.mark.deployment("self-hosted")
def test_encryption_at_rest(crdb_sql: SqlEvidence, crdb_context: AuditContext) -> None:
    """Every store should be encrypted at rest with Enterprise Encryption.

    The state comes from ``crdb_internal.kv_store_status`` (``properties->encrypted``);
    there is no cluster setting for it. Remediation: restart each node with
    ``--enterprise-encryption=path=<store>,key=<aes-256 key file>,old-key=plain``, with
    a key made by ``cockroach gen encryption-key -s 256 <file>``.
    """
    stores = require(crdb_sql.stores)
    context = crdb_context
    conclude(grade_encryption_at_rest(stores, context.data_sensitivity, context.compliance))


@pytest.mark.check("tls", "TLS")
@pytest.mark.severity("high")
@pytest.mark.deployment("self-hosted")
def test_tls(crdb_context: AuditContext, request: pytest.FixtureRequest) -> None:
    """Node and client certificates should stay valid for 90+ days with strong keys
    and signatures, and private keys should be readable only by their owner.

    CockroachDB Cloud manages these files, so there the TLS served certificate check
    grades what the cluster serves instead. Remediation: ``cockroach cert create-node`` or
    ``create-client`` with ``--key-size 2048`` or more before expiry, and ``chmod 0600``
    on every key file.
    """
    directory: CertificatesDirectory = request.getfixturevalue("crdb_certs")
    conclude(grade_tls_directory(directory, dt.datetime.now(dt.timezone.utc)))


@pytest.mark.check("tls-certificate", "TLS certificate")
@pytest.mark.severity("high")
@pytest.mark.deployment("self-hosted")
def test_tls_certificate(crdb_certs: CertificatesDirectory, crdb_cert_file: str) -> None:
    """Each certificate file should be valid for 90+ days, with an RSA key of 2048+ bits
    or an EC key of 256+ bits, signed without SHA-1 or MD5, and its key file mode 0600.

    Each file of the certificates directory is its own item. Remediation: reissue the
    certificate with ``cockroach cert create-node``/``create-client``, and ``chmod 0600
    <name>.key``.
    """
    item = crdb_certs.item(crdb_cert_file)
    if item is None:
        raise CouldNotEvaluate(f"no certificate or key files in {str(crdb_certs.path)!r}")
    conclude(grade_certificate_file(item, dt.datetime.now(dt.timezone.utc)))
