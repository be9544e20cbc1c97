"""The committed JSON Schemas and the typed models accept exactly the same documents.

load.py relies on this: it parses with the models and consults the schema only to explain a rejection.
"""

from __future__ import annotations

import copy
import os
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from graphrun.workflow.load import detect
from graphrun.workflow.validate import schema_issues
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [json.loads(p.read_text()) for p in sorted((ROOT / "workflows").glob("*.json"))]
SEEDS += [json.loads(p.read_text()) for p in sorted((SHARED / "cases").glob("*.json"))] if SHARED.exists() else []


def _template_seeds(limit: int = 12) -> list[dict]:
    """A few official templates with subgraphs, reroutes and groups (when the packages are installed)."""
    import importlib.util

    spec = importlib.util.find_spec("comfyui_workflow_templates_json")
    if spec is None or not spec.submodule_search_locations:
        return []
    found = []
    for path in sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        if '"definitions"' in text and len(text) < 60000:
            found.append(json.loads(text))
        if len(found) >= limit:
            break
    return found


SEEDS += _template_seeds()


def model_ok(data, key) -> bool:
    from graphrun.workflow.load import _MODELS

    try:
        _MODELS[key].model_validate(data)
        return True
    except ValidationError:
        return False


def paths(value, prefix=()):
    """Every (container path, key) in a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix, k
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield prefix, i
            yield from paths(v, prefix + (i,))


REPLACEMENTS = [None, "x", "", 0, -1, 1.5, 2**60, True, [], {}, [1, 2], {"a": 1}, float("inf")]


@settings(max_examples=int(os.environ.get("GRAPHRUN_AGREE_EXAMPLES", 300)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(range(len(SEEDS))), picks=st.lists(st.tuples(st.integers(0, 10**6),
       st.sampled_from(range(len(REPLACEMENTS) + 1))), min_size=1, max_size=3))
def test_models_and_schemas_agree_on_mutated_documents(seed, picks):
    doc = copy.deepcopy(SEEDS[seed])
    key = detect(doc)
    for where, what in picks:
        spots = list(paths(doc))
        container_path, k = spots[where % len(spots)]
        container = doc
        for step in container_path:
            container = container[step]
        if what == len(REPLACEMENTS):  # drop the field / item
            del container[k]
        else:
            container[k] = copy.deepcopy(REPLACEMENTS[what])
    assert model_ok(doc, key) == (not schema_issues(doc, key)), json.dumps(doc)[:500]
