"""Node definitions for validation: graphrun's own nodes merged with an `/object_info`, file combos filled in.

Precedence: a user's `object_info` describes the backend they target, so its definitions win over graphrun's own
for the types both have. Combos whose options are file names (checkpoints, VAEs, LoRAs, input images) are filled
from the model folders when a lister is given; without one, an empty file list is filled with the names the
prompt uses, so model names are simply not checked (`unchecked_file_combos`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphrun.nodedefs import NodeDef, NodeDefs

Lister = Callable[[str], "list[str] | None"]  # folder -> sorted names, None when that folder is unknown

# Core ComfyUI nodes whose combo lists are folder listings (nodes.py), for definitions that come from an
# object_info; graphrun's own nodes declare theirs with `Files(...)` and are read from the registry.
CORE_FILE_INPUTS: dict[tuple[str, str], str] = {
    ("CheckpointLoaderSimple", "ckpt_name"): "checkpoints",
    ("CheckpointLoader", "ckpt_name"): "checkpoints",
    ("unCLIPCheckpointLoader", "ckpt_name"): "checkpoints",
    ("ImageOnlyCheckpointLoader", "ckpt_name"): "checkpoints",
    ("VAELoader", "vae_name"): "vae",
    ("LoraLoader", "lora_name"): "loras",
    ("LoraLoaderModelOnly", "lora_name"): "loras",
    ("ControlNetLoader", "control_net_name"): "controlnet",
    ("DiffControlNetLoader", "control_net_name"): "controlnet",
    ("UpscaleModelLoader", "model_name"): "upscale_models",
    ("CLIPLoader", "clip_name"): "text_encoders",
    ("DualCLIPLoader", "clip_name1"): "text_encoders",
    ("DualCLIPLoader", "clip_name2"): "text_encoders",
    ("UNETLoader", "unet_name"): "diffusion_models",
    ("CLIPVisionLoader", "clip_name"): "clip_vision",
    ("StyleModelLoader", "style_model_name"): "style_models",
    ("GLIGENLoader", "gligen_name"): "gligen",
    ("HypernetworkLoader", "hypernetwork_name"): "hypernetworks",
    ("LoadImage", "image"): "input",
    ("LoadImageMask", "image"): "input",
}


def file_inputs(registry: Any = None) -> dict[tuple[str, str], str]:
    """(class_type, input name) -> folder, for every combo filled from a folder (registry entries win)."""
    table = dict(CORE_FILE_INPUTS)
    if registry is not None:
        for name in registry.names():
            for spec in getattr(registry.get(name), "INPUTS", ()):
                if getattr(spec, "files", None):
                    table[(name, spec.name)] = spec.files
    return table


def build_definitions(registry: Any, object_info: Mapping[str, NodeDef] | None = None,
                      lister: Lister | None = None) -> NodeDefs:
    """graphrun's node definitions, overridden by `object_info` entries, with folder combos from `lister`."""
    own = registry.definitions(_registry_lister(lister)) if registry is not None else NodeDefs()
    if not object_info:
        return own
    merged = own.merged(object_info)
    if lister is None:
        return merged
    table = file_inputs(registry)
    fixed: dict[str, NodeDef] = {}
    for (class_type, input_name), folder in table.items():
        if class_type not in object_info:
            continue
        names = lister(folder)
        if names is None:  # that folder was not given: keep the object_info list
            continue
        own_def = own.get(class_type)
        own_spec = own_def.input_spec(input_name) if own_def is not None else None
        if own_spec is not None and own_spec.combo_options is not None:
            names = own_spec.combo_options  # graphrun's node may add entries (e.g. built-in names)
        fixed[class_type] = _with_options(fixed.get(class_type, merged[class_type]), input_name, names)
    return merged.merged(fixed)


def unchecked_file_combos(defs: Mapping[str, NodeDef], prompt: Any, table: Mapping[tuple[str, str], str],
                          folders: Iterable[str]) -> NodeDefs:
    """Definitions where each EMPTY file combo of the given folders lists the names the prompt uses.

    Used when no folder was given to list (no --models-dir): the names cannot be checked, so they pass.
    """
    folders = set(folders)
    used: dict[tuple[str, str], list[str]] = {}
    if isinstance(prompt, dict):
        for node in prompt.values():
            if not isinstance(node, dict) or not isinstance(node.get("inputs"), dict):
                continue
            ct = node.get("class_type")
            for name, value in node["inputs"].items():
                key = (ct, name)
                if isinstance(ct, str) and key in table and table[key] in folders and isinstance(value, str):
                    used.setdefault(key, []).append(value)
    fixed: dict[str, NodeDef] = {}
    for (class_type, input_name), names in used.items():
        definition = fixed.get(class_type) or defs.get(class_type)
        spec = definition.input_spec(input_name) if definition is not None else None
        if spec is None or spec.combo_options is None or spec.combo_options:
            continue
        fixed[class_type] = _with_options(definition, input_name, sorted(set(names)))
    base = defs if isinstance(defs, NodeDefs) else NodeDefs(defs)
    return base.merged(fixed) if fixed else base


def _with_options(definition: NodeDef, input_name: str, names: list[str]) -> NodeDef:
    groups = {g: dict(v) for g, v in definition.input.items()}
    for group in ("required", "optional"):
        if input_name in groups.get(group, {}):
            raw = groups[group][input_name]
            opts = raw[1] if isinstance(raw, (list, tuple)) and len(raw) > 1 and isinstance(raw[1], dict) else {}
            if isinstance(raw, (list, tuple)) and raw and raw[0] == "COMBO":
                groups[group][input_name] = ["COMBO", {**opts, "options": list(names)}]
            else:
                groups[group][input_name] = [list(names), opts] if opts else [list(names)]
    return definition.model_copy(update={"input": groups})


def _registry_lister(lister: Lister | None) -> Callable[[str], list[str]] | None:
    if lister is None:
        return None
    return lambda folder: lister(folder) or []
