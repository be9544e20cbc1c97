"""convert takes the KSampler/KSamplerAdvanced input layouts from the node declarations (one place), so a
change to a declaration reaches convert; and those declarations match ComfyUI's /object_info."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from graphrun.nodes.ksampler import KSampler
from graphrun.nodes.ksampler_advanced import KSamplerAdvanced
from graphrun.transforms import convert_workflow
from graphrun.transforms.sampler_layout import sampler_layout

ADV_PROMPT = {"6": {"class_type": "KSamplerAdvanced", "inputs": {
    "model": ["4", 0], "add_noise": "enable", "noise_seed": 7, "steps": 20, "cfg": 8.0, "sampler_name": "euler",
    "scheduler": "normal", "positive": ["2", 0], "negative": ["3", 0], "latent_image": ["5", 0],
    "start_at_step": 4, "end_at_step": 10000, "return_with_leftover_noise": "disable"}}}


@pytest.fixture
def redeclared(monkeypatch):
    """Swap in edited declarations for one test (the layout cache is cleared before and after)."""
    def apply(node, inputs):
        sampler_layout.cache_clear()
        monkeypatch.setattr(node, "INPUTS", tuple(inputs))
    yield apply
    sampler_layout.cache_clear()


def test_api_output_follows_the_declared_input_order(redeclared):
    # KSampler with `denoise` declared first: the converted node's inputs come out in that order.
    ins = list(KSampler.INPUTS)
    redeclared(KSampler, [ins[-1], *ins[:-1]])
    out = convert_workflow(ADV_PROMPT, "ksampler").data["6"]["inputs"]
    assert list(out)[0] == "denoise"
    assert list(out)[1:] == ["model", "seed", "steps", "cfg", "sampler_name", "scheduler", "positive",
                             "negative", "latent_image"]


def test_ui_widgets_follow_the_declaration_and_its_defaults(redeclared):
    # KSamplerAdvanced declared with cfg before steps: the converted node's widgets_values follow that order.
    ins = list(KSamplerAdvanced.INPUTS)
    steps_i = next(i for i, s in enumerate(ins) if s.name == "steps")
    cfg_i = next(i for i, s in enumerate(ins) if s.name == "cfg")
    ins[steps_i], ins[cfg_i] = ins[cfg_i], ins[steps_i]  # declare cfg before steps
    redeclared(KSamplerAdvanced, ins)
    ui = {"nodes": [{"id": 6, "type": "KSampler", "inputs": [], "outputs": [],
                     "widgets_values": [7, "fixed", 20, 6.5, "euler", "normal", 1.0]}], "links": []}
    node = convert_workflow(ui, "advanced").data["nodes"][0]
    assert node["widgets_values"][:5] == ["enable", 7, "fixed", 6.5, 20]


def test_missing_own_input_takes_the_declared_default(redeclared):
    # A prompt without end_at_step means the declared default; redeclare it as 12 and the converted KSampler
    # must reflect a 12-of-20-steps schedule (not exact: leftover disable at 12 < 20 -> refused).
    ins = [dataclasses.replace(s, options={**s.options, "default": 12}) if s.name == "end_at_step" else s
           for s in KSamplerAdvanced.INPUTS]
    redeclared(KSamplerAdvanced, ins)
    prompt = json.loads(json.dumps(ADV_PROMPT))
    prompt["6"]["inputs"].pop("end_at_step")
    prompt["6"]["inputs"]["start_at_step"] = 0
    res = convert_workflow(prompt, "ksampler", approximate=True)
    assert not res.exact


@pytest.mark.parametrize("class_type", ["KSampler", "KSamplerAdvanced"])
def test_layout_matches_comfyui_object_info(object_info_path, class_type):
    info = json.loads(object_info_path.read_text())[class_type]
    order = [n for g in ("required", "optional") for n in info.get("input_order", {}).get(g, [])]
    layout = sampler_layout(class_type)
    assert list(layout.api_order) == order
    for name, default in layout.defaults.items():
        spec = info["input"]["required"][name]
        assert default == (spec[1]["default"] if len(spec) > 1 and "default" in spec[1] else spec[0][0])


def _moved_last(node, name):
    ins = list(node.INPUTS)
    i = next(k for k, s in enumerate(ins) if s.name == name)
    return [*ins[:i], *ins[i + 1:], ins[i]]


def test_custom_chain_nodes_follow_their_declarations(monkeypatch):
    # BasicScheduler declared with `scheduler` last: the API chain writes its inputs in that order, and the UI
    # chain's widgets_values follow the same order.
    from graphrun.nodes.basic_scheduler import BasicScheduler
    from graphrun.transforms.sampler_layout import node_shape

    node_shape.cache_clear()
    monkeypatch.setattr(BasicScheduler, "INPUTS", tuple(_moved_last(BasicScheduler, "scheduler")))
    try:
        ks = {"6": {"class_type": "KSampler", "inputs": {
            "model": ["4", 0], "seed": 7, "steps": 20, "cfg": 6.5, "sampler_name": "euler", "scheduler": "karras",
            "positive": ["2", 0], "negative": ["3", 0], "latent_image": ["5", 0], "denoise": 1.0}}}
        api = convert_workflow(ks, "custom").data
        sched = next(n for n in api.values() if n["class_type"] == "BasicScheduler")
        assert list(sched["inputs"]) == ["model", "steps", "denoise", "scheduler"]
        ui_path = Path(__file__).resolve().parents[2] / "workflows" / "SD1.5_image2image_KSampler.json"
        ui = convert_workflow(json.loads(ui_path.read_text()), "custom").data
        sched = next(n for n in ui["nodes"] if n["type"] == "BasicScheduler")
        assert sched["widgets_values"][-1] == api_scheduler(ui_path)
    finally:
        node_shape.cache_clear()


def api_scheduler(ui_path):
    """The scheduler the shipped KSampler workflow uses (its KSampler widget, by the KSampler declaration)."""
    node = next(n for n in json.loads(ui_path.read_text())["nodes"] if n["type"] == "KSampler")
    return node["widgets_values"][sampler_layout("KSampler").widgets.index("scheduler")]
