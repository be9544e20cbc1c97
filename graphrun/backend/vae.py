"""SD1.x VAE: an LDM AutoencoderKL loaded into diffusers' AutoencoderKL, with ComfyUI's encode/decode (spec H.3/H.4)."""

from __future__ import annotations

import re
from typing import Any, Mapping

import torch
from torch import Tensor

from graphrun.backend.materialize import to_compute
from graphrun.errors import ModelError

LDM_VAE_PREFIXES = ("first_stage_model.", "vae.")
# pre-0.14 diffusers attention names -> current ones (diffusers-layout VAE files)
_LEGACY_ATTN = {".query.": ".to_q.", ".key.": ".to_k.", ".value.": ".to_v.", ".proj_attn.": ".to_out.0."}


def strip_vae_prefix(state_dict: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Keys of the VAE with "first_stage_model."/"vae." removed (bare files are returned as is)."""
    for prefix in LDM_VAE_PREFIXES:
        if any(k.startswith(prefix + "encoder.") for k in state_dict):
            return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    return dict(state_dict)


def is_diffusers_layout(sd: Mapping[str, Any]) -> bool:
    """True for diffusers-format VAE keys (ComfyUI's test: decoder.up_blocks.0.resnets.0.norm1.weight)."""
    return "decoder.up_blocks.0.resnets.0.norm1.weight" in sd


def _count(sd: Mapping[str, Any], pattern: str) -> int:
    pat = re.compile(pattern)
    ids = {int(m.group(1)) for k in sd if (m := pat.match(k))}
    return max(ids) + 1 if ids else 0


def diffusers_vae_config(sd: Mapping[str, Tensor], source: str = "VAE") -> dict[str, Any]:
    """AutoencoderKL keyword arguments inferred from the (prefix-free) VAE tensor shapes, LDM or diffusers layout."""
    try:
        if is_diffusers_layout(sd):
            levels = _count(sd, r"encoder\.down_blocks\.(\d+)\.")
            chans = [int(sd[f"encoder.down_blocks.{i}.resnets.0.conv1.weight"].shape[0]) for i in range(levels)]
            nrb = _count(sd, r"encoder\.down_blocks\.0\.resnets\.(\d+)\.")
        else:
            levels = _count(sd, r"encoder\.down\.(\d+)\.")
            chans = [int(sd[f"encoder.down.{i}.block.0.conv1.weight"].shape[0]) for i in range(levels)]
            nrb = _count(sd, r"encoder\.down\.0\.block\.(\d+)\.")
        in_ch = int(sd["encoder.conv_in.weight"].shape[1])
        out_ch = int(sd["decoder.conv_out.weight"].shape[0])
        z2 = int(sd["encoder.conv_out.weight"].shape[0])
        # Flux's ae.safetensors has no quant_conv / post_quant_conv (ComfyUI: AutoencodingEngine)
        quant = "quant_conv.weight" in sd or "quant_conv.conv.weight" in sd
        embed2 = int(sd["quant_conv.weight"].shape[0]) if "quant_conv.weight" in sd else z2
    except KeyError as exc:
        raise ModelError(f"{source}: VAE weights are incomplete, {exc.args[0]!r} is missing") from exc
    if levels == 0:
        raise ModelError(f"{source}: no VAE encoder blocks found (expected 'encoder.down.N.*' keys)")
    if z2 != embed2:
        raise ModelError(f"{source}: z_channels*2={z2} differs from embed_dim*2={embed2}; unsupported VAE layout")
    return dict(
        in_channels=in_ch, out_channels=out_ch,
        down_block_types=("DownEncoderBlock2D",) * levels, up_block_types=("UpDecoderBlock2D",) * levels,
        block_out_channels=tuple(chans), layers_per_block=nrb, act_fn="silu",
        latent_channels=z2 // 2, norm_num_groups=32, sample_size=256, scaling_factor=0.18215,
        use_quant_conv=quant, use_post_quant_conv="post_quant_conv.weight" in sd or "post_quant_conv.conv.weight" in sd,
    )


def _to_diffusers_keys(sd: dict[str, Tensor], cfg: dict[str, Any]) -> dict[str, Tensor]:
    if is_diffusers_layout(sd):
        out = {}
        for k, v in sd.items():
            for old, new in _LEGACY_ATTN.items():
                k = k.replace(old, new)
            out[k] = v
        return out
    from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint

    return convert_ldm_vae_checkpoint(sd, cfg)


def build_vae(state_dict: Mapping[str, Tensor], *, device: torch.device, dtype: torch.dtype,
              source: str = "VAE") -> "VAEModel":
    """Create the diffusers AutoencoderKL on the meta device and assign the converted weights."""
    from diffusers import AutoencoderKL

    sd = strip_vae_prefix(state_dict)
    cfg = diffusers_vae_config(sd, source)
    weights = _to_diffusers_keys(sd, cfg)
    with torch.device("meta"):
        vae = AutoencoderKL(**cfg)
    expected = set(vae.state_dict())
    missing = expected - set(weights)
    if missing:
        raise ModelError(f"{source}: VAE weights do not match the inferred layout (missing {sorted(missing)[:5]})")
    weights = {k: v for k, v in weights.items() if k in expected}
    # LDM attention q/k/v/proj_out are 1x1 convs; diffusers uses linear layers
    weights = {k: (v[..., 0, 0] if v.ndim == 4 and vae.state_dict()[k].ndim == 2 else v) for k, v in weights.items()}
    vae.load_state_dict(to_compute(weights, device=device, dtype=dtype), strict=True, assign=True)
    from graphrun.backend.lean import install_lean_forwards

    install_lean_forwards(vae)  # same numbers, fewer temporaries (speed)
    return VAEModel(vae.eval().requires_grad_(False), device=device, dtype=dtype)


def crop_to_multiple(pixels: Tensor, multiple: int) -> Tensor:
    """ComfyUI's vae_encode_crop_pixels: keep floor(n/m)*m rows/cols starting at (n % m) // 2."""
    h, w = pixels.shape[1], pixels.shape[2]
    nh, nw = h // multiple * multiple, w // multiple * multiple
    if (nh, nw) == (h, w):
        return pixels
    oh, ow = (h % multiple) // 2, (w % multiple) // 2
    return pixels[:, oh:oh + nh, ow:ow + nw, :]


class VAEModel:
    """encode(NHWC 0..1) -> raw posterior mean latent; decode(latent) -> NHWC 0..1, both float32 on the input device."""

    def __init__(self, vae, *, device: torch.device, dtype: torch.dtype):
        self.vae = vae
        self.device = device
        self.dtype = dtype
        self.downscale = 2 ** (len(vae.config.block_out_channels) - 1)
        self.latent_channels = int(vae.config.latent_channels)

    def work_bytes(self, batch: int, height: int, width: int) -> int:
        """Estimated peak memory of an encode/decode at pixel size height x width (backend/budget.py)."""
        from graphrun.backend.budget import vae_estimate

        widest = int(self.vae.config.block_out_channels[0])
        return vae_estimate(batch, height, width, widest, torch.empty((), dtype=self.dtype).element_size())

    @torch.no_grad()
    def encode(self, pixels: Tensor) -> Tensor:
        """VAEEncode: drop alpha, crop to the downscale ratio, 2p-1, encoder + quant_conv, posterior mean (raw)."""
        if pixels.ndim != 4:
            raise ValueError(f"VAE encode expects an IMAGE [B,H,W,C], got shape {tuple(pixels.shape)}")
        px = crop_to_multiple(pixels[:, :, :, :3], self.downscale)
        if px.shape[1] == 0 or px.shape[2] == 0:
            raise ValueError(f"image {tuple(pixels.shape[1:3])} is smaller than the VAE's {self.downscale}px block")
        x = (px.movedim(-1, 1).float() * 2.0 - 1.0).to(device=self.device, dtype=self.dtype)
        moments = self.vae.quant_conv(self.vae.encoder(x)) if self.vae.quant_conv is not None else self.vae.encoder(x)
        mean = moments[:, : self.latent_channels]
        return mean.to(device=pixels.device, dtype=torch.float32)

    @torch.no_grad()
    def decode(self, latent: Tensor) -> Tensor:
        """VAEDecode: post_quant_conv + decoder, clamp((y+1)/2, 0, 1), NCHW -> NHWC float32."""
        z = latent.to(device=self.device, dtype=self.dtype)
        y = self.vae.decode(z, return_dict=False)[0]
        y = y.to(device=latent.device).float()
        return torch.clamp((y + 1.0) / 2.0, 0.0, 1.0).movedim(1, -1)
