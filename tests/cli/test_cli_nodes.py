"""`graphrun nodes`, and what an unknown node type is called: a core ComfyUI node graphrun lacks, a custom node
from a (probable) pack, or unknown (issue 14)."""

from __future__ import annotations

import json

import pytest

from graphrun.cli.main import main


def test_core_nodes_table_matches_comfyui_object_info(object_info_path):
    from graphrun.compile.node_origin import _core

    info = json.loads(object_info_path.read_text())
    version, shipped = _core()
    assert version == "v0.3.64"
    assert shipped == {name: entry["python_module"] for name, entry in info.items()}


@pytest.mark.parametrize("class_type, expected", [
    ("HypernetworkLoader", "core ComfyUI node 'HypernetworkLoader' is not implemented by graphrun (v"),
    ("GrowMask", "defines it in comfy_extras.nodes_mask"),
    ("ShowText|pysssss", "probably from ComfyUI-Custom-Scripts (https://github.com/pythongosssss/"),
    ("Power Lora Loader (rgthree)", "probably from rgthree-comfy"),
    ("VHS_VideoCombine", "probably from ComfyUI-VideoHelperSuite"),
    ("ImageResize+", "probably from ComfyUI_essentials"),
    ("IPAdapterUnifiedLoader", "probably from ComfyUI_IPAdapter_plus"),
    ("TotallyMadeUp", "unknown node type 'TotallyMadeUp': not a core ComfyUI v0.3.64 node"),
])
def test_validate_says_where_a_missing_node_comes_from(tmp_path, capsys, class_type, expected):
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps({"1": {"class_type": class_type, "inputs": {}},
                              "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}}))
    code = main(["validate", "--no-file-checks", str(wf)])
    out = capsys.readouterr().out
    assert code == 1 and expected in out, out
    assert "custom node may not be installed" not in out.lower()
    if class_type == "HypernetworkLoader":
        assert "did you mean" not in out  # a real core node is not a typo of one of ours


def test_ui_workflow_with_core_node_says_core(tmp_path, capsys):
    ui = {"last_node_id": 1, "last_link_id": 0, "version": 0.4, "links": [], "groups": [], "config": {}, "extra": {},
          "nodes": [{"id": 1, "type": "GrowMask", "pos": [0, 0], "size": [100, 100], "flags": {}, "order": 0,
                     "mode": 0, "inputs": [], "outputs": [], "properties": {}, "widgets_values": [5, True]}]}
    wf = tmp_path / "ui.json"
    wf.write_text(json.dumps(ui))
    code = main(["compile", str(wf)])
    err = capsys.readouterr().err
    assert code == 1 and "core ComfyUI node 'GrowMask' is not implemented by graphrun" in err, err


def test_nodes_lists_every_node_with_inputs_and_outputs(capsys):
    from graphrun.nodes.base import default_registry

    assert main(["nodes"]) == 0
    out = capsys.readouterr().out
    heads = [line.split(" ")[0] for line in out.splitlines() if line and not line.startswith(" ")]
    assert heads == sorted(default_registry().names())
    block = out.split("\nKSampler ")[1].split("\n\n")[0]
    assert "in   seed: INT" in block and "in   sampler_name: COMBO [euler" in block and "out  LATENT: LATENT" in block


def test_nodes_json_is_object_info_shaped_and_agrees_with_comfyui(capsys, object_info_path):
    assert main(["nodes", "--json"]) == 0
    ours = json.loads(capsys.readouterr().out)
    comfy = json.loads(object_info_path.read_text())
    assert ours, "no nodes listed"
    for name, entry in ours.items():
        ref = comfy[name]
        for group in ("required", "optional"):
            assert list(entry["input"].get(group, {})) == list(ref["input"].get(group, {})), (name, group)
            for key, spec in entry["input"].get(group, {}).items():
                if isinstance(spec[0], str):  # typed inputs: same type and options (file combos list folders)
                    assert spec[0] == ref["input"][group][key][0], (name, key)
        assert entry["output"] == ref["output"] and entry["output_node"] == ref["output_node"], name
    # fed back as --object-info it describes the same nodes
    from graphrun.nodedefs import NodeDefs

    assert sorted(NodeDefs.from_object_info(ours)) == sorted(ours)


def test_nodes_unknown_name_is_a_usage_error(capsys):
    assert main(["nodes", "HypernetworkLoader"]) == 2
    assert "core ComfyUI node 'HypernetworkLoader'" in capsys.readouterr().err
