"""Option lists in messages; `closest` (did you mean) lives in graphrun.suggest, shared by every layer."""

from __future__ import annotations

from typing import Any

from graphrun.suggest import closest  # noqa: F401 - the compiler's callers import it from here


def describe_options(options: list[Any], limit: int = 48) -> str:
    """A short human list of combo options: 'one of 'a', 'b', ... (N options)' (all of them up to 50: every sampler and scheduler name is shown)."""
    if not options:
        return "no options (the list is empty)"
    cut = len(options) if len(options) <= limit + 2 else limit
    shown = ", ".join(repr(o) for o in options[:cut])
    more = f", ... ({len(options)} options)" if len(options) > cut else ""
    return f"one of {shown}{more}"
