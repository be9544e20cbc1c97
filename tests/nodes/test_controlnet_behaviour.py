"""ControlNet nodes: declarations equal ComfyUI v0.3.64's /object_info, files graphrun does not run are refused
with the node, input and value named, a ControlNet for another family is refused at the sampler, and the classic
template controlnet_example runs end to end with --stub-models (the stand-in ControlNet changes the image)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from graphrun.cli.main import main
from graphrun.nodes.base import default_registry

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "controlnet"
INPUTS = ROOT / "tests" / "fixtures" / "nodes" / "input"
NODES = ("ControlNetLoader", "DiffControlNetLoader", "ControlNetApply", "ControlNetApplyAdvanced")
FIELDS = ("input", "input_order", "output", "output_name", "output_is_list", "display_name", "category",
          "description", "output_node")


@pytest.mark.parametrize("name", NODES)
def test_declaration_equals_object_info(object_info_path, name):
    ref = json.loads(object_info_path.read_text())[name]
    ours = default_registry().get(name).definition().model_dump()  # no files listed: [[]] as in object_info
    for field in FIELDS:
        assert ours[field] == ref[field], f"{name}.{field}: {ours[field]!r} != {ref[field]!r}"


FOREIGN = {
    "t2i.safetensors": ({"body.0.in_conv.weight": (4, 4), "conv_in.weight": (4, 4)}, "T2I-Adapter"),
    "control-lora.safetensors": ({"lora_controlnet": (1,), "input_hint_block.0.weight": (16, 3, 3, 3)},
                                 "Control-LoRA"),
    "flux-cn.safetensors": ({"controlnet_blocks.0.weight": (4, 4), "controlnet_x_embedder.weight": (4, 4)},
                            "Flux"),
    "union.safetensors": ({"controlnet_cond_embedding.conv_in.weight": (16, 3, 3, 3),
                           "control_add_embedding.linear_1.bias": (4,)}, "union ControlNet"),
    "vae.safetensors": ({"encoder.conv_in.weight": (4, 3, 3, 3)}, "neither ControlNet nor T2I-Adapter"),
}


@pytest.fixture(scope="module")
def models_dir(tiny_ckpt, tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    (root / "checkpoints").mkdir()
    (root / "controlnet").mkdir()
    for ckpt in tiny_ckpt.parent.glob("*.safetensors"):
        os.symlink(ckpt, root / "checkpoints" / ckpt.name)
    for name, (shapes, _) in FOREIGN.items():
        save_file({k: torch.zeros(s) for k, s in shapes.items()}, str(root / "controlnet" / name))
    return root


def _prompt(tmp_path, edit) -> Path:
    prompt = json.loads((FIXTURES / "cn_advanced.api.json").read_text())
    for node in prompt.values():
        edit(node)
    path = tmp_path / "p.api.json"
    path.write_text(json.dumps(prompt))
    return path


def _run(path, models_dir, out, *extra):
    return main(["run", str(path), "--models-dir", str(models_dir), "--input-dir", str(INPUTS), "--output-dir",
                 str(out), "--device", "cpu", "-q", *extra])


@pytest.mark.parametrize("file_name", sorted(FOREIGN))
def test_other_control_models_are_refused_by_name(file_name, models_dir, tmp_path, capsys):
    def edit(node):
        if node["class_type"] == "ControlNetLoader":
            node["inputs"]["control_net_name"] = file_name

    assert _run(_prompt(tmp_path, edit), models_dir, tmp_path / "out") != 0
    err = capsys.readouterr().err
    assert "node 6 (ControlNetLoader), input 'control_net_name'" in err
    assert f"(received '{file_name}')" in err
    assert FOREIGN[file_name][1] in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.latent"))


def test_controlnet_of_another_family_is_refused_at_the_sampler(models_dir, tmp_path, capsys):
    """The SD1.5 ControlNet (from make_tiny_controlnet) with the tiny SDXL checkpoint."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("m", ROOT / "tools" / "oracle" / "make_tiny_controlnet.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    sd = make.models(str(models_dir / "checkpoints" / "tiny-sd15.safetensors"))["tiny-cn-sd15-diffusers.safetensors"]
    save_file(sd, str(models_dir / "controlnet" / "sd15-cn.safetensors"))

    def edit(node):
        if node["class_type"] == "ControlNetLoader":
            node["inputs"]["control_net_name"] = "sd15-cn.safetensors"
        if node["class_type"] == "CheckpointLoaderSimple":
            node["inputs"]["ckpt_name"] = "tiny-sdxl.safetensors"

    assert _run(_prompt(tmp_path, edit), models_dir, tmp_path / "out") != 0
    err = capsys.readouterr().err
    assert "(KSampler)" in err and "positive conditioning: the ControlNet" in err
    assert "is for SD1.5 but the model is SDXL" in err


templates = pytest.importorskip("comfyui_workflow_templates")
TEMPLATE = Path(templates.__file__).parent / "templates" / "controlnet_example.json"


def test_controlnet_example_template_runs_with_stand_ins(tmp_path, capsys):
    """Checkpoint and ControlNet are stand-ins; the template's VAELoader file and scribble image are supplied
    (a VAE with the SD1.5 stand-in's weights, the fixtures' input.png)."""
    from graphrun.backend.stub import make_stub_checkpoint

    models = tmp_path / "models"
    (models / "vae").mkdir(parents=True)
    sd = make_stub_checkpoint("tiny")
    save_file({k: v.contiguous() for k, v in sd.items() if k.startswith("first_stage_model.")},
              str(models / "vae" / "vae-ft-mse-840000-ema-pruned.safetensors"))
    inputs = tmp_path / "input"
    inputs.mkdir()
    (inputs / "scribble_input.png").write_bytes((INPUTS / "input.png").read_bytes())
    pngs = {}
    for strength in ("1.0", "0.0"):
        out = tmp_path / f"out{strength}"
        rc = main(["run", str(TEMPLATE), "--stub-models", "--models-dir", str(models), "--input-dir", str(inputs),
                   "--output-dir", str(out), "--device", "cpu", "--set", "5.width=64", "--set", "5.height=64",
                   "--set", "3.steps=3", "--set", "3.seed=5", "--set", f"32.strength={strength}"])
        assert rc == 0
        logged = capsys.readouterr()
        (png,) = out.rglob("*.png")
        pngs[strength] = np.asarray(Image.open(png), dtype=np.int16)
        if strength == "1.0":
            assert "STUB MODEL: control_v11p_sd15_scribble_fp16.safetensors: random-weight ControlNet" in \
                logged.out + logged.err
            notes = json.loads(Image.open(png).text["graphrun_stub_models"])
            assert any("ControlNet" in n for n in notes)
    assert np.abs(pngs["1.0"] - pngs["0.0"]).max() > 2, "the stand-in ControlNet did not change the image"
