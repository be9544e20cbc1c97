"""A UI node mode written as a float (4.0, 2.0) means the same as the integer: JSON has one number type and the
frontend compares with `===` on numbers (issue 14: mode 4.0 ran a bypassed node)."""

from __future__ import annotations

import json

from graphrun.compile.ui_to_api import compile_ui
from graphrun.nodedefs import load_object_info


def test_float_modes_bypass_and_mute(shared_dir, object_info_path):
    ui = json.loads((shared_dir / "cases" / "01_reroute_bypass_mute.ui.json").read_text())
    expected = json.loads((shared_dir / "cases" / "01_reroute_bypass_mute.api.json").read_text())  # frontend's
    for node in ui["nodes"]:
        node["mode"] = float(node.get("mode", 0))
    defs = load_object_info(object_info_path)
    prompt = compile_ui(ui, defs, rng_seed=0).prompt
    assert "10" not in prompt and "13" not in prompt  # LoraLoader bypassed (4.0), VAEDecode muted (2.0)
    assert prompt == expected
