"""SD1.x diffusion model: an LDM UNet loaded into diffusers' UNet2DConditionModel, called ComfyUI's way (spec B.4)."""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import Tensor

from graphrun.backend.detect import UNetConfig
from graphrun.errors import ModelError

SD15_LATENT_SCALE = 0.18215
SD15_NUM_HEADS = 8  # SD1.x: fixed 8 heads (num_head_channels -1); diffusers calls this attention_head_dim


def diffusers_unet_config(cfg: UNetConfig) -> dict[str, Any]:
    """Translate a detected LDM UNet layout into UNet2DConditionModel keyword arguments."""
    levels = len(cfg.channel_mult)
    if len(set(cfg.num_res_blocks)) != 1:
        raise ModelError(f"UNet has differing ResBlocks per level {cfg.num_res_blocks}; diffusers needs one count")
    nrb = cfg.num_res_blocks[0]
    down_depth = [cfg.transformer_depth[i * nrb] for i in range(levels)]
    # output blocks hold nrb+1 ResBlocks per level, deepest level first
    up_depth = [cfg.transformer_depth_output[i * (nrb + 1)] for i in range(levels)]
    if cfg.transformer_depth_middle < 0:
        raise ModelError("UNet has no middle-block transformer; not an SD1.x layout")
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
        attention_head_dim=SD15_NUM_HEADS,
        use_linear_projection=cfg.use_linear_in_transformer,
        flip_sin_to_cos=True,
        freq_shift=0,
        time_embedding_dim=cfg.time_embed_dim,
        norm_num_groups=32,
        norm_eps=1e-5,
        act_fn="silu",
        upcast_attention=False,
    )


def convert_unet_state_dict(state_dict: Mapping[str, Tensor], diff_cfg: dict[str, Any],
                            prefix: str = "model.diffusion_model.") -> dict[str, Tensor]:
    """LDM UNet keys (with `prefix`) → diffusers keys, via diffusers' single-file converter."""
    from diffusers.loaders.single_file_utils import LDM_UNET_KEY, convert_ldm_unet_checkpoint

    sd = {LDM_UNET_KEY + k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    return convert_ldm_unet_checkpoint(sd, diff_cfg)


def build_unet(state_dict: Mapping[str, Tensor], cfg: UNetConfig, *, device: torch.device, dtype: torch.dtype,
               prefix: str = "model.diffusion_model.", source: str = "checkpoint"):
    """Create the diffusers UNet on the meta device and assign the converted weights (no random init)."""
    from diffusers import UNet2DConditionModel

    diff_cfg = diffusers_unet_config(cfg)
    weights = convert_unet_state_dict(state_dict, diff_cfg, prefix)
    with torch.device("meta"):
        unet = UNet2DConditionModel(**diff_cfg)
    expected = set(unet.state_dict())
    missing, unexpected = expected - set(weights), set(weights) - expected
    if missing or unexpected:
        raise ModelError(f"{source}: UNet weights do not match the detected SD1.x layout "
                         f"(missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]})")
    unet.load_state_dict({k: v.to(device=device, dtype=dtype) for k, v in weights.items()}, strict=True, assign=True)
    from graphrun.backend.lean import install_lean_forwards

    install_lean_forwards(unet)  # same numbers, fewer temporaries (speed)
    return unet.eval().requires_grad_(False)


class DiffusionModel:
    """An EPS UNet with SD1.5 model sampling; apply_model(x·c_in, t, context) -> eps in float32."""

    latent_scale_factor = SD15_LATENT_SCALE

    def __init__(self, unet, config: UNetConfig, *, device: torch.device, dtype: torch.dtype, family: str = "sd15"):
        self.unet = unet
        self.config = config
        self.device = device
        self.dtype = dtype
        self.family = family
        self._model_sampling = None

    @property
    def model_sampling(self):
        """SD1.5 discrete EPS schedule (graphrun.sampling.model_sampling), built on first use."""
        if self._model_sampling is None:
            from graphrun.sampling.model_sampling import ModelSamplingDiscrete

            self._model_sampling = ModelSamplingDiscrete()
        return self._model_sampling

    @torch.no_grad()
    def apply_model(self, x_in: Tensor, t: Tensor, context: Tensor) -> Tensor:
        """UNet call on already-scaled input; casts to the UNet dtype/device, returns float32 on x_in's device."""
        x = x_in.to(device=self.device, dtype=self.dtype)
        ts = t.to(device=self.device, dtype=torch.float32).reshape(-1)
        if ts.numel() == 1 and x.shape[0] != 1:
            ts = ts.expand(x.shape[0])
        ctx = context.to(device=self.device, dtype=self.dtype)
        eps = self.unet(x, ts, encoder_hidden_states=ctx, return_dict=False)[0]
        return eps.to(device=x_in.device, dtype=torch.float32)
