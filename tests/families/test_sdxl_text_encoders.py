"""SDXL text encoders against ComfyUI's own outputs (tests/fixtures/families/sdxl_text_encoders.*, made by
tools/oracle/families_text_encoders.py on the tiny SDXL of ../shared/parity): CLIPTextEncode (+CLIPSetLastLayer),
CLIPTextEncodeSDXL and CLIPTextEncodeSDXLRefiner cond / pooled, and the ADM vectors built from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from graphrun.backend.checkpoints import load_checkpoint
from graphrun.families import conds
from graphrun.nodes.clip_set_last_layer import CLIPSetLastLayer
from graphrun.nodes.clip_text_encode import CLIPTextEncode
from graphrun.nodes.clip_text_encode_sdxl import CLIPTextEncodeSDXL
from graphrun.nodes.clip_text_encode_sdxl_refiner import CLIPTextEncodeSDXLRefiner

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "families" / "sdxl_text_encoders"
TOL = 1e-5
CASES = json.loads(FIX.with_suffix(".json").read_text())["cases"]


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a.double() - b.double()).norm() / b.double().norm()).item()


@pytest.fixture(scope="module")
def sdxl(parity_dir):
    torch.set_num_threads(1)
    return load_checkpoint(parity_dir / "models" / "checkpoints" / "tiny-sdxl.safetensors")


@pytest.fixture(scope="module")
def ref():
    return load_file(str(FIX.with_suffix(".safetensors")))


def encode(ckpt, c):
    clip = ckpt.clip
    if c.get("stop_at_clip_layer") is not None:
        (clip,) = CLIPSetLastLayer().run(None, clip, c["stop_at_clip_layer"])
    if c["node"] == "CLIPTextEncode":
        return CLIPTextEncode().run(None, c["text"], clip)[0][0]
    if c["node"] == "CLIPTextEncodeSDXL":
        keys = ("width", "height", "crop_w", "crop_h", "target_width", "target_height", "text_g", "text_l")
        return CLIPTextEncodeSDXL().run(None, clip, **{k: c[k] for k in keys})[0][0]
    return CLIPTextEncodeSDXLRefiner().run(None, c["ascore"], c["width"], c["height"], c["text"], clip)[0][0]


def test_sdxl_checkpoint_family(sdxl):
    assert sdxl.family == "sdxl" and sdxl.model.latent_format.scale_factor == 0.13025
    assert sdxl.model.model_sampling.sigma_max.item() == pytest.approx(14.6146, abs=1e-4)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_encoder_outputs_match_comfyui(sdxl, ref, case):
    entry = encode(sdxl, case)
    name = case["name"]
    assert entry.cond.shape == ref[f"{name}.cond"].shape
    assert rel(entry.cond, ref[f"{name}.cond"]) <= TOL
    assert rel(entry.pooled_output, ref[f"{name}.pooled"]) <= TOL
    adm = conds.sdxl_refiner_adm if case["node"] == "CLIPTextEncodeSDXLRefiner" else conds.sdxl_adm
    for ptype in ("positive", "negative"):
        assert rel(adm(entry, ptype), ref[f"{name}.y_{ptype}"]) <= TOL
