"""LoadLatent records IS_CHANGED in the prompt it runs, as ComfyUI does (issue 14): the SHA-256 hex of the file,
so a prompt embedded by a later SaveLatent/SaveImage equals ComfyUI's."""

from __future__ import annotations

import hashlib
import json

from safetensors import safe_open

from graphrun.runtime.run import run_workflow
from graphrun.settings import Settings


def test_load_latent_records_file_sha256(tmp_path):
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    first = {"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
             "2": {"class_type": "SaveLatent", "inputs": {"samples": ["1", 0], "filename_prefix": "a"}}}
    settings = Settings(input_dir=inp, output_dir=out, models_dir=tmp_path / "m")
    run_workflow(json.dumps(first).encode(), settings, log=lambda m: None)
    src = next(out.glob("a_*.latent"))
    (inp / "in.latent").write_bytes(src.read_bytes())
    second = {"1": {"class_type": "LoadLatent", "inputs": {"latent": "in.latent"}},
              "2": {"class_type": "SaveLatent", "inputs": {"samples": ["1", 0], "filename_prefix": "b"}}}
    run_workflow(json.dumps(second).encode(), settings, log=lambda m: None)
    saved = next(out.glob("b_*.latent"))
    with safe_open(str(saved), "pt") as f:
        prompt = json.loads(f.metadata()["prompt"])
    assert prompt["1"]["is_changed"] == [hashlib.sha256((inp / "in.latent").read_bytes()).hexdigest()]
    assert "is_changed" not in prompt["2"]
