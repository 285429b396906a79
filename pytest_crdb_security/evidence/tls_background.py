"""Run the TLS probe on a background thread while the SQL evidence is collected."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from pytest_crdb_security.evidence.tls_handshake import ClientContexts
from pytest_crdb_security.evidence.tls_model import TlsEvidence
from pytest_crdb_security.evidence.tls_probe import COLLECT_GRACE_SECONDS, probe_tls
from pytest_crdb_security.evidence.tls_settings import Deadline, TlsProbeSettings
from pytest_crdb_security.verdicts import CouldNotEvaluate

logger = logging.getLogger("pytest_crdb_security.tls")


class BackgroundTlsProbe:
    """A TLS probe started at construction; ``result`` waits for it, at most its budget."""

    def __init__(self, settings: TlsProbeSettings, contexts: ClientContexts) -> None:
        self.settings = settings
        self.deadline = Deadline(settings.budget)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crdb-tls-probe-main")
        self._future = executor.submit(probe_tls, settings, contexts, self.deadline)
        # No more work is submitted; the thread ends when the probe returns.
        executor.shutdown(wait=False)

    @property
    def wait_limit(self) -> float:
        """Seconds ``result`` waits at most, counted from now."""
        return self.deadline.remaining() + 2 * COLLECT_GRACE_SECONDS

    def result(self, timeout: float | None = None) -> TlsEvidence:
        """Return the evidence; raise could-not-evaluate when the probe overran or broke.

        ``timeout`` shortens the wait below ``wait_limit`` seconds.
        """
        address = self.settings.address
        wait = self.wait_limit if timeout is None else min(timeout, self.wait_limit)
        try:
            return self._future.result(timeout=wait)
        except FutureTimeout:
            raise CouldNotEvaluate(
                f"the TLS probe of {address} did not finish within its"
                f" {self.settings.budget:g} s budget"
            ) from None
        except Exception as error:
            logger.exception("the TLS probe of %s failed", address)
            raise CouldNotEvaluate(
                f"the TLS probe of {address} failed: {type(error).__name__}: {error}"
            ) from None

    def stop(self) -> None:
        """Stop starting new handshakes and wait for those already running."""
        self.deadline.cancel()
        try:
            self._future.result(timeout=self.settings.connect_timeout + 2 * COLLECT_GRACE_SECONDS)
        except FutureTimeout:
            logger.warning(
                "the TLS probe of %s was still running when the audit ended",
                self.settings.address,
            )
        except Exception:
            # result() has already reported the error to the check that needed it.
            logger.debug("the TLS probe of %s ended with an error", self.settings.address)
