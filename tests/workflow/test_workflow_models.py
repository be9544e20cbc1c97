"""The typed models: passthrough of unknown keys, exact round trip, tolerant scalars, helper views."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphrun.errors import WorkflowError
from graphrun.workflow._base import parse_slot
from graphrun.workflow.api import ApiPrompt, is_link
from graphrun.workflow.load import load_document
from graphrun.workflow.ui import UILink, UINode, UIWorkflow04, Vector2Object, xy

from .test_workflow_errors import API, UI

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(extra=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k not in UINode.model_fields),
                             json_values, max_size=4),
       widgets=st.lists(json_values, max_size=5) | st.dictionaries(st.text(max_size=5), json_values, max_size=3))
def test_node_round_trip_keeps_unknown_keys_and_order(extra, widgets):
    node = dict(UI["nodes"][1], **extra, widgets_values=widgets)
    doc = dict(UI, nodes=[UI["nodes"][0], node])
    out = load_document(doc).dump()
    assert out == doc
    assert json.dumps(out) == json.dumps(doc)


def test_scalars_are_not_converted():
    doc = copy.deepcopy(UI)
    doc["nodes"][0].update(id="7:1", pos=[1.5, 2], order=1.0, size={"0": 3, "1": 4.5, "extra": True})
    doc["links"][0] = [1, "7:1", "0", 2, 0, ["LATENT", "X"]]
    doc["extra"] = None
    doc["config"] = None
    out = load_document(doc).dump()
    assert json.dumps(out) == json.dumps(doc)
    model = load_document(doc).model
    assert isinstance(model.nodes[0].size, Vector2Object) and xy(model.nodes[0].size) == (3, 4.5)
    assert xy(model.nodes[0].pos) == (1.5, 2) and model.nodes[0].id == "7:1"


def test_integral_floats_are_integers_like_in_javascript():
    doc = copy.deepcopy(UI)
    doc["nodes"][0]["id"] = 1.0
    doc["links"][0] = [1, 1.0, 0.0, 2, 0, "LATENT"]
    assert json.dumps(load_document(doc).dump()) == json.dumps(doc)
    assert load_document(doc).model.link_objects()[0].origin_slot_index == 0
    doc["nodes"][0]["id"] = 1.5
    with pytest.raises(WorkflowError) as info:
        load_document(doc)
    assert [i.pointer for i in info.value.issues] == ["/nodes/0/id"]


def test_nulls_the_frontend_writes_are_accepted():
    doc = copy.deepcopy(UI)
    doc["nodes"][0]["outputs"][0].update(links=None, slot_index=None)
    doc["nodes"][1]["inputs"][0]["link"] = None
    assert load_document(doc).dump() == doc


def test_link_views():
    model = load_document(UI).model
    assert isinstance(model, UIWorkflow04)
    (link,) = model.link_objects()
    assert isinstance(link, UILink)
    assert (link.id, link.origin_id, link.origin_slot_index, link.target_id, link.target_slot_index) == (1, 1, 0, 2, 0)
    assert model.node_by_id()[2].inputs[0].link == 1
    assert model.subgraph_definitions() == []


@pytest.mark.parametrize("raw, expected", [(3, 3), ("2", 2), (" 3abc", 3), ("-1", -1)])
def test_parse_slot_follows_parseint(raw, expected):
    assert parse_slot(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", True])
def test_parse_slot_rejects(raw):
    with pytest.raises(ValueError):
        parse_slot(raw)


def test_node_passthrough_accessors():
    node = UINode.model_validate(dict(UI["nodes"][0], title="Latent", widgets_values_named={"width": 512}))
    assert node.title == "Latent" and node.widgets_values_named == {"width": 512}
    assert UINode.model_validate(UI["nodes"][0]).title is None


def test_api_model():
    prompt = {"4": {"inputs": {"ckpt_name": "a.safetensors"}, "class_type": "CheckpointLoaderSimple",
                    "_meta": {"title": "Load"}, "is_changed": ["x"]},
              "3": {"class_type": "KSampler", "inputs": {"model": ["4", 0], "seed": 1, "pair": {"__value__": [1, 2]}}}}
    model = ApiPrompt.parse(prompt)
    assert list(model) == ["4", "3"] and len(model) == 2
    assert model["4"].title == "Load" and model["3"].title is None
    assert model["3"].links() == {"model": ("4", 0)}
    assert model["3"].constants() == {"seed": 1, "pair": {"__value__": [1, 2]}}
    assert json.dumps(model.dump()) == json.dumps(prompt)
    assert is_link(["4", 0]) and not is_link([1, 2, 3]) and not is_link("4")
    assert load_document(API).model.dump() == API


def test_native_reroutes_floating_links_and_nested_definitions():
    state = {"lastGroupId": 0, "lastNodeId": 2, "lastLinkId": 2, "lastRerouteId": 1}
    link = {"id": 1, "origin_id": 1, "origin_slot": 0, "target_id": 2, "target_slot": "0", "type": "LATENT",
            "parentId": 1}
    inner = {"id": "b" * 8, "version": 1, "revision": 0, "name": "Inner", "state": state, "nodes": [],
             "inputNode": {"id": -10, "bounding": [0, 0, 10, 10]}, "outputNode": {"id": -20, "bounding": [0, 0, 1, 1]},
             "inputs": [{"id": "in-1", "name": "x", "type": "LATENT", "linkIds": [3]}], "widgets": []}
    outer = dict(inner, id="a" * 8, name="Outer", definitions={"subgraphs": [inner]},
                 links=[dict(link, id=3, origin_id=-10, target_id=5, parentId=2)])
    doc = {"id": "x", "revision": 3, "version": 1, "state": state, "nodes": UI["nodes"], "links": [link],
           "floatingLinks": [dict(link, id=2, target_id=-1)],
           "reroutes": [{"id": 1, "pos": [5, 5], "linkIds": [1]},
                        {"id": 2, "pos": {"0": 1, "1": 2}, "linkIds": None, "floating": {"slotType": "output"}}],
           "definitions": {"subgraphs": [outer]}, "extra": {"ds": {"scale": 1, "offset": [0, 0]}}}
    loaded = load_document(doc)
    assert loaded.version == "1" and json.dumps(loaded.dump()) == json.dumps(doc)
    assert [d.name for d in loaded.model.subgraph_definitions()] == ["Outer", "Inner"]
    assert loaded.model.link_objects()[0].target_slot_index == 0
    v04 = dict(UI, extra={"reroutes": [{"id": 1, "pos": [0, 0]}], "linkExtensions": [{"id": 1, "parentId": 1}]})
    assert load_document(v04).dump() == v04
