"""LDM UNets (SD1.x, SD2.x, SDXL) loaded into diffusers' UNet2DConditionModel, called ComfyUI's way (spec B.4).

Heads come from the family (SD1.x: 8 heads; SD2/SDXL: 64-wide heads); an ADM input (`label_emb`) becomes
diffusers' `class_embedding` of type "projection" (Linear-SiLU-Linear added to the time embedding, as LDM does),
fed the ADM vector the family computes.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import Tensor

from graphrun.backend.detect import UNetConfig
from graphrun.backend.materialize import to_compute
from graphrun.errors import ModelError

SD15_NUM_HEADS = 8  # SD1.x: fixed 8 heads (num_head_channels -1); diffusers calls this attention_head_dim


def diffusers_unet_config(cfg: UNetConfig, family=None) -> dict[str, Any]:
    """Translate a detected LDM UNet layout into UNet2DConditionModel keyword arguments."""
    levels = len(cfg.channel_mult)
    if len(set(cfg.num_res_blocks)) != 1:
        raise ModelError(f"UNet has differing ResBlocks per level {cfg.num_res_blocks}; diffusers needs one count")
    nrb = cfg.num_res_blocks[0]
    down_depth = [cfg.transformer_depth[i * nrb] for i in range(levels)]
    # output blocks hold nrb+1 ResBlocks per level, deepest level first
    up_depth = [cfg.transformer_depth_output[i * (nrb + 1)] for i in range(levels)]
    if cfg.transformer_depth_middle < 0:
        raise ModelError("UNet has no middle-block transformer; not an SD1.x/SD2.x/SDXL layout")
    if cfg.transformer_depth_middle != max(down_depth[-1], 1):
        raise ModelError(f"UNet middle transformer depth {cfg.transformer_depth_middle} differs from the deepest "
                         f"level's {down_depth[-1]}; diffusers cannot build this layout")
    chans = [cfg.model_channels * m for m in cfg.channel_mult]
    heads = tuple(family.heads(c) for c in chans) if family is not None else SD15_NUM_HEADS
    adm = {}
    if cfg.adm_in_channels is not None:
        adm = dict(class_embed_type="projection", projection_class_embeddings_input_dim=cfg.adm_in_channels)
    return dict(
        sample_size=64,
        in_channels=cfg.in_channels,
        out_channels=cfg.out_channels,
        down_block_types=tuple("CrossAttnDownBlock2D" if d else "DownBlock2D" for d in down_depth),
        up_block_types=tuple("CrossAttnUpBlock2D" if d else "UpBlock2D" for d in up_depth),
        mid_block_type="UNetMidBlock2DCrossAttn",
        block_out_channels=tuple(cfg.model_channels * m for m in cfg.channel_mult),
        layers_per_block=nrb,
        transformer_layers_per_block=tuple(max(d, 1) for d in down_depth),
        cross_attention_dim=cfg.context_dim,
        attention_head_dim=heads,
        use_linear_projection=cfg.use_linear_in_transformer,
        flip_sin_to_cos=True,
        freq_shift=0,
        time_embedding_dim=cfg.time_embed_dim,
        norm_num_groups=32,
        norm_eps=1e-5,
        act_fn="silu",
        upcast_attention=False,
        **adm,
    )


def convert_unet_state_dict(state_dict: Mapping[str, Tensor], diff_cfg: dict[str, Any],
                            prefix: str = "model.diffusion_model.") -> dict[str, Tensor]:
    """LDM UNet keys (with `prefix`) → diffusers keys, via diffusers' single-file converter."""
    from diffusers.loaders.single_file_utils import LDM_UNET_KEY, convert_ldm_unet_checkpoint

    sd = {LDM_UNET_KEY + k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    return convert_ldm_unet_checkpoint(sd, diff_cfg)


def build_unet(state_dict: Mapping[str, Tensor], cfg: UNetConfig, *, device: torch.device, dtype: torch.dtype,
               prefix: str = "model.diffusion_model.", source: str = "checkpoint", family=None):
    """Create the diffusers UNet on the meta device and assign the converted weights (no random init)."""
    from diffusers import UNet2DConditionModel

    diff_cfg = diffusers_unet_config(cfg, family)
    weights = convert_unet_state_dict(state_dict, diff_cfg, prefix)
    with torch.device("meta"):
        unet = UNet2DConditionModel(**diff_cfg)
    expected = set(unet.state_dict())
    missing, unexpected = expected - set(weights), set(weights) - expected
    if missing or unexpected:
        raise ModelError(f"{source}: UNet weights do not match the detected {getattr(family, 'label', 'SD1.x')} layout "
                         f"(missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]})")
    unet.load_state_dict(to_compute(weights, device=device, dtype=dtype), strict=True, assign=True)
    # the converter only renames (same tensor objects): remember diffusers name -> LDM name, for LoRA key maps
    ldm = {id(v): k[len(prefix):] for k, v in state_dict.items() if k.startswith(prefix)}
    unet.graphrun_ldm_names = {k: ldm[id(v)] for k, v in weights.items() if id(v) in ldm}
    from graphrun.backend.lean import install_lean_forwards

    install_lean_forwards(unet)  # same numbers, fewer temporaries (speed)
    return unet.eval().requires_grad_(False)


class DiffusionModel:
    """The UNet network of a MODEL: apply_model(x·c_in, t, context, y=None) -> model output in float32."""

    def __init__(self, unet, config: UNetConfig, *, device: torch.device, dtype: torch.dtype):
        self.unet = unet
        self.config = config
        self.device = device
        self.dtype = dtype

    def weight_keys(self) -> list[str]:
        """The network's parameter names (diffusers layout), for weight patches."""
        return list(self.unet.state_dict())

    @torch.no_grad()
    def apply_model(self, x_in: Tensor, t: Tensor, context: Tensor, y: Tensor | None = None,
                    control: tuple | None = None) -> Tensor:
        """UNet call on already-scaled input; casts to the UNet dtype/device, returns float32 on x_in's device.
        `control`: (down residuals, middle residual) of a ControlNet chain, added as ComfyUI's apply_control."""
        x = x_in.to(device=self.device, dtype=self.dtype)
        ts = t.to(device=self.device, dtype=torch.float32).reshape(-1)
        if ts.numel() == 1 and x.shape[0] != 1:
            ts = ts.expand(x.shape[0])
        ctx = context.to(device=self.device, dtype=self.dtype)
        if (y is None) != (self.config.adm_in_channels is None):
            raise ValueError("this UNet needs an ADM vector (SDXL pooled + size conditioning)"
                             if y is None else "an ADM vector was given to a UNet without label_emb")
        labels = None if y is None else y.to(device=self.device, dtype=self.dtype)
        extra = {}
        if control is not None:
            down, mid = control
            extra = dict(down_block_additional_residuals=tuple(r.to(device=self.device, dtype=self.dtype) for r in down),
                         mid_block_additional_residual=mid.to(device=self.device, dtype=self.dtype))
        out = self.unet(x, ts, encoder_hidden_states=ctx, class_labels=labels, return_dict=False, **extra)[0]
        return out.to(device=x_in.device, dtype=torch.float32)
