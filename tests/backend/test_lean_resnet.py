"""The lean ResnetBlock2D forward (graphrun.backend.lean) gives bitwise the same output as diffusers' forward."""

from __future__ import annotations

import pytest
import torch
from diffusers.models.resnet import ResnetBlock2D

from graphrun.backend.lean import install_lean_forwards


@pytest.mark.parametrize("cin,cout,temb,norm", [(32, 32, None, "default"), (32, 64, None, "default"),
                                               (32, 64, 16, "default"), (64, 64, 16, "default"),
                                               (32, 32, None, "group"), (64, 32, None, "group")])
def test_lean_forward_is_bitwise_equal(cin, cout, temb, norm):
    # "group" without a time embedding is how diffusers' VAE decoder builds its blocks
    torch.manual_seed(0)
    block = ResnetBlock2D(in_channels=cin, out_channels=cout, temb_channels=temb, groups=32, eps=1e-6,
                          time_embedding_norm=norm).eval()
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


def test_every_vae_resnet_block_gets_the_lean_forward():
    from diffusers import AutoencoderKL

    vae = AutoencoderKL(down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        block_out_channels=(32, 32), layers_per_block=1, norm_num_groups=8)
    blocks = [m for m in vae.modules() if isinstance(m, ResnetBlock2D)]
    assert {b.time_embedding_norm for b in blocks} == {"default", "group"}  # encoder and decoder
    assert install_lean_forwards(vae) == len(blocks)
