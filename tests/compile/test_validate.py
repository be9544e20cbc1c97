"""validate_prompt: one test per ComfyUI error type, against the real /object_info definitions."""

from __future__ import annotations

import copy
import json
import math

import pytest

from graphrun.compile.validate import validate_prompt
from graphrun.errors import WorkflowError
from graphrun.nodedefs import NodeDefs

CKPTS = ["tiny-sd15.safetensors", "v1-5-pruned-emaonly.safetensors"]


@pytest.fixture(scope="module")
def defs(object_info_path) -> NodeDefs:
    data = json.loads(object_info_path.read_text(encoding="utf-8"))
    data["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = list(CKPTS)
    return NodeDefs.from_object_info(data)


def txt2img() -> dict:
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"},
              "_meta": {"title": "Load Checkpoint"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["1", 1]}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
        "5": {"class_type": "KSampler", "_meta": {"title": "My sampler"},
              "inputs": {"model": ["1", 0], "seed": 1, "steps": 20, "cfg": 8.0, "sampler_name": "euler",
                         "scheduler": "normal", "positive": ["2", 0], "negative": ["3", 0],
                         "latent_image": ["4", 0], "denoise": 1.0}},
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "out"}},
    }


def only_error(result, node_id: str) -> dict:
    errors = result.node_errors[node_id]["errors"]
    assert len(errors) == 1, errors
    return errors[0]


def test_valid_prompt(defs):
    result = validate_prompt(txt2img(), defs)
    assert result.ok and result.error is None and result.node_errors == {} and result.issues == ()
    assert result.outputs == ("7",)
    assert result.to_comfy_json() == {"error": None, "node_errors": {}}


def test_missing_node_type_suggests_closest(defs):
    prompt = txt2img()
    prompt["5"]["class_type"] = "KSamplr"
    prompt["6"]["class_type"] = "VAEDecoder"
    result = validate_prompt(prompt, defs)
    assert not result.ok and result.node_errors == {}
    assert result.error["type"] == "missing_node_type"
    assert result.error["message"] == "Node 'My sampler' not found. The custom node may not be installed."
    assert result.error["details"] == "Node ID '#5'"
    assert result.error["extra_info"] == {"node_id": "5", "class_type": "KSamplr", "node_title": "My sampler"}
    # every unknown type is reported (ComfyUI stops at the first)
    assert [(i.code, i.node_id, i.suggestion) for i in result.issues] == [
        ("missing_node_type", "5", "KSampler"), ("missing_node_type", "6", "VAEDecode")]


def test_missing_class_type(defs):
    prompt = txt2img()
    del prompt["4"]["class_type"]
    result = validate_prompt(prompt, defs)
    assert result.error["type"] == "missing_node_type"
    assert result.error["message"].startswith("Node 'ID #4' has no class_type.")
    assert result.issues[0].node_id == "4"


def test_prompt_no_outputs(defs):
    prompt = txt2img()
    del prompt["7"]
    result = validate_prompt(prompt, defs)
    assert not result.ok
    assert result.error == {"type": "prompt_no_outputs", "message": "Prompt has no outputs", "details": "",
                            "extra_info": {}}
    assert result.to_comfy_json()["node_errors"] == {}


def test_required_input_missing(defs):
    prompt = txt2img()
    del prompt["5"]["inputs"]["steps"]
    result = validate_prompt(prompt, defs)
    err = only_error(result, "5")
    assert err == {"type": "required_input_missing", "message": "Required input is missing", "details": "steps",
                   "extra_info": {"input_name": "steps"}}
    issue = result.issues[0]
    assert (issue.node_id, issue.class_type, issue.title, issue.input_name) == ("5", "KSampler", "My sampler",
                                                                                "steps")
    assert "default 20" in issue.allowed


def test_outputs_failed_validation_top_level(defs):
    prompt = txt2img()
    del prompt["7"]["inputs"]["filename_prefix"]
    result = validate_prompt(prompt, defs)
    assert result.error["type"] == "prompt_outputs_failed_validation"
    assert result.error["message"] == "Prompt outputs failed validation"
    assert result.error["details"] == "Required input is missing: filename_prefix"
    assert result.node_errors["7"]["dependent_outputs"] == ["7"]
    assert result.node_errors["7"]["class_type"] == "SaveImage"


@pytest.mark.parametrize("link, needle, suggestion", [
    (["1"], "got a list of 1", None),
    (["1", 0, 0], "got a list of 3", None),
    (["99", 0], "links to node '99'", None),
    (["1", 7], "output index 7 is out of range", None),
    (["1", "0"], "output index must be an integer", None),
    ([1, 0], "must be a string", "1"),
])
def test_bad_linked_input(defs, link, needle, suggestion):
    prompt = txt2img()
    prompt["5"]["inputs"]["model"] = link
    result = validate_prompt(prompt, defs)
    err = only_error(result, "5")
    assert err["type"] == "bad_linked_input"
    assert err["extra_info"]["input_name"] == "model" and err["extra_info"]["received_value"] == link
    issue = result.issues[0]
    assert needle in issue.message and issue.input_name == "model" and issue.value == link
    assert issue.suggestion == suggestion


def test_return_type_mismatch(defs):
    prompt = txt2img()
    prompt["5"]["inputs"]["model"] = ["1", 1]  # CLIP into MODEL
    result = validate_prompt(prompt, defs)
    err = only_error(result, "5")
    assert err["type"] == "return_type_mismatch"
    assert err["message"] == "Return type mismatch between linked nodes"
    assert err["details"] == "model, received_type(CLIP) mismatch input_type(MODEL)"
    assert err["extra_info"]["received_type"] == "CLIP" and err["extra_info"]["linked_node"] == ["1", 1]
    assert result.issues[0].suggestion == "output 0 (MODEL)"


@pytest.mark.parametrize("name, value, exc_text", [
    ("steps", "abc", "invalid literal for int()"),
    ("steps", "7.5", "invalid literal for int()"),
    ("steps", float("nan"), "cannot convert float NaN to integer"),
    ("steps", float("inf"), "cannot convert float infinity to integer"),
    ("cfg", {"a": 1}, "float() argument must be"),
    ("seed", None, "int() argument must be"),
])
def test_invalid_input_type(defs, name, value, exc_text):
    prompt = txt2img()
    prompt["5"]["inputs"][name] = value
    result = validate_prompt(prompt, defs)
    err = only_error(result, "5")
    assert err["type"] == "invalid_input_type"
    expected_type = "FLOAT" if name == "cfg" else "INT"
    assert err["message"] == f"Failed to convert an input value to a {expected_type} value"
    assert err["details"].startswith(f"{name}, ") and exc_text in err["details"]
    assert exc_text in err["extra_info"]["exception_message"]
    issue = result.issues[0]
    assert issue.input_name == name and (issue.value == value or (isinstance(value, float) and math.isnan(value)))


def test_constant_into_socket_input_is_an_error(defs):
    prompt = txt2img()
    prompt["5"]["inputs"]["model"] = "my-model"
    err = only_error(validate_prompt(prompt, defs), "5")
    assert err["type"] == "invalid_input_type" and "must be linked" in err["message"]


def test_coercion_written_back_into_a_copy(defs):
    prompt = txt2img()
    prompt["5"]["inputs"].update(steps=7.9, seed="20", cfg=7, denoise={"__value__": 1})
    prompt["7"]["inputs"]["filename_prefix"] = 42
    original = copy.deepcopy(prompt)
    result = validate_prompt(prompt, defs)
    assert result.ok, [i.render() for i in result.issues]
    inputs = result.prompt["5"]["inputs"]
    assert inputs["steps"] == 7 and type(inputs["steps"]) is int
    assert inputs["seed"] == 20 and type(inputs["seed"]) is int
    assert inputs["cfg"] == 7.0 and type(inputs["cfg"]) is float
    assert inputs["denoise"] == 1.0 and type(inputs["denoise"]) is float
    assert result.prompt["7"]["inputs"]["filename_prefix"] == "42"
    assert prompt == original  # the caller's prompt is untouched
    assert [(w.code, w.input_name, w.value) for w in result.warnings] == [("lossy_conversion", "steps", 7.9)]


def test_nan_float_passes_range_checks_like_comfyui(defs):
    prompt = txt2img()
    prompt["5"]["inputs"]["cfg"] = float("nan")
    assert validate_prompt(prompt, defs).ok


@pytest.mark.parametrize("name, value, code, message, allowed", [
    ("steps", 0, "value_smaller_than_min", "Value 0 smaller than min of 1", "1 to 10000"),
    ("cfg", 101, "value_bigger_than_max", "Value 101.0 bigger than max of 100.0", "0.0 to 100.0"),
    ("denoise", 1.5, "value_bigger_than_max", "Value 1.5 bigger than max of 1.0", "0.0 to 1.0"),
    ("seed", 2**64, "value_bigger_than_max", f"Value {2**64} bigger than max of {2**64 - 1}", None),
])
def test_min_max(defs, name, value, code, message, allowed):
    prompt = txt2img()
    prompt["5"]["inputs"][name] = value
    result = validate_prompt(prompt, defs)
    err = only_error(result, "5")
    assert (err["type"], err["message"], err["details"]) == (code, message, name)
    assert err["extra_info"]["input_name"] == name
    issue = result.issues[0]
    assert issue.input_name == name
    if allowed:
        assert issue.allowed == allowed


def test_value_not_in_list_long_list_is_elided(defs):
    prompt = txt2img()
    prompt["5"]["inputs"]["sampler_name"] = "eulr"
    result = validate_prompt(prompt, defs)
    err = only_error(result, "5")
    n = len(defs["KSampler"].input_spec("sampler_name").combo_options)
    assert n > 20
    assert err["type"] == "value_not_in_list" and err["message"] == "Value not in list"
    assert err["details"] == f"sampler_name: 'eulr' not in (list of length {n})"
    assert err["extra_info"] == {"input_name": "sampler_name", "input_config": None, "received_value": "eulr"}
    assert result.issues[0].suggestion == "euler"
    assert "did you mean 'euler'?" in result.issues[0].render()


def test_value_not_in_list_short_list(defs):
    prompt = txt2img()
    prompt["5"]["inputs"]["scheduler"] = "Karras"
    result = validate_prompt(prompt, defs)
    err = only_error(result, "5")
    options = defs["KSampler"].input_spec("scheduler").combo_options
    assert err["details"] == f"scheduler: 'Karras' not in {options}"
    assert err["extra_info"]["input_config"][0] == options
    assert result.issues[0].suggestion == "karras"


def test_model_combo_uses_the_given_list(defs):
    prompt = txt2img()
    prompt["1"]["inputs"]["ckpt_name"] = "tiny-sd15.ckpt"
    result = validate_prompt(prompt, defs)
    assert only_error(result, "1")["type"] == "value_not_in_list"
    assert result.issues[0].suggestion == "tiny-sd15.safetensors"


def img2img() -> dict:
    prompt = txt2img()
    prompt["8"] = {"class_type": "LoadImage", "inputs": {"image": "missing.png"}}
    prompt["9"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["8", 0], "vae": ["1", 2]}}
    prompt["5"]["inputs"]["latent_image"] = ["9", 0]
    return prompt


def test_custom_validation_load_image(defs):
    seen = []

    def exists(folder, name):
        seen.append((folder, name))
        return name == "input.png"

    result = validate_prompt(img2img(), defs, file_exists=exists)
    err = only_error(result, "8")
    assert err == {"type": "custom_validation_failed", "message": "Custom validation failed for node",
                   "details": "image - Invalid image file: missing.png", "extra_info": {"input_name": "image"}}
    assert seen == [("input", "missing.png")]
    prompt = img2img()
    prompt["8"]["inputs"]["image"] = "input.png"  # not in the combo list: the custom validator replaces that check
    assert validate_prompt(prompt, defs, file_exists=exists).ok
    prompt["8"]["inputs"]["image"] = "x.png [output]"
    validate_prompt(prompt, defs, file_exists=exists)
    assert seen[-1] == ("output", "x.png [output]")


def test_file_checks_skipped_without_callback(defs):
    assert validate_prompt(img2img(), defs).ok


def test_cycle_is_named(defs):
    prompt = txt2img()
    prompt["8"] = {"class_type": "LatentUpscaleBy",
                   "inputs": {"samples": ["5", 0], "upscale_method": "nearest-exact", "scale_by": 1.5}}
    prompt["5"]["inputs"]["latent_image"] = ["8", 0]
    result = validate_prompt(prompt, defs)
    assert not result.ok
    cycles = [i for i in result.issues if i.code == "dependency_cycle"]
    assert len(cycles) == 1 and cycles[0].node_id == "5"
    assert "5 -> 8 -> 5" in cycles[0].message
    assert result.node_errors["5"]["errors"][0]["details"] == "5 -> 8 -> 5"


def test_self_loop_cycle(defs):
    prompt = txt2img()
    prompt["8"] = {"class_type": "LatentUpscaleBy",
                   "inputs": {"samples": ["8", 0], "upscale_method": "nearest-exact", "scale_by": 1.5}}
    prompt["5"]["inputs"]["latent_image"] = ["8", 0]
    result = validate_prompt(prompt, defs)
    assert [i.message for i in result.issues if i.code == "dependency_cycle"] == [
        "dependency cycle: node 8 -> 8 (each depends on the next); break one of these links"]


def test_every_problem_reported_at_once_in_a_stable_order(defs):
    prompt = txt2img()
    prompt["1"]["inputs"]["ckpt_name"] = "nope.safetensors"
    prompt["2"]["inputs"]["clip"] = ["1", 0]
    prompt["4"]["inputs"]["width"] = 8
    prompt["5"]["inputs"].update(steps=0, cfg="x", sampler_name="eulr")
    del prompt["5"]["inputs"]["denoise"]
    prompt["7"]["inputs"]["images"] = ["6", 3]
    result = validate_prompt(prompt, defs)
    got = [(i.node_id, i.code, i.input_name) for i in result.issues]
    assert got == [
        ("1", "value_not_in_list", "ckpt_name"),
        ("2", "return_type_mismatch", "clip"),
        ("4", "value_smaller_than_min", "width"),
        ("5", "value_smaller_than_min", "steps"),
        ("5", "invalid_input_type", "cfg"),
        ("5", "value_not_in_list", "sampler_name"),
        ("5", "required_input_missing", "denoise"),
        ("7", "bad_linked_input", "images"),
    ]
    assert list(result.node_errors) == ["1", "2", "4", "5", "7"]
    assert validate_prompt(prompt, defs) == result  # deterministic


def test_partial_outputs_and_dependent_outputs(defs):
    prompt = txt2img()
    prompt["8"] = {"class_type": "PreviewImage", "inputs": {"images": ["6", 0]}}
    prompt["9"] = {"class_type": "SaveLatent", "inputs": {"samples": ["4", 0], "filename_prefix": "l"}}
    prompt["5"]["inputs"]["steps"] = -1
    result = validate_prompt(prompt, defs)
    assert result.ok and result.error is None  # ComfyUI queues the valid output (9) and returns node_errors
    assert result.outputs == ("9",) and result.failed_outputs == ("7", "8")
    assert result.node_errors["5"]["dependent_outputs"] == ["7", "8"]
    with pytest.raises(WorkflowError) as info:
        result.raise_for_issues()
    assert info.value.issues[0].code == "value_smaller_than_min"
    # a partial execution list restricts the outputs
    only9 = validate_prompt(prompt, defs, outputs=["9"])
    assert only9.ok and only9.outputs == ("9",) and only9.node_errors == {} and only9.issues == ()
    only7 = validate_prompt(prompt, defs, outputs=["7", "42"])
    assert only7.error["type"] == "prompt_outputs_failed_validation"
    assert [w.code for w in only7.warnings] == ["invalid_output"]


def test_nodes_no_output_needs_are_not_checked(defs):
    prompt = txt2img()
    prompt["8"] = {"class_type": "EmptyLatentImage", "inputs": {"width": -5}}
    assert validate_prompt(prompt, defs).ok


def test_unknown_input_is_a_warning_with_suggestion(defs):
    prompt = txt2img()
    prompt["5"]["inputs"]["stpes"] = 3
    result = validate_prompt(prompt, defs)
    assert result.ok and result.issues == ()
    assert [(w.code, w.input_name, w.suggestion) for w in result.warnings] == [("unknown_input", "stpes", "steps")]


@pytest.mark.parametrize("bad", [[], "x", 3, None])
def test_prompt_must_be_an_object(defs, bad):
    result = validate_prompt(bad, defs)
    assert not result.ok and result.error["type"] == "invalid_prompt" and result.issues[0].code == "invalid_prompt"


@pytest.mark.parametrize("node", [None, "x", [1, 2]])
def test_node_must_be_an_object(defs, node):
    prompt = txt2img()
    prompt["3"] = node
    result = validate_prompt(prompt, defs)
    assert result.error["type"] == "missing_node_type" and "not a JSON object" in result.issues[0].message


def test_inputs_must_be_an_object(defs):
    prompt = txt2img()
    prompt["4"]["inputs"] = [512, 512]
    result = validate_prompt(prompt, defs)
    assert only_error(result, "4")["type"] == "invalid_prompt"
    assert "'inputs' must be a JSON object" in result.issues[0].message


def test_issue_render_names_everything(defs):
    prompt = txt2img()
    prompt["5"]["inputs"]["sampler_name"] = "eulr"
    line = validate_prompt(prompt, defs).issues[0].render()
    for part in ("[value_not_in_list]", "node 5", "KSampler", "'My sampler'", "'sampler_name'", "'eulr'",
                 "allowed: one of 'euler'", "did you mean 'euler'?"):
        assert part in line, line
