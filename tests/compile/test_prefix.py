"""Frontend filename_prefix substitution (ComfyUI_frontend searchAndReplace.ts / formatUtil.formatDate)."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphrun.compile.prefix import (FRONTEND_SAVE_NODE_TYPES, PrefixNode, expand_frontend_prefix,
                                     format_frontend_date, js_string)

NOW = datetime(2024, 3, 5, 7, 8, 9)
NODES = [
    PrefixNode("CheckpointLoaderSimple", "Load Checkpoint", {"ckpt_name": "sd15/dreamshaper_8.safetensors"}),
    PrefixNode("KSampler", "First pass", {"seed": 42, "control_after_generate": "randomize", "cfg": 8.0,
                                          "denoise": 0.55, "sampler_name": "euler"}),
    PrefixNode("KSampler", "Second pass", {"seed": 7}),
    PrefixNode("EmptyLatentImage", "Size", {"width": 768, "height": 512}, sr_name="Latent"),
    PrefixNode("CLIPTextEncode", "Positive", {"text": 'a "cat" <b>\n\tC:\\x|y*z?'}),
]


def expand(prefix, nodes=NODES):
    return expand_frontend_prefix(prefix, nodes=nodes, now=NOW)


def test_node_widget_by_class_type_takes_the_first_match():
    assert expand("out/%KSampler.seed%") == "out/42"


def test_title_is_used_when_no_sr_name_matches():
    assert expand("%Second pass.seed%_%Size.width%") == "7_768"


def test_explicit_sr_name_replaces_the_class_type():
    assert expand("%Latent.height%") == "512"
    assert expand("%EmptyLatentImage.height%") == "%EmptyLatentImage.height%"  # not its S&R name any more


def test_forbidden_characters_become_underscores():
    assert expand("%CheckpointLoaderSimple.ckpt_name%") == "sd15_dreamshaper_8.safetensors"
    assert expand("%Positive.text%") == "a _cat_ _b___C__x_y_z_"


def test_values_are_stringified_like_javascript():
    assert expand("%KSampler.cfg%-%KSampler.denoise%-%KSampler.control_after_generate%") == "8-0.55-randomize"
    assert [js_string(v) for v in (None, True, 1e21, 1e-7, 123456789012345680000.0, 0.000001, -2.5, [1, "a"])] == \
        ["", "true", "1e+21", "1e-7", "123456789012345680000", "0.000001", "-2.5", "1,a"]


def test_unknown_node_or_widget_is_left_alone():
    assert expand("%Nope.seed%/%KSampler.nope%") == "%Nope.seed%/%KSampler.nope%"


def test_date_patterns():
    assert expand("%date:yyyy-MM-dd%") == "2024-03-05"
    assert expand("%date:yyyy-MM-dd hh:mm:ss%") == "2024-03-05 07:08:09"
    assert expand("%date:yy M d h m s%") == "24 3 5 7 8 9"
    assert expand("run_%date:hhmmss%_%KSampler.seed%") == "run_070809_42"


def test_date_with_one_dot_is_a_node_reference():
    assert expand("%date:yyyy.MM%") == "%date:yyyy.MM%"
    # three parts: a date again, but only split[0] ("date:yyyy") is formatted, as the frontend does
    assert expand("%date:yyyy.MM.dd%") == "2024"


def test_backend_variables_and_stray_percent_survive():
    assert expand("%width%x%height%_%batch_num%") == "%width%x%height%_%batch_num%"
    assert expand("100%_%KSampler.seed%") == "100%_%KSampler.seed%"  # "%_%" is consumed first, as in JS
    assert expand("50% off") == "50% off"


@pytest.mark.parametrize("pattern,expected", [("yyyy", "2024"), ("yyy", "yyy"), ("y", "y"), ("ddd", "055"),
                                              ("hh", "07"), ("H", "H"), ("MMM", "033")])
def test_format_frontend_date_tokens(pattern, expected):
    assert format_frontend_date(pattern, NOW) == expected


def test_afternoon_hours_are_24h():
    assert format_frontend_date("hh:mm", datetime(2024, 1, 1, 23, 59)) == "23:59"


def test_save_node_list():
    assert {"SaveImage", "SaveLatent"} <= FRONTEND_SAVE_NODE_TYPES and "PreviewImage" not in FRONTEND_SAVE_NODE_TYPES
