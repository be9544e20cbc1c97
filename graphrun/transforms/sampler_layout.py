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


@dataclass(frozen=True)
class NodeShape:
    """What a new UI node of one type looks like, from its declaration (the frontend's slot/widget rules)."""

    class_type: str
    sockets: tuple[tuple[str, str], ...]  # connection-only inputs (name, type), in slot order
    widget_types: dict[str, str]  # widget name -> its socket type when a link feeds it
    widgets: tuple[str, ...]  # widgets_values order
    defaults: dict[str, Any]
    outputs: tuple[tuple[str, str], ...]  # (name, type)
    api_order: tuple[str, ...]  # the node's INPUT_TYPES order

    def api_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """`inputs` in the declared order; KeyError for a name the node does not declare."""
        unknown = set(inputs) - set(self.api_order)
        if unknown:
            raise KeyError(f"{self.class_type} declares no input {sorted(unknown)}")
        return {n: inputs[n] for n in self.api_order if n in inputs}

    def ui_node(self, values: dict[str, Any], links: dict[str, Any]) -> tuple[list, list, list]:
        """(inputs, outputs, widgets_values) of a new node: every socket (link or None), linked widget inputs,
        and the widget values by name (declared defaults for those not given)."""
        inputs = [{"name": n, "type": t, "link": links.get(n)} for n, t in self.sockets]
        inputs += [{"name": n, "type": self.widget_types[n], "widget": {"name": n}, "link": links[n]}
                   for n in self.widgets if links.get(n) is not None]
        return inputs, list(self.outputs), [values.get(n, self.defaults.get(n)) for n in self.widgets]


@cache
def node_shape(class_type: str) -> NodeShape:
    """The shape of one of graphrun's node types (KeyError when graphrun has no such node)."""
    from graphrun.compile.widgets import build_layout
    from graphrun.nodes.base import default_registry

    node = default_registry().get(class_type)
    if node is None:
        raise KeyError(class_type)
    defn = node.definition()
    layout = build_layout(defn)
    saved = [w for w in layout.widgets if w.saved]
    return NodeShape(class_type, tuple((s.name, s.type) for s in layout.slots if s.widget is None),
                     {s.name: s.type for s in layout.slots if s.widget is not None}, tuple(w.name for w in saved),
                     {w.name: w.default for w in saved}, tuple(zip(defn.output_name, defn.output)),
                     tuple(s.name for s in defn.inputs()))
