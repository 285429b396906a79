"""Grading of encryption at rest per store, and of the TLS certificates and keys of a node."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pytest_crdb_security.context import Compliance, DataSensitivity
from pytest_crdb_security.evidence.certs import CertificateFile, CertificatesDirectory, KeyFile
from pytest_crdb_security.evidence.model import Store
from pytest_crdb_security.grading.text import join_names, plural
from pytest_crdb_security.parsing.certificates import CertificateInfo
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

SENSITIVE_DATA = (DataSensitivity.PII_PHI, DataSensitivity.FINANCIAL)

CIPHER_HINT = (
    "SQL does not show the cipher (AES-128 or AES-256): run `cockroach debug"
    " encryption-active-key <store dir>` on each node or open the DB Console stores report"
    " (#/reports/stores/local) to see it"
)

# Certificate expiry thresholds in days and minimum key sizes in bits.
EXPIRY_FAIL_DAYS = 30
EXPIRY_WARN_DAYS = 90
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
WEAK_HASHES = frozenset({"md5", "sha1"})
# CockroachDB (documented for v24.1) accepts a group-readable key only when root owns it.
ROOT_GROUP_READ_MODE = 0o740

_RANK = {Verdict.PASS: 0, Verdict.INFO: 0, Verdict.WARN: 1, Verdict.FAIL: 2}


def _worst(verdicts: Sequence[Verdict]) -> Verdict:
    return max(verdicts, key=lambda verdict: _RANK[verdict], default=Verdict.PASS)


def _store_name(store: Store) -> str:
    return f"node {store.node_id} store {store.store_id}"


# Frameworks whose controls require encryption at rest whatever the declared sensitivity.
REQUIRES_ENCRYPTION = frozenset({Compliance.HIPAA, Compliance.PCI_DSS})


def grade_encryption_at_rest(
    stores: Sequence[Store],
    sensitivity: DataSensitivity,
    compliance: Sequence[Compliance] = (),
) -> Grade:
    """Grade encryption at rest store by store.

    Every store encrypted: PASS (the cipher is not visible from SQL). A plaintext store: FAIL
    with rule ``encryption_at_rest_missing`` when the data is PII/PHI or financial, or when a
    framework that requires encryption at rest (HIPAA, PCI DSS) applies; WARN otherwise. A
    store without an ``encrypted`` property cannot be judged: WARN when no store is plaintext.
    """
    required_by = [framework for framework in compliance if framework in REQUIRES_ENCRYPTION]
    if not stores:
        raise CouldNotEvaluate(
            "crdb_internal.kv_store_status returned no stores, so encryption at rest cannot"
            " be judged"
        )
    plaintext = [_store_name(store) for store in stores if store.encrypted is False]
    unknown = [_store_name(store) for store in stores if store.encrypted is None]
    unknown_text = (
        f"; cannot determine {join_names(unknown)}, which report no `encrypted` property"
        if unknown
        else ""
    )

    if plaintext:
        if len(plaintext) == len(stores):
            count = f"none of the {plural(len(stores), 'store')} is encrypted at rest"
        else:
            verb = "is" if len(plaintext) == 1 else "are"
            count = (
                f"{len(plaintext)} of {plural(len(stores), 'store')} {verb} not encrypted at rest"
            )
        detail = (
            f"{count}: {join_names(plaintext)}; data sensitivity is {sensitivity.label}"
            + "".join(f", {framework.value} applies" for framework in required_by)
            + unknown_text
        )
        if sensitivity in SENSITIVE_DATA or required_by:
            return Grade(Verdict.FAIL, detail, rule="encryption_at_rest_missing")
        return Grade(Verdict.WARN, detail, rule="encryption_at_rest_missing")
    if unknown:
        encrypted = len(stores) - len(unknown)
        return Grade(
            Verdict.WARN,
            f"{encrypted} of {plural(len(stores), 'store')} are encrypted{unknown_text}",
        )
    return Grade(
        Verdict.PASS,
        f"all {plural(len(stores), 'store')} are encrypted at rest"
        f" ({join_names([_store_name(store) for store in stores])}); {CIPHER_HINT}",
    )


def _date(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def certificate_findings(info: CertificateInfo, now: dt.datetime) -> list[tuple[Verdict, str]]:
    """Grade one certificate: expiry, key type and size, and signature hash."""
    findings = []
    days = info.days_left(now)
    if days < 0:
        findings.append((Verdict.FAIL, f"expired on {_date(info.not_after)}"))
    elif days < EXPIRY_FAIL_DAYS:
        findings.append((Verdict.FAIL, f"expires on {_date(info.not_after)}, in {int(days)} days"))
    elif days < EXPIRY_WARN_DAYS:
        findings.append((Verdict.WARN, f"expires on {_date(info.not_after)}, in {int(days)} days"))
    if info.not_before > now:
        findings.append((Verdict.WARN, f"is not valid before {_date(info.not_before)}"))

    bits = info.key_bits or 0
    if info.key_type == "RSA" and bits < MIN_RSA_BITS:
        findings.append((Verdict.FAIL, f"has an RSA key of {bits} bits, under {MIN_RSA_BITS}"))
    elif info.key_type == "EC" and bits < MIN_EC_BITS:
        findings.append((Verdict.FAIL, f"has an EC key of {bits} bits, under {MIN_EC_BITS}"))
    elif info.key_type == "DSA":
        findings.append((Verdict.FAIL, "has a DSA key, which TLS 1.3 does not support"))
    elif info.key_type not in ("RSA", "EC", "Ed25519", "Ed448"):
        findings.append((Verdict.WARN, f"has a key of unknown type {info.key_type}"))

    if info.signature_hash in WEAK_HASHES:
        weak = info.signature_hash.upper()
        findings.append((Verdict.FAIL, f"is signed with {weak} ({info.signature_algorithm})"))
    return findings


def _certificate_facts(info: CertificateInfo, now: dt.datetime) -> str:
    role = " (CA)" if info.is_ca else ""
    return (
        f"{info.name()}{role}, {info.key_label()} key, {info.signature_algorithm},"
        f" valid until {_date(info.not_after)} ({int(info.days_left(now))} days)"
    )


def key_findings(key: KeyFile) -> list[tuple[Verdict, str]]:
    """Grade a private key file by its permission bits and owner, and by what it is."""
    findings = []
    if key.name == "ca.key":
        findings.append(
            (
                Verdict.WARN,
                "ca.key is in the certificates directory: keep the CA key off the nodes,"
                " because whoever reads it can issue a certificate for any user, root included",
            )
        )
    mode = key.mode
    if mode & 0o007:
        findings.append(
            (
                Verdict.FAIL,
                f"{key.name} has mode {key.mode_text}: other users can access the private key",
            )
        )
    elif mode & 0o070 and not (key.uid == 0 and mode & ~ROOT_GROUP_READ_MODE == 0):
        findings.append(
            (
                Verdict.WARN,
                f"{key.name} has mode {key.mode_text}: its group can access the private key;"
                " CockroachDB rejects such keys unless root owns the file with mode 0740 or"
                " narrower, or COCKROACH_SKIP_KEY_PERMISSION_CHECK is set",
            )
        )
    return findings


def _key_facts(key: KeyFile) -> str:
    owner = "owned by root" if key.uid == 0 else f"owner uid {key.uid}"
    return f"{key.name} mode {key.mode_text}, {owner}"


def grade_certificate_file(item: CertificateFile | KeyFile, now: dt.datetime) -> Grade:
    """Grade one file of the certificates directory, with its private key if any.

    FAIL: a certificate expired or expiring in under 30 days, an RSA key under 2048 bits,
    an EC key under 256 bits, a DSA key, a SHA-1 or MD5 signature, or a private key that
    other users can access. WARN: expiry in 30 to 90 days, a key readable by its group
    (unless root owns it with mode 0740 or narrower), or ``ca.key`` on the node.
    PASS: otherwise. A file that does not parse is could-not-evaluate.
    """
    if isinstance(item, KeyFile):
        findings = key_findings(item)
        facts = _key_facts(item)
    else:
        if item.error is not None or not item.certificates:
            raise CouldNotEvaluate(f"{item.name}: {item.error or 'contains no certificate'}")
        findings = []
        several = len(item.certificates) > 1
        for info in item.certificates:
            prefix = f"{info.name()} " if several else ""
            for verdict, text in certificate_findings(info, now):
                findings.append((verdict, prefix + text))
        facts = "; ".join(_certificate_facts(info, now) for info in item.certificates)
        if several:
            facts = f"{plural(len(item.certificates), 'certificate')}: {facts}"
        if item.key is not None:
            findings += key_findings(item.key)
            facts += f"; {_key_facts(item.key)}"

    verdict = _worst([found for found, _ in findings])
    if not findings:
        return Grade(verdict, f"{item.name}: {facts}")
    ordered = sorted(findings, key=lambda found: -_RANK[found[0]])
    problems = "; ".join(text for _, text in ordered)
    return Grade(verdict, f"{item.name}: {problems} ({facts})")


def grade_tls_directory(directory: CertificatesDirectory, now: dt.datetime) -> Grade:
    """Summarize the certificates directory with the worst verdict of its files.

    A file that cannot be parsed makes the summary at least WARN, never PASS.
    """
    names = directory.item_names
    if not names:
        raise CouldNotEvaluate(
            f"no certificate (*.crt, *.pem) or key (*.key) files in {str(directory.path)!r};"
            " pass the node's --certs-dir"
        )
    verdicts = []
    problems = []
    for name in names:
        item = directory.item(name)
        assert item is not None
        try:
            grade = grade_certificate_file(item, now)
        except CouldNotEvaluate as error:
            verdicts.append(Verdict.WARN)
            problems.append(f"{error.reason} (not evaluated)")
            continue
        verdicts.append(grade.verdict)
        if grade.verdict is not Verdict.PASS:
            problems.append(grade.detail)

    expiries = [
        (info.not_after, file.name)
        for file in directory.certificate_files
        for info in file.certificates
    ]
    earliest = ""
    if expiries:
        moment, name = min(expiries)
        earliest = f"; earliest expiry {name} on {_date(moment)}"
    summary = f"{plural(len(names), 'file')} in {directory.path}{earliest}"
    verdict = _worst(verdicts)
    if problems:
        return Grade(verdict, f"{summary}: " + "; ".join(problems))
    return Grade(
        verdict,
        f"{summary}: every certificate is valid for {EXPIRY_WARN_DAYS}+ days with a strong key"
        " and signature, and every private key is readable only by its owner",
    )
