"""--stub-models stand-in for a missing ControlNet file: a ControlNet for a given diffusers UNet (its encoder
weights copied, as ControlNets are initialised), with seeded random hint embedding and output convolutions so the
control visibly changes the result. Deterministic for a given UNet and seed; never used unless asked for."""

from __future__ import annotations

import torch

STUB_SCALE = 0.02  # std of the seeded weights of the layers a real ControlNet learns from zero


def stub_controlnet(unet, family, *, source: str, seed: int = 0):
    from diffusers import ControlNetModel

    from graphrun.backend.controlnet import ControlNet

    device = next(unet.parameters()).device
    dtype = next(unet.parameters()).dtype
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = ControlNetModel.from_unet(unet, load_weights_from_unet=True)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.startswith(("controlnet_cond_embedding.", "controlnet_down_blocks.", "controlnet_mid_block.")):
                p.copy_(torch.randn(p.shape, generator=gen) * STUB_SCALE)
    net = net.to(device=device, dtype=dtype).eval().requires_grad_(False)
    return ControlNet(net, family, device=device, dtype=dtype, source=source)
