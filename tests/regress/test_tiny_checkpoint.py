"""`graphrun test` on the shipped workflows with the tiny real-layout SD1.5 checkpoint: an unchanged folder
passes, a cfg edit fails that workflow at the KSampler, a prompt edit at the CLIPTextEncode, a missing golden
and a broken workflow are reported distinctly, and --update heals."""

from __future__ import annotations

import json
from html import unescape
import shutil
from pathlib import Path

import pytest

from graphrun.regress.suite import run_suite
from graphrun.runtime.context import ModelStore
from graphrun.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
[defaults]
set = ["1.ckpt_name=tiny-sd15.safetensors", "6.steps=1"]
input_dir = "in"

[workflow."t2i.json"]
set = ["5.width=64", "5.height=64"]
"""


@pytest.fixture(scope="module")
def store() -> ModelStore:
    return ModelStore()  # the checkpoint loads once for the whole module


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    from PIL import Image

    d = tmp_path / "wf"
    (d / "in").mkdir(parents=True)
    Image.open(ROOT / "input" / "example.png").convert("RGB").resize((64, 64)).save(d / "in" / "example.png")
    shutil.copy(ROOT / "workflows" / "SD1.5_image2image_KSampler.json", d / "img2img.json")
    shutil.copy(ROOT / "workflows" / "SD1.5_text2image.json", d / "t2i.json")
    (d / "graphrun-test.toml").write_text(CONFIG)
    return d


def _widget(path: Path, node_id: int, index: int, value) -> None:
    data = json.loads(path.read_text())
    node = next(n for n in data["nodes"] if n["id"] == node_id)
    node["widgets_values"][index] = value
    path.write_text(json.dumps(data))


def test_regression_cycle(folder: Path, tmp_path: Path, tiny_ckpt: Path, store: ModelStore):
    settings = Settings(models_dir=tiny_ckpt.parent.parent, input_dir=tmp_path, output_dir=tmp_path / "o",
                        device="cpu", progress=False)

    def run(update=False, **kw):
        return {o.path.name: o for o in run_suite([folder], settings, update=update, store=store, **kw)}

    assert {o.status for o in run(update=True).values()} == {"recorded"}

    _widget(folder / "img2img.json", 6, 3, 7.0)  # KSampler cfg 8 -> 7
    outs = run()
    assert outs["t2i.json"].status == "pass", outs["t2i.json"].message
    fail = outs["img2img.json"]
    assert fail.status == "fail"
    assert (fail.comparison.first.node_id, fail.comparison.first.class_type) == ("6", "KSampler")
    assert fail.comparison.first.changed_inputs == (("cfg", 8, 7.0),)
    assert [d.status for d in fail.comparison.nodes if d.class_type == "CLIPTextEncode"] == ["same", "same"]

    _widget(folder / "img2img.json", 6, 3, 8)
    _widget(folder / "t2i.json", 2, 0, "a watercolor painting of a windmill")
    (folder / "broken.json").write_text('{"nodes": 3}')
    shutil.copy(folder / "t2i.json", folder / "new.json")
    outs = run(report_dir=tmp_path / "report", junit=tmp_path / "junit.xml")
    assert outs["img2img.json"].status == "pass"
    first = outs["t2i.json"].comparison.first
    assert (first.node_id, first.class_type) == ("2", "CLIPTextEncode")
    assert outs["broken.json"].status == "error" and outs["new.json"].status == "missing"
    html = unescape((tmp_path / "report" / "report.html").read_text())
    assert "First divergent node:</b> node 2 (CLIPTextEncode 'Positive prompt')" in html
    assert 'failure type="missing-golden"' in (tmp_path / "junit.xml").read_text()

    (folder / "broken.json").unlink()
    assert {o.status for o in run(update=True).values()} == {"pass", "updated", "recorded"}
    assert {o.status for o in run().values()} == {"pass"}  # the unchanged folder passes
