"""Every official template UI workflow (comfyui-workflow-templates 0.1.3 and -json 0.1.123) compiles: cleanly when
all its node types are in object_info.json, else with `missing_node_type` issues naming exactly the unknown types."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from graphrun.compile.ui_graph import VIRTUAL_TYPES
from graphrun.compile.ui_to_api import compile_ui
from graphrun.compile.validate import validate_prompt
from graphrun.errors import WorkflowError
from graphrun.nodedefs import load_object_info

PACKAGES = ("comfyui_workflow_templates", "comfyui_workflow_templates_json")


def _template_files() -> list[Path]:
    files: list[Path] = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            pytest.skip(f"MISSING REFERENCE DATA: package {name} is not installed")
        for root in spec.submodule_search_locations:
            files.extend(sorted(Path(root).rglob("*.json")))
    return files


def _node_types(doc: dict) -> tuple[set[str], set[str]]:
    """(every node type in the root and all subgraph definitions, the definition ids)."""
    types: set[str] = set()
    def_ids: set[str] = set()

    def walk(container: dict) -> None:
        types.update(str(n.get("type")) for n in container.get("nodes") or [] if isinstance(n, dict))
        for sub in (container.get("definitions") or {}).get("subgraphs") or []:
            def_ids.add(str(sub.get("id")))
            walk(sub)

    walk(doc)
    return types, def_ids


MODEL_FILE = re.compile(r"\.(safetensors|sft|ckpt|pt|pth|bin|gguf|onnx)$", re.I)


def _is_model_file(issue) -> bool:
    return issue.code == "value_not_in_list" and isinstance(issue.value, str) and bool(MODEL_FILE.search(issue.value))


def test_every_template_compiles_or_names_its_unknown_types(object_info_path: Path) -> None:
    defs = load_object_info(object_info_path)
    counts: Counter[str] = Counter()
    problems: list[str] = []
    for path in _template_files():
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "nodes" not in doc:
            continue  # index / locale files
        counts["total"] += 1
        types, def_ids = _node_types(doc)
        unknown = {t for t in types if t not in defs and t not in def_ids and t not in VIRTUAL_TYPES}
        try:
            result = compile_ui(doc, defs, rng_seed=0)
        except WorkflowError as exc:
            named = {i.class_type for i in exc.issues if i.code == "missing_node_type"}
            others = [i for i in exc.issues if i.code != "missing_node_type"]
            if others or named != unknown:
                counts["other errors"] += 1
                problems.append(f"{path.name}: {exc.render()[:300]} (expected unknown {sorted(unknown)})")
            else:
                counts["missing-type"] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - report every file, not only the first crash
            counts["crashed"] += 1
            problems.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        if unknown:
            problems.append(f"{path.name}: compiled although {sorted(unknown)} are unknown")
        counts["compiled clean"] += 1
        # Backend validation never crashes; what it reports is either a model file this machine does not have
        # or a template newer than the v0.3.64 definitions (new enum values, changed widget lists).
        issues = validate_prompt(result.prompt, defs).issues
        counts["validated clean"] += not issues
        counts["validated, only missing model files"] += bool(issues) and all(_is_model_file(i) for i in issues)
        for key, entry in result.prompt.items():
            assert entry["class_type"] in defs, (path.name, key)
            links = [v for v in entry["inputs"].values() if isinstance(v, list)]
            assert all(len(v) == 2 and v[0] in result.prompt and isinstance(v[1], int) for v in links), (path.name, key)
    print(f"\ntemplate corpus: {dict(counts)}")
    assert counts["total"] >= 700, counts
    assert not problems, "\n".join(problems[:20])
