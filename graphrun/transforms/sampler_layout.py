"""KSampler / KSamplerAdvanced input layouts as convert needs them, read from the node declarations.

The nodes declare their ComfyUI inputs once (graphrun/nodes/ksampler.py, ksampler_advanced.py); the API input
order, the UI widgets_values order (the frontend's: control_after_generate after the seed) and the widget
defaults all come from there, through the same widget-layout rule the compiler uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class SamplerLayout:
    class_type: str
    api_order: tuple[str, ...]  # the node's INPUT_TYPES order
    widgets: tuple[str, ...]  # widgets_values order of a saved UI node
    defaults: dict[str, Any]  # widget name -> the value a new node shows
    limits: dict[str, tuple[Any, Any]]  # INT/FLOAT input name -> (min, max)


@cache
def sampler_layout(class_type: str) -> SamplerLayout:
    """The layout of KSampler or KSamplerAdvanced (KeyError for other types)."""
    from graphrun.compile.widgets import build_layout
    from graphrun.nodes.ksampler import KSampler
    from graphrun.nodes.ksampler_advanced import KSamplerAdvanced

    node = {n.CLASS_TYPE: n for n in (KSampler, KSamplerAdvanced)}[class_type]
    defn = node.definition()
    layout = build_layout(defn)
    saved = [w for w in layout.widgets if w.saved]
    return SamplerLayout(class_type, tuple(s.name for s in defn.inputs()), tuple(w.name for w in saved),
                         {w.name: w.default for w in saved if w.role == "value"},
                         {s.name: (s.options["min"], s.options["max"]) for s in defn.inputs() if "min" in s.options})
