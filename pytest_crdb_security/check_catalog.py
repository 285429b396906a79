"""Stable ids of the bundled checks, read from their source without importing it."""

from __future__ import annotations

import ast
from pathlib import Path

from pytest_crdb_security.collection import bundled_checks_dir


def check_ids_in_source(source: str) -> list[str]:
    """Return the ids of every ``pytest.mark.check("<id>", ...)`` call in ``source``."""
    ids: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not _is_check_marker(node.func):
            continue
        if node.args and isinstance(node.args[0], ast.Constant):
            value = node.args[0].value
            if isinstance(value, str):
                ids.append(value)
    return ids


def _is_check_marker(func: ast.expr) -> bool:
    # Matches the attribute chain pytest.mark.check only, so a marker imported
    # under another name is not recognised.
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "check"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "mark"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id == "pytest"
    )


def check_ids_in_directory(directory: Path) -> list[str]:
    """Return the check ids of every ``test_*.py`` file in ``directory``, sorted."""
    ids: set[str] = set()
    for path in sorted(directory.glob("test_*.py")):
        ids.update(check_ids_in_source(path.read_text(encoding="utf-8")))
    return sorted(ids)


def bundled_check_ids() -> list[str]:
    return check_ids_in_directory(bundled_checks_dir())
