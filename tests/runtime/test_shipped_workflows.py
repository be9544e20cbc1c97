"""The shipped workflows run end to end on labelled stand-in weights, and the img2img facts hold in graphrun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from graphrun.cli.main import main
from graphrun.runtime.context import ModelStore
from graphrun.runtime.overrides import Override
from graphrun.runtime.run import run_workflow
from graphrun.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
KS = WORKFLOWS / "SD1.5_image2image_KSampler.json"
ADV = WORKFLOWS / "SD1.5_image2image_KSampler_(Advanced).json"
T2I = WORKFLOWS / "SD1.5_text2image.json"
FLUX = WORKFLOWS / "Flux_image2image_KSampler.json"
SMALL = ["5.width=128", "5.height=128"]  # keep the text2image latent small


@pytest.fixture(scope="module")
def store():
    return ModelStore()  # one stand-in checkpoint for the whole module


def settings(tmp_path: Path) -> Settings:
    return Settings(models_dir=tmp_path / "no-models", input_dir=tmp_path / "input", output_dir=tmp_path / "out",
                    device="cpu", stub_models=True, progress=False)


def small_input(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir(exist_ok=True)
    Image.open(ROOT / "input" / "example.png").resize((128, 128)).save(tmp_path / "input" / "example.png")


def sampler_latent(path, tmp_path, store, overrides=()):
    result = run_workflow(path, settings(tmp_path), overrides=[Override.parse(o) for o in overrides],
                          store=store, log=lambda m: None)
    return result, result.outputs["6"][0].samples


@pytest.mark.parametrize("workflow", sorted(WORKFLOWS.glob("*.json")), ids=lambda p: p.name)
def test_shipped_workflow_runs_with_stub_models(workflow, tmp_path, capsys):
    small_input(tmp_path)
    args = ["run", str(workflow), "--stub-models", "--models-dir", str(tmp_path / "none"), "--input-dir",
            str(tmp_path / "input"), "--output-dir", str(tmp_path / "out"), "--device", "cpu", "-q"]
    if workflow == T2I:
        args += [a for o in SMALL for a in ("--set", o)]
    if workflow == FLUX:
        args += ["--set", "9.steps=4"]
    assert main(args) == 0
    pngs = list((tmp_path / "out").rglob("*.png"))
    assert len(pngs) == 1 and pngs[0].name.endswith("_00001_.png")
    assert str(pngs[0]) in capsys.readouterr().out  # written files are listed
    text = Image.open(pngs[0]).text
    assert "stand-in" in json.loads(text["graphrun_stub_models"])[0]  # labelled as random weights
    assert json.loads(text["workflow"])["nodes"]  # drags back into ComfyUI
    prompt = json.loads(text["prompt"])
    assert {n["class_type"] for n in prompt.values()} & {"KSampler", "KSamplerAdvanced"}


def test_without_stub_flag_a_missing_checkpoint_is_an_error(tmp_path, capsys):
    small_input(tmp_path)
    rc = main(["run", str(KS), "--models-dir", str(tmp_path / "none"), "--input-dir", str(tmp_path / "input"),
               "--output-dir", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "v1-5-pruned-emaonly.safetensors" in err and "checkpoints" in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.png"))


def test_ksampler_denoise_equals_advanced_start_bit_for_bit(tmp_path, store):
    """KSampler(20 steps, denoise 0.8) keeps the last 21 sigmas of int(20/0.8)=25 steps = Advanced(25, start 5)."""
    small_input(tmp_path)
    _, a = sampler_latent(KS, tmp_path, store)
    _, b = sampler_latent(ADV, tmp_path, store)
    assert torch.equal(a, b)
    _, c = sampler_latent(ADV, tmp_path, store, ["6.start_at_step=4"])
    assert not torch.equal(a, c)  # the comparison can fail: one step more is a different result


def test_img2img_at_full_denoise_differs_from_text2image(tmp_path, store):
    """SD1.5 img2img at denoise 1.0 still adds the image latent to the noise (spec B.6): not txt2img."""
    small_input(tmp_path)
    _, img2img = sampler_latent(KS, tmp_path, store, ["6.denoise=1.0"])
    _, txt2img = sampler_latent(T2I, tmp_path, store, SMALL)
    assert img2img.shape == txt2img.shape
    assert (img2img - txt2img).abs().max().item() > 1e-3


def test_flux_img2img_at_full_denoise_equals_text2image(tmp_path):
    """Flux: img2img at denoise 1.0 and text2image with the same seed are bit-identical (CONST noise scaling at
    sigma_max = 1 keeps 0 x image latent), in ComfyUI's recorded outputs and in graphrun, and graphrun's equal
    ComfyUI's (tiny Flux files and ComfyUI reference data of tests/fixtures/flux)."""
    from safetensors.torch import load_file

    from tests.flux.conftest import CASES, FIX, _tiny_module, rel_l2

    _tiny_module().write_all(str(tmp_path / "models"))
    ref_t2i = load_file(str(CASES / "flux_dev_txt2img.safetensors"))["samples"]
    ref_i2i = load_file(str(CASES / "flux_dev_img2img_d100.safetensors"))["samples"]
    assert torch.equal(ref_t2i, ref_i2i)  # ComfyUI
    got = {}
    for name in ("flux_dev_txt2img", "flux_dev_img2img_d100"):
        out = tmp_path / name
        assert main(["run", str(CASES / f"{name}.api.json"), "--models-dir", str(tmp_path / "models"), "--input-dir",
                     str(FIX), "--output-dir", str(out), "--device", "cpu", "-q"]) == 0
        (latent,) = out.rglob("*.latent")
        got[name] = load_file(str(latent))["latent_tensor"]
    assert torch.equal(got["flux_dev_txt2img"], got["flux_dev_img2img_d100"])  # graphrun: bit-identical
    assert rel_l2(got["flux_dev_txt2img"], ref_t2i) <= 1e-5  # ... and ComfyUI's result
