"""Helpers the conditioning nodes share (ComfyUI node_helpers.conditioning_set_values and friends).

Entries are immutable typed CondEntry values (graphrun/values.py): every helper returns new entries and leaves
its input untouched (cached outputs are shared between nodes). ComfyUI key names are mapped to the typed fields;
keys without a field go to `extra`.
"""

from __future__ import annotations

from typing import Any

from graphrun.values import CondEntry, Conditioning

# ComfyUI conditioning key -> CondEntry field (same name unless listed)
_FIELD = {"start_percent": "timestep_start", "end_percent": "timestep_end"}
_TYPED = {"pooled_output", "area", "strength", "set_area_to_bounds", "mask", "mask_strength", "timestep_start",
          "timestep_end", "guidance", "control"}


def set_values(entry: CondEntry, values: dict[str, Any]) -> CondEntry:
    typed, extra = {}, dict(entry.extra)
    for key, value in values.items():
        name = _FIELD.get(key, key)
        if name in _TYPED:
            typed[name] = value
        else:
            extra[key] = value
    return entry.replace(**typed, extra=tuple(extra.items()))


def with_values(conditioning: Conditioning, values: dict[str, Any] | None = None, **kw: Any) -> Conditioning:
    """Every entry with `values` set (conditioning_set_values)."""
    values = {**(values or {}), **kw}
    return tuple(set_values(e, values) for e in conditioning)


def with_cond(entry: CondEntry, cond) -> CondEntry:
    return entry.replace(cond=cond)


def get_pooled(entry: CondEntry):
    return entry.pooled_output


def with_pooled(entry: CondEntry, pooled) -> CondEntry:
    return entry.replace(pooled_output=pooled)


def first_entry(conditioning: Conditioning, input_name: str, ctx=None) -> CondEntry:
    """The entry ConditioningConcat/Average take from `conditioning_from` (ComfyUI warns and uses the first)."""
    from graphrun.errors import NodeInputError

    if len(conditioning) == 0:
        raise NodeInputError(input_name, "the conditioning is empty", value=0)
    if len(conditioning) > 1 and ctx is not None:
        ctx.log(f"warning: {input_name} has {len(conditioning)} entries; only the first one is used (as ComfyUI)")
    return conditioning[0]
