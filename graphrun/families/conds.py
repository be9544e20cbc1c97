"""Extra model inputs computed from a conditioning entry (ComfyUI model_base `encode_adm` / `extra_conds`)."""

from __future__ import annotations

import math

import torch

from graphrun.values import CondEntry

ADM_EMBED_DIM = 256  # SDXL's Timestep(256) embedder of each size number


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding [N, dim], cos half first (LDM `timestep_embedding`)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


def _pooled(entry: CondEntry, what: str) -> torch.Tensor:
    if entry.pooled_output is None:
        raise ValueError(f"{what} needs a pooled text embedding, but this conditioning has none "
                         "(was it made by a text encoder of this model's family?)")
    return entry.pooled_output


def _embed_numbers(numbers: list[float], pooled: torch.Tensor) -> torch.Tensor:
    """cat(pooled, flatten(emb(n) for n in numbers)) repeated over the pooled batch."""
    flat = torch.cat([timestep_embedding(torch.Tensor([n]), ADM_EMBED_DIM) for n in numbers]).flatten()
    flat = flat.unsqueeze(0).repeat(pooled.shape[0], 1)
    return torch.cat((pooled.to(flat.device), flat), dim=1)


def sdxl_adm(entry: CondEntry, prompt_type: str) -> torch.Tensor:
    """SDXL base ADM vector: pooled_g ‖ emb(height, width, crop_h, crop_w, target_height, target_width)."""
    a = entry.adm
    width = 768 if a is None or a.width is None else a.width
    height = 768 if a is None or a.height is None else a.height
    crop_w = 0 if a is None or a.crop_w is None else a.crop_w
    crop_h = 0 if a is None or a.crop_h is None else a.crop_h
    tw = width if a is None or a.target_width is None else a.target_width
    th = height if a is None or a.target_height is None else a.target_height
    return _embed_numbers([height, width, crop_h, crop_w, th, tw], _pooled(entry, "SDXL"))


def sdxl_refiner_adm(entry: CondEntry, prompt_type: str) -> torch.Tensor:
    """SDXL refiner ADM vector: pooled_g ‖ emb(height, width, crop_h, crop_w, aesthetic score)."""
    a = entry.adm
    width = 768 if a is None or a.width is None else a.width
    height = 768 if a is None or a.height is None else a.height
    crop_w = 0 if a is None or a.crop_w is None else a.crop_w
    crop_h = 0 if a is None or a.crop_h is None else a.crop_h
    default_aesthetic = 2.5 if prompt_type == "negative" else 6
    aesthetic = default_aesthetic if a is None or a.aesthetic_score is None else a.aesthetic_score
    return _embed_numbers([height, width, crop_h, crop_w, aesthetic], _pooled(entry, "SDXL refiner"))
