"""Strict, path-aware reading of the mappings in a scenario file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from pytest_crdb_security.simulator.errors import ScenarioError

T = TypeVar("T")

_MISSING = object()


class ScenarioSource:
    """The file being read; builds ScenarioError messages that name it."""

    def __init__(self, label: str) -> None:
        self.label = label

    def error(self, key: str, problem: str, fix: str) -> ScenarioError:
        """Return a one-line error: `<file>: <key>: <problem>; <fix>`."""
        return ScenarioError(f"{self.label}: {key}: {problem}; {fix}")


def join_key(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


class Fields:
    """One mapping of a scenario; every key must be read or `finish` rejects it."""

    def __init__(self, source: ScenarioSource, path: str, value: object) -> None:
        if not isinstance(value, dict):
            raise source.error(
                path or "(top level)", "expected a mapping", "write key: value pairs"
            )
        self.source = source
        self.path = path
        self._values: dict[str, object] = {str(key): item for key, item in value.items()}
        self._read: set[str] = set()

    def key(self, name: str) -> str:
        return join_key(self.path, name)

    def error(self, name: str, problem: str, fix: str) -> ScenarioError:
        return self.source.error(self.key(name), problem, fix)

    def has(self, name: str) -> bool:
        return name in self._values

    def sorted_keys(self) -> list[str]:
        """Return the keys of the mapping, sorted."""
        return sorted(self._values)

    def raw(self, name: str, default: object = _MISSING) -> object:
        """Return a value as YAML parsed it; a missing key without default is an error."""
        self._read.add(name)
        if name in self._values:
            return self._values[name]
        if default is _MISSING:
            raise self.error(
                name, "missing required key", f"add `{name}:` to {self.path or 'the file'}"
            )
        return default

    def typed(self, name: str, kind: type[T], expected: str, default: object = _MISSING) -> T:
        """Return a value that must be an instance of `kind` (bool is not an int here)."""
        value = self.raw(name, default)
        if value is default and default is not _MISSING:
            return value  # type: ignore[return-value]
        wrong_bool = kind is int and isinstance(value, bool)
        if wrong_bool or not isinstance(value, kind):
            raise self.error(name, f"expected {expected}, got {value!r}", f"write {expected}")
        return value

    def text(self, name: str, default: object = _MISSING) -> str:
        value = self.typed(name, str, "a string", default)
        if value is default:
            return value
        if not value.strip():
            raise self.error(name, "must not be empty", "write a non-empty string")
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: object = _MISSING) -> str:
        value = self.raw(name, default)
        if value not in choices:
            raise self.error(name, f"invalid value {value!r}", f"use one of: {', '.join(choices)}")
        return str(value)

    def converted(self, name: str, convert: Callable[[object], T], default: object = _MISSING) -> T:
        """Return `convert(value)`; a ValueError from it becomes a ScenarioError on this key."""
        value = self.raw(name, default)
        try:
            return convert(value)
        except ValueError as error:
            raise self.error(name, f"invalid value {value!r}", str(error)) from None

    def items(self, name: str) -> Iterator[tuple[str, object]]:
        """Yield `(key path, item)` for a list value; a missing key is an empty list."""
        value = self.raw(name, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            raise self.error(name, "expected a list", "write a YAML list (`- item` lines or `[]`)")
        for index, item in enumerate(value):
            yield f"{self.key(name)}[{index}]", item

    def finish(self) -> None:
        """Reject keys that no reader asked for."""
        unknown = sorted(set(self._values) - self._read)
        if unknown:
            allowed = ", ".join(sorted(self._read))
            raise self.error(unknown[0], "unknown key", f"remove it or use one of: {allowed}")
