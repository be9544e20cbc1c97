"""Suggestions ('did you mean') and option lists used in validation messages."""

from __future__ import annotations

import pytest

from graphrun.compile.suggest import closest, describe_options

SAMPLERS = ["euler", "euler_ancestral", "heun", "dpmpp_2m", "dpmpp_2m_sde", "uni_pc"]


@pytest.mark.parametrize("value, expected", [
    ("eulr", "euler"), ("Euler", "euler"), ("dpmpp2m", "dpmpp_2m"), ("heun", None), ("zzzzzz", None),
    ("dpmpp", "dpmpp_2m"), (None, None), ("x" * 1000, None),
])
def test_closest(value, expected):
    assert closest(value, SAMPLERS) == expected


def test_closest_with_non_string_options():
    assert closest("1", [1, 2, None]) is None  # exact text match is not a suggestion
    assert closest("KSamplr", ["KSampler", "KSamplerAdvanced", "VAEDecode"]) == "KSampler"
    assert closest("a", []) is None


def test_describe_options():
    assert describe_options([]) == "no options (the list is empty)"
    assert describe_options(["a", "b"]) == "one of 'a', 'b'"
    assert describe_options(list(range(12))).endswith("10, 11")
    assert describe_options(list(range(42))).endswith("40, 41")  # every sampler name is listed
    assert describe_options(list(range(400))).endswith(", 47, ... (400 options)")  # long file lists are cut
