"""Model-family detection from tensor names and shapes, in the manner of ComfyUI's model_detection (spec I.3)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

from graphrun.errors import ModelError

Shapes = Mapping[str, Sequence[int]]
UNET_PREFIXES = ("model.diffusion_model.", "model.model.", "net.")

# (family label, substring that marks it) for architectures without an SD-style UNet; first match wins.
FOREIGN_MARKERS: tuple[tuple[str, str], ...] = (
    ("SD3/SD3.5", "joint_blocks.0.context_block"),
    ("Flux", "double_blocks.0.img_attn"),
    ("Chroma", "distilled_guidance_layer"),
    ("AuraFlow", "double_layers.0"),
    ("HunyuanVideo", "txt_in.individual_token_refiner"),
    ("HunyuanDiT", "mlp_t5"),
    ("Stable Cascade", "down_blocks.0.0.channelwise"),
    ("PixArt", "csize_embedder"),
    ("Lumina", "cap_embedder"),
    ("Wan", "head.modulation"),
    ("LTX-Video", "adaln_single"),
    ("Qwen-Image", "img_mod.1.weight"),
    ("Stable Video Diffusion", "time_stack"),
    ("AnimateDiff / video", "time_mix_blocks"),
)


@dataclass(frozen=True)
class UNetConfig:
    """LDM UNet hyper-parameters read from shapes (names follow ComfyUI's unet_config)."""

    in_channels: int
    out_channels: int
    model_channels: int
    channel_mult: tuple[int, ...]
    num_res_blocks: tuple[int, ...]
    transformer_depth: tuple[int, ...]          # per input ResBlock
    transformer_depth_output: tuple[int, ...]   # per output ResBlock
    transformer_depth_middle: int               # -1: no middle transformer
    context_dim: int | None
    use_linear_in_transformer: bool
    adm_in_channels: int | None
    time_embed_dim: int


def unet_prefix(keys: Sequence[str]) -> str:
    """Most frequent of ComfyUI's UNet prefixes with more than 5 keys, else "model."."""
    counts = Counter(p for k in keys for p in UNET_PREFIXES if k.startswith(p))
    if counts:
        prefix, n = counts.most_common(1)[0]
        if n > 5:
            return prefix
    return "model."


def _count_blocks(shapes: Shapes, prefix: str) -> int:
    pat = re.compile(re.escape(prefix) + r"(\d+)\.")
    ids = {int(m.group(1)) for k in shapes if (m := pat.match(k))}
    return max(ids) + 1 if ids else 0


def _depth(shapes: Shapes, prefix: str) -> int:
    pat = re.compile(re.escape(prefix) + r"transformer_blocks\.(\d+)\.")
    ids = {int(m.group(1)) for k in shapes if (m := pat.match(k))}
    return max(ids) + 1 if ids else 0


def detect_unet_config(shapes: Shapes, prefix: str) -> UNetConfig:
    """Walk input/middle/output blocks like ComfyUI's detect_unet_config and return the UNet layout."""
    p = prefix
    first = shapes[f"{p}input_blocks.0.0.weight"]
    mc = int(first[0])
    mult, res, depth = [], [], []
    level_res, context, linear = 0, None, False
    for i in range(1, _count_blocks(shapes, f"{p}input_blocks.")):
        b = f"{p}input_blocks.{i}."
        if f"{b}0.op.weight" in shapes:
            res.append(level_res)
            level_res = 0
            continue
        if f"{b}0.in_layers.0.weight" in shapes:
            out_ch = int(shapes[f"{b}0.out_layers.3.weight"][0])
            if level_res == 0:
                mult.append(out_ch // mc)
            level_res += 1
            d = _depth(shapes, f"{b}1.")
            depth.append(d)
            if d and context is None:
                context = int(shapes[f"{b}1.transformer_blocks.0.attn2.to_k.weight"][1])
                linear = len(shapes[f"{b}1.proj_in.weight"]) == 2
    res.append(level_res)
    depth_out = [_depth(shapes, f"{p}output_blocks.{i}.1.")
                 for i in range(_count_blocks(shapes, f"{p}output_blocks."))]
    mid_prefix = f"{p}middle_block.1."
    mid = _depth(shapes, mid_prefix) if any(k.startswith(mid_prefix) for k in shapes) else -1
    if context is None and mid > 0:
        context = int(shapes[f"{mid_prefix}transformer_blocks.0.attn2.to_k.weight"][1])
        linear = len(shapes[f"{mid_prefix}proj_in.weight"]) == 2
    adm = shapes.get(f"{p}label_emb.0.0.weight")
    out = shapes.get(f"{p}out.2.weight")
    return UNetConfig(
        in_channels=int(first[1]), out_channels=int(out[0]) if out else 4, model_channels=mc,
        channel_mult=tuple(mult), num_res_blocks=tuple(res), transformer_depth=tuple(depth),
        transformer_depth_output=tuple(depth_out), transformer_depth_middle=mid, context_dim=context,
        use_linear_in_transformer=linear, adm_in_channels=int(adm[1]) if adm else None,
        time_embed_dim=int(shapes[f"{p}time_embed.0.weight"][0]),
    )


def _describe_non_checkpoint(keys: Sequence[str]) -> str:
    """Say what a file without UNet weights looks like (VAE, text encoder, LoRA, …)."""
    if any(k.startswith(("lora_unet_", "lora_te", "diffusion_model.")) and "lora" in k for k in keys):
        return "a LoRA, not a checkpoint (put it in models/loras)"
    if any(k.startswith(("encoder.down.", "decoder.up.", "encoder.down_blocks.", "decoder.up_blocks.")) for k in keys):
        return "a standalone VAE, not a checkpoint (put it in models/vae and use VAELoader)"
    if any(k.startswith(("text_model.", "transformer.text_model.")) for k in keys):
        return "a standalone text encoder, not a checkpoint"
    if any(k.startswith("down_blocks.") or k.startswith("conv_in.") for k in keys):
        return "a diffusers-layout UNet, not a single-file checkpoint"
    return "not a Stable Diffusion checkpoint: it holds no UNet weights (no 'model.diffusion_model.input_blocks.*')"


def supported_text() -> str:
    """"graphrun supports SD1.5, SD2.x, ..." from the family table."""
    from graphrun.families import families

    return "graphrun supports " + ", ".join(sorted(f.label for f in families())) + " checkpoints"


def diffusers_model_type(shapes: Shapes) -> str | None:
    """diffusers' own name for a single-file layout (`infer_diffusers_model_type`, offline, shapes only)."""
    from types import SimpleNamespace

    try:
        from diffusers.loaders.single_file_utils import infer_diffusers_model_type

        return infer_diffusers_model_type({k: SimpleNamespace(shape=tuple(v)) for k, v in shapes.items()})
    except Exception:  # a layout diffusers does not know, or a check that needs tensor values
        return None


def detect(shapes: Shapes, source: str = "checkpoint"):
    """(Family, UNetConfig) for a supported UNet checkpoint; ModelError naming what it is otherwise."""
    from graphrun.families import families

    keys = list(shapes)
    for family, marker in FOREIGN_MARKERS:
        if any(marker in k for k in keys):
            raise ModelError(f"{source} is a {family} checkpoint; {supported_text()}")
    prefix = unet_prefix(keys)
    if f"{prefix}input_blocks.0.0.weight" not in shapes:
        raise ModelError(f"{source} is {_describe_non_checkpoint(keys)}")
    try:
        cfg = detect_unet_config(shapes, prefix)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ModelError(f"{source}: UNet weights are incomplete or malformed ({exc!r} missing or wrong shape)"
                         ) from exc
    if cfg.context_dim is None:
        raise ModelError(f"{source}: UNet has no cross-attention (no text conditioning); {supported_text()}")
    if cfg.in_channels != 4 or cfg.out_channels != 4:
        kinds = {9: "an inpainting", 8: "an instruct-pix2pix / Zero123"}
        kind = kinds.get(cfg.in_channels, "a non-standard")
        raise ModelError(f"{source} is {kind} checkpoint ({cfg.in_channels} input channels); "
                         f"{supported_text()} with 4-channel text-to-image UNets")
    for fam in families():
        if fam.recognise(cfg, shapes):
            return fam, cfg
    name = diffusers_model_type(shapes) or "unknown"
    raise ModelError(f"{source} is an unsupported UNet layout (diffusers calls it {name!r}; context_dim "
                     f"{cfg.context_dim}, adm_in_channels {cfg.adm_in_channels}); {supported_text()}")


def detect_family(shapes: Shapes, source: str = "checkpoint") -> tuple[str, UNetConfig]:
    """(family name, UNetConfig): `detect` for callers that only need the name."""
    fam, cfg = detect(shapes, source)
    return fam.name, cfg
