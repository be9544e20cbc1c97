"""The hand-written cases in ../shared/cases load with the right kind/version and round-trip exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphrun.workflow.api import ApiPrompt
from graphrun.workflow.load import dump, load_document
from graphrun.workflow.ui import UIWorkflow1, UIWorkflow04

from tests.conftest import SHARED  # noqa: E402 - the one rule for finding ../shared
CASES = sorted((SHARED / "cases").glob("*.json"))


def test_cases_present():
    if not CASES:
        pytest.skip(f"MISSING REFERENCE DATA: no *.json in {SHARED / 'cases'} (set GRAPHRUN_SHARED_DIR)")
    assert any(p.name.endswith(".ui.json") for p in CASES) and any(p.name.endswith(".api.json") for p in CASES)


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_case_loads_and_round_trips(path: Path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    doc = load_document(path)
    if path.name.endswith(".api.json"):
        assert (doc.kind, doc.version) == ("api", None)
        assert isinstance(doc.model, ApiPrompt)
    else:
        expected = "1" if raw["version"] == 1 else "0.4"
        assert (doc.kind, doc.version) == ("ui", expected)
        assert isinstance(doc.model, UIWorkflow1 if expected == "1" else UIWorkflow04)
    assert doc.name == str(path) and doc.path == path
    assert doc.data == raw
    out = dump(doc)
    assert out == raw
    assert json.dumps(out) == json.dumps(raw), "key order changed"


@pytest.mark.parametrize("path", [p for p in CASES if p.name.endswith(".api.json")],
                         ids=lambda p: p.name)
def test_post_body_is_unwrapped(path: Path):
    prompt = json.loads(path.read_text(encoding="utf-8"))
    body = {"client_id": "abc", "prompt": prompt, "extra_data": {"extra_pnginfo": {}}}
    doc = load_document(json.dumps(body).encode())
    assert doc.kind == "api" and doc.data == prompt and doc.envelope == body
    assert doc.dump() == prompt


def test_v1_case_typed_views():
    path = SHARED / "cases" / "03_subgraph_promoted_widgets_v1.ui.json"
    if not path.exists():
        pytest.skip(f"MISSING REFERENCE DATA: {path}")
    model = load_document(path).model
    assert isinstance(model, UIWorkflow1)
    (definition,) = model.subgraph_definitions()
    assert definition.inputNode.id == -10 and definition.outputNode.id == -20
    instance = next(n for n in model.nodes if n.type == definition.id)
    assert [i.name for i in instance.inputs] == ["model", "clip", "latent"]
    links = model.links_by_id()
    assert links[1].origin_id == 1 and links[1].target_id == instance.id
    inner = definition.link_objects()
    assert any(link.origin_id == -10 for link in inner) and any(link.target_id == -20 for link in inner)
