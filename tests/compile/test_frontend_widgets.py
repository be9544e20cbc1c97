"""Widgets the frontend's extensions add to core nodes reach the compiled prompt as in frontend 1.27.10
(graphrun.compile.widgets.FRONTEND_ONLY_WIDGETS): audioUI "" on the audio nodes, preview "" on PreviewAny,
image (saved in widgets_values) on SaveGLB. Checked over the pinned template packages."""

from __future__ import annotations

import json

from graphrun.compile.ui_to_api import compile_ui
from graphrun.errors import WorkflowError
from graphrun.nodedefs import load_object_info
from tests.compile.test_templates import _template_files

EXPECTED = {"LoadAudio": {"audioUI": ""}, "SaveAudio": {"audioUI": ""}, "PreviewAudio": {"audioUI": ""},
            "SaveAudioMP3": {"audioUI": ""}, "SaveAudioOpus": {"audioUI": ""}, "RecordAudio": {"audioUI": ""},
            "PreviewAny": {"preview": ""}}


def test_templates_get_the_frontend_only_widgets(object_info_path):
    defs = load_object_info(object_info_path)
    seen: dict[str, int] = {}
    for path in _template_files():
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "nodes" not in doc:
            continue
        try:
            prompt = compile_ui(doc, defs, rng_seed=0).prompt
        except WorkflowError:
            continue  # templates with non-core nodes
        for node_id, node in prompt.items():
            ct = node["class_type"]
            declared = {n for g in ("required", "optional") for n in (defs[ct].input.get(g) or {})}
            extra = {k: v for k, v in node["inputs"].items() if k not in declared}
            if ct in EXPECTED:
                assert extra == EXPECTED[ct], (path.name, node_id, extra)
            elif ct == "SaveGLB":
                assert set(extra) == {"image"} and isinstance(extra["image"], str), (path.name, node_id, extra)
            else:
                assert not extra, (path.name, node_id, ct, extra)  # no other node gains inputs
            seen[ct] = seen.get(ct, 0) + 1
    assert {"LoadAudio", "PreviewAny", "SaveGLB", "SaveAudio"} <= set(seen), seen


def test_saved_frontend_widget_takes_its_widgets_value_and_unsaved_ones_stay_empty(object_info_path):
    from graphrun.compile.widgets import apply_widget_values, build_layout

    defs = load_object_info(object_info_path)
    glb = build_layout(defs["SaveGLB"])
    assert [w.name for w in glb.widgets] == ["filename_prefix", "image"]
    assert apply_widget_values(glb, ["mesh/x", "3d/out.glb"]) == ["mesh/x", "3d/out.glb"]
    audio = build_layout(defs["PreviewAudio"])
    assert apply_widget_values(audio, ["stale"])[-1] == ""
