"""`graphrun validate` / `graphrun compile`: exit codes, human and --json output, --out-dir naming, isolation."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from graphrun.cli.main import main


def api_prompt(**ksampler) -> dict:
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["1", 1]}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "5": {"class_type": "KSampler", "_meta": {"title": "Sampler"},
              "inputs": {"model": ["1", 0], "seed": 1, "steps": 4, "cfg": 8.0, "sampler_name": "euler",
                         "scheduler": "normal", "positive": ["2", 0], "negative": ["2", 0],
                         "latent_image": ["4", 0], "denoise": 1.0, **ksampler}},
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "out"}},
    }


@pytest.fixture()
def files(tmp_path: Path, shared_dir: Path) -> dict[str, Path]:
    good = tmp_path / "good.api.json"
    good.write_text(json.dumps(api_prompt()))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(api_prompt(steps=0, sampler_name="eulr")))
    broken = tmp_path / "broken.json"
    broken.write_text('{"1": {"class_type": ')
    ui = tmp_path / "wf.ui.json"
    shutil.copy(shared_dir / "cases" / "02_primitives_controls.ui.json", ui)
    return {"good": good, "bad": bad, "broken": broken, "ui": ui, "missing": tmp_path / "missing.json"}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_validate_ok(capsys, files):
    code, out, _ = run(capsys, "validate", "--no-file-checks", files["good"], files["ui"])
    assert code == 0
    assert f"{files['good']}: ok (1 output(s): 7)" in out
    assert f"{files['ui']}: ok" in out


def test_validate_invalid_reports_every_issue(capsys, files):
    code, out, _ = run(capsys, "validate", "--no-file-checks", files["bad"])
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{files['bad']}: invalid: Prompt outputs failed validation"
    assert lines[1].startswith("  [value_smaller_than_min] node 5 (KSampler 'Sampler'), input 'steps'")
    assert lines[2].startswith("  [value_not_in_list] node 5 (KSampler 'Sampler'), input 'sampler_name'")
    assert "did you mean 'euler'?" in lines[2]


def test_validate_exit_codes_and_one_bad_file_does_not_stop_others(capsys, files):
    code, out, err = run(capsys, "validate", "--no-file-checks", files["missing"], files["broken"], files["bad"],
                         files["good"])
    assert code == 2  # the worst: an unreadable file
    assert f"{files['missing']}: error:" in out
    assert f"{files['broken']}: invalid:" in out
    assert f"{files['good']}: ok" in out
    assert run(capsys, "validate", "--no-file-checks", files["broken"], files["good"])[0] == 1


def test_validate_json_shape(capsys, files):
    code, out, _ = run(capsys, "validate", "--json", "--no-file-checks", files["bad"], files["good"], files["missing"])
    assert code == 2
    doc = json.loads(out)
    assert doc["ok"] is False and [f["file"] for f in doc["files"]] == [str(files[k]) for k in
                                                                        ("bad", "good", "missing")]
    bad, good, missing = doc["files"]
    assert bad["error"]["type"] == "prompt_outputs_failed_validation"
    assert [e["type"] for e in bad["node_errors"]["5"]["errors"]] == ["value_smaller_than_min", "value_not_in_list"]
    assert bad["node_errors"]["5"]["dependent_outputs"] == ["7"] and bad["node_errors"]["5"]["class_type"] == "KSampler"
    assert bad["issues"][1]["suggestion"] == "euler" and bad["issues"][1]["node_id"] == "5"
    assert bad["exit_code"] == 1 and bad["ok"] is False
    assert good["ok"] is True and good["error"] is None and good["node_errors"] == {} and good["outputs"] == ["7"]
    assert missing["exit_code"] == 2 and missing["issues"]


def test_validate_models_dir_and_object_info(capsys, files, parity_dir, object_info_path):
    args = ["validate", "--object-info", object_info_path, "--models-dir", parity_dir / "models"]
    assert run(capsys, *args, files["good"])[0] == 0
    code, out, _ = run(capsys, *args, files["ui"])  # dreamshaper_8 is not in the parity models folder
    assert code == 1 and "ckpt_name" in out


def test_validate_input_dir_checks_load_image(capsys, tmp_path, parity_dir):
    case = parity_dir / "cases" / "a_img2img_euler_normal_s20_d0.50.api.json"
    dirs = ("--input-dir", parity_dir / "input", "--models-dir", parity_dir / "models")
    assert run(capsys, "validate", *dirs, case)[0] == 0
    prompt = json.loads(case.read_text())
    prompt["4"]["inputs"]["image"] = "inptu.png"
    bad = tmp_path / "img2img.json"
    bad.write_text(json.dumps(prompt))
    code, out, _ = run(capsys, "validate", *dirs, bad)
    assert code == 1 and "[custom_validation_failed] node 4 (LoadImage)" in out and "'input.png'" in out


def test_validate_bad_object_info_is_a_usage_error(capsys, files, tmp_path):
    code, _, err = run(capsys, "validate", "--object-info", tmp_path / "nope.json", files["good"])
    assert code == 2 and "object_info" in err


def test_compile_single_file_to_stdout(capsys, files):
    code, out, _ = run(capsys, "compile", files["ui"])
    assert code == 0
    prompt = json.loads(out)
    assert prompt["5"]["class_type"] == "KSamplerAdvanced"
    code, out2, _ = run(capsys, "compile", files["ui"], "-o", "-")
    assert code == 0 and json.loads(out2) == prompt


def test_compile_out_dir_naming_and_isolation(capsys, files, tmp_path):
    out_dir = tmp_path / "out" / "nested"
    code, out, err = run(capsys, "compile", files["ui"], files["broken"], files["good"], files["missing"],
                         "--out-dir", out_dir)
    assert code == 2
    assert sorted(os.listdir(out_dir)) == ["good.api.json", "wf.api.json"]  # no temp files left behind
    assert json.loads((out_dir / "good.api.json").read_text()) == api_prompt()
    assert f"{files['broken']}: invalid" in err and f"{files['missing']}: error" in err
    assert out == ""


def test_compile_output_file_and_json(capsys, files, tmp_path):
    target = tmp_path / "x.json"
    assert run(capsys, "compile", files["ui"], "-o", target)[0] == 0
    assert json.loads(target.read_text())["6"]["class_type"] == "SaveImage"
    code, out, _ = run(capsys, "compile", "--json", files["ui"], files["good"], "--out-dir", tmp_path / "o")
    doc = json.loads(out)
    assert code == 0 and doc["ok"] and [f["written"] for f in doc["files"]] == [
        str(tmp_path / "o" / "wf.api.json"), str(tmp_path / "o" / "good.api.json")]
    code, out, _ = run(capsys, "compile", "--json", files["ui"])
    assert json.loads(out)["files"][0]["prompt"]["5"]["class_type"] == "KSamplerAdvanced"


def test_compile_usage_errors(capsys, files, tmp_path):
    code, _, err = run(capsys, "compile", files["ui"], files["good"])
    assert code == 2 and "--out-dir" in err
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, "compile", files["ui"], "--out-dir", blocker / "sub")
    assert code == 2 and "cannot create" in err
    code, _, err = run(capsys, "compile", files["ui"], "-o", tmp_path / "nodir" / "x.json")
    assert code == 2 and "cannot write" in err


def test_compile_name_collision_is_reported(capsys, files, tmp_path):
    other = tmp_path / "sub"
    other.mkdir()
    shutil.copy(files["good"], other / "good.json")
    code, _, err = run(capsys, "compile", files["good"], other / "good.json", "--out-dir", tmp_path / "o")
    assert code == 2 and "would overwrite" in err
