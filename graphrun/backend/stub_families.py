"""Deterministic random-weight single-file checkpoints for SD2.x (512 EPS, 768-v) and SDXL base/refiner, in the
layouts they are distributed in (LDM UNet under model.diffusion_model., VAE under first_stage_model., CLIP-L in HF
layout, OpenCLIP-H/-G in OpenCLIP layout), built on the SD1.5 generator in stub.py (same per-tensor seeding).

The `full` specs have the real architectures' shapes (SD2.x UNet 865.9 M parameters, SDXL base 2.57 B); `tiny`
ones keep each family's distinguishing traits (linear projections, 64-wide heads, ADM width, text widths) at a
size that runs in seconds on a CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from graphrun.backend import stub as sd_stub
from graphrun.backend.stub import StubSpec, _lin, _norm, clip_shapes, unet_shapes, vae_shapes

ADM_EMBED = 256  # one Timestep embedding of an SDXL size/aesthetic value


@dataclass(frozen=True)
class OpenClipSpec:
    """An OpenCLIP text tower (SD2's ViT-H, SDXL's bigG) as stored in single-file checkpoints."""

    width: int
    layers: int
    mlp: int
    projection: int | None = None  # text_projection [width, projection] (SDXL's G), None when absent


def open_clip_shapes(prefix: str, c: OpenClipSpec, vocab: int = 49408, positions: int = 77) -> dict:
    """OpenCLIP layout: token_embedding, positional_embedding, transformer.resblocks.N.{ln_1, attn.in_proj_*,
    attn.out_proj, ln_2, mlp.c_fc, mlp.c_proj}, ln_final, text_projection."""
    w = c.width
    out = {f"{prefix}token_embedding.weight": (vocab, w), f"{prefix}positional_embedding": (positions, w),
           **_norm(f"{prefix}ln_final", w)}
    for i in range(c.layers):
        p = f"{prefix}transformer.resblocks.{i}"
        out.update({**_norm(f"{p}.ln_1", w), f"{p}.attn.in_proj_weight": (3 * w, w), f"{p}.attn.in_proj_bias": (3 * w,),
                    **_lin(f"{p}.attn.out_proj", w, w), **_norm(f"{p}.ln_2", w), **_lin(f"{p}.mlp.c_fc", c.mlp, w),
                    **_lin(f"{p}.mlp.c_proj", w, c.mlp)})
    if c.projection is not None:
        out[f"{prefix}text_projection"] = (w, c.projection)
    return out


def _hf_clip(prefix: str, width: int, layers: int, mlp: int) -> dict:
    spec = StubSpec(0, (1,), 0, (), 0, 0, (1,), 0, width, layers, mlp)
    return {prefix + k[len(sd_stub.CLIP) - len("text_model."):]: v for k, v in clip_shapes(spec).items()}


def _unet(mc, mult, res, depth, middle, ctx, adm=None) -> StubSpec:
    return StubSpec(mc, mult, res, tuple(i for i, d in enumerate(depth) if d), ctx, 0, (1,), 0, 0, 0, 0,
                    linear=True, depth=depth, middle_depth=middle, adm_in_channels=adm)


# (unet spec, VAE spec (SD1.5's), text encoders) per stand-in and size
_VAE = {"full": sd_stub.SPECS["full"], "tiny": sd_stub.SPECS["tiny"]}
_SD2 = {"full": (_unet(320, (1, 2, 4, 4), 2, (1, 1, 1, 0), 1, 1024), OpenClipSpec(1024, 24, 4096)),
        # attention at half resolution only (fast on a CPU), 4 x (3 + 1) output blocks: output_blocks.11 (level 1)
        # has a transformer, where the v-prediction probe lives
        "tiny": (_unet(32, (1, 2, 2, 2), 3, (0, 1, 0, 0), 1, 64), OpenClipSpec(64, 2, 256))}
_SDXL = {"full": (_unet(320, (1, 2, 4), 2, (0, 2, 10), 10, 2048, 1280 + 6 * ADM_EMBED), (768, 12, 3072),
                  OpenClipSpec(1280, 32, 5120, 1280)),
         "tiny": (_unet(32, (1, 2), 1, (0, 1), 1, 128, 64 + 6 * ADM_EMBED), (64, 2, 256), OpenClipSpec(64, 2, 256, 64))}
_REFINER = {"full": (_unet(384, (1, 2, 4, 4), 2, (0, 4, 4, 0), 4, 1280, 1280 + 5 * ADM_EMBED),
                     OpenClipSpec(1280, 32, 5120, 1280)),
            "tiny": (_unet(32, (1, 2), 1, (0, 1), 1, 64, 64 + 5 * ADM_EMBED), OpenClipSpec(64, 2, 256, 64))}


def _size(table: dict, size: str):
    if size not in table:
        raise ValueError(f"stub size {size!r} unknown; allowed: {', '.join(table)}")
    return table[size]


def shapes(kind: str, size: str = "tiny") -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape of a stand-in checkpoint: kind in sd2 | sd2_v | sdxl | sdxl_refiner."""
    if kind in ("sd2", "sd2_v"):
        unet, clip_h = _size(_SD2, size)
        text = open_clip_shapes("cond_stage_model.model.", clip_h)
    elif kind == "sdxl":
        unet, (lw, ll, lm), clip_g = _size(_SDXL, size)
        text = {**_hf_clip("conditioner.embedders.0.transformer.", lw, ll, lm),
                **open_clip_shapes("conditioner.embedders.1.model.", clip_g)}
    elif kind == "sdxl_refiner":
        unet, clip_g = _size(_REFINER, size)
        text = open_clip_shapes("conditioner.embedders.0.model.", clip_g)
    else:
        raise ValueError(f"no SD2/SDXL stand-in named {kind!r}")
    return {**unet_shapes(unet), **vae_shapes(_VAE[size]), **text}


def parameter_count(kind: str, size: str) -> int:
    return sum(math.prod(s) for s in shapes(kind, size).values())


def _check_fits(kind: str, size: str, params: int) -> None:
    """Refuse, before allocating, a stand-in whose fp16 weights + float32 compute copy exceed the free memory."""
    from graphrun.backend.flux.stub import available_memory_bytes
    from graphrun.errors import ModelError

    need, free = params * 6, available_memory_bytes()
    if free is not None and need > free:
        raise ModelError(f"the {size} {kind} stand-in ({params / 1e9:.1f} B parameters) needs about "
                         f"{need / 2**30:.0f} GiB of memory, {free / 2**30:.0f} GiB are available; "
                         "use --stub-models tiny")


V_PRED_PROBE = "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias"


def make_checkpoint(kind: str, size: str = "tiny", seed: int = 0, dtype: torch.dtype = torch.float16) -> dict[str, Tensor]:
    """Seeded random state dict of a stand-in. sd2_v marks itself v-prediction the way real 768-v files are told
    apart by ComfyUI (and graphrun.families.sd2): a spread-out norm1 bias in output block 11 (std > 0.09)."""
    table = shapes(kind, size)
    _check_fits(kind, size, sum(math.prod(v) for v in table.values()))
    out = {}
    for name, shape in table.items():
        weight = table.get(name[: -len("bias")] + "weight", shape) if name.endswith("bias") else shape
        fan_in = math.prod(weight[1:]) if len(weight) > 1 else weight[0]
        out[name] = sd_stub._init(name, shape, fan_in, seed, dtype)
    if kind == "sd2_v":
        n = table[V_PRED_PROBE][0]
        out[V_PRED_PROBE] = torch.linspace(-0.25, 0.25, n).to(dtype)  # std ~0.15
    return out
