"""The diffusers layout of an SDXL ControlNet (ADM MLP as `add_embedding`, as diffusers ships them) loads to the
same network as the LDM layout, whose outputs the cn_sdxl parity case checks against ComfyUI: the control
residuals are bit-identical. And the control really depends on the hint, the ADM vector and the strength path."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from graphrun.backend.controlnet import build_controlnet

ROOT = Path(__file__).resolve().parent.parent.parent


def _make():
    spec = importlib.util.spec_from_file_location("m", ROOT / "tools" / "oracle" / "make_tiny_controlnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sdxl_diffusers_layout_equals_ldm_layout(tiny_ckpt):
    from diffusers.loaders.single_file_utils import convert_controlnet_checkpoint

    ldm = _make().models(str(tiny_ckpt))["tiny-cn-sdxl.safetensors"]
    first_down = min(int(k.split(".")[2]) for k in ldm if k.endswith(".0.op.weight"))
    diffusers_sd = convert_controlnet_checkpoint(dict(ldm), {"layers_per_block": first_down - 1})
    for i, j in ((0, 1), (2, 2)):  # diffusers' own names for label_emb in SDXL ControlNets
        for p in ("weight", "bias"):
            diffusers_sd[f"add_embedding.linear_{j}.{p}"] = ldm[f"control_model.label_emb.0.{i}.{p}"]
    kw = dict(device=torch.device("cpu"), dtype=torch.float32)
    a = build_controlnet(ldm, source="ldm", **kw)
    b = build_controlnet(diffusers_sd, source="diffusers", **kw)
    assert a.family.name == b.family.name == "sdxl"
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, 8, 8, generator=gen)
    t = torch.tensor([700.0, 700.0])
    ctx = torch.randn(2, 77, 64, generator=gen)
    y = torch.randn(2, a.net.config.projection_class_embeddings_input_dim, generator=gen)
    hint = torch.rand(1, 3, 64, 64, generator=gen)
    down_a, mid_a = a.residuals(x, t, ctx, hint, y=y)
    down_b, mid_b = b.residuals(x, t, ctx, hint, y=y)
    assert len(down_a) == len(down_b) and all(torch.equal(p, q) for p, q in zip(down_a, down_b))
    assert torch.equal(mid_a, mid_b)
    down_c, mid_c = a.residuals(x, t, ctx, hint, y=y * 0.5)  # y reaches the net (SDXL label embedding)
    assert not torch.equal(mid_a, mid_c)
    down_d, _ = a.residuals(x, t, ctx, 1.0 - hint, y=y)  # and so does the hint
    assert not torch.equal(down_a[0], down_d[0])
