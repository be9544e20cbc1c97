"""Flux DiT: BFL single-file keys (flux1-dev.safetensors) -> diffusers FluxTransformer2DModel keys, and the
architecture read from the tensor shapes.

The mapping is diffusers' own (`convert_flux_transformer_checkpoint_to_diffusers`), restated here because that
function hard-codes the 3072-wide model when it splits the single blocks' fused linear1; this one takes the widths from
the shapes so any size works. Two facts it encodes: BFL's final adaLN stores (shift, scale) where diffusers' norm_out
expects (scale, shift), and single blocks fuse q, k, v and the MLP input in linear1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import torch
from torch import Tensor

from graphrun.errors import ModelError

BFL_PREFIXES = ("model.diffusion_model.", "diffusion_model.")


@dataclass(frozen=True)
class FluxConfig:
    hidden_size: int
    num_heads: int
    head_dim: int
    depth: int
    depth_single_blocks: int
    in_channels: int  # packed: latent channels * 2 * 2
    context_in_dim: int
    vec_in_dim: int
    mlp_hidden: int
    guidance_embed: bool

    @property
    def axes_dim(self) -> tuple[int, int, int]:
        """RoPE split of a head over (index, row, column): BFL's [16, 56, 56] for 128-wide heads; the same rule
        (1/8 for the index axis, the rest halved) for other widths."""
        first = self.head_dim // 8
        rest = (self.head_dim - first) // 2
        return (first, rest, self.head_dim - first - rest)

    def diffusers_kwargs(self) -> dict:
        return dict(patch_size=1, in_channels=self.in_channels, out_channels=None, num_layers=self.depth,
                    num_single_layers=self.depth_single_blocks, attention_head_dim=self.head_dim,
                    num_attention_heads=self.num_heads, joint_attention_dim=self.context_in_dim,
                    pooled_projection_dim=self.vec_in_dim, guidance_embeds=self.guidance_embed,
                    axes_dims_rope=self.axes_dim)


def strip_prefix(sd: Mapping[str, Tensor]) -> dict[str, Tensor]:
    for p in BFL_PREFIXES:
        if any(k.startswith(p + "double_blocks.") for k in sd):
            return {k[len(p):]: v for k, v in sd.items() if k.startswith(p)}
    return dict(sd)


def is_flux_bfl(sd: Mapping[str, Tensor]) -> bool:
    """ComfyUI's marker for Flux: the first double block's key-norm scale and img_in."""
    return "double_blocks.0.img_attn.norm.key_norm.scale" in sd and "img_in.weight" in sd


def _count(sd: Mapping[str, Tensor], prefix: str) -> int:
    pat = re.compile(re.escape(prefix) + r"(\d+)\.")
    ids = {int(m.group(1)) for k in sd if (m := pat.match(k))}
    return max(ids) + 1 if ids else 0


def config_from_state_dict(sd: Mapping[str, Tensor], source: str = "Flux model") -> FluxConfig:
    try:
        hidden, in_ch = sd["img_in.weight"].shape
        head_dim = sd["double_blocks.0.img_attn.norm.query_norm.scale"].shape[0]
        ctx = sd["txt_in.weight"].shape[1]
        vec = sd["vector_in.in_layer.weight"].shape[1]
        mlp = sd["double_blocks.0.img_mlp.0.weight"].shape[0]
    except KeyError as exc:
        raise ModelError(f"{source}: not a Flux DiT in BFL layout ({exc.args[0]!r} is missing)") from None
    if hidden % head_dim:
        raise ModelError(f"{source}: hidden size {hidden} is not a multiple of the head width {head_dim}")
    return FluxConfig(int(hidden), int(hidden // head_dim), int(head_dim), _count(sd, "double_blocks."),
                      _count(sd, "single_blocks."), int(in_ch), int(ctx), int(vec), int(mlp),
                      "guidance_in.in_layer.weight" in sd)


def _swap_shift_scale(w: Tensor) -> Tensor:
    shift, scale = w.chunk(2, dim=0)
    return torch.cat([scale, shift], dim=0)


def bfl_to_diffusers(sd: Mapping[str, Tensor], cfg: FluxConfig) -> dict[str, Tensor]:
    """Rename / split the BFL tensors into FluxTransformer2DModel's state dict."""
    out: dict[str, Tensor] = {}

    def mv(src: str, dst: str) -> None:
        for suffix in (".weight", ".bias"):
            if src + suffix in sd:
                out[dst + suffix] = sd[src + suffix]

    mv("time_in.in_layer", "time_text_embed.timestep_embedder.linear_1")
    mv("time_in.out_layer", "time_text_embed.timestep_embedder.linear_2")
    mv("vector_in.in_layer", "time_text_embed.text_embedder.linear_1")
    mv("vector_in.out_layer", "time_text_embed.text_embedder.linear_2")
    if cfg.guidance_embed:
        mv("guidance_in.in_layer", "time_text_embed.guidance_embedder.linear_1")
        mv("guidance_in.out_layer", "time_text_embed.guidance_embedder.linear_2")
    mv("txt_in", "context_embedder")
    mv("img_in", "x_embedder")
    for i in range(cfg.depth):
        s, d = f"double_blocks.{i}.", f"transformer_blocks.{i}."
        mv(s + "img_mod.lin", d + "norm1.linear")
        mv(s + "txt_mod.lin", d + "norm1_context.linear")
        for part, names in (("img_attn.qkv", ("to_q", "to_k", "to_v")), ("txt_attn.qkv", ("add_q_proj", "add_k_proj", "add_v_proj"))):
            for suffix in (".weight", ".bias"):
                for name, t in zip(names, sd[s + part + suffix].chunk(3, dim=0)):
                    out[d + "attn." + name + suffix] = t
        out[d + "attn.norm_q.weight"] = sd[s + "img_attn.norm.query_norm.scale"]
        out[d + "attn.norm_k.weight"] = sd[s + "img_attn.norm.key_norm.scale"]
        out[d + "attn.norm_added_q.weight"] = sd[s + "txt_attn.norm.query_norm.scale"]
        out[d + "attn.norm_added_k.weight"] = sd[s + "txt_attn.norm.key_norm.scale"]
        mv(s + "img_mlp.0", d + "ff.net.0.proj")
        mv(s + "img_mlp.2", d + "ff.net.2")
        mv(s + "txt_mlp.0", d + "ff_context.net.0.proj")
        mv(s + "txt_mlp.2", d + "ff_context.net.2")
        mv(s + "img_attn.proj", d + "attn.to_out.0")
        mv(s + "txt_attn.proj", d + "attn.to_add_out")
    h, m = cfg.hidden_size, cfg.mlp_hidden
    for i in range(cfg.depth_single_blocks):
        s, d = f"single_blocks.{i}.", f"single_transformer_blocks.{i}."
        mv(s + "modulation.lin", d + "norm.linear")
        for suffix in (".weight", ".bias"):
            q, k, v, mlp = torch.split(sd[s + "linear1" + suffix], [h, h, h, m], dim=0)
            out[d + "attn.to_q" + suffix], out[d + "attn.to_k" + suffix], out[d + "attn.to_v" + suffix] = q, k, v
            out[d + "proj_mlp" + suffix] = mlp
        out[d + "attn.norm_q.weight"] = sd[s + "norm.query_norm.scale"]
        out[d + "attn.norm_k.weight"] = sd[s + "norm.key_norm.scale"]
        mv(s + "linear2", d + "proj_out")
    mv("final_layer.linear", "proj_out")
    out["norm_out.linear.weight"] = _swap_shift_scale(sd["final_layer.adaLN_modulation.1.weight"])
    out["norm_out.linear.bias"] = _swap_shift_scale(sd["final_layer.adaLN_modulation.1.bias"])
    return out


# All-in-one Flux checkpoints (CheckpointLoaderSimple, e.g. flux1-schnell-fp8.safetensors): ComfyUI's prefixes.
CHECKPOINT_PARTS = {
    "diffusion_model": "model.diffusion_model.",
    "clip_l": "text_encoders.clip_l.transformer.",
    "t5xxl": "text_encoders.t5xxl.transformer.",
    "vae": "vae.",
}


def split_checkpoint(sd: Mapping[str, Tensor]) -> dict[str, dict[str, Tensor]]:
    """{part: prefix-free state dict} for the parts present (a checkpoint may lack text encoders or the VAE)."""
    out: dict[str, dict[str, Tensor]] = {}
    for part, prefix in CHECKPOINT_PARTS.items():
        sub = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
        if sub:
            out[part] = sub
    return out
