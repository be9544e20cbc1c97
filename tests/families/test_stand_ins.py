"""--stub-models builds the family the workflow needs (SD1.5, SD2.x 512/768-v, SDXL base/refiner, Flux), says which
and why, and --stub-family forces one. Expectations are independent of graphrun: parameter counts are the published
ones of the real architectures (SD2 UNet 865,910,724; SDXL base UNet 2,567,463,684), the hints are the file names of
the real releases, and the v-prediction probe is the rule ComfyUI applies to real 768-v files."""

from __future__ import annotations

import json
import re

import pytest
import torch

from graphrun.backend import stub_families
from graphrun.backend.checkpoints import checkpoint_from_state_dict
from graphrun.backend.detect import detect
from graphrun.backend.devices import dtype_policy
from graphrun.backend.unet import build_unet
from graphrun.cli.cmd_run import STAND_IN_NAMES
from graphrun.cli.main import main
from graphrun.families import stand_ins
from graphrun.families.choose import UnsupportedStandIn, choose_stand_in
from graphrun.sampling.model_sampling import EPS, V_PREDICTION


def test_cli_lists_every_stand_in():
    assert sorted(STAND_IN_NAMES) == sorted(stand_ins())


@pytest.mark.parametrize("kind,family,unet_params", [
    ("sd2", "sd2", 865_910_724), ("sd2_v", "sd2", 865_910_724), ("sdxl", "sdxl", 2_567_463_684),
    ("sdxl_refiner", "sdxl_refiner", None)])
def test_full_stand_ins_have_the_real_layouts(kind, family, unet_params):
    shapes = stub_families.shapes(kind, "full")
    fam, cfg = detect(shapes, kind)
    assert fam.name == family
    if unet_params is not None:  # the shapes map onto diffusers' UNet of that family, without allocating
        meta = {k: torch.empty(s, device="meta") for k, s in shapes.items() if k.startswith("model.diffusion_model.")}
        unet = build_unet(meta, cfg, device=torch.device("meta"), dtype=torch.float16, family=fam)
        assert sum(p.numel() for p in unet.parameters()) == unet_params


def _pattern(keys: dict) -> set[tuple[str, int]]:
    return {(re.sub(r"\.\d+\.", ".N.", k), len(s)) for k, s in keys.items()}


def test_tiny_sdxl_has_the_layout_comfyui_writes(parity_dir):
    """Same tensor names (block indices folded) and ranks as the oracle's tiny SDXL, made from ComfyUI's modules."""
    ref = {}
    for line in (parity_dir / "tiny-sdxl.keys.txt").read_text().splitlines():
        name, _dtype, shape = line.split("\t")
        ref[name] = json.loads(shape)
    assert _pattern(stub_families.shapes("sdxl", "tiny")) == _pattern(ref)


@pytest.mark.parametrize("kind,prediction", [("sd2", EPS), ("sd2_v", V_PREDICTION)])
def test_tiny_sd2_stand_ins_are_told_apart_like_real_files(kind, prediction):
    sd = stub_families.make_checkpoint(kind)
    ck = checkpoint_from_state_dict(sd, source=kind, policy=dtype_policy("cpu"))
    assert ck.family == "sd2"
    assert type(ck.model.model_sampling.prediction) is prediction
    probe = sd[stub_families.V_PRED_PROBE].float()
    assert (float(probe.std(unbiased=False)) > 0.09) == (kind == "sd2_v")  # ComfyUI's SD20 rule, by hand


@pytest.mark.parametrize("file_name,expected", [
    ("sd_xl_base_1.0.safetensors", "sdxl"), ("sd_xl_refiner_1.0.safetensors", "sdxl_refiner"),
    ("sd_xl_turbo_1.0_fp16.safetensors", "sdxl"), ("v2-1_768-ema-pruned.safetensors", "sd2_v"),
    ("v2-1_512-ema-pruned.safetensors", "sd2"), ("768-v-ema.ckpt", "sd2_v"),
    ("flux1-dev-fp8.safetensors", "flux"), ("flux1-schnell-fp8.safetensors", "flux_schnell"),
    ("v1-5-pruned-emaonly-fp16.safetensors", "sd15"), ("subdir/SDXL/juggernautXL.safetensors", "sdxl"),
    ("Anything-V3.0.ckpt", "sd15")])
def test_file_name_hints(file_name, expected):
    assert choose_stand_in({}, "1", file_name).stand_in.name == expected


def _prompt(ckpt: str, encoder: str = "CLIPTextEncode") -> dict:
    text = {"text": "a cat", "clip": ["1", 1]}
    if encoder == "CLIPTextEncodeSDXL":
        text = {"clip": ["1", 1], "width": 64, "height": 64, "crop_w": 0, "crop_h": 0, "target_width": 64,
                "target_height": 64, "text_g": "a cat", "text_l": "a cat"}
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "2": {"class_type": encoder, "inputs": text},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["1", 1]}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["2", 0], "negative": ["3", 0],
                                                  "latent_image": ["4", 0], "seed": 1, "steps": 2, "cfg": 5.0,
                                                  "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0}},
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "sf"}},
    }


def test_signals_from_the_nodes_a_loader_feeds():
    choice = choose_stand_in(_prompt("model.safetensors", "CLIPTextEncodeSDXL"), "1", "model.safetensors")
    assert choice.stand_in.name == "sdxl" and "node 2 is CLIPTextEncodeSDXL" in choice.reason
    assert choose_stand_in(_prompt("model.safetensors"), "1", "model.safetensors").stand_in.name == "sd15"
    forced = choose_stand_in(_prompt("sd_xl_base_1.0.safetensors"), "1", "sd_xl_base_1.0.safetensors",
                             forced="flux_schnell")
    assert forced.stand_in.name == "flux_schnell" and "--stub-family" in forced.reason
    # a loader that can only build some families (a Flux T5 file) keeps its own and says the flag did not apply
    t5 = choose_stand_in({}, "1", "t5xxl_fp16.safetensors", forced="sd15", default="flux",
                         allowed=("flux", "flux_schnell"))
    assert t5.stand_in.name == "flux" and "--stub-family sd15 does not apply" in t5.reason


def test_sd3_is_refused_naming_the_family():
    with pytest.raises(UnsupportedStandIn, match=r"SD3/SD3\.5.*'sd3\.5'"):
        choose_stand_in({}, "4", "sd3.5_large_fp8_scaled.safetensors")


def _run(tmp_path, prompt, *extra):
    wf = tmp_path / "wf.api.json"
    wf.write_text(json.dumps(prompt))
    out = tmp_path / "out"
    rc = main(["run", str(wf), "--stub-models", "--models-dir", str(tmp_path / "none"), "--output-dir", str(out),
               "--device", "cpu", "--json", *extra])
    return rc, out


@pytest.mark.parametrize("ckpt,encoder,label", [
    ("sd_xl_base_1.0.safetensors", "CLIPTextEncodeSDXL", "SDXL stand-in (tiny; --stub-family sdxl, file name "
                                                         "contains 'sd_xl_base')"),
    ("v2-1_768-ema-pruned.safetensors", "CLIPTextEncode", "SD2.x 768-v (v-prediction) stand-in (tiny; "
                                                          "--stub-family sd2_v, file name contains 'v2-1_768')")])
def test_cli_run_reports_the_family(tmp_path, capsys, ckpt, encoder, label):
    rc, out = _run(tmp_path, _prompt(ckpt, encoder))
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    (summary,) = json.loads(captured.out)["runs"]
    assert summary["stub_models"] == [f"{ckpt}: random-weight {label}, not the real checkpoint"]
    from PIL import Image

    (png,) = out.rglob("*.png")
    assert json.loads(Image.open(png).text["graphrun_stub_models"]) == summary["stub_models"]


def test_cli_stub_family_forces(tmp_path, capsys):
    rc, _ = _run(tmp_path, _prompt("v1-5-pruned-emaonly.safetensors"), "--stub-family", "sdxl")
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert json.loads(captured.out)["runs"][0]["stub_models"] == [
        "v1-5-pruned-emaonly.safetensors: random-weight SDXL stand-in (tiny; --stub-family sdxl, forced "
        "by --stub-family), not the real checkpoint"]
    assert main(["run", "x.json", "--stub-models", "--stub-family", "sd9"]) != 0
    assert "unknown stand-in family 'sd9'" in capsys.readouterr().err


def test_cli_sd3_workflow_is_refused(tmp_path, capsys):
    rc, out = _run(tmp_path, _prompt("sd3.5_large_fp8_scaled.safetensors"))
    err = capsys.readouterr()
    assert rc != 0
    assert "SD3/SD3.5 (MMDiT)" in err.out + err.err and "node 1" in err.out + err.err
    assert not list(out.rglob("*.png"))


def test_full_stand_in_too_big_for_memory_is_refused_before_allocating(monkeypatch):
    from graphrun.backend.flux import stub as flux_stub
    from graphrun.errors import ModelError

    monkeypatch.setattr(flux_stub, "available_memory_bytes", lambda: 8 * 2**30)
    # SDXL base: 2.57 B (UNet) + 0.82 B (text) + 0.08 B (VAE) parameters, fp16 + fp32 copy: ~19 GiB
    with pytest.raises(ModelError, match=r"full sdxl stand-in \(3\.5 B parameters\).*use --stub-models tiny"):
        stub_families.make_checkpoint("sdxl", "full")
