"""The classic ComfyUI templates flux_dev_example and flux_schnell (comfyui-workflow-templates 0.1.3) run with
--stub-models: the stand-ins are Flux (named so in the log and the PNG metadata), small sizes via --set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from graphrun.cli.main import main
from graphrun.nodes.base import default_registry

templates = pytest.importorskip("comfyui_workflow_templates")
TEMPLATES = Path(templates.__file__).parent / "templates"

CASES = {
    # flux1-schnell-fp8.safetensors through CheckpointLoaderSimple, KSampler 4 steps
    "flux_schnell": (["27.width=64", "27.height=64"], "Flux.1 schnell"),
    # UNETLoader + DualCLIPLoader(flux) + VAELoader, ModelSamplingFlux, SamplerCustomAdvanced chain
    "flux_dev_example": (["27.width=64", "27.height=64", "30.width=64", "30.height=64", "17.steps=3"], "Flux.1 dev"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_template_runs_with_flux_stand_ins(name, tmp_path, capsys):
    doc = json.loads((TEMPLATES / f"{name}.json").read_text(encoding="utf-8"))
    missing = sorted({n["type"] for n in doc["nodes"]} - set(default_registry().names()) - {"Note", "MarkdownNote",
                                                                                            "PrimitiveNode"})
    assert not missing, f"node types {missing} are not registered"
    sets, label = CASES[name]
    args = ["run", str(TEMPLATES / f"{name}.json"), "--stub-models", "--models-dir", str(tmp_path / "none"),
            "--output-dir", str(tmp_path / "out"), "--device", "cpu"]
    for s in sets:
        args += ["--set", s]
    assert main(args) == 0
    out = capsys.readouterr()
    assert f"random-weight {label} stand-in" in out.out + out.err
    (png,) = (tmp_path / "out").rglob("*.png")
    notes = json.loads(Image.open(png).text["graphrun_stub_models"])
    assert any(label in n for n in notes)
