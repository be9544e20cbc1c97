"""--stub-models stand-in for a missing upscale model: a tiny Real-ESRGAN compact network (SRVGGNetCompact, 8
features, 2 convolutions; it adds its output to the nearest-upscaled input, so the picture stays recognisable) with
deterministic random weights, at the scale the file name says (RealESRGAN_x4plus -> 4, 2x_... -> 2; default 4),
built through spandrel like a real file."""

from __future__ import annotations

import math
import re

import torch

SCALE = re.compile(r"(?:^|[^0-9a-z])x([1-8])(?![0-9])|(?<![0-9])([1-8])x(?:[^0-9a-z]|$)|_x([1-8])")


def scale_from_name(name: str, default: int = 4) -> int:
    """4 for RealESRGAN_x4plus.pth / 4x-UltraSharp.pth, 2 for 2x_foo.pth; `default` when the name says nothing."""
    m = SCALE.search(name.replace("\\", "/").rsplit("/", 1)[-1].lower())
    return int(next(g for g in m.groups() if g)) if m else default


def make_upscale_stand_in(scale: int, seed: int = 0):
    """A spandrel ImageModelDescriptor (eval mode) of a tiny compact network upscaling `scale`x."""
    from graphrun.backend import stub as sd_stub
    from graphrun.backend.upscale_models import import_spandrel

    spandrel = import_spandrel()
    from spandrel.architectures.Compact import Compact

    shapes = {k: tuple(v.shape) for k, v in Compact(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2,
                                                    upscale=scale).state_dict().items()}
    sd = {}
    for name, shape in shapes.items():
        weight = shapes.get(name[: -len("bias")] + "weight", shape) if name.endswith("bias") else shape
        fan_in = math.prod(weight[1:]) if len(weight) > 1 else weight[0]
        sd[name] = sd_stub._init(name, shape, fan_in, seed, torch.float32) * (0.1 if len(shape) == 1 else 1.0)
    return spandrel.ModelLoader().load_from_state_dict(sd).eval()
