"""Bad input through `graphrun run`: a clear message naming node, input and value, a non-zero exit code,
no traceback, and no partial output file."""

from __future__ import annotations

import json
import shutil

import pytest

from graphrun.cli.main import main

CASE = "a_img2img_euler_normal_s20_d0.80"


@pytest.fixture()
def env(parity_dir, tmp_path):
    """A private models/input copy of the parity data, and the case prompt as a dict."""
    models = tmp_path / "models" / "checkpoints"
    models.mkdir(parents=True)
    shutil.copy(parity_dir / "models" / "checkpoints" / "tiny-sd15.safetensors", models)
    shutil.copytree(parity_dir / "input", tmp_path / "input")
    prompt = json.loads((parity_dir / "cases" / f"{CASE}.api.json").read_text())
    return tmp_path, prompt


def run(tmp_path, prompt, capsys, *extra):
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps(prompt) if isinstance(prompt, dict) else prompt)
    rc = main(["run", str(wf), "--models-dir", str(tmp_path / "models"), "--input-dir", str(tmp_path / "input"),
               "--output-dir", str(tmp_path / "out"), "--device", "cpu", "-q", *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def no_outputs(tmp_path):
    out = tmp_path / "out"
    return not out.exists() or not [p for p in out.rglob("*") if p.is_file()]


def test_unknown_sampler_names_the_input_and_the_closest(env, capsys):
    tmp_path, prompt = env
    prompt["6"]["inputs"]["sampler_name"] = "eulr"
    rc, err = run(tmp_path, prompt, capsys)
    assert rc == 1 and "node 6 (KSampler)" in err and "'sampler_name'" in err and "'eulr'" in err
    assert "did you mean 'euler'" in err and "'uni_pc_bh2'" in err  # every valid name is listed
    assert no_outputs(tmp_path)


def test_out_of_range_size_is_refused_before_allocating(env, capsys):
    tmp_path, prompt = env
    prompt["4"] = {"class_type": "EmptyLatentImage", "inputs": {"width": 100000, "height": 512, "batch_size": 1}}
    prompt["6"]["inputs"]["latent_image"] = ["4", 0]
    prompt["6"]["inputs"]["denoise"] = 1.0
    rc, err = run(tmp_path, prompt, capsys)
    assert rc == 1 and "'width'" in err and "100000" in err and "16384" in err
    assert no_outputs(tmp_path)


def test_missing_checkpoint_lists_folders_and_closest_names(env, capsys):
    tmp_path, prompt = env
    prompt["1"]["inputs"]["ckpt_name"] = "tiny-sd15.safetensor"
    rc, err = run(tmp_path, prompt, capsys)
    assert rc == 1 and "'ckpt_name'" in err and str(tmp_path / "models" / "checkpoints") in err
    assert "tiny-sd15.safetensors" in err.split("closest")[-1]


def test_truncated_checkpoint_is_a_model_error(env, capsys):
    tmp_path, prompt = env
    ckpt = tmp_path / "models" / "checkpoints" / "tiny-sd15.safetensors"
    ckpt.write_bytes(ckpt.read_bytes()[:100000])
    rc, err = run(tmp_path, prompt, capsys)
    assert rc == 1 and "node 1 (CheckpointLoaderSimple)" in err and "tiny-sd15.safetensors" in err
    assert no_outputs(tmp_path)


def test_image_that_is_not_an_image(env, capsys):
    tmp_path, prompt = env
    (tmp_path / "input" / "input.png").write_text("this is not a PNG")
    rc, err = run(tmp_path, prompt, capsys)
    assert rc == 1 and "node 4 (LoadImage)" in err and "'image'" in err and "input.png" in err
    assert no_outputs(tmp_path)


def test_malformed_json_and_unknown_node_type(env, capsys):
    tmp_path, prompt = env
    rc, err = run(tmp_path, '{"1": {"class_type": ', capsys)
    assert rc == 1 and "invalid_json" in err and "line 1" in err
    prompt["6"]["class_type"] = "KSamplr"
    rc, err = run(tmp_path, prompt, capsys)
    assert rc == 1 and "missing_node_type" in err and "KSamplr" in err and "KSampler" in err


def test_unsafe_output_prefix(env, capsys):
    tmp_path, prompt = env
    prompt["8"]["inputs"]["filename_prefix"] = "../../escape"
    rc, err = run(tmp_path, prompt, capsys)
    assert rc == 1 and "node 8 (SaveImage)" in err and "filename_prefix" in err
    assert not list(tmp_path.parent.glob("escape*"))


def test_output_folder_that_is_a_file(env, capsys):
    tmp_path, prompt = env
    (tmp_path / "out").write_text("a file, not a folder")
    rc, err = run(tmp_path, prompt, capsys)
    assert rc in (1, 2) and "out" in err
