"""graphrun's compiler against the real ComfyUI frontend 1.27.10 on every core-node official template.

tests/fixtures/frontend_1_27_10/templates.json.gz holds what frontend 1.27.10 itself sent: tools/frontend/record.py
loads each template (comfyui-workflow-templates 0.1.3 / -json 0.1.123) whose node types are all in
../shared/data/object_info.json into the built frontend in headless Chromium and records `app.graphToPrompt().output`
(see tools/frontend/README.md). Every compiled prompt must equal it, as dicts and in key order at every level,
except where the frontend is wrong (FRONTEND_MISASSIGNED below).

Seeds: the recorded prompts are compared as they are, with no normalising. `control_after_generate` (default
`Comfy.WidgetControlMode` = "after") changes a seed only after the prompt is queued, and graphToPrompt does not
queue, so both sides carry the saved seed. No core template uses `{a|b}` dynamic prompts or `%date:…%`, so the
compiler's rng seed and clock do not matter here (a template that did would show up as a difference).
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import importlib.util
import json
from datetime import datetime
from pathlib import Path

import pytest

from graphrun.compile.ui_graph import FRONTEND_TITLES, VIRTUAL_TYPES
from graphrun.compile.ui_to_api import compile_workflow
from graphrun.nodedefs import load_object_info

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "frontend_1_27_10" / "templates.json.gz"
PACKAGES = ("comfyui_workflow_templates", "comfyui_workflow_templates_json")

# Templates where frontend 1.27.10 promotes the wrong inner widget of a subgraph. To find the widget behind a
# subgraph input it resolves the input's link with `inner_node.inputs[link.target_slot]`, but the saved
# `target_slot` indexes the node's *saved* input list, which the templates store compressed (only the linked
# inputs, or inputs the v0.3.64 definition lacks), while at run time the node has every socket and widget input
# of its definition. graphrun takes the inner input that holds the link (by name, as everywhere else), so the
# values are the ones the template saved for those inputs.
#   image_ovis_text_to_image, template_qwen_image_illustration_lora: the instance saves no widgets_values, so
#     promoted inputs take the inner widget's value. KSampler's saved inputs are [model, positive, negative,
#     latent_image, steps, cfg]: `steps` is saved slot 4 and `cfg` slot 5, which at run time are `seed` and
#     `steps`. The frontend sends the seed as `steps` and the step count as `cfg`. (Measured: the same Ovis file
#     with those two links' target_slot set to KSampler's run-time slots 5 and 6 makes the frontend send 20 and 5.)
#   3d_hunyuan3d_image_to_model: the inner ModelSamplingAuraFlow saves a `sampling` widget input (slot 2) that
#     v0.3.64's definition lacks; slot 2 does not exist at run time, so the frontend does not count `sampling` as
#     promoted and every later value of the instance's widgets_values lands one input early (seed = 8, the cfg;
#     sampler_name = the seed; ...). graphrun counts it (the saved input says it is a widget), which gives each
#     input the value the template names in its `widgets_values_named`.
# Value graphrun must send for each misassigned (execution id, input); every other input must equal the frontend's.
# NAMED(n, w): the value the template's node n names `w` in its `widgets_values_named` (the author's own labels).


class NAMED(tuple):
    def __new__(cls, node: str, widget: str):
        return super().__new__(cls, (node, widget))


_HUNYUAN = {("91:3", w): NAMED("91", w) for w in ("seed", "steps", "cfg", "sampler_name", "scheduler")}
_HUNYUAN.update({("91:81", "algorithm"): NAMED("91", "algorithm"), ("91:81", "threshold"): NAMED("91", "threshold"),
                 ("91:66", "resolution"): NAMED("91", "resolution"), ("91:54", "ckpt_name"): NAMED("91", "ckpt_name")})
FRONTEND_MISASSIGNED: dict[str, dict[tuple[str, str], object]] = {
    "comfyui_workflow_templates_json/templates/image_ovis_text_to_image.json": {
        ("57:44", "steps"): 20, ("57:44", "cfg"): 5},  # inner KSampler widgets_values [seed, "randomize", 20, 5, ...]
    "comfyui_workflow_templates_json/templates/template_qwen_image_illustration_lora.json": {
        ("76:3", "steps"): 45, ("76:3", "cfg"): 3.5},  # inner KSampler widgets_values [seed, "randomize", 45, 3.5, ...]
    "comfyui_workflow_templates_json/templates/3d_hunyuan3d_image_to_model.json": _HUNYUAN,
}
# Issue 14 expected two (Ovis, Qwen LoRA). 3d_hunyuan3d_image_to_model used to agree only because graphrun then
# skipped promoted inputs the definition lacks, as the frontend does there; that rule was wrong for
# 3d_hunyuan3d-v2.1, where the frontend's slot index happens to land on a widget (`shift`), so it counts
# `sampling` and gets every value right. Counting saved widget inputs matches the frontend on v2.1 and the
# template's own names on both.


def _core_templates(node_types: set[str]) -> dict[str, Path]:
    """'package/relative/path.json' -> file for every template whose node types are all core (or frontend-only)."""
    out: dict[str, Path] = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            pytest.skip(f"MISSING REFERENCE DATA: package {name} is not installed")
        for root in spec.submodule_search_locations:
            for path in sorted(Path(root).rglob("*.json")):
                doc = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(doc, dict) or "nodes" not in doc:
                    continue
                types, ids, stack = set(), set(), [doc]
                while stack:
                    c = stack.pop()
                    types.update(str(n.get("type")) for n in c.get("nodes") or [] if isinstance(n, dict))
                    for sub in (c.get("definitions") or {}).get("subgraphs") or []:
                        ids.add(str(sub.get("id")))
                        stack.append(sub)
                if all(t in node_types or t in ids or t in VIRTUAL_TYPES for t in types):
                    out[f"{name}/{path.relative_to(root).as_posix()}"] = path
    return out


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(gzip.decompress(FIXTURE.read_bytes()))


def _differences(frontend: dict, ours: dict) -> dict[tuple[str, str], tuple[object, object]]:
    """(execution id, input or field) -> (frontend value, graphrun value) for every place the prompts differ."""
    out = {}
    for nid in dict.fromkeys([*frontend, *ours]):
        a, b = frontend.get(nid), ours.get(nid)
        if a is None or b is None:
            out[(nid, "<node>")] = (a, b)
            continue
        for field in ("class_type", "_meta"):
            if a.get(field) != b.get(field):
                out[(nid, field)] = (a.get(field), b.get(field))
        for name in dict.fromkeys([*a["inputs"], *b["inputs"]]):
            if a["inputs"].get(name, "<absent>") != b["inputs"].get(name, "<absent>"):
                out[(nid, name)] = (a["inputs"].get(name, "<absent>"), b["inputs"].get(name, "<absent>"))
    return out


def _expected_fixes(key: str, path: Path) -> dict[tuple[str, str], object]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    named = {str(n["id"]): n.get("widgets_values_named") or {} for n in doc["nodes"]}
    return {where: named[v[0]][v[1]] if isinstance(v, NAMED) else v for where, v in FRONTEND_MISASSIGNED[key].items()}

def test_compile_equals_frontend_1_27_10_on_every_core_template(object_info_path: Path, recorded: dict) -> None:
    assert recorded["frontend_version"] == "1.27.10"
    assert recorded["object_info_sha256"] == hashlib.sha256(object_info_path.read_bytes()).hexdigest(), \
        "object_info.json changed since the recording: rerun tools/frontend/record.py"
    defs = load_object_info(object_info_path)
    templates = _core_templates(set(defs))
    assert set(templates) == set(recorded["prompts"]), "template set changed: rerun tools/frontend/record.py"
    assert len(templates) >= 170
    now = datetime(2026, 1, 2, 3, 4, 5)
    mismatches: list[str] = []
    for key, path in templates.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded["template_sha256"][key], key
        entry = recorded["prompts"][key]
        assert "output" in entry, f"{key}: the frontend failed: {entry.get('error')}"
        frontend = entry["output"]
        ours = compile_workflow(json.loads(path.read_text(encoding="utf-8")), defs, rng_seed=0, now=now)
        if key in FRONTEND_MISASSIGNED:  # the frontend's prompt with its misassigned values corrected
            frontend = copy.deepcopy(frontend)
            for (eid, name), value in _expected_fixes(key, path).items():
                assert frontend[eid]["inputs"][name] != value, f"{key}: frontend no longer wrong at {eid}.{name}"
                frontend[eid]["inputs"][name] = value
        diff = _differences(frontend, ours)
        if diff:
            mismatches.append(f"{key}: {dict(list(diff.items())[:6])}")
        elif json.dumps(ours) != json.dumps(frontend):  # equal dicts, different key order somewhere
            mismatches.append(f"{key}: key order {list(ours)[:12]} vs {list(frontend)[:12]}")
    assert not mismatches, f"{len(mismatches)} templates differ from frontend 1.27.10:\n" + "\n".join(mismatches[:20])


def test_untitled_nodes_get_the_frontends_title(object_info_path: Path, recorded: dict) -> None:
    """The recorded frontend titles that are not /object_info's display_name are exactly graphrun's table."""
    assert FRONTEND_TITLES == recorded["node_titles"]
    defs = load_object_info(object_info_path)
    ui = {"version": 0.4, "links": [], "nodes": [{"id": 1, "type": "ImageBlur", "mode": 0, "widgets_values": [1, 1.0]},
                                                   {"id": 2, "type": "ImageBlur", "title": "mine", "mode": 0}]}
    prompt = compile_workflow(ui, defs)
    assert [prompt["1"]["_meta"]["title"], prompt["2"]["_meta"]["title"]] == ["Image Blur", "mine"]
