"""The Flux nodes declare their inputs, outputs and categories exactly as ComfyUI v0.3.64's /object_info does."""

from __future__ import annotations

import json

import pytest

from graphrun.nodes.base import default_registry

FLUX_NODES = ["UNETLoader", "DualCLIPLoader", "VAELoader", "CLIPTextEncodeFlux", "FluxGuidance", "ModelSamplingFlux",
              "ModelSamplingSD3", "ModelSamplingAuraFlow", "EmptySD3LatentImage", "ConditioningZeroOut"]


def _norm_input(spec):
    """["CLIP", {}] and ["CLIP"] are the same declaration; file combos list whatever files exist."""
    spec = list(spec)
    if len(spec) == 2 and spec[1] == {}:
        spec = spec[:1]
    if isinstance(spec[0], list) and spec[0] in ([], ["pixel_space"]):
        spec[0] = "<files>"
    return spec


@pytest.mark.parametrize("name", FLUX_NODES)
def test_declaration_matches_object_info(name, object_info_path):
    ref = json.loads(object_info_path.read_text(encoding="utf-8"))[name]
    node = default_registry().get(name)
    assert node is not None, f"{name} is not registered"
    got = json.loads(node.definition(lambda folder: []).model_dump_json())
    for group, inputs in ref["input"].items():
        assert list(got["input"].get(group, {})) == list(inputs), (name, group)
        for key, spec in inputs.items():
            assert _norm_input(got["input"][group][key]) == _norm_input(spec), (name, key)
    assert set(got["input"]) - {"hidden"} == set(ref["input"]) - {"hidden"}
    assert got["input_order"] == ref["input_order"]
    assert got["output"] == ref["output"] and got["output_name"] == ref["output_name"]
    assert got["category"] == ref["category"]
