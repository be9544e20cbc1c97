"""CLIPLoader and DualCLIPLoader type sdxl on standalone text-encoder files, against ComfyUI's own outputs:

* CLIPLoader (stable_diffusion) + CLIPTextEncode / CLIPSetLastLayer on the tiny SD1.5 and SDXL CLIP-L files:
  tests/fixtures/stubfam/clip_loader.*, made by tools/oracle/stubfam_clip_loader.py with ComfyUI's CLIPLoader path.
* DualCLIPLoader type sdxl on the tiny SDXL CLIP-L + OpenCLIP-G files: ComfyUI's outputs for the same weights
  inside their checkpoint (tests/fixtures/families/sdxl_text_encoders.*): SDXLClipModel is the same encoder either
  way. (ComfyUI itself cannot be run on the tiny pair: it routes a file to CLIP-G only when it has a 31st layer.)
And the SD3 nodes and other CLIP types are declared exactly as /object_info says and refused clearly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from graphrun.cli.main import main
from graphrun.nodes.base import default_registry
from graphrun.nodes.clip_set_last_layer import CLIPSetLastLayer
from graphrun.nodes.clip_text_encode import CLIPTextEncode
from graphrun.nodes.clip_text_encode_sdxl import CLIPTextEncodeSDXL
from graphrun.runtime.context import RunContext
from graphrun.settings import Settings

FIX = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIX / "stubfam"))
import split_text_encoders  # noqa: E402

TOL = 1e-5
CASES = json.loads((FIX / "stubfam" / "clip_loader.json").read_text())["cases"]
SDXL_CASES = [c for c in json.loads((FIX / "families" / "sdxl_text_encoders.json").read_text())["cases"]
              if c["node"] in ("CLIPTextEncode", "CLIPTextEncodeSDXL")]


def rel(a, b) -> float:
    return ((a.double() - b.double()).norm() / b.double().norm()).item()


@pytest.fixture(scope="module")
def models(tmp_path_factory, parity_dir):
    root = tmp_path_factory.mktemp("te_models")
    for name, path in split_text_encoders.write_all(parity_dir, root / "text_encoders").items():
        assert split_text_encoders.sha256(path) == split_text_encoders.SHA256[name], f"{name} is not the oracle's file"
    return root


@pytest.fixture(scope="module")
def ctx(models):
    torch.set_num_threads(1)
    return RunContext(settings=Settings(models_dir=models, device="cpu"))


def node(name):
    return default_registry().get(name)()


def encode(clip, case):
    if case.get("stop_at_clip_layer") is not None:
        (clip,) = CLIPSetLastLayer().run(None, clip, case["stop_at_clip_layer"])
    if case.get("node") == "CLIPTextEncodeSDXL":
        keys = ("width", "height", "crop_w", "crop_h", "target_width", "target_height", "text_g", "text_l")
        return CLIPTextEncodeSDXL().run(None, clip, **{k: case[k] for k in keys})[0][0]
    return CLIPTextEncode().run(None, case["text"], clip)[0][0]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_clip_loader_matches_comfyui(ctx, case):
    ref = load_file(str(FIX / "stubfam" / "clip_loader.safetensors"))
    (clip,) = node("CLIPLoader").run(ctx, case["file"], "stable_diffusion")
    entry = encode(clip, case)
    assert entry.cond.shape == ref[case["name"] + ".cond"].shape
    assert rel(entry.cond, ref[case["name"] + ".cond"]) <= TOL
    assert rel(entry.pooled_output, ref[case["name"] + ".pooled"]) <= TOL


@pytest.mark.parametrize("case", SDXL_CASES, ids=[c["name"] for c in SDXL_CASES])
def test_dual_clip_loader_sdxl_matches_comfyui(ctx, case):
    ref = load_file(str(FIX / "families" / "sdxl_text_encoders.safetensors"))
    (clip,) = node("DualCLIPLoader").run(ctx, "tiny-sdxl-clip_l.safetensors", "tiny-sdxl-clip_g.safetensors", "sdxl")
    entry = encode(clip, case)
    assert rel(entry.cond, ref[case["name"] + ".cond"]) <= TOL
    assert rel(entry.pooled_output, ref[case["name"] + ".pooled"]) <= TOL


@pytest.mark.parametrize("name", ["CLIPLoader", "TripleCLIPLoader", "CLIPTextEncodeSD3"])
def test_declaration_equals_object_info(name, object_info_path):
    ref = json.loads(object_info_path.read_text(encoding="utf-8"))[name]
    got = json.loads(default_registry().get(name).definition(lambda folder: []).model_dump_json())
    assert got["input"] == ref["input"]
    assert got["input_order"] == ref["input_order"]
    assert (got["output"], got["output_name"], got["category"]) == (ref["output"], ref["output_name"], ref["category"])
    assert got["description"] == ref["description"]


def _run(tmp_path, models, prompt, capsys, *extra):
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps(prompt))
    rc = main(["run", str(wf), "--models-dir", str(models), "--output-dir", str(tmp_path / "out"), "--device", "cpu",
               "-q", *extra])
    captured = capsys.readouterr()
    return rc, captured.err, captured.out


def _encode_prompt(loader: dict) -> dict:
    return {"1": loader,
            "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["1", 0]}},
            "3": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["2", 0]}},
            "4": {"class_type": "PreviewAny", "inputs": {"source": ["3", 0]}}}


@pytest.mark.parametrize("loader,expected", [
    ({"class_type": "CLIPLoader", "inputs": {"clip_name": "tiny-sd15-clip_l.safetensors", "type": "sd3"}},
     ["node 1 (CLIPLoader), input 'type'", "(received 'sd3')", "not supported"]),
    ({"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "tiny-sdxl-clip_l.safetensors",
                                                 "clip_name2": "tiny-sd15-clip_l.safetensors", "type": "hidream"}},
     ["node 1 (DualCLIPLoader), input 'type'", "(received 'hidream')"]),
    ({"class_type": "TripleCLIPLoader", "inputs": {"clip_name1": "tiny-sdxl-clip_l.safetensors",
                                                   "clip_name2": "tiny-sdxl-clip_g.safetensors",
                                                   "clip_name3": "tiny-sd15-clip_l.safetensors"}},
     ["node 1 (TripleCLIPLoader), input 'clip_name1'", "SD3/SD3.5"]),
])
def test_unsupported_types_are_refused(tmp_path, models, capsys, loader, expected):
    rc, err, _out = _run(tmp_path, models, _encode_prompt(loader), capsys)
    assert rc == 1
    for text in expected:
        assert text in err, err


def test_clip_loader_stand_in_follows_the_family(tmp_path, capsys):
    prompt = _encode_prompt({"class_type": "CLIPLoader", "inputs": {"clip_name": "sd2_clip_h.safetensors",
                                                                    "type": "stable_diffusion"}})
    rc, err, out = _run(tmp_path, tmp_path / "none", prompt, capsys, "--stub-models", "--json")
    assert rc == 0, err
    assert json.loads(out)["runs"][0]["stub_models"] == [
        "sd2_clip_h.safetensors: random-weight SD2.x (512, EPS) stand-in (tiny; --stub-family sd2, file name contains "
        "'sd2'), not the real text encoder"]


def test_dual_clip_loader_sdxl_stand_in(tmp_path, capsys):
    prompt = _encode_prompt({"class_type": "DualCLIPLoader", "inputs": {
        "clip_name1": "clip_l.safetensors", "clip_name2": "clip_g.safetensors", "type": "sdxl"}})
    rc, err, out = _run(tmp_path, tmp_path / "none", prompt, capsys, "--stub-models", "--json")
    assert rc == 0, err
    assert json.loads(out)["runs"][0]["stub_models"] == [
        f"{n}: random-weight SDXL stand-in (tiny; --stub-family sdxl, DualCLIPLoader type sdxl), not the real text "
        "encoder" for n in ("clip_g.safetensors", "clip_l.safetensors")]


@pytest.mark.parametrize("layers,recipe", [(2, (None, 49407, False)), (23, (-2, 0, False)), (31, (-2, 0, True))])
def test_clip_loader_recipe_follows_comfyuis_layer_rule(tmp_path, layers, recipe):
    """ComfyUI's detect_te_model: a 23rd layer makes a file OpenCLIP-H (SD2: penultimate, pad 0), a 31st makes it
    OpenCLIP-G (SDXL refiner: penultimate, pad 0, projected pooled); otherwise CLIP-L (SD1: last layer, pad end)."""
    from safetensors.torch import save_file

    from graphrun.backend.stub import StubSpec, clip_shapes

    spec = StubSpec(0, (1,), 0, (), 0, 0, (1,), 0, 64, layers, 64)
    sd = {k.replace("cond_stage_model.transformer.", ""): torch.zeros(s, dtype=torch.float16)
          for k, s in clip_shapes(spec).items()}
    if recipe[2]:
        sd["text_projection.weight"] = torch.zeros(64, 64, dtype=torch.float16)
    (tmp_path / "text_encoders").mkdir()
    save_file(sd, str(tmp_path / "text_encoders" / "te.safetensors"))
    ctx = RunContext(settings=Settings(models_dir=tmp_path, device="cpu"))
    (clip,) = node("CLIPLoader").run(ctx, "te.safetensors", "stable_diffusion")
    assert (clip.default_layer, clip.pad_token, clip.projected_pooled) == recipe


def test_wrong_kind_of_file_is_named(tmp_path):
    from safetensors.torch import save_file

    from graphrun.errors import ModelError

    (tmp_path / "text_encoders").mkdir()
    save_file({"encoder.block.0.layer.0.SelfAttention.k.weight": torch.zeros(4, 4)},
              str(tmp_path / "text_encoders" / "t5xxl_fp16.safetensors"))
    ctx = RunContext(settings=Settings(models_dir=tmp_path, device="cpu"))
    with pytest.raises(ModelError, match=r"t5xxl_fp16\.safetensors is a T5-XXL text encoder; CLIPLoader type "
                                         r"stable_diffusion loads a CLIP-L"):
        node("CLIPLoader").run(ctx, "t5xxl_fp16.safetensors", "stable_diffusion")
