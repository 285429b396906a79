"""Small helpers for the one-sentence details of findings."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def join_names(names: Sequence[str], limit: int = 12) -> str:
    """Join names for a detail sentence, eliding the tail of very long lists."""
    shown = list(names[:limit])
    if len(names) > limit:
        shown.append(f"and {len(names) - limit} more")
    return ", ".join(shown)
