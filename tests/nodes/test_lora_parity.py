"""LoraLoader / LoraLoaderModelOnly against ComfyUI v0.3.64, run through the CLI as a user would.

Cases and reference files: tests/fixtures/lora/ (tools/oracle/run_lora.py ran them in real ComfyUI with the tiny
LoRAs tools/oracle/make_tiny_loras.py writes to tests/fixtures/lora/loras: kohya, ComfyUI's own names with a LoCon
mid, diffusers/PEFT, kohya-on-LDM with DoRA; an SDXL LoRA with lora_te1_/lora_te2_ on the tiny SDXL; a Flux LoRA with BFL and diffusers names on the
tiny Flux schnell). Latents within relative L2 1e-5, PNGs within one level. Also: both
strengths 0 returns the inputs (bit-identical output), and a LoRA for another family is refused clearly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from graphrun.cli.main import main
from tests.parity_report import record

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "lora"
TOL = 1e-5
CASES = sorted(p.name[: -len(".api.json")] for p in FIXTURES.glob("*.api.json"))


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def models_dir(tiny_ckpt, tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    (root / "checkpoints").mkdir()
    for ckpt in tiny_ckpt.parent.glob("*.safetensors"):  # tiny-sd15, tiny-sdxl
        os.symlink(ckpt, root / "checkpoints" / ckpt.name)
    os.symlink(FIXTURES / "loras", root / "loras")
    return root


@pytest.fixture(scope="module")
def sd2_models_dir(models_dir):
    """The tiny SD2 (768-v) checkpoint of tests/fixtures/families, regenerated and sha256-checked."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tiny_sd2", ROOT / "tests" / "fixtures" / "families" / "tiny_sd2.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    path = mod.write(models_dir / "checkpoints" / "tiny-sd2-v.safetensors", "v")
    assert mod.sha256(path) == mod.SHA256["v"]
    return models_dir


@pytest.fixture(scope="module")
def flux_models_dir(models_dir):
    """The tiny Flux files of tests/fixtures/flux (regenerated, content-hash checked) beside the SD checkpoints."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tiny_flux", ROOT / "tests" / "fixtures" / "flux" / "tiny_flux.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write_all(str(models_dir))
    return models_dir


def _run(prompt_path, models_dir, out):
    return main(["run", str(prompt_path), "--models-dir", str(models_dir), "--output-dir", str(out),
                 "--device", "cpu", "-q"])


def rel_l2(got: torch.Tensor, ref: torch.Tensor) -> float:
    got, ref = got.double(), ref.double()
    return (got - ref).norm().item() / max(ref.norm().item(), 1e-30)


def test_committed_loras_are_what_the_generator_makes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("mtl", ROOT / "tools" / "oracle" / "make_tiny_loras.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(str(tmp_path))
    for name in mod.LORAS:
        assert (tmp_path / name).read_bytes() == (FIXTURES / "loras" / name).read_bytes(), name


@pytest.mark.parity
@pytest.mark.parametrize("name", CASES)
def test_lora_case_matches_comfyui(name, request, tmp_path):
    models_dir = request.getfixturevalue("flux_models_dir" if "flux" in name else
                                         "sd2_models_dir" if "sd2" in name else "models_dir")
    assert _run(FIXTURES / f"{name}.api.json", models_dir, tmp_path) == 0
    refs = sorted((FIXTURES / name).iterdir())
    assert {p.name for p in (tmp_path / name).iterdir()} == {p.name for p in refs}
    for ref in refs:
        got = tmp_path / name / ref.name
        if ref.suffix == ".latent":
            a, b = load_file(str(got))["latent_tensor"], load_file(str(ref))["latent_tensor"]
            err = rel_l2(a, b)
            record("latent rel-L2", f"lora/{name}", err)
            assert err <= TOL, f"{name}: latent relative L2 {err:.3g} > {TOL}"
        else:
            diff = int(np.abs(np.asarray(Image.open(got), np.int16) - np.asarray(Image.open(ref), np.int16)).max())
            record("PNG max level diff", f"lora/{name}", diff)
            assert diff <= 1, f"{name}: PNG differs by {diff} levels"


def _without_loras(prompt: dict) -> dict:
    """The same prompt with every LoRA node bypassed (its MODEL/CLIP inputs wired straight through)."""
    out = json.loads(json.dumps(prompt))
    lora_ids = [k for k, v in out.items() if v["class_type"].startswith("LoraLoader")]
    for node in out.values():
        for key, v in node["inputs"].items():
            while isinstance(v, list) and v[0] in lora_ids:
                src = out[v[0]]["inputs"]
                v = src["model"] if v[1] == 0 else src["clip"]
            node["inputs"][key] = v
    for k in lora_ids:
        del out[k]
    return out


def test_zero_strengths_are_bit_identical_to_no_lora(models_dir, tmp_path):
    prompt = json.loads((FIXTURES / "lora_stacked.api.json").read_text())
    zero = json.loads(json.dumps(prompt))
    for node in zero.values():
        if node["class_type"] == "LoraLoader":
            node["inputs"]["strength_model"] = node["inputs"]["strength_clip"] = 0.0
    outs = {}
    for tag, p in (("zero", zero), ("none", _without_loras(prompt))):
        path = tmp_path / f"{tag}.api.json"
        path.write_text(json.dumps(p))
        assert _run(path, models_dir, tmp_path / tag) == 0
        (lat,) = (tmp_path / tag).rglob("*.latent")
        outs[tag] = load_file(str(lat))["latent_tensor"]
    assert torch.equal(outs["zero"], outs["none"])
    ref = load_file(str(next((FIXTURES / "lora_stacked").glob("*.latent"))))["latent_tensor"]
    assert not torch.allclose(outs["none"], ref, atol=1e-3)  # the LoRAs do change the result when applied


def test_lora_for_another_family_is_refused(models_dir, tmp_path, capsys):
    prompt = json.loads((FIXTURES / "lora_kohya.api.json").read_text())
    lora_id = next(k for k, v in prompt.items() if v["class_type"] == "LoraLoader")
    prompt[lora_id]["inputs"]["lora_name"] = "tiny-sdxl-wrong.safetensors"
    path = tmp_path / "wrong.api.json"
    path.write_text(json.dumps(prompt))
    assert _run(path, models_dir, tmp_path / "out") != 0
    err = capsys.readouterr().err
    assert f"node {lora_id}" in err and "lora_name" in err and "tiny-sdxl-wrong.safetensors" in err, err
    assert "an SDXL LoRA" in err and "SD1.5" in err, err
    assert not list((tmp_path / "out").rglob("*.png")) if (tmp_path / "out").exists() else True


def test_pickled_lora_is_refused(models_dir, tmp_path, capsys):
    loras = tmp_path / "models" / "loras"
    loras.mkdir(parents=True)
    (tmp_path / "models" / "checkpoints").mkdir()
    os.symlink(models_dir / "checkpoints" / "tiny-sd15.safetensors", tmp_path / "models" / "checkpoints" /
               "tiny-sd15.safetensors")
    torch.save({"lora_unet_x.lora_up.weight": torch.zeros(1, 1)}, loras / "evil.pt")
    prompt = json.loads((FIXTURES / "lora_kohya.api.json").read_text())
    lora_id = next(k for k, v in prompt.items() if v["class_type"] == "LoraLoader")
    prompt[lora_id]["inputs"]["lora_name"] = "evil.pt"
    path = tmp_path / "evil.api.json"
    path.write_text(json.dumps(prompt))
    assert _run(path, tmp_path / "models", tmp_path / "out") != 0
    err = capsys.readouterr().err
    assert "evil.pt" in err and ".safetensors files only" in err, err


@pytest.mark.parametrize("name", ["LoraLoader", "LoraLoaderModelOnly"])
def test_declaration_equals_object_info(object_info_path, name):
    from graphrun.nodes.base import default_registry

    ref = json.loads(object_info_path.read_text())[name]
    ours = default_registry().get(name).definition().model_dump()
    for field in ("input_order", "output", "output_name", "output_is_list", "display_name", "category",
                  "description", "output_node"):
        assert ours[field] == ref[field], field
    for group, inputs in ref["input"].items():  # lora_name's list depends on the folder
        for k, spec in inputs.items():
            assert ours["input"][group][k][1:] == spec[1:] and (k == "lora_name" or ours["input"][group][k] == spec)


def test_misfitting_layer_is_left_unchanged_with_a_warning(sd2_models_dir, tmp_path, capsys):
    """tiny-sd2.safetensors has one layer 128 wide for a 64-wide weight: ComfyUI logs an error and skips it (the
    lora_sd2 parity case holds its numbers); graphrun warns naming the weight."""
    rc = main(["run", str(FIXTURES / "lora_sd2.api.json"), "--models-dir", str(sd2_models_dir), "--output-dir",
               str(tmp_path), "--device", "cpu"])
    assert rc == 0
    out = capsys.readouterr()
    log = out.out + out.err
    assert "1 layers do not fit the shape of the weight they name and were left unchanged" in log, log
    assert "down_blocks.0.attentions.3.transformer_blocks.0.attn1.to_v.weight" in log, log  # input_blocks.4.1
