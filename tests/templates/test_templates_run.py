"""The classic ComfyUI templates (package comfyui-workflow-templates 0.1.3), unchanged, run end to end with
`graphrun T.json --stub-models tiny`: PNGs are written and every stand-in is of the family the template is for.

Every template below gets the cheap check (compile it and ask which stand-in each missing model file becomes), and
every one runs end to end. The templates whose native sizes/step counts take more than a few seconds on tiny
stand-ins (2-CPU machine: the 512x512 SD1.5 ones spend ~2 s per sampling step) run with their sizes divided by 8
and at most 2 steps per sampler (`--set` on every width/height/x/y/steps widget, nothing else changed); at their
own size they run with `-m slow`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from graphrun.cli.main import main
from graphrun.nodes.base import default_registry
from graphrun.runtime.context import RunContext
from graphrun.runtime.run import to_prompt
from graphrun.settings import Settings

templates = pytest.importorskip("comfyui_workflow_templates")
TEMPLATES = Path(templates.__file__).parent / "templates"

SD15 = "SD1.5 stand-in"
SDXL, REFINER = "SDXL stand-in", "SDXL refiner stand-in"
SD2V = "SD2.x 768-v (v-prediction) stand-in"
UPSCALE = "Real-ESRGAN compact stand-in (4x"
# template -> (stand-in labels its loaders get, one per missing file, sorted; fast enough to run by default)
CASES = {
    # measured `graphrun run T.json --stub-models` on the 2-CPU dev machine (shared, loaded) in the comments
    "sdxlturbo_example": ([SDXL], True),                     # SDXL turbo, SamplerCustom 1 step at 512: 14 s
    "sdxl_simple_example": ([REFINER, SDXL], False),         # base + refiner, 25 steps at 1024: 34 s
    "sdxl_refiner_prompt_example": ([REFINER, SDXL], False),
    "hiresfix_latent_workflow": ([SD2V], False),             # SD2 768-v, 12 + 14 steps at 768 and 1152: 180 s
    "default": ([SD15], False),                              # SD1.5, 20 steps at 512: 57 s
    "image2image": ([SD15], False),                          # 91 s
    # NOT run to the end here (stopped after minutes in the first sampler; est. >15 min): 1368x768 then 1.5x
    "latent_upscale_different_prompt_model": ([SD15, SD15], False),
    # NOT run to the end here (704x1280 then 1088x1920, est. >15 min); validated (`graphrun validate`) only
    "area_composition": ([SD15, SD15, SD15], False),         # two checkpoints + a VAELoader
    "area_composition_reversed": ([SD15, SD15, SD15], False),
    "area_composition_square_area_for_subject": ([SD15, SD15], False),
    # 512-inpainting-ema is an SD2 inpainting (9-channel) model: graphrun has no inpainting stand-in, the file name
    # carries no family hint, so it runs on the default SD1.5 stand-in (4 channels: VAEEncodeForInpaint still works)
    "inpaint_example": ([SD15], False),                      # 33 s
    "esrgan_example": ([UPSCALE, SD15], False),              # RealESRGAN_x4plus.pth stand-in: 65 s
    "hiresfix_esrgan_workflow": ([UPSCALE, SD2V], False),    # 465 s, peak RSS 3.1 GB
    "flux_schnell": (["Flux.1 schnell stand-in"], False),   # 4 steps at 1024: 23 s (tests/flux: 64x64)
    "flux_dev_example": (["Flux.1 dev stand-in", "Flux.1 dev stand-in", "Flux.1 dev stand-in",
                          "Flux.1 dev stand-in"], False),    # UNET + 2 text encoders + AE: 32 s
    "flux_dev_checkpoint_example": (["Flux.1 dev stand-in"], False),
}
# NOT RUN yet, and why (the nodes come from other helpers' branches or families graphrun does not have):
NOT_RUN = {
    "sd3.5_simple_example": "SD3.5 (MMDiT) is not a graphrun family: refused by name (test below)",
    "sd3.5_large_blur": "SD3.5 + ControlNet", "sd3.5_large_canny_controlnet_example": "SD3.5 + ControlNet",
    "sd3.5_large_depth": "SD3.5 + ControlNet",
    "lora": "run by tests/nodes/test_lora_templates.py", "lora_multiple": "run by tests/nodes/test_lora_templates.py",
    "controlnet_example": "run by tests/nodes/test_controlnet_behaviour.py",
    "2_pass_pose_worship": "ControlNet",
    "depth_controlnet": "ControlNet", "depth_t2i_adapter": "ControlNet", "mixing_controlnets": "ControlNet",
    "flux_canny_model_example": "Flux Canny (InstructPixToPixConditioning, 128-channel DiT)",
    "flux_depth_lora_example": "Flux depth LoRA", "flux_fill_inpaint_example": "Flux Fill (DifferentialDiffusion)",
    "flux_fill_outpaint_example": "Flux Fill", "flux_redux_model_example": "Flux Redux (CLIP vision, style model)",
    "sdxl_revision_text_prompts": "CLIPVisionLoader / unCLIPConditioning",
    "sdxl_revision_zero_positive": "CLIPVisionLoader / unCLIPConditioning",
    "embedding_example": "textual-inversion embeddings", "gligen_textbox_example": "GLIGEN",
}


def _input_dir(tmp_path: Path) -> Path:
    """A generated 512x512 picture as input/example.png, and with a transparent square as input/input.png (the
    inpaint template's mask comes from its alpha channel)."""
    d = tmp_path / "input"
    d.mkdir(exist_ok=True)
    y, x = np.mgrid[0:512, 0:512]
    rgb = np.stack([x // 2, y // 2, (x + y) // 4], -1).astype(np.uint8)
    Image.fromarray(rgb).save(d / "example.png")
    alpha = np.where((abs(x - 256) < 128) & (abs(y - 256) < 128), 0, 255).astype(np.uint8)
    Image.fromarray(np.dstack([rgb, alpha])).save(d / "input.png")
    return d


def _missing_nodes(name: str) -> list[str]:
    doc = json.loads((TEMPLATES / f"{name}.json").read_text(encoding="utf-8"))
    return sorted({n["type"] for n in doc["nodes"]} - set(default_registry().names())
                  - {"Note", "MarkdownNote", "PrimitiveNode", "Reroute"})


def _chosen(name: str, tmp_path: Path) -> list[str]:
    """The stand-in label each model loader of the compiled template gets (without loading anything)."""
    from graphrun.backend.upscale_stub import scale_from_name
    from graphrun.families.choose import choose_stand_in

    settings = Settings(models_dir=tmp_path / "none", input_dir=_input_dir(tmp_path), stub_models=True, device="cpu")
    prompt, _, _ = to_prompt(TEMPLATES / f"{name}.json", default_registry(), RunContext(settings=settings))
    files = {"CheckpointLoaderSimple": ("ckpt_name", "sd15"), "UNETLoader": ("unet_name", "flux"),
             "VAELoader": ("vae_name", "sd15"), "DualCLIPLoader": ("clip_name1", None),
             "CLIPLoader": ("clip_name", "sd15")}
    labels = []
    for nid, node in prompt.items():
        ct = node["class_type"]
        if ct == "UpscaleModelLoader":
            labels.append(f"Real-ESRGAN compact stand-in ({scale_from_name(node['inputs']['model_name'])}x")
        elif ct in files:
            key, default = files[ct]
            value = node["inputs"][key]
            if ct == "VAELoader" and value.lower().startswith("ae."):
                default = "flux"
            if ct == "DualCLIPLoader":  # its type decides; flux: one stand-in per file
                labels += ["Flux.1 dev stand-in"] * 2 if node["inputs"]["type"] == "flux" else [SDXL]
                continue
            labels.append(choose_stand_in(prompt, nid, value, default=default).stand_in.label + " stand-in")
    return sorted(labels)


def _shrunk(name: str, tmp_path: Path) -> list[str]:
    """`--set` arguments: every constant width/height (and area x/y) divided by 8 (multiples of 8; sizes at least
    64), every sampler's steps at most 2."""
    from graphrun.links import is_link

    settings = Settings(models_dir=tmp_path / "none", input_dir=_input_dir(tmp_path), stub_models=True, device="cpu")
    prompt, _, _ = to_prompt(TEMPLATES / f"{name}.json", default_registry(), RunContext(settings=settings))
    sets = []
    for nid, node in prompt.items():
        for key, value in node["inputs"].items():
            if is_link(value) or isinstance(value, bool) or not isinstance(value, int):
                continue
            if key in ("width", "height") and value > 0:
                sets += ["--set", f"{nid}.{key}={max(64, value // 64 * 8)}"]
            elif key in ("x", "y") and value > 0:
                sets += ["--set", f"{nid}.{key}={max(8, value // 64 * 8)}"]
            elif key == "steps" and value > 2:
                sets += ["--set", f"{nid}.{key}=2"]
    assert sets, f"{name}: nothing to shrink"
    return sets


@pytest.mark.parametrize("name", sorted(CASES))
def test_template_gets_the_right_stand_ins(name, tmp_path):
    assert not _missing_nodes(name), f"node types {_missing_nodes(name)} are not registered"
    assert _chosen(name, tmp_path) == sorted(CASES[name][0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_template_runs_with_stand_ins(name, tmp_path, capsys, request):
    labels, fast = CASES[name]
    assert not _missing_nodes(name), f"node types {_missing_nodes(name)} are not registered"
    out = tmp_path / "out"
    native = fast or "slow" in (request.config.getoption("-m") or "")
    shrink = [] if native else _shrunk(name, tmp_path)
    rc = main(["run", str(TEMPLATES / f"{name}.json"), "--stub-models", "tiny", "--models-dir", str(tmp_path / "none"),
               "--input-dir", str(_input_dir(tmp_path)), "--output-dir", str(out), "--device", "cpu", "--json",
               *shrink])
    captured = capsys.readouterr()
    assert rc == 0, captured.err[-3000:]
    (run,) = json.loads(captured.out)["runs"]
    pngs = [Path(p) for p in run["written"]]  # SaveImage, or PreviewImage's temp folder (sdxlturbo's SaveImage is muted)
    assert pngs and all(p.suffix == ".png" and p.is_file() and tmp_path in p.parents for p in pngs)
    notes = run["stub_models"]
    assert sorted(next(label for label in set(labels) if f"random-weight {label}" in n) for n in notes) == sorted(labels)
    # each PNG records the stand-ins loaded by the time it was saved (later loaders may add more)
    recorded = [json.loads(Image.open(p).text["graphrun_stub_models"]) for p in pngs]
    assert all(r and set(r) <= set(notes) for r in recorded)
    assert set().union(*map(set, recorded)) == set(notes) or len(pngs) < len(notes)


def test_sd35_template_is_refused_naming_its_family(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(TEMPLATES / "sd3.5_simple_example.json"), "--stub-models", "--models-dir",
               str(tmp_path / "none"), "--output-dir", str(out), "--device", "cpu", "-q"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "SD3/SD3.5 (MMDiT)" in err and "sd3.5_large_fp8_scaled.safetensors" in err and "node 4" in err, err
    assert not list(out.rglob("*.png"))


def test_not_run_list_names_real_templates():
    present = {p.stem for p in TEMPLATES.glob("*.json")}
    assert set(CASES) <= present
    assert {n for n in NOT_RUN if n.startswith(("sd3.5", "flux_", "sdxl_"))} <= present


@pytest.mark.parametrize("file_name,scale", [("RealESRGAN_x4plus.pth", 4), ("RealESRGAN_x2plus.pth", 2),
                                             ("4x-UltraSharp.pth", 4), ("2x_NMKD-Siax.pth", 2), ("upscaler.pth", 4)])
def test_upscale_stand_in_scale_follows_the_file_name(file_name, scale):
    import torch

    from graphrun.backend.upscale_models import upscale_image
    from graphrun.backend.upscale_stub import make_upscale_stand_in, scale_from_name

    assert scale_from_name(file_name) == scale
    image = torch.rand(1, 8, 12, 3)
    out = upscale_image(make_upscale_stand_in(scale), image)
    assert out.shape == (1, 8 * scale, 12 * scale, 3) and 0.0 <= out.min() and out.max() <= 1.0
