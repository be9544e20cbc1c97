"""Helpers the conditioning-producing nodes share (ComfyUI node_helpers.conditioning_set_values)."""

from __future__ import annotations

from typing import Any

from graphrun.values import CondEntry, Conditioning


def with_values(conditioning: Conditioning, values: dict[str, Any]) -> Conditioning:
    """Every entry with `values` set (a new tuple; the input conditioning is not changed)."""
    return tuple(CondEntry(e.cond, {**e.extras, **values}) for e in conditioning)
