"""Deterministic random-weight state dicts in SD1.5 single-file layout, for --stub-models, tests and benchmarks."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import torch
from torch import Tensor

UNET = "model.diffusion_model."
VAE = "first_stage_model."
CLIP = "cond_stage_model.transformer.text_model."


@dataclass(frozen=True)
class StubSpec:
    """Architecture numbers of an SD1.5-layout checkpoint."""

    model_channels: int
    channel_mult: tuple[int, ...]
    num_res_blocks: int
    attention_levels: tuple[int, ...]
    context_dim: int
    vae_ch: int
    vae_mult: tuple[int, ...]
    vae_res_blocks: int
    clip_width: int
    clip_layers: int
    clip_mlp: int
    vocab: int = 49408
    positions: int = 77
    # SD2/SDXL layouts (defaults = SD1.5): linear transformer projections, transformer depth per attention level
    # (one value per level, 0 = none; None = 1 at each of attention_levels), middle depth, ADM input width
    linear: bool = False
    depth: tuple[int, ...] | None = None
    middle_depth: int = 1
    adm_in_channels: int | None = None

    def level_depth(self, level: int) -> int:
        if self.depth is not None:
            return self.depth[level]
        return 1 if level in self.attention_levels else 0


SPECS = {
    "full": StubSpec(320, (1, 2, 4, 4), 2, (0, 1, 2), 768, 128, (1, 2, 4, 4), 2, 768, 12, 3072),
    "tiny": StubSpec(32, (1, 2), 1, (0,), 64, 32, (1, 2, 2, 4), 1, 64, 2, 256),
}


def _norm(p: str, c: int) -> dict[str, tuple[int, ...]]:
    return {f"{p}.weight": (c,), f"{p}.bias": (c,)}


def _lin(p: str, cout: int, cin: int, *, k: int | None = None, bias: bool = True) -> dict[str, tuple[int, ...]]:
    shape = (cout, cin) if k is None else (cout, cin, k, k)
    return {f"{p}.weight": shape, **({f"{p}.bias": (cout,)} if bias else {})}


def _resblock(p: str, cin: int, cout: int, emb: int) -> dict[str, tuple[int, ...]]:
    out = {**_norm(f"{p}.in_layers.0", cin), **_lin(f"{p}.in_layers.2", cout, cin, k=3),
           **_lin(f"{p}.emb_layers.1", cout, emb), **_norm(f"{p}.out_layers.0", cout),
           **_lin(f"{p}.out_layers.3", cout, cout, k=3)}
    if cin != cout:
        out.update(_lin(f"{p}.skip_connection", cout, cin, k=1))
    return out


def _transformer(p: str, c: int, ctx: int, depth: int = 1, linear: bool = False) -> dict[str, tuple[int, ...]]:
    k = None if linear else 1  # SD2/SDXL project in/out with Linear, SD1.x with 1x1 convs
    out = {**_norm(f"{p}.norm", c), **_lin(f"{p}.proj_in", c, c, k=k), **_lin(f"{p}.proj_out", c, c, k=k)}
    for d in range(depth):
        b = f"{p}.transformer_blocks.{d}"
        for attn, kv in (("attn1", c), ("attn2", ctx)):
            out.update({**_lin(f"{b}.{attn}.to_q", c, c, bias=False), **_lin(f"{b}.{attn}.to_k", c, kv, bias=False),
                        **_lin(f"{b}.{attn}.to_v", c, kv, bias=False), **_lin(f"{b}.{attn}.to_out.0", c, c)})
        out.update({**_lin(f"{b}.ff.net.0.proj", c * 8, c), **_lin(f"{b}.ff.net.2", c, c * 4)})
        for n in ("norm1", "norm2", "norm3"):
            out.update(_norm(f"{b}.{n}", c))
    return out


def unet_shapes(s: StubSpec) -> dict[str, tuple[int, ...]]:
    """LDM UNet (openaimodel) tensor shapes for an SD1.x layout."""
    mc, emb, p = s.model_channels, s.model_channels * 4, UNET
    out = {**_lin(f"{p}time_embed.0", emb, mc), **_lin(f"{p}time_embed.2", emb, emb),
           **_lin(f"{p}input_blocks.0.0", mc, 4, k=3)}
    if s.adm_in_channels is not None:  # SDXL: the ADM vector (pooled text + size embeddings) into the time embedding
        out.update({**_lin(f"{p}label_emb.0.0", emb, s.adm_in_channels), **_lin(f"{p}label_emb.0.2", emb, emb)})
    skips, ch, i = [mc], mc, 1
    for level, mult in enumerate(s.channel_mult):
        for _ in range(s.num_res_blocks):
            out.update(_resblock(f"{p}input_blocks.{i}.0", ch, mc * mult, emb))
            ch = mc * mult
            if s.level_depth(level):
                out.update(_transformer(f"{p}input_blocks.{i}.1", ch, s.context_dim, s.level_depth(level), s.linear))
            skips.append(ch)
            i += 1
        if level != len(s.channel_mult) - 1:
            out.update(_lin(f"{p}input_blocks.{i}.0.op", ch, ch, k=3))
            skips.append(ch)
            i += 1
    out.update({**_resblock(f"{p}middle_block.0", ch, ch, emb),
                **_transformer(f"{p}middle_block.1", ch, s.context_dim, s.middle_depth, s.linear),
                **_resblock(f"{p}middle_block.2", ch, ch, emb)})
    i = 0
    for level in reversed(range(len(s.channel_mult))):
        for r in range(s.num_res_blocks + 1):
            cout = mc * s.channel_mult[level]
            out.update(_resblock(f"{p}output_blocks.{i}.0", ch + skips.pop(), cout, emb))
            ch, sub = cout, 1
            if s.level_depth(level):
                out.update(_transformer(f"{p}output_blocks.{i}.1", ch, s.context_dim, s.level_depth(level), s.linear))
                sub = 2
            if level and r == s.num_res_blocks:
                out.update(_lin(f"{p}output_blocks.{i}.{sub}.conv", ch, ch, k=3))
            i += 1
    out.update({**_norm(f"{p}out.0", mc), **_lin(f"{p}out.2", 4, mc, k=3)})
    return out


def _vae_res(p: str, cin: int, cout: int) -> dict[str, tuple[int, ...]]:
    out = {**_norm(f"{p}.norm1", cin), **_lin(f"{p}.conv1", cout, cin, k=3), **_norm(f"{p}.norm2", cout),
           **_lin(f"{p}.conv2", cout, cout, k=3)}
    if cin != cout:
        out.update(_lin(f"{p}.nin_shortcut", cout, cin, k=1))
    return out


def _vae_mid(p: str, c: int) -> dict[str, tuple[int, ...]]:
    out = {**_vae_res(f"{p}.mid.block_1", c, c), **_vae_res(f"{p}.mid.block_2", c, c),
           **_norm(f"{p}.mid.attn_1.norm", c)}
    for n in ("q", "k", "v", "proj_out"):
        out.update(_lin(f"{p}.mid.attn_1.{n}", c, c, k=1))
    return out


def vae_shapes(s: StubSpec, z: int = 4) -> dict[str, tuple[int, ...]]:
    """LDM AutoencoderKL tensor shapes (double_z, embed_dim = z_channels)."""
    e, d, ch = f"{VAE}encoder", f"{VAE}decoder", s.vae_ch
    chans = [ch * m for m in s.vae_mult]
    out, cin = _lin(f"{e}.conv_in", ch, 3, k=3), ch
    for i, c in enumerate(chans):
        for j in range(s.vae_res_blocks):
            out.update(_vae_res(f"{e}.down.{i}.block.{j}", cin, c))
            cin = c
        if i != len(chans) - 1:
            out.update(_lin(f"{e}.down.{i}.downsample.conv", c, c, k=3))
    out.update({**_vae_mid(e, cin), **_norm(f"{e}.norm_out", cin), **_lin(f"{e}.conv_out", 2 * z, cin, k=3)})
    out.update({**_lin(f"{d}.conv_in", chans[-1], z, k=3), **_vae_mid(d, chans[-1])})
    cin = chans[-1]
    for i in reversed(range(len(chans))):
        for j in range(s.vae_res_blocks + 1):
            out.update(_vae_res(f"{d}.up.{i}.block.{j}", cin, chans[i]))
            cin = chans[i]
        if i != 0:
            out.update(_lin(f"{d}.up.{i}.upsample.conv", cin, cin, k=3))
    out.update({**_norm(f"{d}.norm_out", ch), **_lin(f"{d}.conv_out", 3, ch, k=3)})
    out.update({**_lin(f"{VAE}quant_conv", 2 * z, 2 * z, k=1), **_lin(f"{VAE}post_quant_conv", z, z, k=1)})
    return out


def clip_shapes(s: StubSpec) -> dict[str, tuple[int, ...]]:
    """HF CLIPTextModel tensor shapes under the SD1.5 cond_stage_model prefix (no position_ids)."""
    w = s.clip_width
    out = {f"{CLIP}embeddings.token_embedding.weight": (s.vocab, w),
           f"{CLIP}embeddings.position_embedding.weight": (s.positions, w), **_norm(f"{CLIP}final_layer_norm", w)}
    for i in range(s.clip_layers):
        p = f"{CLIP}encoder.layers.{i}"
        for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
            out.update(_lin(f"{p}.self_attn.{n}", w, w))
        out.update({**_norm(f"{p}.layer_norm1", w), **_norm(f"{p}.layer_norm2", w),
                    **_lin(f"{p}.mlp.fc1", s.clip_mlp, w), **_lin(f"{p}.mlp.fc2", w, s.clip_mlp)})
    return out


def stub_shapes(size: str = "tiny") -> dict[str, tuple[int, ...]]:
    """Every tensor name -> shape of the stub checkpoint (UNet, VAE, CLIP), without allocating weights."""
    if size not in SPECS:
        raise ValueError(f"stub size {size!r} unknown; allowed: {', '.join(SPECS)}")
    s = SPECS[size]
    return {**unet_shapes(s), **vae_shapes(s), **clip_shapes(s)}


POOL = 65_537  # prime: larger tensors repeat a per-tensor random pool (values are irrelevant for stubs)


def _init(name: str, shape: tuple[int, ...], fan_in: int, seed: int, dtype: torch.dtype) -> Tensor:
    """U(±1/sqrt(fan_in)) from a generator seeded by (seed, name); norm weights 1, norm biases 0."""
    leaf = name.rsplit(".", 2)[-2]
    if len(shape) == 1 and ("norm" in leaf or leaf.startswith("ln_")):  # HF norms; OpenCLIP ln_1/ln_2/ln_final
        return (torch.ones(shape) if name.endswith(".weight") else torch.zeros(shape)).to(dtype)
    n = math.prod(shape)
    gen = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(name.encode()))
    bound = 1.0 / math.sqrt(max(fan_in, 1))
    pool = torch.rand(min(n, POOL), generator=gen).mul_(2 * bound).sub_(bound).to(dtype)
    if n > POOL:  # tiling a prime-length pool keeps generation ~O(#tensors) instead of O(#params)
        pool = pool.repeat(-(-n // POOL))[:n]
    return pool.reshape(shape)


def make_stub_checkpoint(size: str = "tiny", seed: int = 0, dtype: torch.dtype = torch.float16) -> dict[str, Tensor]:
    """Seeded random SD1.5-layout state dict (same names/shapes as a real single-file checkpoint)."""
    shapes = stub_shapes(size)
    out = {}
    for name, shape in shapes.items():
        weight = shapes.get(name[: -len("bias")] + "weight", shape) if name.endswith(".bias") else shape
        fan_in = math.prod(weight[1:]) if len(weight) > 1 else weight[0]
        out[name] = _init(name, shape, fan_in, seed, dtype)
    return out
