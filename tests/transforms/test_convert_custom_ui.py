"""`convert --to custom` on UI workflows draws the same chain as on API prompts: compiling the converted UI workflow
gives, node for node (ids aside), the API conversion of the compiled original (whose runs are proven bit-identical
in tests/runtime/test_convert_custom_runs.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from graphrun.compile.ui_to_api import compile_workflow
from graphrun.errors import WorkflowError
from graphrun.nodes.base import default_registry
from graphrun.transforms import convert_workflow

ROOT = Path(__file__).resolve().parent.parent.parent
KS = ROOT / "workflows" / "SD1.5_image2image_KSampler.json"
ADV = ROOT / "workflows" / "SD1.5_image2image_KSampler_(Advanced).json"


def compiled(ui):
    return compile_workflow(ui, default_registry().definitions(), rng_seed=0)


def canonical(prompt, node_id):
    """The node and everything upstream of it, with links replaced by the canonical form of their source."""
    node = prompt[node_id]
    inputs = {}
    for k, v in sorted(node["inputs"].items()):
        if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str):
            inputs[k] = (canonical(prompt, v[0]), v[1])
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            inputs[k] = float(v)  # the frontend writes 1.0 as 1 (JavaScript numbers)
        else:
            inputs[k] = json.dumps(v)
    return node["class_type"], tuple(inputs.items())


def sink(prompt):
    return next(k for k, n in prompt.items() if n["class_type"] == "SaveImage")


@pytest.mark.parametrize("path", [KS, ADV], ids=["ksampler", "advanced"])
def test_ui_conversion_compiles_to_the_api_conversion(path):
    ui = json.loads(path.read_text())
    via_ui = compiled(convert_workflow(ui, "custom").data)
    via_api = convert_workflow(compiled(ui), "custom").data
    assert canonical(via_ui, sink(via_ui)) == canonical(via_api, sink(via_api))
    assert sorted(n["class_type"] for n in via_ui.values()) == sorted(n["class_type"] for n in via_api.values())


def test_ui_links_and_counters_are_consistent():
    ui = json.loads(KS.read_text())
    out = convert_workflow(ui, "custom").data
    ids = {n["id"] for n in out["nodes"]}
    assert out["last_node_id"] == max(ids) and out["last_link_id"] == max(l[0] for l in out["links"])
    for link_id, src, src_slot, dst, dst_slot, _ in out["links"]:
        node = next(n for n in out["nodes"] if n["id"] == dst)
        assert node["inputs"][dst_slot]["link"] == link_id
        assert link_id in next(n for n in out["nodes"] if n["id"] == src)["outputs"][src_slot]["links"]


def test_ui_primitive_feeding_steps_is_followed():
    ui = json.loads(KS.read_text())
    ks = next(n for n in ui["nodes"] if n["type"] == "KSampler")
    ui["nodes"].append({"id": 20, "type": "PrimitiveNode", "pos": [0, 0], "size": [210, 82], "flags": {}, "order": 0,
                        "mode": 0, "outputs": [{"name": "INT", "type": "INT", "links": [30],
                                                "widget": {"name": "steps"}}],
                        "properties": {"Run widget replace on values": False}, "widgets_values": [12, "fixed"]})
    ks["inputs"].append({"name": "steps", "type": "INT", "widget": {"name": "steps"}, "link": 30})
    ks["widgets_values"][2] = 12
    ui["links"].append([30, 20, 0, ks["id"], len(ks["inputs"]) - 1, "INT"])
    ui["last_node_id"], ui["last_link_id"] = 20, 30
    out = convert_workflow(copy.deepcopy(ui), "custom")
    assert out.exact
    sched = next(n for n in out.data["nodes"] if n["type"] == "BasicScheduler")
    assert sched["widgets_values"][1] == 12
    api = compiled(out.data)
    assert next(n for n in api.values() if n["class_type"] == "BasicScheduler")["inputs"]["steps"] == 12


def test_ui_refusal_names_the_node_and_reason():
    ui = json.loads(KS.read_text())
    next(n for n in ui["nodes"] if n["type"] == "KSampler")["widgets_values"][4] = "uni_pc"
    with pytest.raises(WorkflowError) as e:
        convert_workflow(ui, "custom")
    assert e.value.issues[0].node_id == "6" and e.value.issues[0].code == "conversion_not_exact"


def test_ui_primitive_feeding_denoise_is_followed_for_advanced():
    """KSampler -> Advanced: a primitive on denoise is followed; its link goes (Advanced has no denoise), a
    primitive on steps is disconnected too because the value changes (20 -> 25)."""
    ui = json.loads(KS.read_text())
    ks = next(n for n in ui["nodes"] if n["type"] == "KSampler")
    for i, (name, typ, value) in enumerate((("denoise", "FLOAT", 0.8), ("steps", "INT", 20))):
        nid, lid = 20 + i, 30 + i
        ui["nodes"].append({"id": nid, "type": "PrimitiveNode", "pos": [0, 0], "size": [210, 82], "flags": {},
                            "order": 0, "mode": 0, "outputs": [{"name": typ, "type": typ, "links": [lid],
                                                                "widget": {"name": name}}],
                            "properties": {}, "widgets_values": [value, "fixed"]})
        ks["inputs"].append({"name": name, "type": typ, "widget": {"name": name}, "link": lid})
        ui["links"].append([lid, nid, 0, ks["id"], len(ks["inputs"]) - 1, typ])
    ui["last_node_id"], ui["last_link_id"] = 21, 31
    out = convert_workflow(ui, "advanced")
    assert out.exact
    adv = next(n for n in out.data["nodes"] if n["type"] == "KSamplerAdvanced")
    assert adv["widgets_values"][3] == 25 and adv["widgets_values"][7] == 5  # steps, start_at_step
    assert not [l for l in out.data["links"] if l[0] in (30, 31)]
    assert all(s.get("link") is None for s in adv["inputs"] if s.get("widget"))
    api = compiled(out.data)
    assert next(n for n in api.values() if n["class_type"] == "KSamplerAdvanced")["inputs"]["steps"] == 25
