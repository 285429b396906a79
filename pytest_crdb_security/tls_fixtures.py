"""The TLS probe's place in a pytest run: started with the session, awaited by checks."""

from __future__ import annotations

import datetime as dt

import pytest

from pytest_crdb_security.context import AuditContext
from pytest_crdb_security.evidence.tls_background import BackgroundTlsProbe
from pytest_crdb_security.evidence.tls_handshake import build_contexts
from pytest_crdb_security.evidence.tls_model import TlsEvidence
from pytest_crdb_security.evidence.tls_settings import probe_settings
from pytest_crdb_security.grading.tls_served import grade_served_certificate
from pytest_crdb_security.session import AuditSession
from pytest_crdb_security.verdicts import CouldNotEvaluate, Verdict

tls_probe_key = pytest.StashKey[BackgroundTlsProbe]()


def start_tls_probe(config: pytest.Config, audit: AuditSession) -> None:
    """Start the probe of the target's SQL port on a background thread.

    Runs on the main thread, before the SQL evidence is collected, because the client
    contexts must be built there (see ``build_contexts``).
    """
    settings = probe_settings(audit.target, audit.request.timeout)
    audit.redact.add(settings.client_key_password)
    config.stash[tls_probe_key] = BackgroundTlsProbe(settings, build_contexts(settings))


def tls_failure_hint(config: pytest.Config, audit: AuditSession) -> str:
    """Return the TLS probe's WARN or FAIL finding on the served certificate, for the
    message of a failed SQL connection, or "" when it has none.

    A certificate that libpq rejects ends the run before any check, so this is the only
    place an expired or misnamed certificate is named. Waits at most the connect timeout.
    """
    probe = config.stash.get(tls_probe_key, None)
    if probe is None:
        return ""
    try:
        evidence = probe.result(timeout=probe.settings.connect_timeout)
        now = dt.datetime.now(dt.timezone.utc)
        grade = grade_served_certificate(evidence, audit.context.deployment, now)
    except CouldNotEvaluate:
        return ""
    if grade.verdict not in (Verdict.FAIL, Verdict.WARN):
        return ""
    return audit.redact(f"; the TLS probe found: {grade.detail}")


def stop_tls_probe(config: pytest.Config) -> None:
    """Cancel the probe's remaining steps and wait for the running ones to end."""
    probe = config.stash.get(tls_probe_key, None)
    if probe is not None:
        probe.stop()


@pytest.fixture(scope="session")
def crdb_tls(request: pytest.FixtureRequest, crdb_context: AuditContext) -> TlsEvidence:
    """Evidence of the TLS probe of the SQL port; waits for the probe, at most its budget."""
    probe = request.config.stash.get(tls_probe_key, None)
    if probe is None:
        raise CouldNotEvaluate("the TLS probe was not started for this run")
    return probe.result()
