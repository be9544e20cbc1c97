"""Where an unknown node type comes from: a core ComfyUI node graphrun lacks, or a custom node pack.

Core: the node classes of ComfyUI v0.3.64 (core_nodes.json, written by tools/make_core_nodes.py from its
/object_info). Custom: a small table of popular packs, recognised by their class names' own markers (each pack
names its nodes this way in its NODE_CLASS_MAPPINGS; the repository is the citation). A guess, said as one.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

# (how the name is matched, the marker, pack name, repository). Order matters: the first match wins.
CUSTOM_PACKS: tuple[tuple[str, str, str, str], ...] = (
    ("suffix", " (rgthree)", "rgthree-comfy", "https://github.com/rgthree/rgthree-comfy"),
    ("suffix", "|pysssss", "ComfyUI-Custom-Scripts", "https://github.com/pythongosssss/ComfyUI-Custom-Scripts"),
    ("suffix", " //Inspire", "ComfyUI-Inspire-Pack", "https://github.com/ltdrdata/ComfyUI-Inspire-Pack"),
    ("prefix", "VHS_", "ComfyUI-VideoHelperSuite", "https://github.com/Kosinkadink/ComfyUI-VideoHelperSuite"),
    ("prefix", "ADE_", "ComfyUI-AnimateDiff-Evolved", "https://github.com/Kosinkadink/ComfyUI-AnimateDiff-Evolved"),
    ("prefix", "ACN_", "ComfyUI-Advanced-ControlNet", "https://github.com/Kosinkadink/ComfyUI-Advanced-ControlNet"),
    ("prefix", "IPAdapter", "ComfyUI_IPAdapter_plus", "https://github.com/cubiq/ComfyUI_IPAdapter_plus"),
    ("suffix", "+", "ComfyUI_essentials", "https://github.com/cubiq/ComfyUI_essentials"),
    ("suffix", "GGUF", "ComfyUI-GGUF", "https://github.com/city96/ComfyUI-GGUF"),
    ("prefix", "ReActor", "ComfyUI-ReActor", "https://github.com/Gourieff/ComfyUI-ReActor"),
    ("exact", "FaceDetailer", "ComfyUI-Impact-Pack", "https://github.com/ltdrdata/ComfyUI-Impact-Pack"),
    ("exact", "UltralyticsDetectorProvider", "ComfyUI-Impact-Subpack",
     "https://github.com/ltdrdata/ComfyUI-Impact-Subpack"),
    ("exact", "SAMLoader", "ComfyUI-Impact-Pack", "https://github.com/ltdrdata/ComfyUI-Impact-Pack"),
    ("prefix", "Impact", "ComfyUI-Impact-Pack", "https://github.com/ltdrdata/ComfyUI-Impact-Pack"),
    ("exact", "UltimateSDUpscale", "ComfyUI_UltimateSDUpscale", "https://github.com/ssitu/ComfyUI_UltimateSDUpscale"),
    ("suffix", "KJ", "ComfyUI-KJNodes", "https://github.com/kijai/ComfyUI-KJNodes"),
    ("prefix", "WanVideo", "ComfyUI-WanVideoWrapper", "https://github.com/kijai/ComfyUI-WanVideoWrapper"),
    ("suffix", "Preprocessor", "comfyui_controlnet_aux", "https://github.com/Fannovel16/comfyui_controlnet_aux"),
    ("prefix", "easy ", "ComfyUI-Easy-Use", "https://github.com/yolain/ComfyUI-Easy-Use"),
    ("suffix", " (Efficient)", "efficiency-nodes-comfyui", "https://github.com/jags111/efficiency-nodes-comfyui"),
    ("prefix", "CR ", "ComfyUI_Comfyroll_CustomNodes", "https://github.com/Suzie1/ComfyUI_Comfyroll_CustomNodes"),
)


@lru_cache(maxsize=1)
def _core() -> tuple[str, dict[str, str]]:
    data = json.loads((Path(__file__).with_name("core_nodes.json")).read_text(encoding="utf-8"))
    return data["comfyui"], data["nodes"]


def core_module(class_type: str) -> str | None:
    """ComfyUI's python_module of a core node class (e.g. 'nodes', 'comfy_extras.nodes_mask'), else None."""
    return _core()[1].get(class_type)


def custom_pack(class_type: str) -> tuple[str, str] | None:
    """(pack name, repository) of the popular custom node pack the name probably belongs to, else None."""
    for how, marker, pack, url in CUSTOM_PACKS:
        if (how == "exact" and class_type == marker) or (how == "prefix" and class_type.startswith(marker)) \
                or (how == "suffix" and class_type.endswith(marker) and class_type != marker):
            return pack, url
    return None


def node_origin(class_type: str) -> str | None:
    """'core' or the custom pack's name when the node type is known to come from somewhere, else None."""
    if core_module(class_type) is not None:
        return "core"
    pack = custom_pack(class_type)
    return pack[0] if pack else None


def missing_node_text(class_type: str) -> str:
    """What to tell the user about a node type graphrun cannot run."""
    from graphrun import __version__

    comfy, _ = _core()
    module = core_module(class_type)
    if module is not None:
        return (f"core ComfyUI node {class_type!r} is not implemented by graphrun (v{__version__}; ComfyUI {comfy} "
                f"defines it in {module}); `graphrun nodes` lists the nodes graphrun runs")
    pack = custom_pack(class_type)
    if pack is not None:
        return (f"custom node {class_type!r} is not available: it is probably from {pack[0]} ({pack[1]}); graphrun "
                f"runs only its own nodes (`graphrun nodes`), custom nodes can be validated with --object-info")
    return (f"unknown node type {class_type!r}: not a core ComfyUI {comfy} node and not a graphrun node; if it "
            f"is a custom node, pass its definitions with --object-info (`graphrun nodes` lists graphrun's)")
