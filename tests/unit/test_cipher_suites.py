"""Classification of cipher suite names, OpenSSL and IANA, as modern, legacy or broken."""

from __future__ import annotations

import pytest

from pytest_crdb_security.parsing.ciphers import (
    ANONYMOUS,
    CBC,
    EXPORT,
    MD5_MAC,
    NO_FORWARD_SECRECY,
    NULL_ENCRYPTION,
    RC4,
    SINGLE_DES,
    TRIPLE_DES,
    CipherRisk,
    assess_cipher_suite,
)

MODERN = CipherRisk.MODERN
LEGACY = CipherRisk.LEGACY
BROKEN = CipherRisk.BROKEN
UNKNOWN = CipherRisk.UNKNOWN

CASES = [
    # Go's default suites, OpenSSL and IANA names.
    ("ECDHE-RSA-AES128-GCM-SHA256", MODERN, ()),
    ("ECDHE-ECDSA-AES256-GCM-SHA384", MODERN, ()),
    ("ECDHE-ECDSA-CHACHA20-POLY1305", MODERN, ()),
    ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", MODERN, ()),
    ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", MODERN, ()),
    ("DHE-RSA-AES256-GCM-SHA384", MODERN, ()),
    ("ECDHE-ECDSA-AES128-CCM", MODERN, ()),
    # TLS 1.3 suites, lower case too.
    ("TLS_AES_128_GCM_SHA256", MODERN, ()),
    ("TLS_CHACHA20_POLY1305_SHA256", MODERN, ()),
    ("tls_aes_256_gcm_sha384", MODERN, ()),
    # Legacy: CBC, no forward secrecy, 3DES.
    ("ECDHE-RSA-AES128-SHA", LEGACY, (CBC,)),
    ("ECDHE-RSA-AES128-SHA256", LEGACY, (CBC,)),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", LEGACY, (CBC,)),
    ("AES128-SHA", LEGACY, (CBC, NO_FORWARD_SECRECY)),
    ("AES128-GCM-SHA256", LEGACY, (NO_FORWARD_SECRECY,)),
    ("TLS_RSA_WITH_AES_256_GCM_SHA384", LEGACY, (NO_FORWARD_SECRECY,)),
    ("DES-CBC3-SHA", LEGACY, (TRIPLE_DES, CBC, NO_FORWARD_SECRECY)),
    ("ECDHE-RSA-DES-CBC3-SHA", LEGACY, (TRIPLE_DES, CBC)),
    ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", LEGACY, (TRIPLE_DES, CBC, NO_FORWARD_SECRECY)),
    ("ECDH-RSA-AES128-SHA", LEGACY, (CBC, NO_FORWARD_SECRECY)),
    ("PSK-AES128-CBC-SHA", LEGACY, (CBC, NO_FORWARD_SECRECY)),
    ("CAMELLIA128-SHA", LEGACY, (CBC, NO_FORWARD_SECRECY)),
    ("AES128-CCM8", LEGACY, (NO_FORWARD_SECRECY,)),
    # Broken: NULL, anonymous, EXPORT, RC4, single DES, MD5.
    ("NULL-SHA256", BROKEN, (NULL_ENCRYPTION,)),
    ("ECDHE-RSA-NULL-SHA", BROKEN, (NULL_ENCRYPTION,)),
    ("TLS_NULL_WITH_NULL_NULL", BROKEN, (NULL_ENCRYPTION,)),
    ("TLS_RSA_WITH_NULL_SHA256", BROKEN, (NULL_ENCRYPTION,)),
    ("ADH-AES128-SHA", BROKEN, (ANONYMOUS, CBC, NO_FORWARD_SECRECY)),
    ("AECDH-AES256-SHA", BROKEN, (ANONYMOUS, CBC, NO_FORWARD_SECRECY)),
    ("TLS_DH_anon_WITH_AES_128_CBC_SHA", BROKEN, (ANONYMOUS, CBC, NO_FORWARD_SECRECY)),
    ("RC4-SHA", BROKEN, (RC4, NO_FORWARD_SECRECY)),
    ("ECDHE-RSA-RC4-SHA", BROKEN, (RC4,)),
    ("RC4-MD5", BROKEN, (RC4, MD5_MAC, NO_FORWARD_SECRECY)),
    ("EXP-RC4-MD5", BROKEN, (EXPORT, RC4, MD5_MAC, NO_FORWARD_SECRECY)),
    ("EXP-EDH-RSA-DES-CBC-SHA", BROKEN, (EXPORT, SINGLE_DES, CBC)),
    ("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", BROKEN, (EXPORT, SINGLE_DES, CBC, NO_FORWARD_SECRECY)),
    ("DES-CBC-SHA", BROKEN, (SINGLE_DES, CBC, NO_FORWARD_SECRECY)),
    ("TLS_RSA_WITH_DES_CBC_SHA", BROKEN, (SINGLE_DES, CBC, NO_FORWARD_SECRECY)),
]


@pytest.mark.parametrize(("name", "risk", "weaknesses"), CASES, ids=[case[0] for case in CASES])
def test_known_suite(name: str, risk: CipherRisk, weaknesses: tuple[str, ...]) -> None:
    assessment = assess_cipher_suite(name)

    assert assessment.risk is risk
    assert assessment.weaknesses == weaknesses
    assert assessment.name == name


MALFORMED = [
    "",
    "   ",
    "(NONE)",
    "0000",
    "FOO",
    "TLS_FOO",
    "TLS_RSA_WITH_",
    "ECDHE--AES128-SHA",
    "ECDHE-RSA-",
    "ECDHE RSA AES128",
    "TLS_ECDHE-RSA_WITH_AES",
    "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC",
]


@pytest.mark.parametrize("name", MALFORMED)
def test_unrecognised_name_is_unknown(name: str) -> None:
    assessment = assess_cipher_suite(name)

    assert assessment.risk is UNKNOWN
    assert assessment.weaknesses == ("name not recognised",)
