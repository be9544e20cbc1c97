"""Tiled VAE encode/decode with ComfyUI v0.3.64's maths (`comfy/sd.py::VAE.decode_tiled_`, `encode_tiled_`).

Three tilings are run and averaged: (tile/2 wide, 2·tile high), (2·tile wide, tile/2 high) and (tile, tile), in
ComfyUI's summation order (decode: A+B+C, encode: C+B+A), so the seams of one tiling fall inside the others.
Decode clamps to 0..1 only after the average, as ComfyUI does.
"""

from __future__ import annotations

import torch

from graphrun.backend.tiling import tiled_scale
from graphrun.backend.vae import VAEModel, crop_to_multiple


@torch.no_grad()
def decode_tiled(vae: VAEModel, latent: torch.Tensor, tile_x: int, tile_y: int, overlap: int) -> torch.Tensor:
    """LATENT [B,C,h,w] -> IMAGE NHWC 0..1; tile sizes and overlap in latent cells."""
    ratio = vae.downscale

    def fn(z):
        return vae.vae.decode(z.to(device=vae.device, dtype=vae.dtype), return_dict=False)[0].float()

    def run(tx, ty):
        return tiled_scale(latent.float(), fn, tx, ty, overlap, ratio, 3)

    y = (run(tile_x // 2, tile_y * 2) + run(tile_x * 2, tile_y // 2) + run(tile_x, tile_y)) / 3.0
    return torch.clamp((y + 1.0) / 2.0, 0.0, 1.0).movedim(1, -1)


@torch.no_grad()
def encode_tiled(vae: VAEModel, pixels: torch.Tensor, tile_x: int, tile_y: int, overlap: int) -> torch.Tensor:
    """IMAGE NHWC -> raw posterior-mean LATENT; tile sizes and overlap in pixels (image cropped to the ratio first)."""
    px = crop_to_multiple(pixels[..., :3], vae.downscale).movedim(-1, 1).float()
    n = vae.latent_channels

    def fn(x):
        x = (x * 2.0 - 1.0).to(device=vae.device, dtype=vae.dtype)
        h = vae.vae.encoder(x)
        moments = vae.vae.quant_conv(h) if vae.vae.quant_conv is not None else h
        return moments[:, :n].float()

    def run(tx, ty):
        return tiled_scale(px, fn, tx, ty, overlap, 1 / vae.downscale, n)

    samples = run(tile_x, tile_y)
    samples += run(tile_x * 2, tile_y // 2)
    samples += run(tile_x // 2, tile_y * 2)
    samples /= 3.0
    return samples
