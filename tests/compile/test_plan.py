"""build_plan: pruned to what the outputs need, topological, deterministic (ComfyUI's ExecutionList order)."""

from __future__ import annotations

import json
import random

import networkx as nx
import pytest

from graphrun.compile.plan import Link, build_plan
from graphrun.errors import WorkflowError
from graphrun.nodedefs import NodeDefs


@pytest.fixture(scope="module")
def defs(object_info_path) -> NodeDefs:
    return NodeDefs.from_object_info(json.loads(object_info_path.read_text(encoding="utf-8")))


def txt2img() -> dict:
    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
        "3": {"class_type": "KSampler",
              "inputs": {"seed": 1, "steps": 20, "cfg": 8.0, "sampler_name": "euler", "scheduler": "normal",
                         "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
                         "latent_image": ["5", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
    }


def test_comfyui_order_for_the_default_workflow(defs):
    plan = build_plan(txt2img(), defs, ["9"])
    # ComfyUI v0.3.64 runs the default graph as: loader, empty latent, the two prompts, sampler, decode, save
    assert plan.order == ("4", "5", "7", "6", "3", "8", "9")
    assert plan.outputs == ("9",)


def test_order_is_topological_and_stable_under_key_order(defs):
    prompt = txt2img()
    plan = build_plan(prompt, defs, ["9"])
    pos = {n: i for i, n in enumerate(plan.order)}
    assert all(pos[u] < pos[v] for u, v in plan.graph.edges)
    assert nx.is_directed_acyclic_graph(plan.graph)
    for _ in range(5):  # same prompt, same order, every time
        assert build_plan(prompt, defs, ["9"]).order == plan.order
    keys = list(prompt)
    random.Random(3).shuffle(keys)
    shuffled = build_plan({k: prompt[k] for k in keys}, defs, ["9"])
    assert set(shuffled.order) == set(plan.order)  # the order may follow the file, but stays topological
    pos = {n: i for i, n in enumerate(shuffled.order)}
    assert all(pos[u] < pos[v] for u, v in shuffled.graph.edges)


def test_pruned_to_what_outputs_need(defs):
    prompt = txt2img()
    prompt["20"] = {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}}
    prompt["21"] = {"class_type": "SaveLatent", "inputs": {"samples": ["20", 0], "filename_prefix": "x"}}
    plan = build_plan(prompt, defs, ["9"])
    assert "20" not in plan.order and "21" not in plan.order
    both = build_plan(prompt, defs, ["9", "21"])
    assert set(both.order) == set(prompt)
    only21 = build_plan(prompt, defs, ["21"])
    assert only21.order == ("20", "21")


def test_resolved_inputs_and_edges(defs):
    plan = build_plan(txt2img(), defs, ["9"])
    inputs = plan.inputs_of("3")
    assert inputs["model"] == Link("4", 0) and inputs["model"] == ("4", 0)
    assert inputs["steps"] == 20 and inputs["sampler_name"] == "euler"
    assert list(inputs) == ["model", "seed", "steps", "cfg", "sampler_name", "scheduler", "positive", "negative",
                            "latent_image", "denoise"]  # declared order
    assert plan.graph["4"]["8"]["links"] == ((2, "vae", "VAE"),)
    assert plan.graph["4"]["3"]["links"] == ((0, "model", "MODEL"),)
    assert [s.node_id for s in plan] == list(plan.order)
    with pytest.raises(nx.NetworkXError):
        plan.graph.add_node("x")  # frozen


def test_undeclared_inputs_are_dropped_and_wrapped_values_unwrapped(defs):
    prompt = txt2img()
    prompt["3"]["inputs"]["extra"] = ["5", 0]
    prompt["9"]["inputs"]["filename_prefix"] = {"__value__": "x"}
    plan = build_plan(prompt, defs, ["9"])
    assert "extra" not in plan.inputs_of("3")
    assert plan.inputs_of("9")["filename_prefix"] == "x"


def test_output_nodes_run_as_soon_as_ready(defs):
    prompt = txt2img()
    prompt["10"] = {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}
    prompt["11"] = {"class_type": "LatentUpscaleBy",
                    "inputs": {"samples": ["3", 0], "upscale_method": "nearest-exact", "scale_by": 2.0}}
    prompt["12"] = {"class_type": "SaveLatent", "inputs": {"samples": ["11", 0], "filename_prefix": "l"}}
    plan = build_plan(prompt, defs, ["9", "10", "12"])
    order = plan.order
    assert order.index("9") == order.index("8") + 1 and order.index("10") == order.index("9") + 1


@pytest.mark.parametrize("mutate, code", [
    (lambda p: p["3"]["inputs"].update(model=["99", 0]), "bad_linked_input"),
    (lambda p: p["3"]["inputs"].update(model=["4", 3]), "bad_linked_input"),
    (lambda p: p["3"].update(class_type="Nope"), "missing_node_type"),
    (lambda p: p["3"]["inputs"].update(latent_image=["8", 0]), "dependency_cycle"),
])
def test_invalid_prompts_raise_workflow_error(defs, mutate, code):
    prompt = txt2img()
    if code == "dependency_cycle":
        prompt["8"] = {"class_type": "LatentUpscaleBy",
                       "inputs": {"samples": ["3", 0], "upscale_method": "nearest-exact", "scale_by": 2.0}}
        prompt["9"] = {"class_type": "SaveLatent", "inputs": {"samples": ["8", 0], "filename_prefix": "l"}}
    mutate(prompt)
    with pytest.raises(WorkflowError) as info:
        build_plan(prompt, defs, ["9"])
    assert info.value.issues[0].code == code
