"""One test per frontend rule of the UI -> API compiler (spec workflow-format.md §2), on small hand-written UI dicts
and a stub /object_info (no shared data needed)."""

from __future__ import annotations

import random

import pytest

from graphrun.compile.dynprompt import process_dynamic_prompt, strip_comments
from graphrun.compile.ui_to_api import compile_ui, compile_workflow
from graphrun.errors import WorkflowError
from graphrun.nodedefs import NodeDefs

SAMPLERS, SCHEDULERS = ["euler", "dpmpp_2m"], ["normal", "karras"]
OBJECT_INFO = {
    "Ckpt": {"display_name": "Load Checkpoint", "input": {"required": {"ckpt_name": [["a.safetensors"], {}]}},
             "output": ["MODEL", "CLIP", "VAE"]},
    "Lora": {"input": {"required": {"model": ["MODEL"], "clip": ["CLIP"], "lora_name": [["l.safetensors"]],
                                    "strength_model": ["FLOAT", {"default": 1.0}],
                                    "strength_clip": ["FLOAT", {"default": 1.0}]}},
             "output": ["MODEL", "CLIP"]},
    "Text": {"display_name": "CLIP Text Encode (Prompt)",
             "input": {"required": {"text": ["STRING", {"multiline": True, "dynamicPrompts": True}], "clip": ["CLIP"]}},
             "output": ["CONDITIONING"]},
    "KSampler": {"input": {"required": {
        "model": ["MODEL"], "seed": ["INT", {"default": 0, "min": 0, "max": 2**64 - 1}],
        "steps": ["INT", {"default": 20}],
        "cfg": ["FLOAT", {"default": 8.0}], "sampler_name": [SAMPLERS], "scheduler": [SCHEDULERS],
        "positive": ["CONDITIONING"], "negative": ["CONDITIONING"], "latent_image": ["LATENT"],
        "denoise": ["FLOAT", {"default": 1.0}]}}, "output": ["LATENT"]},
    "Latent": {"input": {"required": {"width": ["INT", {"default": 512}], "height": ["INT", {"default": 512}]}},
               "output": ["LATENT"]},
    "Decode": {"input": {"required": {"samples": ["LATENT"], "vae": ["VAE"]}}, "output": ["IMAGE"]},
    "SaveImage": {"input": {"required": {"images": ["IMAGE"], "filename_prefix": ["STRING", {"default": "ComfyUI"}]}},
             "output": [], "output_node": True},
    "Upscale": {"input": {"required": {"samples": ["LATENT"], "method": [["nearest", "bilinear"]],
                                       "scale_by": ["FLOAT", {"default": 1.5}]}}, "output": ["LATENT"]},
    "Img": {"input": {"required": {"image": [["x.png", "y.png"], {"image_upload": True}]}},
            "output": ["IMAGE", "MASK"]},
    "Forced": {"input": {"required": {"a": ["INT", {"default": 1}], "b": ["STRING", {"forceInput": True}],
                                      "c": ["FLOAT", {"default": 2.0}]}}, "output": ["INT"]},
    "Pick": {"input": {"required": {"choice": [["p", "q"], {"control_after_generate": True}],
                                    "n": ["INT", {"default": 3}]}}, "output": ["STRING"]},
    "Multi": {"input": {"required": {"tags": ["COMBO", {"options": ["a", "b"], "multiselect": True}]}},
              "output": ["STRING"]},
}
DEFS = NodeDefs.from_object_info(OBJECT_INFO)


def node(nid, ntype, inputs=(), outputs=(), widgets=None, mode=0, **extra):
    raw = {"id": nid, "type": ntype, "mode": mode, "inputs": [dict(i) for i in inputs],
           "outputs": [dict(o) for o in outputs], "properties": {}, **extra}
    if widgets is not None:
        raw["widgets_values"] = widgets
    return raw


def inp(name, link, typ="*", widget=False):
    return {"name": name, "type": typ, "link": link, **({"widget": {"name": name}} if widget else {})}


def out(typ, *links):
    return {"name": typ, "type": typ, "links": list(links)}


def ui(nodes, links, **extra):
    return {"version": 0.4, "last_node_id": 99, "last_link_id": 99, "nodes": nodes, "links": links, **extra}


def base_nodes(sampler_widgets=(5, "fixed", 20, 7.0, "euler", "normal", 1.0), model_link=1):
    """Ckpt 1 -> KSampler 3 (positive/negative from Text 6/7), Latent 5; links 1..6 (model link replaceable)."""
    return [
        node(1, "Ckpt", outputs=[out("MODEL", 1), out("CLIP", 2, 3)], widgets=["a.safetensors"]),
        node(6, "Text", [inp("clip", 2)], [out("CONDITIONING", 4)], ["pos"]),
        node(7, "Text", [inp("clip", 3)], [out("CONDITIONING", 5)], ["neg"]),
        node(5, "Latent", outputs=[out("LATENT", 6)], widgets=[512, 512]),
        node(3, "KSampler", [inp("model", model_link), inp("positive", 4), inp("negative", 5), inp("latent_image", 6)],
             [out("LATENT")], list(sampler_widgets)),
    ]


BASE_LINKS = [[1, 1, 0, 3, 0, "MODEL"], [2, 1, 1, 6, 0, "CLIP"], [3, 1, 1, 7, 0, "CLIP"],
              [4, 6, 0, 3, 1, "CONDITIONING"], [5, 7, 0, 3, 2, "CONDITIONING"], [6, 5, 0, 3, 3, "LATENT"]]


def compile_(doc, **kw):
    return compile_workflow(doc, DEFS, rng_seed=0, **kw)


# --- widgets (§2.2) ----------------------------------------------------------------------------------------------
def test_widgets_map_by_position_and_skip_the_seed_control_slot():
    got = compile_(ui(base_nodes(), BASE_LINKS))["3"]
    assert got["inputs"] == {"seed": 5, "steps": 20, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal",
                             "denoise": 1.0, "model": ["1", 0], "positive": ["6", 0], "negative": ["7", 0],
                             "latent_image": ["5", 0]}
    assert list(got["inputs"])[:6] == ["seed", "steps", "cfg", "sampler_name", "scheduler", "denoise"]
    assert got["_meta"] == {"title": "KSampler"} and got["class_type"] == "KSampler"


def test_seed_saved_without_control_slot_shifts_left_like_the_frontend():
    got = compile_(ui(base_nodes((5, 20, 7.0, "euler", "normal", 1.0)), BASE_LINKS))["3"]["inputs"]
    shifted = (got["seed"], got["steps"], got["cfg"], got["sampler_name"], got["scheduler"])
    assert shifted == (5, 7.0, "euler", "normal", 1.0)
    assert got["denoise"] == 1.0  # default: the list ran out


def test_combo_control_adds_two_slots_and_upload_button_is_not_sent():
    doc = ui([node(1, "Pick", outputs=[out("STRING")], widgets=["q", "randomize", "", 9]),
              node(2, "Img", outputs=[out("IMAGE"), out("MASK")], widgets=["y.png", "image"])], [])
    got = compile_(doc)
    assert got["1"]["inputs"] == {"choice": "q", "n": 9}
    assert got["2"]["inputs"] == {"image": "y.png"}


def test_missing_widgets_values_use_definition_defaults_and_arrays_are_wrapped():
    doc = ui([node(1, "KSampler", outputs=[out("LATENT")]),
              node(2, "Multi", outputs=[out("STRING")], widgets=[["a", "b"]])], [])
    got = compile_(doc)
    assert got["1"]["inputs"] == {"seed": 0, "steps": 20, "cfg": 8.0, "sampler_name": "euler", "scheduler": "normal",
                                  "denoise": 1.0}
    assert got["2"]["inputs"] == {"tags": {"__value__": ["a", "b"]}}


def test_force_input_legacy_values_are_migrated():
    old = compile_(ui([node(1, "Forced", outputs=[out("INT")], widgets=[4, "dummy", 2.5])], []))
    assert old["1"]["inputs"] == {"a": 4, "c": 2.5}
    new = compile_(ui([node(1, "Forced", outputs=[out("INT")], widgets=[4, 2.5])], []))
    assert new["1"]["inputs"] == {"a": 4, "c": 2.5}


def test_integers_beyond_2_pow_53_are_rounded_through_float64():
    doc = ui(base_nodes((9007199254740993, "fixed", 18446744073709551615, 7.0, "euler", "normal", 1.0)), BASE_LINKS)
    got = compile_(doc)["3"]["inputs"]
    assert got["seed"] == 9007199254740992
    assert got["steps"] == 18446744073709552000  # what JSON.stringify writes for 2**64


def test_inputs_are_matched_by_name_never_by_saved_slot_index():
    nodes = base_nodes()
    ks = nodes[-1]
    ks["inputs"] = list(reversed(ks["inputs"]))  # compressed/reordered saved inputs
    links = [l[:4] + [99, l[5]] for l in BASE_LINKS]  # nonsense target_slot
    got = compile_(ui(nodes, links))["3"]["inputs"]
    assert (got["model"], got["positive"], got["latent_image"]) == (["1", 0], ["6", 0], ["5", 0])


# --- reroute, bypass, mute (§2.6) --------------------------------------------------------------------------------
def test_reroute_chain_through_bypassed_lora_passes_by_type():
    nodes = base_nodes(model_link=12)
    nodes[0]["outputs"] = [out("MODEL", 10), out("CLIP", 11)]
    nodes[1]["inputs"] = [inp("clip", 13)]
    nodes += [node(10, "Lora", [inp("model", 10), inp("clip", 11)], [out("MODEL", 20), out("CLIP", 13)],
                   ["l.safetensors", 1, 1], mode=4),
              node(11, "Reroute", [inp("", 20)], [out("*", 21)]),
              node(12, "Reroute", [inp("", 21)], [out("*", 12)])]
    links = [l for l in BASE_LINKS if l[0] not in (1, 2)] + [
        [10, 1, 0, 10, 0, "MODEL"], [11, 1, 1, 10, 1, "CLIP"], [13, 10, 1, 6, 0, "CLIP"],
        [20, 10, 0, 11, 0, "MODEL"], [21, 11, 0, 12, 0, "MODEL"], [12, 12, 0, 3, 0, "MODEL"]]
    got = compile_(ui(nodes, links))
    assert "10" not in got and "11" not in got and "12" not in got
    assert got["3"]["inputs"]["model"] == ["1", 0]
    assert got["6"]["inputs"]["clip"] == ["1", 1]


def test_bypass_picks_exact_type_then_drops_the_input_when_nothing_matches():
    nodes = base_nodes()
    nodes[-1]["outputs"] = [out("LATENT", 7)]
    nodes += [node(8, "Decode", [inp("samples", 7), inp("vae", 8)], [out("IMAGE", 9, 10)], mode=4),
              node(9, "SaveImage", [inp("images", 9)], widgets=["x"]),
              node(10, "Upscale", [inp("samples", 10)], [out("LATENT")], ["nearest", 2.0])]
    links = BASE_LINKS + [[7, 3, 0, 8, 0, "LATENT"], [8, 1, 2, 8, 1, "VAE"], [9, 8, 0, 9, 0, "IMAGE"],
                          [10, 8, 0, 10, 0, "IMAGE"]]
    result = compile_ui(ui(nodes, links), DEFS, rng_seed=0)
    assert "images" not in result.prompt["9"]["inputs"]  # no IMAGE input on the bypassed decoder
    assert result.prompt["10"]["inputs"]["samples"] == ["3", 0]  # LATENT consumer: exact-type slot `samples`
    assert [w.code for w in result.warnings] == ["bypass_no_match"]


def test_muted_node_is_dropped_with_its_consumers_links_but_widget_values_stay():
    nodes = base_nodes()
    nodes[-1]["outputs"] = [out("LATENT", 7)]
    nodes += [node(8, "Decode", [inp("samples", 7), inp("vae", 8)], [out("IMAGE", 9)], mode=2),
              node(9, "SaveImage", [inp("images", 9)], widgets=["muted_branch"])]
    links = BASE_LINKS + [[7, 3, 0, 8, 0, "LATENT"], [8, 1, 2, 8, 1, "VAE"], [9, 8, 0, 9, 0, "IMAGE"]]
    got = compile_(ui(nodes, links))
    assert "8" not in got
    assert got["9"]["inputs"] == {"filename_prefix": "muted_branch"}


def test_virtual_notes_are_never_emitted_and_dangling_links_are_pruned_with_a_warning():
    nodes = base_nodes(model_link=77) + [node(20, "Note", widgets=["hello"]), node(21, "MarkdownNote", widgets=["# x"])]
    result = compile_ui(ui(nodes, BASE_LINKS), DEFS, rng_seed=0)
    assert set(result.prompt) == {"1", "3", "5", "6", "7"}
    assert "model" not in result.prompt["3"]["inputs"]
    assert [w.code for w in result.warnings] == ["dangling_link"]


# --- PrimitiveNode (§2.3) ----------------------------------------------------------------------------------------
def test_primitive_value_replaces_stale_widget_value_even_when_muted():
    nodes = base_nodes()
    nodes[-1]["inputs"].append(inp("seed", 30, "INT", widget=True))
    nodes[3]["inputs"] = [inp("width", 31, "INT", widget=True)]
    nodes += [node(30, "PrimitiveNode", outputs=[{"name": "INT", "type": "INT", "links": [30]}],
                   widgets=[42, "randomize"]),
              node(31, "PrimitiveNode", outputs=[{"name": "INT", "type": "INT", "links": [31]}], widgets=[768, "fixed"],
                   mode=2)]
    links = BASE_LINKS + [[30, 30, 0, 3, 4, "INT"], [31, 31, 0, 5, 0, "INT"]]
    got = compile_(ui(nodes, links))
    assert got["3"]["inputs"]["seed"] == 42
    assert got["5"]["inputs"] == {"width": 768, "height": 512}
    assert "30" not in got and "31" not in got


# --- text transforms (§2.5.2) ------------------------------------------------------------------------------------
def test_dynamic_prompt_strips_comments_and_unescapes_only_on_dynamic_prompt_widgets():
    nodes = base_nodes()
    nodes[1]["widgets_values"] = ["a // note\nb /* x */c \\{d\\} http://u"]
    nodes.append(node(9, "SaveImage", [inp("images", None)], widgets=["keep // this"]))
    got = compile_(ui(nodes, BASE_LINKS))
    assert got["6"]["inputs"]["text"] == "a \nb c {d} http:"
    assert got["9"]["inputs"]["filename_prefix"] == "keep // this"


def test_dynamic_prompt_choices_are_seeded_and_nested():
    assert strip_comments("x/*a\nb*/y//z\nw") == "xy\nw"
    picks = {process_dynamic_prompt("{a|b|{c|d}}", random.Random(s)) for s in range(60)}
    assert picks == {"a", "b", "c", "d"}
    assert process_dynamic_prompt("{only}", random.Random(0)) == "only"
    assert process_dynamic_prompt("tail\\", random.Random(0)) == "tail\\undefined"  # JS reads past the end


def test_filename_prefix_substitutes_node_widgets_from_the_frontend():
    prefix = "%Ckpt.ckpt_name%/%KSampler.steps%_%width%"
    nodes = base_nodes() + [node(9, "SaveImage", [inp("images", None)], widgets=[prefix])]
    got = compile_(ui(nodes, BASE_LINKS))
    assert got["9"]["inputs"]["filename_prefix"] == "a.safetensors/20_%width%"


# --- subgraphs (§2.4, §2.6.5-6) -----------------------------------------------------------------------------------
def _subgraph(sid, nodes, links, inputs, outputs, name="sub"):
    return {"id": sid, "version": 1, "state": {}, "revision": 0, "name": name,
            "inputNode": {"id": -10, "bounding": [0, 0, 1, 1]}, "outputNode": {"id": -20, "bounding": [0, 0, 1, 1]},
            "inputs": inputs, "outputs": outputs, "widgets": [], "nodes": nodes, "links": links}


def _link(lid, o, os_, t, ts, typ="*"):
    return {"id": lid, "origin_id": o, "origin_slot": os_, "target_id": t, "target_slot": ts, "type": typ}


INNER = "11111111-1111-4111-8111-111111111111"
OUTER = "22222222-2222-4222-8222-222222222222"


def _nested_doc(instance_widgets):
    """Root: Ckpt 1 -> instance 5 (OUTER) -> Decode 6. OUTER holds instance 3 (INNER) + Text 4 (promoted text);
    INNER holds Latent 1 (promoted width) and Upscale 2, whose LATENT goes out."""
    inner = _subgraph(INNER, [
        node(1, "Latent", [inp("width", 101, "INT", widget=True)], [out("LATENT", 102)], [64, 64]),
        node(2, "Upscale", [inp("samples", 102)], [out("LATENT", 103)], ["bilinear", 2.0])],
        [_link(101, -10, 0, 1, 0, "INT"), _link(102, 1, 0, 2, 0, "LATENT"), _link(103, 2, 0, -20, 0, "LATENT")],
        [{"id": "a", "name": "width", "type": "INT", "linkIds": [101]}],
        [{"id": "b", "name": "LATENT", "type": "LATENT", "linkIds": [103]}], "inner")
    outer = _subgraph(OUTER, [
        node(3, INNER, [inp("width", 201, "INT", widget=True)], [out("LATENT", 202)], []),
        node(4, "Text", [inp("clip", 203), inp("text", 204, "STRING", widget=True)], [out("CONDITIONING")],
             ["inner text"])],
        [_link(201, -10, 1, 3, 0, "INT"), _link(202, 3, 0, -20, 0, "LATENT"), _link(203, -10, 0, 4, 0, "CLIP"),
         _link(204, -10, 2, 4, 1, "STRING")],
        [{"id": "c", "name": "clip", "type": "CLIP", "linkIds": [203]},
         {"id": "d", "name": "width", "type": "INT", "linkIds": [201]},
         {"id": "e", "name": "text", "type": "STRING", "linkIds": [204]}],
        [{"id": "f", "name": "LATENT", "type": "LATENT", "linkIds": [202]}], "outer")
    nodes = [node(1, "Ckpt", outputs=[out("MODEL"), out("CLIP", 1), out("VAE", 3)], widgets=["a.safetensors"]),
             node(5, OUTER, [inp("clip", 1)], [out("LATENT", 2)], instance_widgets),
             node(6, "Decode", [inp("samples", 2), inp("vae", 3)], [out("IMAGE")])]
    links = [[1, 1, 1, 5, 0, "CLIP"], [2, 5, 0, 6, 0, "LATENT"], [3, 1, 2, 6, 1, "VAE"]]
    return ui(nodes, links, definitions={"subgraphs": [outer, inner]})


def test_nested_subgraphs_flatten_to_colon_ids_and_promoted_values_apply():
    got = compile_(_nested_doc([320, "a {fox|fox}"]))
    assert list(got) == ["1", "6", "5:3:1", "5:3:2", "5:4"]  # interiors in definition array order
    assert got["6"]["inputs"]["samples"] == ["5:3:2", 0]
    assert got["5:3:2"]["inputs"]["samples"] == ["5:3:1", 0]
    assert got["5:3:1"]["inputs"] == {"width": 320, "height": 64}
    assert got["5:4"]["inputs"] == {"text": "a {fox|fox}", "clip": ["1", 1]}  # promoted: no dynamic prompts


def test_promoted_inputs_fall_back_to_inner_widget_values_when_instance_has_none():
    got = compile_(_nested_doc([]))
    assert got["5:3:1"]["inputs"]["width"] == 64
    assert got["5:4"]["inputs"]["text"] == "inner text"


def test_bypassed_subgraph_instance_is_expanded_and_passes_through_by_type():
    doc = _nested_doc([])
    doc["nodes"][1]["mode"] = 4
    got = compile_(doc)
    assert "5:3:1" in got  # measured on 1.27.10: interiors of a bypassed instance are still emitted
    assert "samples" not in got["6"]["inputs"]  # no LATENT input on the instance to pass through


def test_missing_subgraph_definition_and_recursion_are_errors():
    doc = _nested_doc([])
    doc["definitions"]["subgraphs"] = doc["definitions"]["subgraphs"][:1]
    with pytest.raises(WorkflowError) as err:
        compile_(doc)
    assert [i.code for i in err.value.issues] == ["missing_subgraph_definition"]
    doc = _nested_doc([])
    doc["definitions"]["subgraphs"][1]["nodes"].append(node(9, OUTER))
    with pytest.raises(WorkflowError) as err:
        compile_(doc)
    assert err.value.issues[0].code == "recursive_subgraph"


# --- errors (§2.8, §2.11) ---------------------------------------------------------------------------------------
def test_unknown_types_are_collected_and_raised_once():
    nodes = base_nodes() + [node(40, "FancyNode"), node(41, "FancyNode"), node(42, "OtherNode")]
    with pytest.raises(WorkflowError) as err:
        compile_(ui(nodes, BASE_LINKS))
    issues = err.value.issues
    assert sorted(i.class_type for i in issues) == ["FancyNode", "OtherNode"]
    assert {i.code for i in issues} == {"missing_node_type"}


def test_group_nodes_are_rejected_clearly():
    doc = ui([node(1, "workflow>My group", widgets=[512])], [], extra={"groupNodes": {"My group": {"nodes": []}}})
    with pytest.raises(WorkflowError) as err:
        compile_(doc)
    assert err.value.issues[0].code == "group_node_not_supported"
    assert "not supported" in err.value.issues[0].message


def test_reroute_loop_is_a_circular_reference():
    nodes = [node(1, "Reroute", [inp("", 2)], [out("*", 1)]), node(2, "Reroute", [inp("", 1)], [out("*", 2, 3)]),
             node(3, "Decode", [inp("samples", 3)], [out("IMAGE")])]
    links = [[1, 1, 0, 2, 0, "*"], [2, 2, 0, 1, 0, "*"], [3, 2, 0, 3, 0, "LATENT"]]
    with pytest.raises(WorkflowError) as err:
        compile_(ui(nodes, links))
    assert err.value.issues[0].code == "circular_reference"


def test_documents_without_a_version_are_rejected():
    with pytest.raises(WorkflowError) as err:
        compile_({"nodes": [], "links": []})
    assert err.value.issues[0].code == "invalid_workflow"


def test_v1_object_links_compile_like_array_links():
    doc = ui(base_nodes(), [_link(*l[:5]) for l in BASE_LINKS])
    doc["version"] = 1
    assert compile_(doc) == compile_(ui(base_nodes(), BASE_LINKS))


def test_date_substitution_uses_the_given_clock_and_primitive_replace_option():
    from datetime import datetime

    nodes = base_nodes() + [
        node(9, "SaveImage", [inp("images", None), inp("filename_prefix", 50, "STRING", widget=True)], widgets=["x"]),
        node(50, "PrimitiveNode", outputs=[{"name": "STRING", "type": "STRING", "links": [50]}],
             widgets=["%date:yyyy-MM-dd_hhmm%/%KSampler.seed%"], properties={"Run widget replace on values": True})]
    doc = ui(nodes, BASE_LINKS + [[50, 50, 0, 9, 1, "STRING"]])
    got = compile_(doc, now=datetime(2025, 3, 4, 5, 6, 7))
    assert got["9"]["inputs"]["filename_prefix"] == "2025-03-04_0506/5"


def test_object_widgets_values_are_read_by_name_with_a_warning():
    doc = ui([node(1, "Latent", outputs=[out("LATENT")], widgets={"height": 640})], [])
    result = compile_ui(doc, DEFS, rng_seed=0)
    assert result.prompt["1"]["inputs"] == {"width": 512, "height": 640}
    assert [w.code for w in result.warnings] == ["object_widgets_values"]


def test_bypassed_instance_passes_a_latent_through_its_matching_definition_input():
    sid = "33333333-3333-4333-8333-333333333333"
    sub = _subgraph(sid, [node(41, "Upscale", [inp("samples", 401)], [out("LATENT", 402)], ["bilinear", 2.0])],
                    [_link(401, -10, 0, 41, 0, "LATENT"), _link(402, 41, 0, -20, 0, "LATENT")],
                    [{"id": "a", "name": "latent", "type": "LATENT", "linkIds": [401]}],
                    [{"id": "b", "name": "LATENT", "type": "LATENT", "linkIds": [402]}])
    nodes = [node(5, "Latent", outputs=[out("LATENT", 1)], widgets=[64, 64]),
             node(31, sid, [inp("latent", 1)], [out("LATENT", 2)], [], mode=4),
             node(8, "Decode", [inp("samples", 2), inp("vae", None)], [out("IMAGE")])]
    doc = ui(nodes, [[1, 5, 0, 31, 0, "LATENT"], [2, 31, 0, 8, 0, "LATENT"]], definitions={"subgraphs": [sub]})
    got = compile_(doc)
    assert got["31:41"]["inputs"]["samples"] == ["5", 0]  # still emitted (measured on 1.27.10)
    assert got["8"]["inputs"]["samples"] == ["5", 0]  # wired through the bypassed instance
    nodes[1]["mode"] = 2
    # 1.27.10 has no mode-2 check in resolveOutput: a muted instance resolves into its emitted interior
    assert compile_(doc)["8"]["inputs"]["samples"] == ["31:41", 0]


def test_widget_socket_fed_by_a_muted_node_loses_its_key_and_muted_reroutes_pass_through():
    nodes = base_nodes(model_link=61)
    nodes[3]["inputs"] = [inp("width", 60, "INT", widget=True)]
    nodes += [node(60, "Forced", [inp("b", None)], [out("INT", 60)], [7, 1.0], mode=2),
              node(61, "Reroute", [inp("", 62)], [out("*", 61)], mode=2)]
    nodes[0]["outputs"][0] = out("MODEL", 62)
    links = [l for l in BASE_LINKS if l[0] != 1] + [[60, 60, 0, 5, 0, "INT"], [61, 61, 0, 3, 0, "MODEL"],
                                                    [62, 1, 0, 61, 0, "MODEL"]]
    got = compile_(ui(nodes, links))
    assert got["5"]["inputs"] == {"height": 512}  # link to muted 60 overwrote `width`, then was pruned
    assert got["3"]["inputs"]["model"] == ["1", 0]
