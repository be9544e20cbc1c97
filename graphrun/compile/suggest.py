"""'Did you mean ...?' suggestions for misspelt node types, combo values and input names (difflib)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


def closest(value: Any, options: Iterable[Any], cutoff: float = 0.6) -> str | None:
    """The option closest to `value` by difflib ratio (case-insensitive), or None when nothing is close.

    Non-string options are compared by their str(); the returned suggestion is the option's own text.
    """
    if value is None:
        return None
    text = str(value)
    if len(text) > 500:  # difflib is quadratic; a huge value is not a typo
        return None
    by_key: dict[str, str] = {}
    for option in options:
        if option is None:
            continue
        label = str(option)
        by_key.setdefault(label.lower(), label)
    if not by_key:
        return None
    key = text.lower()
    if key in by_key and by_key[key] != text:
        return by_key[key]  # only the case differs
    matches = difflib.get_close_matches(key, list(by_key), n=1, cutoff=cutoff)
    if not matches:
        # a prefix/substring match still helps for short stems ("dpmpp" -> "dpmpp_2m")
        contained = sorted(k for k in by_key if key and (k.startswith(key) or key in k))
        return by_key[contained[0]] if contained and len(key) >= 3 else None
    return by_key[matches[0]] if by_key[matches[0]] != text else None


def describe_options(options: list[Any], limit: int = 48) -> str:
    """A short human list of combo options: 'one of 'a', 'b', ... (N options)' (all of them up to 50: every sampler and scheduler name is shown)."""
    if not options:
        return "no options (the list is empty)"
    cut = len(options) if len(options) <= limit + 2 else limit
    shown = ", ".join(repr(o) for o in options[:cut])
    more = f", ... ({len(options)} options)" if len(options) > cut else ""
    return f"one of {shown}{more}"
