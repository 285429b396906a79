"""The served certificate chain and the CA certificates that issued it.

Python before 3.13 returns only the leaf of the served chain, so the rest comes from
``openssl s_client -showcerts`` when that command exists. Behind a load balancer that
run may reach another node; its chain is used only when its leaf is the same.
CockroachDB nodes usually send only the node certificate, so the CA certificate is
taken from ``sslrootcert`` when the URL names one.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pytest_crdb_security.evidence.tls_model import ChainTrust, ServedCertificate, Untestable
from pytest_crdb_security.evidence.tls_settings import SYSTEM_ROOTS, Deadline, TlsProbeSettings
from pytest_crdb_security.evidence.tls_tools import OpensslTool, run_s_client
from pytest_crdb_security.parsing.certificates import CertificateInfo, describe_certificate
from pytest_crdb_security.parsing.hostnames import match_host

# sslrootcert files are small PEM bundles; a larger file is not read for CA facts.
MAX_ROOTS_BYTES = 4 * 1024 * 1024


def chain_from_openssl(
    tool: OpensslTool | Untestable,
    settings: TlsProbeSettings,
    deadline: Deadline,
    client_certificate: bool,
) -> tuple[bytes, ...] | str:
    """Return the DER certificates ``s_client -showcerts`` received, or the reason there
    are none."""
    if isinstance(tool, Untestable):
        return (
            "only the leaf is known, because Python before 3.13 cannot read the served chain"
            f" and {tool.reason}"
        )
    if deadline.expired():
        return f"only the leaf is known ({deadline.reason()})"
    timeout = deadline.bound(settings.connect_timeout + 5)
    run = run_s_client(tool, settings, ["-showcerts"], timeout, client_certificate)
    if run.output is None or not run.output.certificates:
        reason = run.failure if run.output is None else "it printed no certificate"
        return f"only the leaf is known: openssl s_client -showcerts failed ({reason})"
    chain = []
    for block in run.output.certificates:
        try:
            certificate = x509.load_pem_x509_certificate(block.encode("ascii"))
        except ValueError:
            return (
                "only the leaf is known: openssl s_client -showcerts printed an invalid certificate"
            )
        chain.append(certificate.public_bytes(serialization.Encoding.DER))
    return tuple(chain)


def served_certificate(
    leaf_der: bytes,
    chain: tuple[bytes, ...] | str,
    settings: TlsProbeSettings,
    trust: ChainTrust,
) -> ServedCertificate:
    """Describe the leaf, the rest of the served chain and the issuing CA certificates.

    ``chain`` is the served chain in DER, leaf first, or the reason it is unknown.
    """
    leaf = x509.load_der_x509_certificate(leaf_der)
    note = chain if isinstance(chain, str) else None
    rest: list[x509.Certificate] = []
    if isinstance(chain, tuple):
        if chain and chain[0] != leaf_der:
            note = (
                "only the leaf is known: the chain came from a connection that reached a server"
                " with another certificate (a load balancer in front of several nodes?)"
            )
        else:
            rest = [x509.load_der_x509_certificate(item) for item in chain[1:]]
    issuers, roots_note = _issuers_from_roots(settings, rest[-1] if rest else leaf)
    if roots_note is not None:
        note = f"{note}; {roots_note}" if note else roots_note
    return ServedCertificate(
        leaf=describe_certificate(leaf),
        served_chain=tuple(describe_certificate(item) for item in rest),
        issuers=issuers,
        host=match_host(leaf, settings.host),
        trust=trust,
        chain_note=note,
    )


def _issuers_from_roots(
    settings: TlsProbeSettings, last: x509.Certificate
) -> tuple[tuple[CertificateInfo, ...], str | None]:
    roots = settings.root_certificates
    if roots is None or roots == SYSTEM_ROOTS or last.subject == last.issuer:
        return (), None
    try:
        with open(roots, "rb") as file:
            data = file.read(MAX_ROOTS_BYTES + 1)
    except OSError as error:
        return (), f"cannot read sslrootcert {roots!r}: {error.strerror or error}"
    if len(data) > MAX_ROOTS_BYTES:
        return (), f"sslrootcert {roots!r} is larger than 4 MiB, so its CA was not read"
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        return (), f"sslrootcert {roots!r} contains no PEM certificate"
    issuers = tuple(
        describe_certificate(certificate)
        for certificate in certificates
        if certificate.subject == last.issuer
    )
    if not issuers:
        issuer = last.issuer.rfc4514_string()
        return (), f"sslrootcert {roots!r} contains no certificate of the issuer {issuer}"
    return issuers, None
