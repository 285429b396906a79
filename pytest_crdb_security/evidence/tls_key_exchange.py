"""Post-quantum hybrid key exchange: offer X25519MLKEM768 in a TLS 1.3 handshake.

OpenSSL offers X25519MLKEM768 from version 3.5. Older versions can still show which
classical group the server picks from the local default groups, but not whether it
would accept the hybrid one, so the result is then "cannot test", never "not supported".
"""

from __future__ import annotations

from pytest_crdb_security.evidence.model import Unavailable
from pytest_crdb_security.evidence.tls_model import KeyExchangeProbe, ProbeStatus, Untestable
from pytest_crdb_security.evidence.tls_settings import Deadline, TlsProbeSettings
from pytest_crdb_security.evidence.tls_tools import OpensslTool, run_s_client
from pytest_crdb_security.parsing.openssl_output import HandshakeOutcome, classify_s_client

HYBRID_GROUP = "X25519MLKEM768"
# The hybrid group first and classical X25519 as the fallback, as clients offer them.
OFFERED_GROUPS = f"{HYBRID_GROUP}:X25519"
HYBRID_MINIMUM_OPENSSL = (3, 5)
DEFAULT_GROUPS = "the local default groups"


def probe_key_exchange(
    tool: OpensslTool | Untestable,
    settings: TlsProbeSettings,
    deadline: Deadline,
    client_certificate: bool,
) -> KeyExchangeProbe | Untestable | Unavailable:
    """Offer X25519MLKEM768 and X25519 over TLS 1.3 and report the group the server chose."""
    if isinstance(tool, Untestable):
        return Untestable(f"cannot test {HYBRID_GROUP}: {tool.reason}")
    if deadline.expired():
        return Unavailable(deadline.reason())

    timeout = deadline.bound(settings.connect_timeout + 5)
    if not tool.version.at_least(*HYBRID_MINIMUM_OPENSSL):
        cannot = f"{tool.label} cannot offer {HYBRID_GROUP}, so install OpenSSL 3.5+ to test it"
        run = run_s_client(tool, settings, ["-tls1_3"], timeout, client_certificate)
        group = None
        if run.output is not None:
            outcome, _ = classify_s_client(run.output)
            group = run.output.group if outcome is HandshakeOutcome.ACCEPTED else None
        return KeyExchangeProbe(ProbeStatus.UNTESTABLE, DEFAULT_GROUPS, group, cannot)

    # NOTE: the branches below have run only against canned OpenSSL 3.5 output, because
    # the test machine has OpenSSL 3.0.19.
    options = ["-tls1_3", "-groups", OFFERED_GROUPS]
    run = run_s_client(tool, settings, options, timeout, client_certificate)
    if run.output is None:
        return Unavailable(f"the {HYBRID_GROUP} handshake failed: {run.failure}")
    outcome, reason = classify_s_client(run.output)
    if outcome is HandshakeOutcome.ACCEPTED:
        return KeyExchangeProbe(
            ProbeStatus.ACCEPTED, OFFERED_GROUPS, run.output.group, f"with {tool.label}"
        )
    if outcome is HandshakeOutcome.REJECTED:
        return KeyExchangeProbe(ProbeStatus.REJECTED, OFFERED_GROUPS, None, reason)
    if outcome is HandshakeOutcome.LOCAL_UNSUPPORTED:
        return KeyExchangeProbe(
            ProbeStatus.UNTESTABLE,
            OFFERED_GROUPS,
            None,
            f"{tool.label} cannot offer {HYBRID_GROUP} ({reason}); use an OpenSSL 3.5+ build"
            " with ML-KEM enabled to test",
        )
    return Unavailable(f"the {HYBRID_GROUP} handshake failed: {reason}")
