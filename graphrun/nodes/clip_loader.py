"""CLIPLoader ("Load CLIP"): one text-encoder file (models/text_encoders or models/clip) -> CLIP (ComfyUI nodes.py).

graphrun builds type stable_diffusion, the type of its families: a CLIP-L file encodes as SD1.x's text encoder, an
OpenCLIP-H file as SD2.x's, an OpenCLIP-G file as the SDXL refiner's (ComfyUI's rule; see _text_encoders.py). The
other types (SD3, Stable Cascade, video and audio models, ...) are refused naming the type.
"""

from __future__ import annotations

from graphrun.errors import ModelError, NodeInputError
from graphrun.nodes.base import Combo, Files, In, NodeType, register

TYPES = ["stable_diffusion", "stable_cascade", "sd3", "stable_audio", "mochi", "ltxv", "pixart", "cosmos", "lumina2",
         "wan", "hidream", "chroma", "ace", "omnigen2", "qwen_image", "hunyuan_image"]
SUPPORTED = ("stable_diffusion",)
DESCRIPTION = ("[Recipes]\n\nstable_diffusion: clip-l\nstable_cascade: clip-g\nsd3: t5 xxl/ clip-g / clip-l\n"
               "stable_audio: t5 base\nmochi: t5 xxl\ncosmos: old t5 xxl\nlumina2: gemma 2 2B\nwan: umt5 xxl\n "
               "hidream: llama-3.1 (Recommend) or t5\nomnigen2: qwen vl 2.5 3B")
# the stand-in whose text encoder a missing file becomes, by the chosen family (one file: never SDXL's pair)
STAND_IN_CLIP = {"sd15": "sd15", "sd2": "sd2", "sd2_v": "sd2_v", "sdxl": "sdxl_refiner", "sdxl_refiner": "sdxl_refiner"}


@register
class CLIPLoader(NodeType):
    CLASS_TYPE = "CLIPLoader"
    DISPLAY_NAME = "Load CLIP"
    CATEGORY = "advanced/loaders"
    DESCRIPTION = DESCRIPTION
    INPUTS = (
        Files("clip_name", "text_encoders"),
        Combo("type", TYPES),
        In("device", None, {"advanced": True}, choices=["default", "cpu"], group="optional"),
    )
    OUTPUTS = ("CLIP",)

    def run(self, ctx, clip_name, type, device="default"):
        from graphrun.nodes._model_files import find_path

        if type not in SUPPORTED:
            raise NodeInputError("type", f"CLIPLoader type {type!r} is not supported by graphrun (its families: "
                                 f"{', '.join(SUPPORTED)}; SDXL's pair: DualCLIPLoader type sdxl; Flux: "
                                 "DualCLIPLoader type flux)", value=type)
        path = find_path(ctx, "text_encoders", clip_name)
        if path is None:
            return (_stand_in(ctx, clip_name),)
        return (_load(ctx, path),)


def _load(ctx, path):
    from graphrun.backend.flux.text import KIND_LABELS
    from graphrun.nodes._text_encoders import SINGLE_RECIPES, build_clip, clip_part, load_cached, read_text_encoder

    def load():
        sd, metadata, kind = read_text_encoder(ctx, path)
        if kind not in SINGLE_RECIPES:
            what = KIND_LABELS.get(kind, "not a text encoder graphrun recognises")
            raise ModelError(f"{path} is {what}; CLIPLoader type stable_diffusion loads a CLIP-L, OpenCLIP-H or "
                             "OpenCLIP-G text encoder")
        return build_clip(ctx, sd, metadata, clip_part(*SINGLE_RECIPES[kind]), str(path))

    return load_cached(ctx, [path], "clip-loader", load)


def _stand_in(ctx, clip_name):
    from graphrun.families import stand_ins
    from graphrun.nodes._checkpoints import choose, stand_in_checkpoint

    choice = choose(ctx, clip_name, allowed=tuple(STAND_IN_CLIP))
    name = STAND_IN_CLIP.get(choice.stand_in.name)
    if name is None:
        raise ModelError(f"{clip_name}: CLIPLoader type stable_diffusion has no {choice.stand_in.label} text encoder "
                         f"stand-in ({choice.reason})")
    if name != choice.stand_in.name:  # SDXL's CLIP-G alone is the refiner's encoder in ComfyUI
        from graphrun.families.choose import Choice

        stand_in, family = stand_ins()[name]
        choice = Choice(stand_in, family, f"{choice.reason}; one CLIP-G file encodes as the SDXL refiner's")
    return stand_in_checkpoint(ctx, clip_name, "text encoder", choice=choice).clip
