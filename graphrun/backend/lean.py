"""Inference-only forwards for diffusers' ResnetBlock2D: the same arithmetic, fewer full-size temporaries.

diffusers' block allocates a new tensor for each SiLU, for `h + temb`, for `x + h` and then again for the division
by `output_scale_factor` (1.0 in SD's UNet and VAE). At 512x512 a VAE activation is 128 MB; each extra temporary is
a pass over memory plus fresh pages to fault in. Here, in that order, SiLU runs in place on the GroupNorm output,
the time embedding and the residual are added in place into the conv output, and the division is skipped when the
factor is 1. Every result is bitwise the same: the elementwise kernels are the same ones, and IEEE addition is
commutative (x + h == h + x), so `h += x` equals `x + h`. ComfyUI's own ResBlocks also apply SiLU in place.

Blocks with up/down-sampling, "scale_shift" norms or extra arguments keep diffusers' forward.
"""

from __future__ import annotations

import types

import torch
import torch.nn.functional as F


def _lean_forward(self, input_tensor: torch.Tensor, temb: torch.Tensor | None = None, *args, **kwargs):
    if args or kwargs or self.training:
        return type(self).forward(self, input_tensor, temb, *args, **kwargs)
    h = F.silu(self.norm1(input_tensor), inplace=True)
    h = self.conv1(h)
    if self.time_emb_proj is not None and temb is not None:
        t = temb if self.skip_time_act else self.nonlinearity(temb)
        h += self.time_emb_proj(t)[:, :, None, None]
    h = F.silu(self.norm2(h), inplace=True)
    h = self.conv2(self.dropout(h))
    x = self.conv_shortcut(input_tensor) if self.conv_shortcut is not None else input_tensor
    h += x
    if self.output_scale_factor != 1.0:
        h = h / self.output_scale_factor
    return h


def _eligible(block) -> bool:
    # "group" is what diffusers' VAE decoder passes (temb_channels=None): with no time embedding it is the same
    # arithmetic as "default" (norm2 straight after conv1)
    norm_ok = block.time_embedding_norm == "default" or (block.time_embedding_norm == "group"
                                                         and block.time_emb_proj is None)
    return (block.upsample is None and block.downsample is None and norm_ok
            and isinstance(block.nonlinearity, torch.nn.SiLU))


def install_lean_forwards(module: torch.nn.Module) -> int:
    """Bind the lean forward to every eligible ResnetBlock2D under `module`; returns how many were bound."""
    from diffusers.models.resnet import ResnetBlock2D

    n = 0
    for block in module.modules():
        if isinstance(block, ResnetBlock2D) and _eligible(block):
            block.forward = types.MethodType(_lean_forward, block)
            n += 1
    return n
