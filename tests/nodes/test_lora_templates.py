"""The classic templates lora and lora_multiple (comfyui-workflow-templates 0.1.3) run with --stub-models: the
missing LoRA files become labelled stand-ins shaped for the (stand-in) SD1.5 model, and each run writes a PNG.
lora_multiple's first LoraLoader (node 10) is saved without widget values (ComfyUI's UI fills the first listed
file in, with the default strengths), so the test fills those in as the UI would, naming the file the node's
`properties.models` lists; sizes and steps are made small with --set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from graphrun.cli.main import main

templates = pytest.importorskip("comfyui_workflow_templates")
TEMPLATES = Path(templates.__file__).parent / "templates"

SMALL = ["5.width=64", "5.height=64", "3.steps=2"]
CASES = {
    "lora": SMALL,
    "lora_multiple": SMALL,
}


def _filled(name: str, tmp_path: Path) -> Path:
    doc = json.loads((TEMPLATES / f"{name}.json").read_text(encoding="utf-8"))
    for node in doc["nodes"]:
        if node["type"] == "LoraLoader" and not node.get("widgets_values"):
            node["widgets_values"] = [node["properties"]["models"][0]["name"], 1.0, 1.0]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_lora_template_runs_with_stand_ins(name, tmp_path, capsys):
    args = ["run", str(_filled(name, tmp_path)), "--stub-models", "--models-dir", str(tmp_path / "none"),
            "--output-dir", str(tmp_path / "out"), "--device", "cpu"]
    for s in CASES[name]:
        args += ["--set", s]
    assert main(args) == 0
    out = capsys.readouterr()
    log = out.out + out.err
    assert "STUB MODEL: blindbox_v1_mix.safetensors: random-weight LoRA for SD1.5 stand-in" in log
    assert "no weight of this LoRA fits" not in log and "were not loaded" not in log
    (png,) = (tmp_path / "out").rglob("*.png")
    img = Image.open(png)
    assert img.size == (64, 64)
    notes = json.loads(img.text["graphrun_stub_models"])
    assert any("blindbox_v1_mix.safetensors" in n and "LoRA" in n for n in notes)
    if name == "lora_multiple":
        assert any("MoXinV1.safetensors" in n for n in notes)
