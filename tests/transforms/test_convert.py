"""Rewriting KSampler <-> KSamplerAdvanced nodes in API and UI workflows."""

from __future__ import annotations

import copy
import json

import pytest

from graphrun.errors import WorkflowError
from graphrun.transforms import convert_workflow, schedule
from graphrun.transforms.convert import read_settings


def load(parity_dir, name):
    return json.loads((parity_dir / "cases" / f"{name}.api.json").read_text())


def without_prefix(prompt):
    out = copy.deepcopy(prompt)
    for node in out.values():
        node["inputs"].pop("filename_prefix", None)
    return out


@pytest.mark.parametrize("a, b", [
    ("a_img2img_euler_normal_s20_d0.80", "b_adv_euler_normal_s25_start05"),
    ("a_img2img_euler_normal_s20_d1.00", "b_adv_euler_normal_s20_start00"),
    ("a_img2img_euler_normal_s20_d0.00", "b_adv_euler_normal_s20_start20"),
])
def test_shipped_pairs_convert_into_each_other(parity_dir, a, b):
    ks, adv = load(parity_dir, a), load(parity_dir, b)
    to_adv = convert_workflow(ks, "advanced")
    assert to_adv.exact and without_prefix(to_adv.data) == without_prefix(adv)
    assert json.dumps(to_adv.data["6"]["inputs"]) == json.dumps(adv["6"]["inputs"])  # same key order
    to_ks = convert_workflow(adv, "ksampler")
    assert to_ks.exact and to_ks.data["6"]["class_type"] == "KSampler"
    assert schedule(read_settings("KSampler", to_ks.data["6"]["inputs"], "6")).same_run(
        schedule(read_settings("KSampler", ks["6"]["inputs"], "6")))
    if a.endswith("0.80"):
        assert without_prefix(to_ks.data) == without_prefix(ks)  # denoise 0.8 comes back as 0.8


@pytest.mark.parametrize("name", ["a_img2img_euler_normal_s20_d0.50", "a_img2img_euler_normal_s20_d0.87"])
def test_round_trip_is_equivalent(parity_dir, name):
    ks = load(parity_dir, name)
    there = convert_workflow(ks, "advanced")
    back = convert_workflow(there.data, "ksampler")
    assert there.exact and back.exact
    s0 = schedule(read_settings("KSampler", ks["6"]["inputs"], "6"))
    s2 = schedule(read_settings("KSampler", back.data["6"]["inputs"], "6"))
    assert s0.same_run(s2)
    for key in ("1", "2", "3", "4", "5", "7", "8", "9"):
        assert back.data[key] == ks[key]


@pytest.mark.parametrize("name, word", [
    ("b_adv_euler_normal_s20_start04_addnoise_disable", "add_noise"),
    ("b_adv_euler_normal_s20_start00_end12_leftover_enable", "leftover"),
    ("b_adv_euler_normal_s20_start00_end12_leftover_disable", "end_at_step 12"),
])
def test_inexact_is_refused_unless_approximate(parity_dir, name, word):
    adv = load(parity_dir, name)
    before = copy.deepcopy(adv)
    with pytest.raises(WorkflowError) as err:
        convert_workflow(adv, "ksampler")
    assert err.value.issues[0].code == "conversion_not_exact" and word in err.value.render()
    assert adv == before  # pure: input untouched
    res = convert_workflow(adv, "ksampler", approximate=True)
    assert not res.exact and res.data["6"]["class_type"] == "KSampler"
    assert res.nodes[0].conversion.reasons


def test_linked_deciding_input_refused():
    prompt = {"1": {"class_type": "KSampler", "inputs": {"seed": ["9", 0], "steps": ["8", 0], "cfg": 8,
                                                           "sampler_name": "euler", "scheduler": "normal",
                                                           "denoise": 0.5}}}
    with pytest.raises(WorkflowError) as err:
        convert_workflow(prompt, "advanced")
    assert err.value.issues[0].code == "linked_input" and err.value.issues[0].input_name == "steps"
    prompt["1"]["inputs"]["steps"] = 10
    out = convert_workflow(prompt, "advanced").data["1"]["inputs"]
    assert out["noise_seed"] == ["9", 0] and out["steps"] == 20 and out["start_at_step"] == 10


def test_node_selection(parity_dir):
    ks = load(parity_dir, "a_img2img_euler_normal_s20_d0.80")
    ks["10"] = copy.deepcopy(ks["6"])
    res = convert_workflow(ks, "advanced", nodes=["10"])
    assert res.data["6"] == ks["6"] and res.data["10"]["class_type"] == "KSamplerAdvanced"
    with pytest.raises(WorkflowError) as err:
        convert_workflow(ks, "advanced", nodes=["7", "99"])
    codes = sorted(i.code for i in err.value.issues)
    assert codes == ["node_not_found", "wrong_node_type"]


# ---- UI format ----

def ui_workflow():
    """A small UI (0.4) workflow: a seed PrimitiveNode linked into a KSampler's seed widget."""
    return {
        "last_node_id": 4, "last_link_id": 3, "version": 0.4, "extra": {"ds": {"scale": 1}},
        "nodes": [
            {"id": 1, "type": "PrimitiveNode", "pos": [0, 0], "size": [200, 80], "flags": {}, "order": 0,
             "mode": 0, "outputs": [{"name": "INT", "type": "INT", "links": [3],
                                     "widget": {"name": "seed"}}], "properties": {},
             "widgets_values": [42, "fixed"]},
            {"id": 2, "type": "EmptyLatentImage", "pos": [0, 200], "size": [200, 100], "flags": {}, "order": 1,
             "mode": 0, "outputs": [{"name": "LATENT", "type": "LATENT", "links": [1]}], "properties": {},
             "widgets_values": [512, 512, 1]},
            {"id": 3, "type": "KSampler", "pos": [300, 0], "size": [300, 260], "flags": {}, "order": 2,
             "mode": 0, "title": "My sampler", "color": "#223",
             "inputs": [{"name": "latent_image", "type": "LATENT", "link": 1},
                        {"name": "denoise", "type": "FLOAT", "link": None, "widget": {"name": "denoise"},
                         "label": "strength"},
                        {"name": "seed", "type": "INT", "link": 3, "widget": {"name": "seed"},
                         "localized_name": "seed"}],
             "outputs": [{"name": "LATENT", "type": "LATENT", "links": [2]}],
             "properties": {"Node name for S&R": "KSampler"},
             "widgets_values": [42, "fixed", 20, 7.5, "euler", "karras", 0.6],
             "widgets_values_named": {"seed": 42, "control_after_generate": "fixed", "steps": 20, "cfg": 7.5,
                                      "sampler_name": "euler", "scheduler": "karras", "denoise": 0.6}},
            {"id": 4, "type": "VAEDecode", "pos": [700, 0], "size": [200, 50], "flags": {}, "order": 3,
             "mode": 0, "inputs": [{"name": "samples", "type": "LATENT", "link": 2}], "properties": {}},
        ],
        "links": [[1, 2, 0, 3, 0, "LATENT"], [2, 3, 0, 4, 0, "LATENT"], [3, 1, 0, 3, 2, "INT"]],
        "groups": [], "config": {},
    }


def test_ui_conversion_changes_only_the_node():
    wf = ui_workflow()
    res = convert_workflow(wf, "advanced")
    assert res.kind == "ui" and res.exact
    out = res.data
    node = out["nodes"][2]
    assert node["type"] == "KSamplerAdvanced" and node["title"] == "My sampler" and node["pos"] == [300, 0]
    assert node["widgets_values"] == ["enable", 42, "fixed", 33, 7.5, "euler", "karras", 13, 10000, "disable"]
    assert list(node["widgets_values_named"]) == ["add_noise", "noise_seed", "control_after_generate", "steps",
                                                  "cfg", "sampler_name", "scheduler", "start_at_step",
                                                  "end_at_step", "return_with_leftover_noise"]
    assert [s["name"] for s in node["inputs"]] == ["latent_image", "noise_seed"]  # unlinked denoise dropped
    assert node["inputs"][1] == {"name": "noise_seed", "type": "INT", "link": 3, "widget": {"name": "noise_seed"},
                                 "localized_name": "noise_seed"}
    assert out["links"][2] == [3, 1, 0, 3, 1, "INT"]  # saved target_slot follows the compressed list
    for key in out:
        if key not in ("nodes", "links"):
            assert out[key] == wf[key]
    for i in (0, 1, 3):
        assert out["nodes"][i] == wf["nodes"][i]
    assert out["links"][:2] == wf["links"][:2]
    back = convert_workflow(out, "ksampler")
    bnode = back.data["nodes"][2]
    assert bnode["type"] == "KSampler" and bnode["widgets_values"][:6] == [42, "fixed", 20, 7.5, "euler", "karras"]
    assert [s["name"] for s in bnode["inputs"]] == ["latent_image", "seed"]
    assert back.data["links"][2] == [3, 1, 0, 3, 1, "INT"]


def test_ui_linked_steps_refused_and_bad_widgets():
    wf = ui_workflow()
    wf["nodes"][2]["inputs"].append({"name": "steps", "type": "INT", "link": 9, "widget": {"name": "steps"}})
    with pytest.raises(WorkflowError) as err:
        convert_workflow(wf, "advanced")
    assert err.value.issues[0].code == "linked_input"
    wf = ui_workflow()
    wf["nodes"][2]["widgets_values"] = [42, 20, 7.5, "euler", "karras", 0.6]  # saved before the control existed
    with pytest.raises(WorkflowError) as err:
        convert_workflow(wf, "advanced")
    assert err.value.issues[0].code == "unexpected_widgets_values"


def test_ui_subgraph_definition_nodes():
    wf = ui_workflow()
    sub_node = copy.deepcopy(wf["nodes"][2])
    sub_node["inputs"] = []
    wf["definitions"] = {"subgraphs": [{"id": "abc", "nodes": [sub_node], "links": []}]}
    res = convert_workflow(wf, "advanced", nodes=["abc/3"])
    assert [n.node_id for n in res.nodes] == ["abc/3"]
    assert res.data["definitions"]["subgraphs"][0]["nodes"][0]["type"] == "KSamplerAdvanced"
    assert res.data["nodes"][2]["type"] == "KSampler"


def test_unknown_scheduler_is_an_issue_not_a_crash():
    prompt = {"1": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 10, "cfg": 8, "sampler_name": "euler",
                                                           "scheduler": "beta57", "denoise": 0.5}}}
    with pytest.raises(WorkflowError) as err:
        convert_workflow(prompt, "advanced")
    issue = err.value.issues[0]
    assert issue.code == "value_not_in_list" and issue.input_name == "scheduler" and issue.value == "beta57"


def test_ui_v1_object_links_are_renumbered():
    wf = ui_workflow()
    wf["version"] = 1
    wf["links"] = [dict(zip(("id", "origin_id", "origin_slot", "target_id", "target_slot", "type"), link))
                   for link in wf["links"]]
    out = convert_workflow(wf, "advanced").data
    assert out["links"][2] == {"id": 3, "origin_id": 1, "origin_slot": 0, "target_id": 3, "target_slot": 1,
                               "type": "INT"}
    assert out["links"][:2] == wf["links"][:2]


def test_out_of_range_steps_is_an_issue():
    prompt = {"1": {"class_type": "KSamplerAdvanced", "inputs": {
        "noise_seed": 1, "steps": 0, "sampler_name": "euler", "scheduler": "normal", "start_at_step": -1}}}
    with pytest.raises(WorkflowError) as err:
        convert_workflow(prompt, "ksampler")
    assert sorted(i.input_name for i in err.value.issues if i.code == "value_out_of_range") == [
        "start_at_step", "steps"]
