"""Opt-in fast modes: --dtype changes the UNet/VAE compute dtype (and the numbers, by a bounded amount), is refused
where the device has no kernels for it, and the default stays on ComfyUI's fp32 policy."""

from __future__ import annotations

import pytest
import torch

from graphrun.backend.checkpoints import load_checkpoint
from graphrun.backend.devices import dtype_policy
from graphrun.backend.fast import describe, dtype_supported, policy_with_dtype
from graphrun.cli.main import main
from graphrun.errors import UsageError

CPU = torch.device("cpu")


def rel_l2(a, b):
    return float((a.double() - b.double()).norm() / b.double().norm())


def test_default_policy_is_untouched():
    pol = dtype_policy("cpu")
    assert policy_with_dtype(pol, None) is pol
    assert pol.unet == pol.vae == torch.float32
    assert describe(None, ()) is None


def test_unsupported_dtype_is_a_usage_error():
    pol = dtype_policy("cpu")
    for name, dtype in (("bf16", torch.bfloat16), ("fp16", torch.float16)):
        if dtype_supported(CPU, dtype):
            assert policy_with_dtype(pol, name).unet == dtype
        else:
            with pytest.raises(UsageError, match=f"--dtype {name}: device cpu has no {name} kernels"):
                policy_with_dtype(pol, name)


@pytest.mark.skipif(not dtype_supported(CPU, torch.bfloat16), reason="this CPU has no oneDNN bf16 kernels")
def test_bf16_moves_numbers_by_a_bounded_amount(tiny_ckpt):
    fp32 = load_checkpoint(tiny_ckpt, device="cpu")
    bf16 = load_checkpoint(tiny_ckpt, policy=policy_with_dtype(dtype_policy("cpu"), "bf16"))
    assert bf16.model.dtype == bf16.vae.dtype == torch.bfloat16
    assert next(bf16.model.network.unet.parameters()).dtype == torch.bfloat16
    g = torch.Generator().manual_seed(0)
    pixels = torch.rand(1, 64, 64, 3, generator=g)
    with torch.inference_mode():
        lat32, lat16 = fp32.vae.encode(pixels), bf16.vae.encode(pixels)
        assert lat16.dtype == torch.float32  # outputs stay float32 LATENTs
        err = rel_l2(lat16, lat32)
        assert 0 < err < 5e-2, err  # bf16 has 8 mantissa bits: visibly different, not broken
        ctx = torch.randn(2, 77, fp32.model.config.context_dim, generator=g)
        x = torch.randn(2, 4, 8, 8, generator=g)
        t = torch.tensor([500.0, 500.0])
        e32, e16 = fp32.model.apply_model(x, t, ctx), bf16.model.apply_model(x, t, ctx)
        assert e16.dtype == torch.float32
        assert 0 < rel_l2(e16, e32) < 5e-2


def test_run_rejects_unknown_fast_option(capsys):
    assert main(["run", "workflows/SD1.5_text2image.json", "--fast", "warp"]) == 2
    assert "unknown --fast option(s) ['warp']" in capsys.readouterr().err
