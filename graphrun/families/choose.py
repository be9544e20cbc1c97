"""Which family's stand-in a missing model file becomes under --stub-models, and why (said in the log, the JSON
summary and the PNG metadata).

In order: --stub-family NAME; the file name (the hints ComfyUI users' names carry: sd_xl_base_1.0, v2-1_768-ema,
flux1-schnell, ...; the longest matching hint wins); the nodes the loader feeds (CLIPTextEncodeSDXL => SDXL,
FluxGuidance => Flux, the `type` of a CLIPLoader/DualCLIPLoader, ...); the same signals anywhere in the workflow;
otherwise the loader's default (SD1.5 for checkpoints, Flux.1 dev for UNETLoader, as ComfyUI users mostly use them).
Works on the API prompt ({id: {class_type, inputs}}), so it needs no model code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from graphrun.families.registry import Family, StandIn, stand_ins

# node type -> stand-in its presence suggests
NODE_SIGNALS: dict[str, str] = {
    "CLIPTextEncodeSDXLRefiner": "sdxl_refiner",
    "CLIPTextEncodeSDXL": "sdxl",
    "CLIPTextEncodeFlux": "flux",
    "FluxGuidance": "flux",
    "ModelSamplingFlux": "flux",
    "TripleCLIPLoader": "sd3",
    "CLIPTextEncodeSD3": "sd3",
}
# CLIPLoader / DualCLIPLoader `type` -> stand-in (the types of families graphrun has stand-ins for, and sd3)
CLIP_TYPE_SIGNALS: dict[str, str] = {"stable_diffusion": "sd15", "sdxl": "sdxl", "flux": "flux", "sd3": "sd3"}
# families people run that graphrun has no model code for: name -> (label, file-name hints)
UNSUPPORTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "sd3": ("SD3/SD3.5 (MMDiT)", ("sd3", "sd3.5", "sd3_", "sd35", "stable-diffusion-3", "stable_diffusion_3")),
}
SIGNAL_ORDER = ("sdxl_refiner", "sdxl", "flux_schnell", "flux", "sd3", "sd2_v", "sd2", "sd15")


class UnsupportedStandIn(ValueError):
    """The workflow needs a family graphrun cannot stand in for (SD3, ...)."""


@dataclass(frozen=True)
class Choice:
    stand_in: StandIn
    family: Family
    reason: str

    def describe(self, size: str) -> str:
        return f"{self.stand_in.label} stand-in ({size}; --stub-family {self.stand_in.name}, {self.reason})"


def _hint(file_name: str) -> tuple[str, str] | None:
    """(stand-in or unsupported name, hint) for the longest hint the file name contains."""
    name = file_name.replace("\\", "/").lower()  # subfolders count too (checkpoints/SDXL/...)
    hints = [(h, s.name) for s, _f in stand_ins().values() for h in s.file_hints]
    hints += [(h, key) for key, (_label, hs) in UNSUPPORTED.items() for h in hs]
    found = [(len(h), h, key) for h, key in hints if h in name]
    if not found:
        return None
    _n, h, key = max(found)
    return key, h


def _signals(prompt: Mapping[str, Any], ids) -> list[tuple[str, str]]:
    """(stand-in name, why) for every signal among the nodes `ids`."""
    out = []
    for nid in ids:
        node = prompt.get(nid)
        if not isinstance(node, Mapping):
            continue
        ct = node.get("class_type")
        if ct in NODE_SIGNALS:
            out.append((NODE_SIGNALS[ct], f"node {nid} is {ct}"))
        clip_type = (node.get("inputs") or {}).get("type") if ct in ("CLIPLoader", "DualCLIPLoader") else None
        if isinstance(clip_type, str) and clip_type in CLIP_TYPE_SIGNALS:
            out.append((CLIP_TYPE_SIGNALS[clip_type], f"node {nid} is {ct} with type {clip_type!r}"))
    return out


def _downstream(prompt: Mapping[str, Any], start: str) -> list[str]:
    """The nodes fed (directly or not) by `start`'s outputs, nearest first."""
    consumers: dict[str, list[str]] = {}
    for nid, node in prompt.items():
        for value in ((node or {}).get("inputs") or {}).values() if isinstance(node, Mapping) else ():
            if isinstance(value, list) and len(value) == 2 and isinstance(value[1], int):
                consumers.setdefault(str(value[0]), []).append(str(nid))
    seen, order, queue = {start}, [], [start]
    while queue:
        for c in consumers.get(queue.pop(0), []):
            if c not in seen:
                seen.add(c)
                order.append(c)
                queue.append(c)
    return order


def _pick(signals: list[tuple[str, str]]) -> tuple[str, str] | None:
    if not signals:
        return None
    return min(signals, key=lambda s: SIGNAL_ORDER.index(s[0]) if s[0] in SIGNAL_ORDER else len(SIGNAL_ORDER))


def choose_stand_in(prompt: Mapping[str, Any] | None, node_id: str, file_name: str, *, forced: str | None = None,
                    default: str = "sd15", allowed: tuple[str, ...] | None = None) -> Choice:
    """The stand-in for `file_name` loaded by node `node_id`; UnsupportedStandIn for SD3 and the like.
    `allowed`: the stand-ins this loader can build (others found by hints/signals are ignored, not forced)."""
    table = stand_ins()
    candidates = []
    if forced is not None:
        if forced not in table:
            raise UnsupportedStandIn(f"--stub-family {forced!r} is unknown; known: {', '.join(sorted(table))}")
        if allowed is None or forced in allowed:
            return Choice(*table[forced], "forced by --stub-family")
        candidates.append(("-", f"--stub-family {forced} does not apply to this loader"))  # e.g. a Flux T5 file
    prompt = prompt or {}
    found = _hint(file_name)
    if found is not None:
        candidates.append((found[0], f"file name contains {found[1]!r}"))
    picked = _pick(_signals(prompt, _downstream(prompt, str(node_id))))
    if picked:
        candidates.append((picked[0], f"the loader feeds {picked[1]}"))
    picked = _pick(_signals(prompt, list(prompt)))
    if picked:
        candidates.append((picked[0], f"the workflow has {picked[1]}"))
    note = ""
    for key, why in candidates:
        if key == "-":
            note = why + "; "
            continue
        if key in UNSUPPORTED:
            raise UnsupportedStandIn(f"{file_name}: the workflow needs a {UNSUPPORTED[key][0]} model ({why}); "
                                     f"graphrun does not support that family, so it has no stand-in for it "
                                     f"(stand-ins: {', '.join(sorted(table))}; --stub-family forces one)")
        if allowed is None or key in allowed:
            return Choice(*table[key], note + why)
    return Choice(*table[default], f"{note}no family hint in the file name or the workflow; "
                                   f"{table[default][0].label} is this loader's default")
