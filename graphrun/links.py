"""THE link rule of graphrun (shared vocabulary, importable from every layer).

An API-prompt input value is a link when it is a list of exactly two items, `[source node id, output index]`;
validation then checks that both resolve (ComfyUI's backend reads any list as a link and rejects one that is not
length 2; the frontend wraps list-valued widgets as `{"__value__": [...]}` so they never look like links).
compile/plan.py resolves links once into `plan.Link`; everything after planning uses the plan.
"""

from __future__ import annotations

from typing import Any


def is_link(value: Any) -> bool:
    """True for an input value the backend reads as a link: a list (or tuple) of exactly two items."""
    return isinstance(value, list | tuple) and len(value) == 2
