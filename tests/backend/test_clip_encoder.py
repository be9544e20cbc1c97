"""CLIPTextEncode parity with ComfyUI v0.3.64 on the tiny checkpoint (g_clip_* cases), plus CLIPSetLastLayer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from graphrun.backend.clip import ClipModel, load_clip
from graphrun.errors import ModelError

pytestmark = pytest.mark.parity

PREFIX = "cond_stage_model.transformer."
REL_L2 = 1e-5
CASES = ["g_clip_empty", "g_clip_escaped", "g_clip_long", "g_clip_negative", "g_clip_positive", "g_clip_weights"]


def rel_l2(got: torch.Tensor, ref: torch.Tensor) -> float:
    return float((got.double() - ref.double()).norm() / ref.double().norm())


@pytest.fixture(scope="module")
def clip_sd(tiny_ckpt: Path) -> dict[str, torch.Tensor]:
    sd = load_file(str(tiny_ckpt))
    return {k[len(PREFIX) :]: v for k, v in sd.items() if k.startswith(PREFIX)}


@pytest.fixture(scope="module")
def clip(clip_sd) -> ClipModel:
    return load_clip(clip_sd)


def _case(parity_dir: Path, name: str) -> tuple[str, dict[str, torch.Tensor]]:
    path = parity_dir / "cases" / f"{name}.safetensors"
    if not path.exists():
        pytest.skip(f"MISSING REFERENCE DATA: {path}")
    return json.loads(path.with_suffix(".json").read_text())["text"], load_file(str(path))


@pytest.mark.parametrize("name", CASES)
def test_tokens_match_comfyui_exactly(clip, parity_dir, name):
    text, ref = _case(parity_dir, name)
    tokens = clip.tokenize(text)
    assert torch.equal(tokens.ids, ref["token_ids"])
    assert torch.equal(tokens.weights.to(torch.float32), ref["token_weights"])


@pytest.mark.parametrize("name", CASES)
def test_encoding_matches_comfyui(clip, parity_dir, name):
    text, ref = _case(parity_dir, name)
    cond, pooled = clip.encode(text)
    assert cond.dtype == pooled.dtype == torch.float32 and cond.device.type == "cpu"
    assert cond.shape == ref["cond"].shape and pooled.shape == ref["pooled_output"].shape
    errs = rel_l2(cond, ref["cond"]), rel_l2(pooled, ref["pooled_output"])
    print(f"{name}: rel-L2 cond {errs[0]:.3e} pooled {errs[1]:.3e}")
    assert max(errs) <= REL_L2, errs


def test_long_prompt_has_two_chunks(clip, parity_dir):
    text, ref = _case(parity_dir, "g_clip_long")
    tokens = clip.tokenize(text)
    assert tokens.ids.shape == (2, 77) and int((tokens.ids[0] != 49407).sum()) == 76  # BOS + 75 tokens
    assert clip.encode(text)[0].shape == (1, 154, 64)


def test_weights_interpolate_from_empty_sequence(clip):
    """z = (z − z_empty)·w + z_empty at weighted positions; other positions equal the unweighted encoding."""
    plain, _ = clip.encode("a red cat")
    weighted, _ = clip.encode("a (red:1.3) cat")
    empty_batch = torch.tensor([[49406] + [49407] * 76])
    z_empty = clip.transformer(empty_batch)[0]
    pos = 2  # BOS, a, red
    expect = (plain[0, pos] - z_empty[0, pos]) * 1.3 + z_empty[0, pos]
    torch.testing.assert_close(weighted[0, pos], expect, rtol=1e-5, atol=1e-5)
    others = [i for i in range(77) if i != pos]
    torch.testing.assert_close(weighted[0, others], plain[0, others], rtol=1e-5, atol=1e-5)


def test_last_layer_minus_one_equals_default(clip):
    base = clip.encode("photograph of a cat")
    same = clip.with_last_layer(-1).encode("photograph of a cat")
    assert torch.equal(base[0], same[0]) and torch.equal(base[1], same[1])


def test_out_of_range_layer_falls_back_to_last(clip):
    assert clip.with_last_layer(-3).output_layer() is None  # |−3| > 2 layers: ComfyUI falls back to "last"
    assert torch.equal(clip.with_last_layer(-24).encode("cat")[0], clip.encode("cat")[0])


def test_clip_skip_matches_hf_hidden_states(clip, clip_sd):
    """−2 = penultimate layer + final LN (derived independently with transformers' output_hidden_states)."""
    transformers = pytest.importorskip("transformers")
    cfg = transformers.CLIPTextConfig(vocab_size=49408, hidden_size=64, intermediate_size=256, num_hidden_layers=2,
                                      num_attention_heads=1, max_position_embeddings=77, hidden_act="quick_gelu",
                                      layer_norm_eps=1e-5)
    cfg._attn_implementation = "eager"
    hf = transformers.CLIPTextModel(cfg).eval()
    prefixed = any(k.startswith("text_model.") for k in hf.state_dict())  # transformers 4.x vs 5.x layout
    weights = {("text_model." if prefixed else "") + k.removeprefix("text_model."): v.half().float()
               for k, v in clip_sd.items()}
    missing, unexpected = hf.load_state_dict(weights, strict=False)
    assert not unexpected and all("position_ids" in k for k in missing)
    text_model = getattr(hf, "text_model", hf)
    ids = clip.tokenize("photograph of a cat").ids
    with torch.no_grad():
        out = hf(input_ids=ids, output_hidden_states=True)
        ln = text_model.final_layer_norm
        want_skip, want_last = ln(out.hidden_states[-2]), ln(out.hidden_states[-1])
    skip_cond, skip_pooled = clip.with_last_layer(-2).encode("photograph of a cat")
    last_cond, last_pooled = clip.encode("photograph of a cat")
    assert rel_l2(skip_cond[0], want_skip[0]) < 1e-5 and rel_l2(last_cond[0], want_last[0]) < 1e-5
    assert rel_l2(skip_cond, last_cond) > 1e-2  # a different layer really changes the result
    assert torch.equal(skip_pooled, last_pooled)  # pooled always comes from the last layer
    eos = int((ids[0] == 49407).nonzero()[0, 0])
    assert rel_l2(last_pooled[0], out.last_hidden_state[0, eos]) < 1e-5


def test_with_last_layer_shares_weights_and_rejects_non_negative(clip):
    skipped = clip.with_last_layer(-2)
    assert skipped.transformer is clip.transformer and clip.layer_idx is None and skipped.layer_idx == -2
    assert skipped.with_last_layer(-1).output_layer() == 1  # the last call wins, as CLIPSetLastLayer on a clone
    for bad in (0, 1, True, -1.0):
        with pytest.raises(ValueError):
            clip.with_last_layer(bad)


def test_load_accepts_keys_without_text_model_prefix(clip_sd, clip):
    stripped = {k.removeprefix("text_model."): v for k, v in clip_sd.items()}
    other = load_clip(stripped)
    assert torch.equal(other.encode("cat")[0], clip.encode("cat")[0])


def test_weights_are_fp16_rounded(clip_sd):
    fp32 = {k: v.float() + 1e-4 for k, v in clip_sd.items()}  # not representable in fp16
    model = load_clip(fp32)
    w = model.transformer.w("final_layer_norm.weight")
    assert torch.equal(w, fp32["text_model.final_layer_norm.weight"].half().float())


def test_missing_tensor_is_a_model_error(clip_sd):
    broken = {k: v for k, v in clip_sd.items() if "layers.1.mlp.fc2" not in k}
    with pytest.raises(ModelError, match="missing"):
        load_clip(broken)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_device_matches_cpu(clip_sd, clip):
    gpu = load_clip(clip_sd, device="cuda")
    assert gpu.device.type == "cuda"
    cond, pooled = gpu.encode("a (red:1.3) cat")
    assert cond.device.type == "cpu" and cond.dtype == torch.float32
    assert rel_l2(cond, clip.encode("a (red:1.3) cat")[0]) < 1e-4
