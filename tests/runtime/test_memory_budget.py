"""Sizes are refused before allocation when the estimated memory is over the budget (issue 14): the error names
the node, the input, the estimate and the budget; the budget is configurable."""

from __future__ import annotations

import json
import time

import pytest

from graphrun.backend.budget import GIB, resize_estimate, vae_estimate
from graphrun.cli.main import main


def _prompt(width: int, height: int, tail: dict) -> dict:
    return {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
            "2": {"class_type": "EmptyLatentImage", "inputs": {"width": width, "height": height, "batch_size": 1}},
            **tail}


DECODE = {"3": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0], "vae": ["1", 2]}},
          "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 0]}}}
UPSCALE = {"3": {"class_type": "LatentUpscale", "inputs": {"samples": ["2", 0], "upscale_method": "bilinear",
                                                          "width": 16384, "height": 16384, "crop": "disabled"}},
           "4": {"class_type": "SaveLatent", "inputs": {"samples": ["3", 0], "filename_prefix": "u"}}}


def _run(tmp_path, parity_dir, capsys, prompt: dict, *extra: str) -> tuple[int, str, float]:
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps(prompt))
    start = time.perf_counter()
    code = main(["run", str(wf), "-q", "--models-dir", str(parity_dir / "models"), "--output-dir",
                 str(tmp_path / "out"), "--input-dir", str(tmp_path), *extra])
    return code, capsys.readouterr().err, time.perf_counter() - start


def test_huge_decode_is_refused_with_the_estimate(tmp_path, parity_dir, tiny_ckpt, capsys):
    code, err, _ = _run(tmp_path, parity_dir, capsys, _prompt(16384, 16384, DECODE), "--memory-budget", "16")
    assert code == 1 and "Traceback" not in err
    assert "node 3 (VAEDecode), input 'samples'" in err and "decoding a 16384x16384 latent (batch 1)" in err, err
    # tiny-sd15's VAE: block_out_channels[0] = 32 (hand-computed estimate, fp32): 4 activations + in/out
    expected = 16384 * 16384 * (32 * 4 * 4 + 2 * 3 * 4) / GIB
    assert f"about {expected:.1f} GiB (estimate), over the memory budget of 16.0 GiB" in err, err


def test_huge_latent_upscale_is_refused(tmp_path, parity_dir, tiny_ckpt, capsys):
    code, err, _ = _run(tmp_path, parity_dir, capsys, _prompt(512, 512, UPSCALE), "--memory-budget", "0.1")
    # 64x64 -> 2048x2048 latent, 4 channels fp32: input + 2 outputs = 4*4*(64*64 + 2*2048*2048) bytes = 0.13 GiB
    assert code == 1 and "node 3 (LatentUpscale), input 'samples'" in err, err
    assert "about 0.1 GiB (estimate), over the memory budget of 0.1 GiB" in err, err


def test_budget_is_configurable_from_the_environment(tmp_path, parity_dir, tiny_ckpt, capsys, monkeypatch):
    monkeypatch.setenv("GRAPHRUN_MEMORY_BUDGET_GB", "0.0001")  # 100 KiB: even a 64x64 decode is over it
    code, err, _ = _run(tmp_path, parity_dir, capsys, _prompt(64, 64, DECODE))
    assert code == 1 and "memory budget of 0.0 GiB" in err and "decoding a 64x64 latent" in err
    monkeypatch.delenv("GRAPHRUN_MEMORY_BUDGET_GB")
    code, err, _ = _run(tmp_path, parity_dir, capsys, _prompt(64, 64, DECODE))
    assert code == 0, err


@pytest.mark.parametrize("shape, expected", [((1, 64, 64, 128, 4), 64 * 64 * (128 * 16 + 24)),
                                             ((2, 8, 8, 32, 2), 2 * 64 * (32 * 8 + 24))])
def test_vae_estimate_by_hand(shape, expected):
    assert vae_estimate(*shape) == expected


def test_resize_estimate_by_hand():
    assert resize_estimate(1, 3, (10, 10), (20, 20)) == 3 * 4 * (100 + 800)
