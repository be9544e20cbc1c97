"""Mismatched Flux files give a clear error naming the file and what it is (exit 1, no partial output)."""

from __future__ import annotations

import json
import shutil

import pytest

from graphrun.cli.main import main


def run_prompt(prompt, models, tmp_path, capsys):
    path = tmp_path / "prompt.json"
    path.write_text(json.dumps(prompt))
    rc = main(["run", str(path), "--models-dir", str(models), "--output-dir", str(tmp_path / "out"), "--device", "cpu",
               "-q"])
    return rc, capsys.readouterr().err


def pipeline(clip_loader=None, unet_name="tiny-flux-dev.safetensors"):
    """UNETLoader + (clip_loader or DualCLIPLoader flux) -> CLIPTextEncode -> KSampler -> SaveLatent."""
    clip_loader = clip_loader or {"class_type": "DualCLIPLoader", "inputs": {
        "clip_name1": "tiny-clip-l.safetensors", "clip_name2": "tiny-t5xxl.safetensors", "type": "flux"}}
    return {"1": {"class_type": "UNETLoader", "inputs": {"unet_name": unet_name, "weight_dtype": "default"}},
            "2": clip_loader,
            "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["2", 0]}},
            "4": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
            "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "seed": 1, "steps": 1, "cfg": 1.0,
                  "sampler_name": "euler", "scheduler": "simple", "positive": ["3", 0], "negative": ["3", 0],
                  "latent_image": ["4", 0], "denoise": 1.0}},
            "6": {"class_type": "SaveLatent", "inputs": {"samples": ["5", 0], "filename_prefix": "x"}}}


def dual(name1, name2, type_="flux"):
    return {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": name1, "clip_name2": name2, "type": type_}}


@pytest.fixture
def models(flux_models, tmp_path):
    root = tmp_path / "models"
    for sub in ("diffusion_models", "text_encoders", "vae", "checkpoints"):
        (root / sub).mkdir(parents=True)
    for sub in ("diffusion_models", "text_encoders", "vae"):
        for f in (flux_models / sub).iterdir():
            (root / sub / f.name).symlink_to(f)
    shutil.copy(flux_models / "diffusion_models" / "tiny-flux-dev.safetensors", root / "checkpoints" / "dit.safetensors")
    return root


def test_two_t5_files_for_dual_clip_flux(models, tmp_path, capsys):
    loader = dual("tiny-t5xxl.safetensors", "tiny-t5xxl.safetensors")
    rc, err = run_prompt(pipeline(loader), models, tmp_path, capsys)
    assert rc == 1 and "tiny-t5xxl.safetensors" in err and "T5-XXL" in err and "CLIP-L" in err


def test_vae_given_to_dual_clip_flux(models, tmp_path, capsys):
    (models / "text_encoders" / "ae.safetensors").symlink_to(models / "vae" / "tiny-flux-ae.safetensors")
    loader = dual("tiny-clip-l.safetensors", "ae.safetensors")
    rc, err = run_prompt(pipeline(loader), models, tmp_path, capsys)
    assert rc == 1 and "ae.safetensors" in err and "not a text encoder" in err


def test_unsupported_dual_clip_type_names_the_input(models, tmp_path, capsys):
    loader = dual("tiny-clip-l.safetensors", "tiny-t5xxl.safetensors", "hidream")
    rc, err = run_prompt(pipeline(loader), models, tmp_path, capsys)
    assert rc == 1 and "hidream" in err and "type" in err


def test_flux_dit_given_to_checkpoint_loader(models, tmp_path, capsys):
    prompt = {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "dit.safetensors"}},
              "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["1", 1]}},
              "3": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["2", 0]}}}
    prompt["4"] = {"class_type": "EmptySD3LatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}}
    prompt["5"] = {"class_type": "KSampler", "inputs": {"model": ["1", 0], "seed": 1, "steps": 1, "cfg": 1.0,
                   "sampler_name": "euler", "scheduler": "simple", "positive": ["2", 0], "negative": ["3", 0],
                   "latent_image": ["4", 0], "denoise": 1.0}}
    prompt["6"] = {"class_type": "SaveLatent", "inputs": {"samples": ["5", 0], "filename_prefix": "x"}}
    rc, err = run_prompt(prompt, models, tmp_path, capsys)
    assert rc == 1 and "dit.safetensors" in err and "UNETLoader" in err and "Flux" in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.latent"))


def test_text_encoder_given_to_unet_loader(models, tmp_path, capsys):
    (models / "diffusion_models" / "clip.safetensors").symlink_to(models / "text_encoders" / "tiny-clip-l.safetensors")
    rc, err = run_prompt(pipeline(unet_name="clip.safetensors"), models, tmp_path, capsys)
    assert rc == 1 and "clip.safetensors" in err and "CLIP-L text encoder" in err and "UNETLoader" in err
