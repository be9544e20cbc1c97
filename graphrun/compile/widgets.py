"""A node's runtime widget list and input-slot list, as the ComfyUI frontend (1.27) builds them from `/object_info`.

Every frontend widget quirk the UI -> API compiler depends on is pinned here (spec workflow-format.md §2.2):
value-control widgets (`control_after_generate` / `control_filter_list`), the `upload` button of media combos,
sockets-before-widget-sockets slot order, positional `widgets_values`, the forceInput migration, defaults, and
JavaScript number semantics (every JSON number is an IEEE double in the browser).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from graphrun.nodedefs import InputSpec, NodeDef


class _Undefined:
    """JavaScript `undefined`: a key holding it disappears from the JSON the frontend sends."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()

# Types the frontend builds a widget for and that also get a socket (FE-lgsvc, "widget inputs").
SOCKET_WIDGET_TYPES = frozenset({"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"})
# Frontend-registered widget types without a socket (ComfyWidgets + core extensions). Their value is
# positional like any other widget; the media/3D/webcam ones are DOM widgets whose value is sent as is.
OTHER_WIDGET_TYPES = frozenset({
    "MARKDOWN", "IMAGEUPLOAD", "AUDIOUPLOAD", "FILEUPLOAD", "WEBCAM", "AUDIO_RECORD", "LOAD_3D",
    "LOAD_3D_ANIMATION", "COLOR",
})
CONTROL_MODES = frozenset({"fixed", "increment", "decrement", "randomize", "increment-wrap"})
# FE uploadImage.ts / uploadAudio.ts / load3d: a combo flagged like this gets an `upload` button appended
# to the *required* inputs (so after every required widget), never sent to the backend.
UPLOAD_FLAGS = ("image_upload", "video_upload", "animated_image_upload", "audio_upload")
# FE load3d extension: the LOAD_3D widgets add three buttons in front of the scene widget; their saved
# positional values (seen in the official templates: "upload3dmodel", "uploadExtraResources", "clear")
# are never sent. `file_upload` itself adds no widget.
WIDGET_PREFIX_BUTTONS = {
    "LOAD_3D": ("upload3dmodel", "uploadExtraResources", "clear"),
    "LOAD_3D_ANIMATION": ("upload3dmodel", "uploadExtraResources", "clear"),
}


# Widgets the frontend's own extensions add to core nodes (ComfyUI_frontend 1.27.10, src/extensions/core/):
# graphToPrompt sends every widget without `options.serialize === false`, so these reach the prompt although the
# backend declares no such input. (name, value, saved): `saved` False is a widget with `widget.serialize = false`
# (left out of widgets_values; its prompt value stays the initial "").
#   uploadAudio.ts  Comfy.AudioWidget adds required `audioUI` (AUDIO_UI DOM widget, serialize = false) to LoadAudio,
#                   SaveAudio, PreviewAudio, SaveAudioMP3, SaveAudioOpus; Comfy.RecordAudio's DOM widget likewise.
#   previewAny.ts   a read-only STRING widget `preview` (serialize = false) on PreviewAny.
#   saveMesh.ts     required `image` (PREVIEW_3D component widget, saved) on SaveGLB.
FRONTEND_ONLY_WIDGETS: dict[str, tuple[tuple[str, Any, bool], ...]] = {
    **{name: (("audioUI", "", False),) for name in
       ("LoadAudio", "SaveAudio", "PreviewAudio", "SaveAudioMP3", "SaveAudioOpus", "RecordAudio")},
    "PreviewAny": (("preview", "", False),),
    "SaveGLB": (("image", "", True),),
}


@dataclass(frozen=True)
class Widget:
    """One runtime widget: its name, role, default value and whether graphToPrompt sends it."""

    name: str
    role: str  # "value" | "control" | "filter" | "upload" | "button" | "other" | "frontend"
    default: Any
    in_prompt: bool
    spec: InputSpec | None = None
    saved: bool = True  # False: not in widgets_values (a frontend widget with serialize = false)

    @property
    def dynamic_prompts(self) -> bool:
        return bool(self.spec is not None and self.spec.options.get("dynamicPrompts"))


@dataclass(frozen=True)
class Slot:
    """One runtime input slot: name, socket type, and the widget it belongs to (None for plain sockets)."""

    name: str
    type: Any
    widget: str | None = None


@dataclass(frozen=True)
class NodeLayout:
    """What the frontend derives from one node definition: ordered widgets and ordered input slots."""

    widgets: tuple[Widget, ...]
    slots: tuple[Slot, ...]
    # (is_forceInput flags) per original widget position, for the pre-1.16 migration (FE-lgutil)
    legacy_force_input: tuple[bool, ...]


def _spec_kind(spec: InputSpec) -> str:
    """'socket_widget' | 'widget' | 'socket' (spec §2.2 b)."""
    if spec.is_combo:
        base = "COMBO"
    else:
        base = spec.type if isinstance(spec.type, str) else ""
    if base in SOCKET_WIDGET_TYPES:
        return "socket" if spec.options.get("forceInput") else "socket_widget"
    if base in OTHER_WIDGET_TYPES:
        return "widget"
    return "socket"


def _default(spec: InputSpec) -> Any:
    """Widget default when `widgets_values` is missing or short (FE-int/float/string/combo, spec §2.2 e)."""
    opts = spec.options
    if spec.is_combo:
        if opts.get("default"):
            return opts["default"]
        choices = spec.combo_options or []
        return choices[0] if choices else UNDEFINED
    typ = spec.type
    fallback = {"INT": 0, "FLOAT": 0, "STRING": "", "BOOLEAN": False}.get(typ, UNDEFINED)
    return fallback if opts.get("default") is None else opts["default"]


def _control_widgets(spec: InputSpec) -> list[Widget]:
    """Value-control widgets appended after a widget (FE-int/FE-float/FE-combo + valueControlWidgets)."""
    opts = spec.options
    cag = opts.get("control_after_generate")
    if spec.is_combo:
        enabled, n, fallback = bool(cag), 2, ("fixed" if opts.get("multiselect") else "randomize")
    elif spec.type == "INT":
        enabled = bool(cag) if "control_after_generate" in opts else spec.name in ("seed", "noise_seed")
        n, fallback = 1, "randomize"
    elif spec.type == "FLOAT":
        enabled, n, fallback = bool(cag), 1, "fixed"
    else:
        return []
    if not enabled:
        return []
    override = cag if isinstance(cag, str) and cag.strip() and cag not in CONTROL_MODES else None
    prefix = opts.get("control_prefix")
    default_mode = cag if isinstance(cag, str) and cag in CONTROL_MODES else fallback

    def name(base: str) -> str:
        if override:
            return override
        return f"{prefix} {base}" if prefix else base

    out = [Widget(name("control_after_generate"), "control", default_mode, False, spec)]
    if n == 2:
        out.append(Widget(name("control_filter_list"), "filter", "", False, spec))
    return out


def build_layout(defn: NodeDef) -> NodeLayout:
    """Widget list and slot list of a node class (spec §2.2 a-d)."""
    specs = defn.inputs()
    widgets: list[Widget] = []
    sockets: list[Slot] = []
    widget_sockets: list[Slot] = []
    legacy: list[bool] = []
    upload_after_required = any(
        s.group == "required" and s.is_combo and any(s.options.get(f) for f in UPLOAD_FLAGS) for s in specs
    )
    for i, spec in enumerate(specs):
        kind = _spec_kind(spec)
        if kind == "socket":
            sockets.append(Slot(spec.name, spec.type_name))
            if spec.options.get("forceInput"):
                legacy.extend([True, False] if spec.options.get("control_after_generate") else [True])
        else:
            for button in WIDGET_PREFIX_BUTTONS.get(spec.type if isinstance(spec.type, str) else "", ()):
                widgets.append(Widget(button, "button", button, False))  # not an input: no legacy slot
            widgets.append(Widget(spec.name, "value" if kind == "socket_widget" else "other", _default(spec),
                                  True, spec))
            legacy.extend([False, False] if spec.options.get("control_after_generate") else [False])
            widgets.extend(_control_widgets(spec))
            if kind == "socket_widget":
                widget_sockets.append(Slot(spec.name, spec.type_name, spec.name))
        last_required = i + 1 == len(specs) or specs[i + 1].group != "required"
        if upload_after_required and spec.group == "required" and last_required:
            widgets.append(Widget("upload", "upload", "image", False))
            legacy.append(False)
    for name, value, saved in FRONTEND_ONLY_WIDGETS.get(defn.name, ()):
        if all(w.name != name for w in widgets):
            widgets.append(Widget(name, "frontend", value, True, saved=saved))
    return NodeLayout(tuple(widgets), tuple(sockets + widget_sockets), tuple(legacy))


def layout_for(defn: NodeDef, cache: dict[str, NodeLayout] | None = None) -> NodeLayout:
    """`build_layout`, memoised per class name in `cache` (one compilation's table)."""
    if cache is None:
        return build_layout(defn)
    if defn.name not in cache:
        cache[defn.name] = build_layout(defn)
    return cache[defn.name]


def migrate_force_input(layout: NodeLayout, values: list[Any]) -> list[Any]:
    """Drop pre-1.16 dummy values saved for forceInput inputs (FE-lgutil `migrateWidgetsValues`, newest form:
    one flag per original widget position, two for an input whose spec has `control_after_generate`)."""
    flags = layout.legacy_force_input
    if not any(flags) or len(flags) != len(values):
        return values
    return [v for v, forced in zip(values, flags) if not forced]


def apply_widget_values(layout: NodeLayout, values: Any) -> list[Any]:
    """Current value of each widget after LGraphNode.configure: positional, no coercion (spec §2.2 f)."""
    current = [w.default for w in layout.widgets]
    if isinstance(values, dict):  # §1.9: core would assign undefined; read by name like the owning extensions
        return [values.get(w.name, d) for w, d in zip(layout.widgets, current)]
    if not isinstance(values, list):
        return current
    values = migrate_force_input(layout, values)
    for k, value in enumerate(values[: len(current)]):
        current[k] = value
    for k, widget in enumerate(layout.widgets):
        if not widget.saved:  # whatever an older save stored there, the widget starts empty
            current[k] = widget.default
    return current


def js_value(value: Any) -> Any:
    """A JSON value as JavaScript holds it and JSON.stringify writes it: numbers are IEEE doubles (an integer
    above 2^53 is rounded, integral doubles are written without a fraction), NaN/Infinity become null."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if -(2**53) <= value <= 2**53:
            return value
        try:
            return js_value(float(value))
        except OverflowError:  # beyond a double: JSON.parse gives Infinity, JSON.stringify writes null
            return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if value.is_integer() and abs(value) < 1e21:
            return int(Decimal(repr(value)))  # the digits JS prints, e.g. 2**64 -> 18446744073709552000
        return value
    if isinstance(value, list):
        return [js_value(v) for v in value]
    if isinstance(value, dict):
        return {k: js_value(v) for k, v in value.items()}
    return value
