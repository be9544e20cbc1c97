"""`validate` and `run` find model and input files the same way (issue 14): same defaults (./models, ./input),
$GRAPHRUN_MODELS_DIR, extra_model_paths.yaml; a missing file's error names the folder searched."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from graphrun.cli.main import main


def _workflow(ckpt: str = "tiny-sd15.safetensors", image: str | None = None) -> dict:
    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "2": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "3": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0], "vae": ["1", 2]}},
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "f"}},
    }
    if image is not None:
        prompt["5"] = {"class_type": "LoadImage", "inputs": {"image": image}}
        prompt["6"] = {"class_type": "PreviewImage", "inputs": {"images": ["5", 0]}}
    return prompt


@pytest.fixture()
def place(tmp_path, monkeypatch, tiny_ckpt, parity_dir):
    """A working folder with the workflow; `models(where)` puts the tiny checkpoint in a ComfyUI layout."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRAPHRUN_MODELS_DIR", raising=False)
    (tmp_path / "wf.json").write_text(json.dumps(_workflow()))

    def models(where: Path) -> Path:
        (where / "checkpoints").mkdir(parents=True)
        os.symlink(tiny_ckpt, where / "checkpoints" / "tiny-sd15.safetensors")
        return where

    return tmp_path, models


def _both(capsys, *extra: str) -> tuple[tuple[int, str], tuple[int, str]]:
    v = main(["validate", "wf.json", *extra])
    v_out = "".join(capsys.readouterr())
    r = main(["run", "wf.json", "-q", *extra])
    r_out = "".join(capsys.readouterr())
    assert "Traceback" not in v_out + r_out
    return (v, v_out), (r, r_out)


def test_default_models_folder_is_used_by_both(place, capsys):
    root, models = place
    (v, v_out), (r, r_out) = _both(capsys)
    assert v == 1 and r == 1, (v_out, r_out)  # nothing in ./models yet: both refuse, naming the folder
    for text in (v_out, r_out):
        assert "tiny-sd15.safetensors" in text and str(Path("models") / "checkpoints") in text
    models(root / "models")
    (v, v_out), (r, r_out) = _both(capsys)
    assert v == 0 and r == 0, (v_out, r_out)


def test_models_dir_from_environment(place, capsys, monkeypatch):
    root, models = place
    monkeypatch.setenv("GRAPHRUN_MODELS_DIR", str(models(root / "elsewhere")))
    (v, v_out), (r, r_out) = _both(capsys)
    assert v == 0 and r == 0, (v_out, r_out)


def test_extra_model_paths_yaml(place, capsys):
    root, models = place
    models(root / "comfy" / "models")
    (root / "extra.yaml").write_text("comfy:\n  base_path: comfy/models\n  checkpoints: checkpoints\n")
    (v, v_out), (r, r_out) = _both(capsys, "--extra-model-paths", "extra.yaml")
    assert v == 0 and r == 0, (v_out, r_out)


def test_missing_models_dir_is_a_validation_problem(place, capsys):
    code = main(["validate", "--json", "--models-dir", "no-such-folder", "wf.json"])
    report = json.loads(capsys.readouterr().out)["files"][0]
    assert code == 1 and report["exit_code"] == 1  # not 2: the workflow cannot be checked against it
    assert report["issues"][0]["code"] == "folder_not_found" and "no-such-folder" in report["issues"][0]["message"]


def test_missing_input_image_names_the_folder_searched(place, capsys):
    root, models = place
    models(root / "models")
    (root / "pics").mkdir()
    (root / "wf.json").write_text(json.dumps(_workflow(image="cat.png")))
    (v, v_out), (r, r_out) = _both(capsys, "--input-dir", "pics")
    assert v == 1 and r == 1
    for text in (v_out, r_out):
        assert "node 5 (LoadImage), input 'image'" in text and "'pics'" in text and "cat.png" in text, text
