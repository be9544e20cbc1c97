"""Deterministic random-weight Flux files (--stub-models): the DiT in BFL layout (dev with guidance_in, schnell
without), CLIP-L (`text_model.*`), T5-XXL (HF encoder keys) and the 16-channel AE (no quant convs), as the separate
files UNETLoader / DualCLIPLoader / VAELoader read. "full" has the real sizes (the DiT alone is 11.9 B parameters:
far beyond a laptop's memory in float32; it is listed for completeness and refused by `check_fits`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from graphrun.backend import stub as sd_stub


@dataclass(frozen=True)
class FluxStubSpec:
    hidden: int
    heads: int
    depth: int
    depth_single: int
    context: int  # T5 width
    vec: int  # CLIP-L width (pooled)
    clip_layers: int
    clip_mlp: int
    t5_layers: int
    t5_heads: int
    t5_dkv: int
    t5_ff: int
    ae_ch: int
    ae_mult: tuple[int, ...]
    ae_res: int
    t5_vocab: int = 32128


SPECS = {
    "full": FluxStubSpec(3072, 24, 19, 38, 4096, 768, 12, 3072, 24, 64, 64, 10240, 128, (1, 2, 4, 4), 2),
    "tiny": FluxStubSpec(64, 2, 2, 2, 32, 64, 3, 256, 2, 2, 16, 64, 32, (1, 2, 2, 4), 1),
}


def _lin(p: str, cout: int, cin: int, bias: bool = True) -> dict[str, tuple[int, ...]]:
    return {f"{p}.weight": (cout, cin), **({f"{p}.bias": (cout,)} if bias else {})}


def dit_shapes(s: FluxStubSpec, guidance: bool) -> dict[str, tuple[int, ...]]:
    h, hd, mlp = s.hidden, s.hidden // s.heads, s.hidden * 4
    out = {**_lin("img_in", h, 64), **_lin("txt_in", h, s.context),
           **_lin("time_in.in_layer", h, 256), **_lin("time_in.out_layer", h, h),
           **_lin("vector_in.in_layer", h, s.vec), **_lin("vector_in.out_layer", h, h),
           **_lin("final_layer.linear", 64, h), **_lin("final_layer.adaLN_modulation.1", 2 * h, h)}
    if guidance:
        out.update({**_lin("guidance_in.in_layer", h, 256), **_lin("guidance_in.out_layer", h, h)})
    for i in range(s.depth):
        p = f"double_blocks.{i}"
        for side in ("img", "txt"):
            out.update({**_lin(f"{p}.{side}_mod.lin", 6 * h, h), **_lin(f"{p}.{side}_attn.qkv", 3 * h, h),
                        **_lin(f"{p}.{side}_attn.proj", h, h), **_lin(f"{p}.{side}_mlp.0", mlp, h),
                        **_lin(f"{p}.{side}_mlp.2", h, mlp),
                        f"{p}.{side}_attn.norm.query_norm.scale": (hd,), f"{p}.{side}_attn.norm.key_norm.scale": (hd,)})
    for i in range(s.depth_single):
        p = f"single_blocks.{i}"
        out.update({**_lin(f"{p}.linear1", 3 * h + mlp, h), **_lin(f"{p}.linear2", h, h + mlp),
                    **_lin(f"{p}.modulation.lin", 3 * h, h),
                    f"{p}.norm.query_norm.scale": (hd,), f"{p}.norm.key_norm.scale": (hd,)})
    return out


def clip_l_shapes(s: FluxStubSpec) -> dict[str, tuple[int, ...]]:
    spec = sd_stub.StubSpec(0, (1,), 0, (), 0, 0, (1,), 0, s.vec, s.clip_layers, s.clip_mlp)
    return {k.removeprefix("cond_stage_model.transformer."): v for k, v in sd_stub.clip_shapes(spec).items()}


def t5_shapes(s: FluxStubSpec) -> dict[str, tuple[int, ...]]:
    d, inner = s.context, s.t5_heads * s.t5_dkv
    out = {"shared.weight": (s.t5_vocab, d), "encoder.final_layer_norm.weight": (d,),
           "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": (32, s.t5_heads)}
    for i in range(s.t5_layers):
        p = f"encoder.block.{i}.layer"
        out.update({f"{p}.0.SelfAttention.{m}.weight": (inner, d) for m in ("q", "k", "v")})
        out.update({f"{p}.0.SelfAttention.o.weight": (d, inner), f"{p}.0.layer_norm.weight": (d,),
                    f"{p}.1.layer_norm.weight": (d,), f"{p}.1.DenseReluDense.wi_0.weight": (s.t5_ff, d),
                    f"{p}.1.DenseReluDense.wi_1.weight": (s.t5_ff, d), f"{p}.1.DenseReluDense.wo.weight": (d, s.t5_ff)})
    return out


def ae_shapes(s: FluxStubSpec) -> dict[str, tuple[int, ...]]:
    spec = sd_stub.StubSpec(0, (1,), 0, (), 0, s.ae_ch, s.ae_mult, s.ae_res, 0, 0, 0)
    shapes = sd_stub.vae_shapes(spec, z=16)
    return {k.removeprefix(sd_stub.VAE): v for k, v in shapes.items() if "quant_conv" not in k}


def _make(shapes: dict[str, tuple[int, ...]], seed: int, dtype: torch.dtype) -> dict[str, Tensor]:
    out = {}
    for name, shape in shapes.items():
        weight = shapes.get(name[: -len("bias")] + "weight", shape) if name.endswith(".bias") else shape
        fan_in = math.prod(weight[1:]) if len(weight) > 1 else weight[0]
        if name.endswith(".scale") or (len(shape) == 1 and "layer_norm" in name):
            out[name] = torch.ones(shape, dtype=dtype)  # RMS-norm scales
        else:
            out[name] = sd_stub._init(name, shape, fan_in, seed, dtype)
    return out


PARTS = {
    "dev": lambda s: dit_shapes(s, True),
    "schnell": lambda s: dit_shapes(s, False),
    "clip_l": clip_l_shapes,
    "t5xxl": t5_shapes,
    "ae": ae_shapes,
}


def parameter_count(part: str, size: str = "tiny") -> int:
    return sum(math.prod(v) for v in PARTS[part](SPECS[size]).values())


def make_flux_part(part: str, size: str = "tiny", seed: int = 0, dtype: torch.dtype = torch.bfloat16) -> dict[str, Tensor]:
    """One stand-in file's state dict: part in dev | schnell | clip_l | t5xxl | ae."""
    if size not in SPECS:
        raise ValueError(f"stub size {size!r} unknown; allowed: {', '.join(SPECS)}")
    if part not in PARTS:
        raise ValueError(f"Flux stub part {part!r} unknown; allowed: {', '.join(PARTS)}")
    return _make(PARTS[part](SPECS[size]), seed, dtype)


def make_flux_checkpoint(variant: str = "schnell", size: str = "tiny", seed: int = 0) -> dict[str, Tensor]:
    """An all-in-one Flux checkpoint stand-in (CheckpointLoaderSimple, e.g. flux1-schnell-fp8.safetensors): the DiT,
    CLIP-L, T5-XXL and AE under ComfyUI's checkpoint prefixes."""
    from graphrun.backend.flux.convert import CHECKPOINT_PARTS

    parts = {"diffusion_model": make_flux_part(variant, size, seed),
             "clip_l": make_flux_part("clip_l", size, seed, torch.float16),
             "t5xxl": make_flux_part("t5xxl", size, seed, torch.float16),
             "vae": make_flux_part("ae", size, seed, torch.float16)}
    return {CHECKPOINT_PARTS[p] + k: v for p, sd in parts.items() for k, v in sd.items()}


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else None (unknown: no check)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_fits(parts: list[str], size: str, compute_bytes_per_param: int = 4) -> None:
    """Refuse, before allocating, a stand-in whose weights (stored + float32 compute copy) exceed the free memory."""
    from graphrun.errors import ModelError

    params = sum(parameter_count(p, size) for p in parts)
    need = params * (2 + compute_bytes_per_param)
    free = available_memory_bytes()
    if free is not None and need > free:
        raise ModelError(f"the {size} Flux stand-in ({', '.join(parts)}: {params / 1e9:.1f} B parameters) needs about "
                         f"{need / 2**30:.0f} GiB of memory, {free / 2**30:.0f} GiB are available; "
                         "use --stub-models tiny")
