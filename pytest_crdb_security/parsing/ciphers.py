"""Classify TLS cipher suites, by OpenSSL or IANA name, as modern, legacy or broken.

Broken suites give no confidentiality or no authentication in practice: NULL
encryption, anonymous key exchange, EXPORT-grade keys, RC4, single DES and MD5 MACs.
Legacy suites are not broken but fall short of current practice: CBC mode (padding
oracles such as Lucky Thirteen), 3DES (64-bit blocks, Sweet32) and key exchange without
forward secrecy (RSA key transport, static DH or ECDH, plain PSK). Modern suites are
the AEAD suites with ECDHE or DHE, and all TLS 1.3 suites. Go, and so CockroachDB,
offers only modern suites unless ``COCKROACH_TLS_ENABLE_OLD_CIPHER_SUITES`` is set.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class CipherRisk(enum.Enum):
    MODERN = "modern"
    LEGACY = "legacy"
    BROKEN = "broken"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CipherAssessment:
    """A cipher suite name with its weaknesses; ``risk`` is the worst of them."""

    name: str
    risk: CipherRisk
    weaknesses: tuple[str, ...] = ()


# Weaknesses by the verdict they lead to.
NULL_ENCRYPTION = "NULL encryption"
ANONYMOUS = "anonymous key exchange (no server authentication)"
EXPORT = "EXPORT-grade keys"
RC4 = "RC4"
SINGLE_DES = "single DES"
MD5_MAC = "MD5 MAC"
TRIPLE_DES = "3DES (64-bit blocks)"
CBC = "CBC mode"
NO_FORWARD_SECRECY = "no forward secrecy"

BROKEN_WEAKNESSES = frozenset({NULL_ENCRYPTION, ANONYMOUS, EXPORT, RC4, SINGLE_DES, MD5_MAC})

_TLS13_SUITES = frozenset(
    {
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_AES_128_CCM_SHA256",
        "TLS_AES_128_CCM_8_SHA256",
    }
)
_AEAD_MARKERS = ("GCM", "CCM", "CHACHA20", "POLY1305")
_BLOCK_CIPHERS = ("AES", "CAMELLIA", "ARIA", "SEED", "IDEA", "DES", "3DES", "CBC3")
# A name whose cipher words contain none of these is not a suite this module recognises.
_ENCRYPTION_WORDS = (*_BLOCK_CIPHERS, "NULL", "RC4", "RC2", "CHACHA20")
_NAME = re.compile(r"^[A-Z0-9_-]+$")


@dataclass(frozen=True)
class _Parts:
    """A suite name split into its key exchange and its cipher-and-MAC words."""

    key_exchange: tuple[str, ...]
    cipher: tuple[str, ...]


def assess_cipher_suite(name: str) -> CipherAssessment:
    """Classify one suite name such as ``ECDHE-RSA-AES128-GCM-SHA256`` or
    ``TLS_RSA_WITH_3DES_EDE_CBC_SHA``; a name neither scheme explains is UNKNOWN."""
    text = name.strip().upper()
    if text in _TLS13_SUITES:
        return CipherAssessment(name, CipherRisk.MODERN)
    parts = _split(text)
    if parts is None or not any(word.startswith(_ENCRYPTION_WORDS) for word in parts.cipher):
        return CipherAssessment(name, CipherRisk.UNKNOWN, ("name not recognised",))

    weaknesses = _weaknesses(parts)
    if any(weakness in BROKEN_WEAKNESSES for weakness in weaknesses):
        risk = CipherRisk.BROKEN
    elif weaknesses:
        risk = CipherRisk.LEGACY
    else:
        risk = CipherRisk.MODERN
    return CipherAssessment(name, risk, weaknesses)


def _split(text: str) -> _Parts | None:
    if not text or not _NAME.match(text):
        return None
    if text.startswith(("TLS_", "SSL_")):
        # IANA: TLS_<key exchange>_WITH_<cipher>_<MAC>
        if "-" in text:
            return None
        key_exchange, separator, cipher = text[4:].partition("_WITH_")
        if not separator or not key_exchange or not cipher:
            return None
        return _Parts(tuple(key_exchange.split("_")), tuple(cipher.split("_")))
    if "_" in text:
        return None
    return _openssl_parts(tuple(text.split("-")))


# OpenSSL names start with the key exchange when it is not RSA key transport.
_OPENSSL_KEY_EXCHANGE = {
    "ECDHE": ("ECDHE",),
    "DHE": ("DHE",),
    "EDH": ("DHE",),
    "ADH": ("DH", "ANON"),
    "AECDH": ("ECDH", "ANON"),
    "ECDH": ("ECDH",),
    "DH": ("DH",),
    "PSK": ("PSK",),
    "RSA": ("RSA",),
    "SRP": ("SRP",),
    "EXP": ("RSA", "EXPORT"),
    "EXP1024": ("RSA", "EXPORT"),
}
_AUTHENTICATION = ("RSA", "ECDSA", "DSS", "PSK", "ANON")


def _openssl_parts(words: tuple[str, ...]) -> _Parts | None:
    if not all(words):
        return None
    key_exchange: tuple[str, ...] = ("RSA",)
    rest = words
    prefix = _OPENSSL_KEY_EXCHANGE.get(words[0])
    if prefix is not None and len(words) > 1:
        key_exchange = prefix
        rest = words[1:]
        # EXP-EDH-RSA-DES-CBC-SHA and similar carry the key exchange after EXP.
        if "EXPORT" in prefix and rest[0] in _OPENSSL_KEY_EXCHANGE and len(rest) > 1:
            key_exchange = (*_OPENSSL_KEY_EXCHANGE[rest[0]], "EXPORT")
            rest = rest[1:]
        while len(rest) > 1 and rest[0] in _AUTHENTICATION:
            key_exchange = (*key_exchange, rest[0])
            rest = rest[1:]
    if not rest:
        return None
    return _Parts(key_exchange, rest)


def _weaknesses(parts: _Parts) -> tuple[str, ...]:
    key_exchange = set(parts.key_exchange)
    cipher = parts.cipher
    cipher_text = "-".join(cipher)
    found: list[str] = []

    if cipher[0] == "NULL":
        found.append(NULL_ENCRYPTION)
    if "ANON" in key_exchange:
        found.append(ANONYMOUS)
    if "EXPORT" in key_exchange or any(word.startswith(("EXPORT", "EXP")) for word in cipher):
        found.append(EXPORT)
    if any(word.startswith("RC4") for word in cipher):
        found.append(RC4)
    if _is_single_des(cipher):
        found.append(SINGLE_DES)
    if cipher[-1] == "MD5":
        found.append(MD5_MAC)
    if "3DES" in cipher or "CBC3" in cipher:
        found.append(TRIPLE_DES)

    aead = any(marker in cipher_text for marker in _AEAD_MARKERS)
    block = any(word.startswith(_BLOCK_CIPHERS) for word in cipher)
    if block and not aead:
        found.append(CBC)
    if not key_exchange & {"ECDHE", "DHE"} and NULL_ENCRYPTION not in found:
        found.append(NO_FORWARD_SECRECY)
    return tuple(found)


def _is_single_des(cipher: tuple[str, ...]) -> bool:
    for index, word in enumerate(cipher):
        if word in ("DES40", "DES"):
            following = cipher[index + 1] if index + 1 < len(cipher) else ""
            if following != "EDE" and following != "CBC3":
                return True
    return False
