"""Standalone text-encoder files (models/text_encoders) for CLIPLoader / DualCLIPLoader: read, tell apart, build.

What ComfyUI v0.3.64 does with them (comfy/sd.py load_text_encoder_state_dicts, read for facts): an OpenCLIP-layout
file is first converted to the HF layout; a file's kind comes from its keys (layer 30 -> CLIP-G, layer 22 ->
CLIP-H, else CLIP-L; T5 blocks); with one file of type stable_diffusion, CLIP-G is encoded as the SDXL refiner's
encoder, CLIP-H as SD2's and CLIP-L as SD1's; with two files of type sdxl, the layer-30 file is CLIP-G and the
other CLIP-L (SDXLClipModel.load_sd). Each recipe here is the family's ClipPart (graphrun/families).
"""

from __future__ import annotations

from pathlib import Path

from graphrun.errors import ModelError

# a file's kind -> (family, ClipPart name) whose recipe encodes it when it is loaded alone (type stable_diffusion)
SINGLE_RECIPES = {"clip_l": ("sd15", "clip_l"), "clip_h": ("sd2", "clip_h"), "clip_g": ("sdxl_refiner", "clip_g")}


def clip_part(family: str, part: str):
    from graphrun.families import get_family

    return next(p for p in get_family(family).clip_parts if p.name == part)


def read_text_encoder(ctx, path: Path):
    """(HF-layout state dict, safetensors metadata, kind) of a text-encoder file; kind as text_encoder_kind."""
    from graphrun.backend.checkpoints import read_metadata, read_state_dict
    from graphrun.backend.clip.convert import part_state_dict
    from graphrun.backend.flux.text import text_encoder_kind

    raw = read_state_dict(path)
    kind = text_encoder_kind(raw)
    if kind == "t5xxl":
        return raw, {}, kind
    sd = part_state_dict(raw, "")  # OpenCLIP layout -> HF, as ComfyUI converts before detecting
    return sd, read_metadata(path), text_encoder_kind(sd)


def build_clip(ctx, sd, metadata, part, source: str):
    """A ClipModel from an HF-layout text encoder with the recipe `part` (heads from the file's config metadata)."""
    from graphrun.backend.checkpoints import text_config_heads
    from graphrun.backend.clip.encoder import load_clip
    from graphrun.nodes._model_files import policy

    emb = sd.get("text_model.embeddings.token_embedding.weight")
    if emb is None:
        raise ModelError(f"{source} is not a CLIP text encoder (no text_model.embeddings.token_embedding.weight)")
    pol = policy(ctx)
    heads = text_config_heads(metadata, part.name, int(emb.shape[1]))
    try:
        return load_clip(sd, device=pol.device, weight_dtype=pol.text_encoder_weights, part=part, num_heads=heads)
    except (RuntimeError, KeyError, ValueError) as exc:
        raise ModelError(f"{source}: weights do not fit a CLIP text encoder: {exc}") from exc


def load_cached(ctx, paths: list[Path], kind: str, load):
    """Load once per process and file versions (the first file keys the cache; the others go in the kind)."""
    from graphrun.nodes._model_files import policy

    extra = ":".join(str(p.resolve()) for p in paths[1:])
    return ctx.store.files.get(paths[0], policy(ctx), load, kind=f"{kind}:{extra}")
