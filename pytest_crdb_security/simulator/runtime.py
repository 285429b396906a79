"""State that every connection of one simulated cluster shares."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from pytest_crdb_security.simulator.certificates import TlsMaterial
from pytest_crdb_security.simulator.executor import Executor
from pytest_crdb_security.simulator.scenario import Scenario


@dataclass
class ClusterRuntime:
    """Shared, thread-safe state of a running cluster."""

    scenario: Scenario
    executor: Executor
    tls: TlsMaterial | None
    _statements: list[str] = field(default_factory=list)
    _unexpected_errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _process_ids: Iterator[int] = field(default_factory=lambda: itertools.count(4096))

    def record_statement(self, text: str) -> None:
        with self._lock:
            self._statements.append(text)

    def statements(self) -> list[str]:
        with self._lock:
            return list(self._statements)

    def clear_statements(self) -> None:
        with self._lock:
            self._statements.clear()

    def record_unexpected_error(self, description: str) -> None:
        with self._lock:
            self._unexpected_errors.append(description)

    def unexpected_errors(self) -> list[str]:
        with self._lock:
            return list(self._unexpected_errors)

    def next_process_id(self) -> int:
        with self._lock:
            return next(self._process_ids)
