"""The lean ResnetBlock2D forward (graphrun.backend.lean) gives bitwise the same output as diffusers' forward."""

from __future__ import annotations

import pytest
import torch
from diffusers.models.resnet import ResnetBlock2D

from graphrun.backend.lean import install_lean_forwards


@pytest.mark.parametrize("cin,cout,temb", [(32, 32, None), (32, 64, None), (32, 64, 16), (64, 64, 16)])
def test_lean_forward_is_bitwise_equal(cin, cout, temb):
    torch.manual_seed(0)
    block = ResnetBlock2D(in_channels=cin, out_channels=cout, temb_channels=temb, groups=32, eps=1e-6).eval()
    for p in block.parameters():  # non-trivial norms and biases
        p.data.uniform_(-0.5, 0.5)
    x = torch.randn(2, cin, 12, 10)
    t = torch.randn(2, temb) if temb else None
    x0 = x.clone()
    with torch.inference_mode():
        ref = block(x, t)
        assert install_lean_forwards(block) == 1
        got = block(x, t)
        assert "_lean_forward" in block.forward.__qualname__
    assert torch.equal(got, ref)
    assert torch.equal(x, x0)  # the input is not modified in place


def test_blocks_with_resampling_keep_diffusers_forward():
    block = ResnetBlock2D(in_channels=32, out_channels=32, temb_channels=None, up=True).eval()
    assert install_lean_forwards(block) == 0
