"""LoRAs on Flux: BFL-named LoRAs (fused qkv, linear1 = qkv+mlp, shift/scale-swapped final modulation) land on
graphrun's split diffusers weights exactly as if the BFL weights were patched and then converted (independent
expectation: W_bfl + s·(alpha/r)·up@down in float32, through the loader's own BFL->diffusers converter);
diffusers-named (`transformer.*`) LoRAs patch the same-named weight; the shared network is restored afterwards."""

from __future__ import annotations

import zlib

import pytest
import torch

from graphrun.backend.flux.convert import bfl_to_diffusers, config_from_state_dict
from graphrun.backend.flux.load import build_flux_model
from graphrun.backend.flux.stub import make_flux_part
from graphrun.backend.lora_apply import apply_lora
from graphrun.backend.weight_patch import use_patches

RANK = 2


def _rand(name, shape):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    return (torch.rand(*shape, generator=g) - 0.5) * 0.2


@pytest.fixture(scope="module")
def flux():
    sd = {k: v.to(torch.float32) for k, v in make_flux_part("schnell", "tiny", dtype=torch.float32).items()}
    model = build_flux_model(sd, source="<test>", device=torch.device("cpu"), dtype=torch.float32)
    return sd, model


BFL_LAYERS = ["double_blocks.0.img_attn.qkv", "double_blocks.0.txt_attn.qkv", "single_blocks.0.linear1",
              "final_layer.adaLN_modulation.1", "double_blocks.0.img_mlp.0"]


def test_bfl_and_diffusers_named_loras_patch_like_the_converted_bfl_weights(flux):
    sd, model = flux
    lora, expected_bfl = {}, dict(sd)
    strength, alpha = 0.7, 3.0
    for i, layer in enumerate(BFL_LAYERS):
        out_dim, in_dim = sd[layer + ".weight"].shape
        up, down = _rand(layer + "u", (out_dim, RANK)), _rand(layer + "d", (RANK, in_dim))
        name = ("diffusion_model." + layer) if i % 2 == 0 else "lora_unet_" + layer.replace(".", "_")
        lora[name + ".lora_up.weight"], lora[name + ".lora_down.weight"] = up, down
        lora[name + ".alpha"] = torch.tensor(alpha)
        expected_bfl[layer + ".weight"] = sd[layer + ".weight"] + (strength * alpha / RANK) * (up @ down)
    expected = bfl_to_diffusers(expected_bfl, config_from_state_dict(sd))
    dname = "single_transformer_blocks.0.proj_out"
    w = model.network.model.state_dict()[dname + ".weight"].clone()
    up, down = _rand("pu", (w.shape[0], RANK)), _rand("pd", (RANK, w.shape[1]))
    lora["transformer." + dname + ".lora_B.weight"], lora["transformer." + dname + ".lora_A.weight"] = up, down
    expected[dname + ".weight"] = w + strength * (up @ down)

    res = apply_lora(model, None, lora, strength, 0.0)
    assert res.unmatched == []
    assert res.model_keys == 3 + 3 + 4 + 1 + 1 + 1  # qkv -> 3, qkv -> 3, linear1 -> q,k,v,mlp, norm_out, ff, proj_out
    net = model.network
    before = {k: v.clone() for k, v in net.model.state_dict().items()}
    use_patches(net, res.model.patches)
    after = net.model.state_dict()
    changed = {k for k in after if not torch.equal(after[k], before[k])}
    touched = {k for k in expected if not torch.equal(expected[k], bfl_to_diffusers(sd, config_from_state_dict(sd))
                                                      .get(k, expected[k]))} | {dname + ".weight"}
    assert changed == touched
    for k in changed:
        torch.testing.assert_close(after[k], expected[k], rtol=1e-6, atol=1e-7)
    use_patches(net, model.patches)  # the unpatched MODEL runs next: originals back, bit for bit
    assert all(torch.equal(v, before[k]) for k, v in net.model.state_dict().items())


def test_sd_lora_on_flux_is_reported_as_nothing_matching(flux):
    _, model = flux
    lora = {"lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight": torch.zeros(4, 2),
            "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight": torch.zeros(2, 4)}
    res = apply_lora(model, None, lora, 1.0, 0.0)
    assert res.model_keys == 0 and len(res.unmatched) == 2


def test_flux_stand_in_lora_fits_model_and_clip_and_changes_both():
    from graphrun.backend.flux.load import load_stub_flux_checkpoint
    from graphrun.backend.lora_apply import stub_lora

    ckpt = load_stub_flux_checkpoint("flux_schnell", "tiny")
    lora = stub_lora(ckpt.model, ckpt.clip)
    res = apply_lora(ckpt.model, ckpt.clip, lora, 1.0, 1.0)
    assert res.unmatched == [] and res.model_keys > 0 and res.clip_keys > 0
    base_cond, base_pooled = ckpt.clip.encode("a cat")
    cond, pooled = res.clip.encode("a cat")
    assert torch.equal(cond, base_cond)  # T5 is not patched by these names
    assert not torch.equal(pooled, base_pooled)
    x, t = torch.randn(1, 16, 8, 8, generator=torch.Generator().manual_seed(0)), torch.tensor([0.5])
    base_out = ckpt.model.apply_model(x, t, base_cond, y=base_pooled)
    out = res.model.apply_model(x, t, base_cond, y=base_pooled)
    assert not torch.equal(out, base_out)
    assert torch.equal(ckpt.model.apply_model(x, t, base_cond, y=base_pooled), base_out)  # restored


def test_full_weight_and_bias_differences_patch_with_strength(flux):
    """`.diff` / `.diff_b` (ComfyUI's "diff" patches): W + strength·diff, b + strength·diff_b, on ours by name."""
    _, model = flux
    name = "single_transformer_blocks.0.proj_out"
    state = model.network.model.state_dict()
    w, b = state[name + ".weight"].clone(), state[name + ".bias"].clone()
    dw, db = _rand("dw", tuple(w.shape)), _rand("db", tuple(b.shape))
    res = apply_lora(model, None, {f"transformer.{name}.diff": dw, f"transformer.{name}.diff_b": db}, -0.5, 0.0)
    assert res.unmatched == [] and res.model_keys == 2
    use_patches(model.network, res.model.patches)
    state = model.network.model.state_dict()
    torch.testing.assert_close(state[name + ".weight"], w + (-0.5 * dw), rtol=0, atol=0)
    torch.testing.assert_close(state[name + ".bias"], b + (-0.5 * db), rtol=0, atol=0)
    use_patches(model.network, ())
    assert torch.equal(model.network.model.state_dict()[name + ".weight"], w)
