"""`--set` is the truth everywhere: the UI `workflow` chunk gets the value where the frontend reads it from (the
node's widget, the PrimitiveNode feeding it, a subgraph instance's promoted widget), and explain / compile /
validate / convert accept --set. Expectations are hand-derived from the UI documents built here."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from graphrun.cli.main import main
from graphrun.compile.ui_to_api import compile_workflow
from graphrun.errors import UsageError
from graphrun.runtime.overrides import Override
from graphrun.runtime.overrides_ui import write_overrides
from tests.compile.test_ui_to_api import BASE_LINKS, DEFS, _nested_doc, base_nodes, inp, node, ui

ROOT = Path(__file__).resolve().parents[2]
ADV = ROOT / "workflows" / "SD1.5_image2image_KSampler_(Advanced).json"


def _set(doc, *pairs):
    prompt = compile_workflow(doc, DEFS, rng_seed=0)
    return write_overrides(doc, prompt, [Override.parse(p) for p in pairs], DEFS)


def test_own_widget_is_written_and_nothing_else_changes():
    doc = ui(base_nodes(), BASE_LINKS)
    new = _set(doc, "KSampler.steps=7")
    sampler = next(n for n in new["nodes"] if n["type"] == "KSampler")
    old = next(n for n in doc["nodes"] if n["type"] == "KSampler")
    changed = [i for i, (a, b) in enumerate(zip(old["widgets_values"], sampler["widgets_values"])) if a != b]
    assert len(changed) == 1 and sampler["widgets_values"][changed[0]] == 7
    assert compile_workflow(new, DEFS, rng_seed=0)["3"]["inputs"]["steps"] == 7
    assert doc == ui(base_nodes(), BASE_LINKS)  # the input document is not modified


def test_primitive_that_feeds_the_input_gets_the_value():
    nodes = base_nodes()
    nodes[-1]["inputs"].append(inp("seed", 30, "INT", widget=True))
    nodes.append(node(30, "PrimitiveNode", outputs=[{"name": "INT", "type": "INT", "links": [30]}],
                      widgets=[42, "fixed"]))
    doc = ui(nodes, BASE_LINKS + [[30, 30, 0, 3, 4, "INT"]])
    new = _set(doc, "3.seed=5")
    prim = next(n for n in new["nodes"] if n["id"] == 30)
    assert prim["widgets_values"] == [5, "fixed"]
    assert compile_workflow(new, DEFS, rng_seed=0)["3"]["inputs"]["seed"] == 5


def test_primitive_shared_by_two_inputs_is_refused_unless_both_are_set():
    nodes = base_nodes()
    nodes[3]["inputs"] = [inp("width", 31, "INT", widget=True), inp("height", 32, "INT", widget=True)]
    nodes.append(node(31, "PrimitiveNode", outputs=[{"name": "INT", "type": "INT", "links": [31, 32]}],
                      widgets=[256, "fixed"]))
    doc = ui(nodes, BASE_LINKS + [[31, 31, 0, 5, 0, "INT"], [32, 31, 0, 5, 1, "INT"]])
    with pytest.raises(UsageError, match=r"also feeds 5\.height"):
        _set(doc, "5.width=128")
    new = _set(doc, "5.width=128", "5.height=128")
    assert compile_workflow(new, DEFS, rng_seed=0)["5"]["inputs"] == {"width": 128, "height": 128}
    with pytest.raises(UsageError, match="two different values"):
        _set(doc, "5.width=128", "5.height=64")


def test_promoted_subgraph_widget_goes_to_the_instance_and_interior_fallback_to_the_definition():
    new = _set(_nested_doc([320, "a fox"]), "5:3:1.width=96")
    assert new["nodes"][1]["widgets_values"] == [96, "a fox"]
    assert compile_workflow(new, DEFS, rng_seed=0)["5:3:1"]["inputs"]["width"] == 96
    # no promoted value on the instance: the interior widget inside the definition holds it
    new = _set(_nested_doc([]), "5:3:1.width=40")
    inner = new["definitions"]["subgraphs"][1]["nodes"][0]
    assert inner["widgets_values"] == [40, 64]
    assert compile_workflow(new, DEFS, rng_seed=0)["5:3:1"]["inputs"]["width"] == 40


def test_definition_shared_by_two_instances_is_refused():
    doc = _nested_doc([])
    twin = copy.deepcopy(doc["nodes"][1])
    twin["id"], twin["inputs"][0]["link"], twin["outputs"][0]["links"] = 7, None, []
    doc["nodes"].append(twin)
    with pytest.raises(UsageError, match="also feeds 7:3:1.width"):
        _set(doc, "5:3:1.width=40")


def test_run_prepares_a_workflow_chunk_that_compiles_to_the_prompt_chunk(tmp_path):
    """What `run --set` embeds: the workflow chunk, compiled as ComfyUI's frontend would, gives the prompt run."""
    from graphrun.nodes.base import default_registry
    from graphrun.runtime.context import RunContext
    from graphrun.runtime.run import prepare
    from graphrun.settings import Settings

    ctx = RunContext(settings=Settings(input_dir=ROOT / "input", output_dir=tmp_path, stub_models=True))
    prepared = prepare(ADV, ctx, overrides=[Override.parse("KSamplerAdvanced.start_at_step=9"),
                                            Override.parse("6.steps=20")])
    workflow = prepared.extra_pnginfo["workflow"]
    sampler = next(n for n in workflow["nodes"] if n["id"] == 6)
    assert sampler["widgets_values"][3] == 20 and sampler["widgets_values"][7] == 9
    again = compile_workflow(workflow, default_registry().definitions(), rng_seed=0)
    assert again["6"]["inputs"] == {k: v for k, v in prepared.prompt["6"]["inputs"].items()}


def _png_with(tmp_path: Path, prompt: dict, workflow: dict) -> Path:
    import torch

    from graphrun.backend.images import save_images

    saved = save_images(torch.zeros(1, 8, 8, 3), output_dir=tmp_path, filename_prefix="p", prompt=prompt,
                        extra_pnginfo={"workflow": workflow})
    return saved[0].path


def test_explain_of_a_png_made_with_set_describes_the_schedule_that_ran(tmp_path, capsys):
    from graphrun.nodes.base import default_registry
    from graphrun.runtime.context import RunContext
    from graphrun.runtime.run import prepare
    from graphrun.settings import Settings

    ctx = RunContext(settings=Settings(input_dir=ROOT / "input", output_dir=tmp_path, stub_models=True))
    prepared = prepare(ADV, ctx, overrides=[Override.parse("6.start_at_step=9"), Override.parse("6.steps=20")])
    png = _png_with(tmp_path, prepared.prompt, prepared.extra_pnginfo["workflow"])
    assert main(["explain", str(png), "--json"]) == 0
    from_png = json.loads(capsys.readouterr().out)
    assert main(["explain", str(ADV), "--json", "--set", "6.start_at_step=9", "--set", "6.steps=20"]) == 0
    from_set = json.loads(capsys.readouterr().out)
    assert main(["explain", str(ADV), "--json"]) == 0
    original = json.loads(capsys.readouterr().out)
    assert from_png == from_set != original
    # 20 steps from step 9: 11 model calls (start_at_step 9 of a 20-step normal schedule)
    assert from_png[0]["model_evaluations"] == 11 and original[0]["model_evaluations"] != 11
    assert default_registry() is not None


def test_compile_validate_convert_accept_set(tmp_path, capsys):
    out = tmp_path / "p.api.json"
    assert main(["compile", str(ADV), "-o", str(out), "--set", "KSamplerAdvanced.start_at_step=9"]) == 0
    assert json.loads(out.read_text())["6"]["inputs"]["start_at_step"] == 9
    capsys.readouterr()
    assert main(["validate", str(ADV), "--set", "6.cfg=1000"]) == 1
    assert "cfg" in capsys.readouterr().out
    assert main(["validate", str(ADV), "--set", "6.nope=1"]) == 2
    assert "no input 'nope'" in capsys.readouterr().out
    converted = tmp_path / "c.json"
    assert main(["convert", str(ADV), "--to", "ksampler", "--set", "6.steps=20", "--set", "6.start_at_step=10",
                 "-o", str(converted)]) == 0
    assert "KSampler(steps=10, denoise=0.5)" in capsys.readouterr().err
    ks = next(n for n in json.loads(converted.read_text())["nodes"] if n["type"] == "KSampler")
    assert 10 in ks["widgets_values"] and 0.5 in ks["widgets_values"]


def test_set_on_a_linked_input_is_a_clear_error(capsys):
    assert main(["compile", str(ADV), "--set", "6.positive=3"]) != 0
    err = capsys.readouterr().err
    assert "linked from node 2" in err and "Traceback" not in err
