"""'Did you mean ...?': the one suggestion helper every layer uses (node types, combo values, model files, samplers).

Imports nothing from graphrun. difflib ratio, case-insensitive; huge values are not typos (difflib is quadratic).
"""

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


def close_names(value: str, options: Iterable[Any], n: int = 3, cutoff: float = 0.4) -> list[str]:
    """Up to n options closest to `value` (difflib ratio), best first; [] for huge values."""
    if len(value) > 500:
        return []
    return difflib.get_close_matches(value, [str(o) for o in options], n=n, cutoff=cutoff)
