"""How LoRA patches reach the shared SD network (graphrun.backend.weight_patch.use_patches): clones share one
network, only one backup per patched weight is kept however many LoRAs are stacked, the patched values are
W + s1·d1 + s2·d2 computed in float32 from the original, and the originals come back bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from graphrun.backend.checkpoints import load_checkpoint, read_state_dict
from graphrun.backend.lora_apply import apply_lora
from graphrun.backend.weight_patch import use_patches

LORAS = Path(__file__).resolve().parent.parent / "fixtures" / "lora" / "loras"


@pytest.fixture(scope="module")
def ckpt(tiny_ckpt):
    return load_checkpoint(tiny_ckpt)


def test_two_stacked_loras_keep_one_backup_per_weight_and_restore(ckpt):
    net = ckpt.model.network
    a = apply_lora(ckpt.model, ckpt.clip, read_state_dict(LORAS / "tiny-kohya.safetensors"), 0.6, 0.9)
    b = apply_lora(a.model, a.clip, read_state_dict(LORAS / "tiny-comfy.safetensors"), 1.1, -0.4)
    assert ckpt.model.patches == () and a.model.network is net and b.model.network is net
    keys = {p.key for p in b.model.patches}
    assert len(b.model.patches) == a.model_keys + b.model_keys == len(keys) + 1  # both files patch one weight
    before = {k: v.clone() for k, v in net.unet.state_dict().items()}
    use_patches(net, b.model.patches)
    state = net._graphrun_patch_state
    assert set(state.backup) == keys  # one backup per patched weight, not one per LoRA
    after = net.unet.state_dict()
    assert {k for k in after if not torch.equal(after[k], before[k])} == keys
    # an independent expectation for one weight of each file
    q = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight"
    sd = read_state_dict(LORAS / "tiny-kohya.safetensors")
    n = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q"
    up, down, alpha = sd[n + ".lora_up.weight"].float(), sd[n + ".lora_down.weight"].float(), float(sd[n + ".alpha"])
    torch.testing.assert_close(after[q], before[q] + 0.6 * (alpha / 4) * (up @ down), rtol=1e-6, atol=1e-7)
    use_patches(net, a.model.patches)  # the first LoRA alone: the second's weights come back
    assert set(state.backup) == {p.key for p in a.model.patches}
    use_patches(net, ckpt.model.patches)
    assert all(torch.equal(v, before[k]) for k, v in net.unet.state_dict().items())
    assert state.backup == {}


def test_clip_patches_compute_from_the_originals_once(ckpt):
    a = apply_lora(ckpt.model, ckpt.clip, read_state_dict(LORAS / "tiny-kohya.safetensors"), 0.0, 1.0)
    base = ckpt.clip.transformer.weights
    patched = a.clip.transformer.weights
    k = "encoder.layers.0.self_attn.q_proj.weight"
    assert patched[k].dtype == base[k].dtype == torch.float16 and not torch.equal(patched[k], base[k])
    assert patched["encoder.layers.0.self_attn.k_proj.weight"] is base["encoder.layers.0.self_attn.k_proj.weight"]
    assert a.clip.transformer.weights is patched  # computed once
    assert a.model.patches and all(p.strength_patch == 0.0 for p in a.model.patches)  # cloned with zero strength


def test_zero_strengths_return_the_inputs_themselves():
    """ComfyUI's `if strength_model == 0 and strength_clip == 0: return (model, clip)` (before opening the file)."""
    from graphrun.nodes.lora_loader import LoraLoader
    from graphrun.nodes.lora_loader_model_only import LoraLoaderModelOnly

    model, clip = object(), object()
    out = LoraLoader().run(None, model, clip, "never-opened.safetensors", 0.0, 0.0)
    assert out[0] is model and out[1] is clip
    assert LoraLoaderModelOnly().run(None, model, "never-opened.safetensors", 0.0)[0] is model
