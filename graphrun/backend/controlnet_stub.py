"""--stub-models stand-in for a missing ControlNet file: a ControlNet for a given diffusers UNet (its encoder
weights copied, as ControlNets are initialised), with seeded random hint embedding and output convolutions so the
control visibly changes the result. Deterministic for a given UNet and seed; never used unless asked for."""

from __future__ import annotations

import torch

STUB_SCALE = 0.2  # std of the seeded weights of the layers a real ControlNet learns from zero (a visible effect)


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
    # plain Module.to: diffusers' ModelMixin.to warns about fp32-kept modules this net does not have
    net = torch.nn.Module.to(net, device=device, dtype=dtype).eval().requires_grad_(False)
    return ControlNet(net, family, device=device, dtype=dtype, source=source)


class StubControlNet:
    """The --stub-models CONTROL_NET: a stand-in built, at sampling time, for the UNet of the MODEL it is
    sampled with (so it fits whatever family the workflow's checkpoint or stand-in is); one per UNet."""

    family = None  # fits any SD-family UNet
    global_average_pooling = False

    def __init__(self, source: str, seed: int = 0):
        self.source = source
        self.seed = seed
        self._nets: dict[int, object] = {}
        self._bound = None

    def bind(self, model) -> None:
        unet = getattr(model.network, "unet", None)
        if unet is None:
            raise ValueError(f"the ControlNet stand-in needs an SD-family UNet model, not {model.family.label}")
        key = id(model.network)
        if key not in self._nets:
            self._nets[key] = stub_controlnet(unet, model.family, source=self.source, seed=self.seed)
        self._bound = self._nets[key]

    @property
    def device(self):
        return self._bound.device

    @property
    def dtype(self):
        return self._bound.dtype

    def resize_hint(self, *args):
        return self._bound.resize_hint(*args)

    def residuals(self, *args, **kwargs):
        return self._bound.residuals(*args, **kwargs)
