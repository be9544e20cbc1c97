"""What a first real use of the CLI found (issue 14): --version, `run DIR`, closed pipes, the stand-in warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphrun.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _latent_prompt(prefix: str) -> dict:
    return {"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
            "2": {"class_type": "SaveLatent", "inputs": {"samples": ["1", 0], "filename_prefix": prefix}}}


def test_version_prints_the_package_version(capsys):
    import tomllib

    assert main(["--version"]) == 0
    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"graphrun {expected}"


def test_run_folder_runs_every_workflow_in_it(tmp_path, capsys):
    wf = tmp_path / "wfs"
    (wf / "sub").mkdir(parents=True)
    (wf / "a.json").write_text(json.dumps(_latent_prompt("a")))
    (wf / "sub" / "b.json").write_text(json.dumps(_latent_prompt("b")))
    (wf / "notes.txt").write_text("not a workflow")
    out = tmp_path / "out"
    code = main(["run", str(wf), "--output-dir", str(out), "--input-dir", str(tmp_path), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    runs = json.loads(captured.out)["runs"]
    assert [Path(r["workflow"]).name for r in runs] == ["a.json", "b.json"]
    assert sorted(p.name for p in out.glob("*.latent")) == ["a_00001_.latent", "b_00001_.latent"]


def test_run_empty_folder_is_a_usage_error(tmp_path, capsys):
    code = main(["run", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "no workflow" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["validate", "--json"], ["compile"], ["validate"]])
def test_closed_pipe_is_not_a_traceback(tmp_path, argv):
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps(_latent_prompt("x")))
    files = [str(wf)] * 400  # enough output to fill the pipe after `head` has gone
    if argv == ["compile"]:
        files = [str(wf)]
        big = {str(i): {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}}
               for i in range(3000)}
        wf.write_text(json.dumps({**big, **_latent_prompt("x")}))
    proc = subprocess.run(f"{sys.executable} -m graphrun.cli.main {' '.join(argv)} {' '.join(files)} | head -n 1",
                          shell=True, capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=120)
    assert proc.stdout.strip(), proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr


def test_stand_in_warning_printed_once_and_silenced_by_quiet(tmp_path, capsys, monkeypatch, tiny_ckpt):
    from graphrun.backend import checkpoints

    # The stand-in itself is replaced by the tiny checkpoint to keep the test fast; the warning path is real.
    monkeypatch.setattr(checkpoints, "load_stub_checkpoint",
                        lambda size="tiny", device="cpu", seed=0: checkpoints.load_checkpoint(tiny_ckpt))
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps({
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "absent.safetensors"}},
        "2": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "3": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0], "vae": ["1", 2]}},
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "s"}}}))
    common = ["run", str(wf), "--stub-models", "--models-dir", str(tmp_path / "m"), "--output-dir",
              str(tmp_path / "out"), "--input-dir", str(tmp_path)]
    assert main(common) == 0
    err = capsys.readouterr().err
    assert err.count("absent.safetensors: random-weight SD1.5 stand-in") == 1, err
    assert main([*common, "-q"]) == 0
    assert "stand-in" not in capsys.readouterr().err


def _invalid_ui(shared_dir: Path, tmp_path: Path) -> Path:
    ui = json.loads((shared_dir / "cases" / "02_primitives_controls.ui.json").read_text())
    sampler = next(n for n in ui["nodes"] if n["type"] == "KSampler")
    sampler["widgets_values"][4] = "eulr"  # not a sampler: the frontend exports it anyway
    path = tmp_path / "bad.ui.json"
    path.write_text(json.dumps(ui))
    return path


def test_compile_warns_on_an_invalid_prompt(tmp_path, capsys, shared_dir):
    out = tmp_path / "out.api.json"
    code = main(["compile", str(_invalid_ui(shared_dir, tmp_path)), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0 and out.is_file()
    assert "warning: [value_not_in_list] node 7 (KSampler), input 'sampler_name'" in err, err
    assert "did you mean 'euler'" in err


def test_compile_strict_fails_and_writes_nothing(tmp_path, capsys, shared_dir):
    out = tmp_path / "out.api.json"
    code = main(["compile", "--strict", str(_invalid_ui(shared_dir, tmp_path)), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "bad.ui.json"]
    assert "[value_not_in_list] node 7 (KSampler), input 'sampler_name'" in err and "--strict" in err
    good = tmp_path / "good.api.json"
    assert main(["compile", "--strict", str(shared_dir / "cases" / "02_primitives_controls.ui.json"),
                 "-o", str(good)]) == 0 and good.is_file()
