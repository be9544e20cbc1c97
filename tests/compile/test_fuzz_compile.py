"""Fuzz: mutated real workflows go through load -> compile -> validate -> plan and end in a result or a
GraphrunError, never another exception; `graphrun validate` on such files exits 1 with a readable report."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphrun.compile.checks_files import build_definitions
from graphrun.errors import GraphrunError
from graphrun.nodedefs import load_object_info
from graphrun.nodes.base import default_registry

ROOT = Path(__file__).resolve().parents[2]
from tests.conftest import PARITY, SHARED  # noqa: E402 - the one rule for finding ../shared
SOURCES = sorted((SHARED / "cases").glob("*.json")) + sorted((PARITY / "cases").glob("*.api.json"))[:6]
NAMES = {"checkpoints": ["tiny-sd15.safetensors", "v1-5-pruned-emaonly.safetensors", "dreamshaper_8.safetensors"],
         "input": ["input.png", "example.png"]}

pytestmark = pytest.mark.skipif(not SOURCES or not (SHARED / "data" / "object_info.json").exists(),
                                reason=f"MISSING REFERENCE DATA: workflows under {SHARED}")


_DEFS = None


def defs():
    global _DEFS
    if _DEFS is None:
        info = load_object_info(SHARED / "data" / "object_info.json")
        _DEFS = build_definitions(default_registry(), info, lambda folder: NAMES.get(folder, []))
    return _DEFS


def pipeline(raw: bytes) -> Any:
    """File bytes -> document -> API prompt -> validation -> plan; what `graphrun run` does before executing."""
    from graphrun.compile.plan import build_plan
    from graphrun.compile.ui_to_api import compile_ui
    from graphrun.compile.validate import validate_prompt
    from graphrun.workflow.load import load_document

    doc = load_document(raw, name="fuzz.json")
    prompt = doc.data if doc.kind == "api" else compile_ui(doc.data, defs()).prompt
    result = validate_prompt(prompt, defs(), file_exists=lambda folder, name: name in NAMES["input"])
    if result.ok:
        build_plan(result.prompt, defs(), list(result.outputs))
    return result


WEIRD = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.just(10**400), st.just(-(10**30)),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6), st.just(""),
    st.lists(st.one_of(st.integers(-3, 3), st.text(max_size=3)), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just({"__value__": [1, 2]}),
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        out.append(prefix + (key,))
        out.extend(_paths(child, prefix + (key,)))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _links(doc: Any) -> list[tuple]:
    """Paths of API link values ([id, slot]) and of UI link arrays/objects."""
    return [p for p in _paths(doc) if isinstance(_get(doc, p), list) and len(_get(doc, p)) in (2, 6)
            and (p[-2:-1] != ("widgets_values",))]


def mutate(data: st.DataObject, doc: Any) -> Any:
    op = data.draw(st.sampled_from(["drop", "replace", "dangle", "duplicate", "cycle", "swap"]))
    paths = _paths(doc)
    if not paths:
        return copy.deepcopy(data.draw(WEIRD))
    if op == "drop":
        path = data.draw(st.sampled_from(paths))
        parent = _get(doc, path[:-1])
        del parent[path[-1]]
    elif op == "replace":
        path = data.draw(st.sampled_from(paths))
        _get(doc, path[:-1])[path[-1]] = copy.deepcopy(data.draw(WEIRD))  # st.just() shares its value
    elif op in ("dangle", "cycle", "swap") and _links(doc):
        path = data.draw(st.sampled_from(_links(doc)))
        link = _get(doc, path)
        ids = [k for k in doc if isinstance(doc, dict)] if isinstance(doc, dict) else []
        if op == "dangle":
            link[0 if len(link) == 2 else 1] = data.draw(st.sampled_from(["99999", 99999, -1, None]))
        elif op == "cycle" and len(link) == 2 and ids:
            link[0] = data.draw(st.sampled_from(ids))  # may point downstream (a cycle) or at itself
            link[1] = data.draw(st.integers(-1, 3))
        else:
            i, j = (1, 3) if len(link) == 6 else (0, 1)
            link[i], link[j] = link[j], link[i]
    elif op == "duplicate":
        lists = [p for p in paths if isinstance(_get(doc, p), list) and _get(doc, p)]
        if lists:
            target = _get(doc, data.draw(st.sampled_from(lists)))
            target.append(json.loads(json.dumps(target[data.draw(st.integers(0, len(target) - 1))])))
    return doc


def corrupt_bytes(data: st.DataObject, raw: bytes) -> bytes:
    op = data.draw(st.sampled_from(["none", "none", "truncate", "garble", "bom"]))
    if op == "truncate":
        return raw[: data.draw(st.integers(0, max(0, len(raw) - 1)))]
    if op == "garble":
        at = data.draw(st.integers(0, len(raw)))
        junk = data.draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x00", b"\xed\xa0\x80", b"}", b"NaN"]))
        return raw[:at] + junk + raw[at:]
    if op == "bom":
        return b"\xef\xbb\xbf" + raw
    return raw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_workflows_never_crash(data):
    source = data.draw(st.sampled_from(SOURCES))
    doc = json.loads(source.read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        doc = mutate(data, doc)
    raw = corrupt_bytes(data, json.dumps(doc).encode("utf-8"))
    try:
        result = pipeline(raw)
    except GraphrunError as exc:
        assert exc.render()  # renders without raising
        return
    assert result.ok in (True, False)
    for issue in result.issues:
        assert issue.render().startswith(f"[{issue.code}]")
    json.dumps(result.to_comfy_json(), default=str)


API_SOURCES = [p for p in SOURCES if p.name.endswith(".api.json")]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_api_dicts_straight_into_the_validator(data):
    """No loader in front: the validator alone copes with any shape (ComfyUI would answer 400 or 500)."""
    from graphrun.compile.plan import build_plan
    from graphrun.compile.validate import validate_prompt

    doc = json.loads(data.draw(st.sampled_from(API_SOURCES)).read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 5))):
        doc = mutate(data, doc)
    before = copy.deepcopy(doc)
    result = validate_prompt(doc, defs())
    assert repr(doc) == repr(before)  # the input is never modified
    assert result == validate_prompt(doc, defs()) or any(
        isinstance(v, float) and math.isnan(v) for v in _leaves(doc))  # deterministic (NaN != NaN aside)
    if result.ok:
        plan = build_plan(result.prompt, defs(), list(result.outputs))
        assert set(result.outputs) <= set(plan.order)


def _leaves(doc: Any) -> list[Any]:
    return [_get(doc, p) for p in _paths(doc)] + [doc]


def _bad_files(tmp_path: Path) -> list[Path]:
    base = json.loads((SHARED / "cases" / "02_primitives_controls.api.json").read_text(encoding="utf-8"))
    sampler = next(k for k, n in base.items() if n["class_type"] == "KSampler")
    variants = {
        "values": lambda p: p[sampler]["inputs"].update(steps=10**400, cfg=math.inf, sampler_name="eulr"),
        "dangling": lambda p: p[sampler]["inputs"].update(model=["404", 0]),
        "cycle": lambda p: p[sampler]["inputs"].update(latent_image=[sampler, 0]),
        "missing": lambda p: p[sampler]["inputs"].pop("positive"),
    }
    files = []
    for name, change in variants.items():
        prompt = json.loads(json.dumps(base))
        change(prompt)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(prompt))  # Python json writes Infinity, which ComfyUI reads too
        files.append(path)
    raw = json.dumps(base).encode()
    (tmp_path / "truncated.json").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "latin1.json").write_bytes(raw.replace(b"blurry", b"bl\xfcrry"))
    return files + [tmp_path / "truncated.json", tmp_path / "latin1.json"]


def test_cli_validate_reports_broken_files_readably(tmp_path, capsys):
    from graphrun.cli.main import main

    files = _bad_files(tmp_path)
    code = main(["validate", "--no-file-checks", *map(str, files)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "Traceback" not in out + err
    for path in files:
        assert f"{path}: invalid: " in out
    blocks = out.split(f"{tmp_path}/")[1:]
    assert all("\n  [" in block for block in blocks), out  # each file lists at least one coded issue
    assert "[dependency_cycle]" in out and "[bad_linked_input]" in out and "did you mean 'euler'?" in out
