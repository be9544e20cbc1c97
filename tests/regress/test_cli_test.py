"""`graphrun test` through the CLI on model-free workflows (LoadImage -> ImageScale -> SaveImage): exit codes,
--json, --update, JUnit and the documented CI script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from graphrun.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def _prompt(width: int = 12) -> dict:
    return {"1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
            "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "bilinear",
                                                         "width": width, "height": 12, "crop": "disabled"}},
            "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "t"}}}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "wf"
    (d / "in").mkdir(parents=True)
    Image.open(ROOT / "input" / "example.png").convert("RGB").resize((16, 16)).save(d / "in" / "example.png")
    (d / "graphrun-test.toml").write_text('[defaults]\ninput_dir = "in"\n')
    (d / "scale.json").write_text(json.dumps(_prompt()))
    return d


def _test(capsys, *args) -> tuple[int, dict]:
    rc = main(["test", *map(str, args), "--device", "cpu", "--json"])
    return rc, json.loads(capsys.readouterr().out)


def test_exit_codes_and_json(folder: Path, tmp_path: Path, capsys):
    assert main(["test", str(tmp_path / "empty-does-not-exist")]) == 2
    (folder / "broken.json").write_text('{"1": {"class_type": "NoSuchNode", "inputs": {}}}')
    rc, out = _test(capsys, folder)
    status = {Path(w["workflow"]).name: w for w in out["workflows"]}
    assert rc == 1 and status["scale.json"]["status"] == "missing" and status["broken.json"]["status"] == "error"
    assert "NoSuchNode" in " ".join(status["broken.json"]["details"])
    (folder / "broken.json").unlink()
    assert _test(capsys, folder, "--update")[0] == 0
    rc, out = _test(capsys, folder)
    assert rc == 0 and out["summary"] == {"pass": 1} and out["workflows"][0]["tolerance"] == "exact"

    (folder / "scale.json").write_text(json.dumps(_prompt(width=10)))
    rc, out = _test(capsys, folder, "--junit", tmp_path / "j.xml", "--report", tmp_path / "rep")
    first = out["workflows"][0]["first_divergence"]
    assert rc == 1 and (first["node"], first["class_type"]) == ("2", "ImageScale")
    assert "shape" in first["description"] and "width 12 -> 10" in first["description"]
    assert 'type="regression"' in (tmp_path / "j.xml").read_text()
    assert (tmp_path / "rep" / "report.html").is_file()


def test_human_output_names_the_node(folder: Path, capsys):
    assert main(["test", str(folder), "--update", "-q"]) == 0
    (folder / "scale.json").write_text(json.dumps(_prompt(width=14)))
    assert main(["test", str(folder)]) == 1
    text = capsys.readouterr().out
    assert "FAIL" in text and "first divergence at node 2 (ImageScale" in text and "1 fail" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not found")
def test_example_ci_script(folder: Path, tmp_path: Path):
    assert main(["test", str(folder), "--update", "-q"]) == 0
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "graphrun").write_text(f"#!/bin/sh\nexec {sys.executable} -m graphrun.cli.main \"$@\"\n")
    (bindir / "graphrun").chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "REPORT_DIR": str(tmp_path / "r"),
           "JOBS": "1"}
    res = subprocess.run(["bash", str(ROOT / "examples" / "ci" / "graphrun-test.sh"), str(folder)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 workflows: 1 pass" in res.stdout
    assert (tmp_path / "r" / "junit.xml").is_file() and (tmp_path / "r" / "report.html").is_file()
