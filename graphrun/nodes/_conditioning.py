"""Helpers the conditioning nodes share (ComfyUI node_helpers.conditioning_set_values and friends).

Entries are immutable: every helper returns new entries and leaves its input untouched (cached outputs are
shared between nodes).
"""

from __future__ import annotations

from typing import Any

from graphrun.values import CondEntry, Conditioning


def with_values(conditioning: Conditioning, values: dict[str, Any] | None = None, **kw: Any) -> Conditioning:
    """Every entry with `values` set (conditioning_set_values)."""
    values = {**(values or {}), **kw}
    return tuple(CondEntry(e.cond, {**e.extras, **values}) for e in conditioning)


def with_cond(entry: CondEntry, cond) -> CondEntry:
    return CondEntry(cond, dict(entry.extras))


def get_pooled(entry: CondEntry):
    return entry.extras.get("pooled_output")


def with_pooled(entry: CondEntry, pooled) -> CondEntry:
    return CondEntry(entry.cond, {**entry.extras, "pooled_output": pooled})


def first_entry(conditioning: Conditioning, input_name: str, ctx=None) -> CondEntry:
    """The entry ConditioningConcat/Average take from `conditioning_from` (ComfyUI warns and uses the first)."""
    from graphrun.errors import NodeInputError

    if len(conditioning) == 0:
        raise NodeInputError(input_name, "the conditioning is empty", value=0)
    if len(conditioning) > 1 and ctx is not None:
        ctx.log(f"warning: {input_name} has {len(conditioning)} entries; only the first one is used (as ComfyUI)")
    return conditioning[0]
