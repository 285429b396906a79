"""Location of the bundled checks, in a source checkout or inside an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_checks_dir() -> Path:
    """Return the directory of the bundled checks.

    A wheel carries them as ``pytest_crdb_security/checks``; a source checkout (and an
    editable install) keeps them in ``checks/`` beside the package.
    """
    inside = _PACKAGE / "checks"
    if inside.is_dir():
        return inside
    beside = _PACKAGE.parent / "checks"
    if beside.is_dir():
        return beside
    raise FileNotFoundError(
        f"bundled checks not found in {inside} or {beside}; reinstall pytest-crdb-security"
    )
