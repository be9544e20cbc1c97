"""Bad inputs become WorkflowError/UsageError with Issues that say where (pointer or line/column) and what."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphrun.errors import UsageError, WorkflowError
from graphrun.workflow.load import load_document

UI = {
    "last_node_id": 2, "last_link_id": 1,
    "nodes": [
        {"id": 1, "type": "EmptyLatentImage", "pos": [0, 0], "size": [300, 100], "flags": {}, "order": 0, "mode": 0,
         "outputs": [{"name": "LATENT", "type": "LATENT", "links": [1]}], "properties": {},
         "widgets_values": [512, 512, 1]},
        {"id": 2, "type": "VAEDecode", "pos": [400, 0], "size": [300, 100], "flags": {}, "order": 1, "mode": 0,
         "inputs": [{"name": "samples", "type": "LATENT", "link": 1}], "properties": {}},
    ],
    "links": [[1, 1, 0, 2, 0, "LATENT"]],
    "groups": [], "config": {}, "extra": {}, "version": 0.4,
}
API = {"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}}}


def errors(source, exc_type=WorkflowError):
    with pytest.raises(exc_type) as info:
        load_document(source)
    err = info.value
    assert err.issues, "an error must carry at least one Issue"
    for issue in err.issues:
        assert issue.message and issue.render()
    return err


def test_minimal_documents_load():
    assert load_document(UI).version == "0.4"
    assert load_document(API).kind == "api"


def test_malformed_json_reports_line_and_column():
    err = errors(b'{\n  "nodes": [1,\n}')
    (issue,) = err.issues
    assert issue.code == "invalid_json"
    assert (issue.extra["line"], issue.extra["column"]) == (3, 1)
    assert "line 3 column 1" in issue.message


def test_oversized_integer_literal():
    (issue,) = errors(b'{"1": {"class_type": "X", "inputs": {"n": ' + b"9" * 5000 + b"}}}").issues
    assert issue.code == "invalid_json"


def test_non_utf8_bytes():
    (issue,) = errors(b'{"nodes": "caf\xe9"}').issues
    assert issue.code == "not_utf8"
    assert issue.extra["offset"] == 14 and "0xe9" in issue.message


def test_utf8_bom_is_accepted():
    assert load_document(b"\xef\xbb\xbf" + json.dumps(API).encode()).kind == "api"


@pytest.mark.parametrize("raw", [b"", b"  \n\t"])
def test_empty_file(raw):
    (issue,) = errors(raw).issues
    assert issue.code == "empty_document"


def test_empty_object():
    (issue,) = errors(b"{}").issues
    assert (issue.code, issue.pointer) == ("empty_document", "")


@pytest.mark.parametrize("raw, word", [(b"[1, 2]", "an array"), (b'"x"', "a string"), (b"3", "a number"),
                                       (b"null", "null")])
def test_wrong_top_level_type(raw, word):
    (issue,) = errors(raw).issues
    assert (issue.code, issue.pointer) == ("wrong_top_level_type", "")
    assert word in issue.message


def test_unknown_format():
    (issue,) = errors({"hello": 1}).issues
    assert (issue.code, issue.pointer) == ("unknown_format", "")


@pytest.mark.parametrize("version", [None, "0.4", True])
def test_ui_without_numeric_version(version):
    doc = copy.deepcopy(UI)
    doc["version"] = version
    (issue,) = errors(doc).issues
    assert (issue.code, issue.pointer) == ("missing_version", "/version")


def test_node_without_id():
    doc = copy.deepcopy(UI)
    del doc["nodes"][1]["id"]
    (issue,) = errors(doc).issues
    assert (issue.code, issue.pointer) == ("schema_violation", "/nodes/1/id")
    assert "'id'" in issue.message and "missing" in issue.message


@pytest.mark.parametrize("link", [[1, 1, 0, 2, 0], [1, 1, 0, 2, 0, "LATENT", 9]])
def test_link_with_wrong_arity(link):
    doc = copy.deepcopy(UI)
    doc["links"][0] = link
    (issue,) = errors(doc).issues
    assert (issue.code, issue.pointer) == ("schema_violation", "/links/0")
    assert f"exactly 6 items, got {len(link)}" in issue.message


def test_all_errors_are_reported_best_first():
    doc = copy.deepcopy(UI)
    doc["nodes"][0]["widgets_values"] = 5
    doc["nodes"][1]["pos"] = [1]
    doc["nodes"][1]["inputs"][0]["link"] = "1"
    doc["links"][0][2] = "out"
    doc.pop("last_link_id")
    err = errors(doc)
    pointers = [i.pointer for i in err.issues]
    assert pointers[0] == "/last_link_id"  # the shallowest, most structural problem first
    assert sorted(pointers) == sorted(["/last_link_id", "/nodes/0/widgets_values", "/nodes/1/pos",
                                       "/nodes/1/inputs/0/link", "/links/0/2"])
    by_pointer = {i.pointer: i for i in err.issues}
    assert "expected exactly 2 items, got 1" in by_pointer["/nodes/1/pos"].message
    assert by_pointer["/links/0/2"].value == "out" and "numeric string" in by_pointer["/links/0/2"].message
    assert "5 problems" in err.message


def test_v1_link_objects_and_subgraph_errors():
    doc = {"version": 1, "state": {"lastGroupId": 0, "lastNodeId": 0, "lastLinkId": 0, "lastRerouteId": 0},
           "nodes": [], "links": [[1, 1, 0, 2, 0, "X"]],
           "definitions": {"subgraphs": [{"id": "s", "version": 1, "revision": 0, "name": "S", "nodes": [],
                                          "state": {"lastGroupId": 0, "lastNodeId": 0, "lastLinkId": 0,
                                                    "lastRerouteId": 0},
                                          "inputNode": {"id": -10, "bounding": [0, 0, 1]},
                                          "outputNode": {"id": -20, "bounding": [0, 0, 1, 1]}}]}}
    pointers = {i.pointer for i in errors(doc).issues}
    assert pointers == {"/links/0", "/definitions/subgraphs/0/inputNode/bounding"}


def test_api_errors_point_into_the_post_body():
    body = {"prompt": {"3": {"class_type": 3, "inputs": {}}, "4": {"class_type": "X"}}}
    issues = errors(body).issues
    assert {(i.code, i.pointer) for i in issues} == {("schema_violation", "/prompt/3/class_type"),
                                                     ("schema_violation", "/prompt/4/inputs")}


def test_unreadable_file_is_a_usage_error(tmp_path: Path):
    err = errors(tmp_path / "missing.json", UsageError)
    assert err.issues[0].code == "unreadable_file" and err.exit_code == 2
    assert errors(str(tmp_path), UsageError).issues[0].code == "unreadable_file"


def test_deep_nesting_is_reported_not_crashed():
    (issue,) = errors(b"[" * 200_000 + b"]" * 200_000).issues
    assert issue.code == "nested_too_deeply"


def test_json_text_and_path_strings(tmp_path: Path):
    assert load_document(json.dumps(API)).name == "<text>"
    path = tmp_path / "w.json"
    path.write_text(json.dumps(UI))
    doc = load_document(str(path), name="mine")
    assert (doc.name, doc.path, doc.kind) == ("mine", path, "ui")


_weird = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=4),
                   st.lists(st.integers(-2, 2), max_size=7), st.dictionaries(st.text(max_size=2), st.integers(),
                                                                                max_size=2))


def _paths(node, prefix=()):
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield prefix + (key,)
        yield from _paths(child, prefix + (key,))


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_mutated_documents_load_or_raise_workflow_error(data):
    doc = copy.deepcopy(data.draw(st.sampled_from([UI, API])))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()):
            parent[path[-1]] = data.draw(_weird)
        elif isinstance(parent, dict):
            del parent[path[-1]]
    try:
        loaded = load_document(json.dumps(doc).encode())
    except WorkflowError as exc:
        assert exc.issues and all(i.code and i.message for i in exc.issues)
    else:
        assert loaded.dump() == doc or json.dumps(loaded.dump()) == json.dumps(doc)


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=64))
def test_arbitrary_bytes_never_crash(raw):
    try:
        load_document(raw)
    except WorkflowError as exc:
        assert exc.issues
