"""Every node graphrun registers is declared exactly as ComfyUI v0.3.64's /object_info says, and is exercised by a
test: a ComfyUI reference case (a fixture prompt under tests/fixtures or ../shared/parity uses it) or a behaviour
test that names it. Walks the whole registry, so a new node cannot land undeclared or untested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphrun.nodes.base import default_registry

TESTS = Path(__file__).resolve().parents[1]
FIELDS = ("input_order", "output", "output_name", "output_is_list", "display_name", "category", "output_node")


def _comparable(spec: dict) -> dict:
    """The input spec without what legitimately differs: combo option lists of file inputs depend on the folders
    (ComfyUI lists what its folders hold; VAELoader adds 'pixel_space' and the TAESD names it finds), and tooltips
    are prose, which graphrun writes in its own words (ComfyUI's text is GPL)."""
    out = {}
    for group, inputs in spec.items():
        out[group] = {}
        for name, value in (inputs or {}).items():
            value = list(value)
            if value and isinstance(value[0], list) and all(
                    isinstance(v, str) and ("." in v or v == "pixel_space") for v in value[0]):
                value[0] = "<files>"
            if len(value) > 1 and isinstance(value[1], dict):
                value[1] = {k: v for k, v in value[1].items() if k != "tooltip"}
            out[group][name] = value
    return out


@pytest.fixture(scope="module")
def object_info(object_info_path):
    return json.loads(object_info_path.read_text())


@pytest.fixture(scope="module")
def used_in_tests(parity_dir) -> str:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in TESTS.rglob("*.py")]
    texts += [p.read_text(encoding="utf-8") for p in (TESTS / "fixtures").rglob("*.json")]
    texts += [p.read_text(encoding="utf-8") for p in (parity_dir / "cases").glob("*.api.json")]
    return "\n".join(texts)


@pytest.mark.parametrize("name", default_registry().names())
def test_declaration_equals_object_info(object_info, name):
    assert name in object_info, f"{name} is not a ComfyUI v0.3.64 core node"
    ours = json.loads(json.dumps(default_registry().get(name).definition().model_dump()))
    ref = object_info[name]
    for field in FIELDS:
        assert ours[field] == ref[field], f"{name}.{field}: {ours[field]!r} != {ref[field]!r}"
    assert _comparable(ours["input"]) == _comparable(ref["input"]), f"{name}.input"


@pytest.mark.parametrize("name", default_registry().names())
def test_every_node_is_exercised_by_a_test(used_in_tests, name):
    assert f'"{name}"' in used_in_tests or f"'{name}'" in used_in_tests, (
        f"no test or reference case uses {name}: add a ComfyUI case or a behaviour test")
