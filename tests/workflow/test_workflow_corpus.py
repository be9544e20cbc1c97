"""Every official template workflow (comfyui-workflow-templates-json 0.1.123 and comfyui-workflow-templates 0.1.3)
parses, passes the committed JSON Schemas, and round-trips to the same dict with the same key order."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from graphrun.errors import WorkflowError
from graphrun.workflow.load import load_document

from ._corpus import PACKAGES, is_workflow, json_files


def test_template_corpus_round_trips():
    files = {pkg: json_files(pkg) for pkg in PACKAGES}
    if not any(files.values()):
        pytest.skip("MISSING CORPUS: install comfyui-workflow-templates-json==0.1.123 and "
                    "comfyui-workflow-templates==0.1.3")
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for pkg, paths in files.items():
        for path in paths:
            raw_bytes = path.read_bytes()
            raw = json.loads(raw_bytes)
            if not is_workflow(raw):
                counts[f"{pkg}:skipped"] += 1
                continue
            try:
                doc = load_document(raw_bytes, name=path.name)
            except WorkflowError as exc:
                failures.append(exc.render()[:1000])
                continue
            counts[f"{pkg}:{doc.kind}-{doc.version}"] += 1
            counts[f"{pkg}:subgraph-definitions"] += len(doc.model.subgraph_definitions())
            out = doc.dump()
            if out != raw:
                failures.append(f"{path.name}: dump() differs from the file")
            elif json.dumps(out) != json.dumps(raw):
                failures.append(f"{path.name}: dump() changed the key order")
    print(dict(counts))
    assert not failures, f"{len(failures)} template(s) failed:\n" + "\n".join(failures[:20])
    if files["comfyui_workflow_templates_json"]:
        assert counts["comfyui_workflow_templates_json:ui-0.4"] == 644
        assert counts["comfyui_workflow_templates_json:skipped"] == 16
        assert counts["comfyui_workflow_templates_json:subgraph-definitions"] == 311  # schema-1 graphs (spec §5)
    if files["comfyui_workflow_templates"]:
        assert counts["comfyui_workflow_templates:ui-0.4"] == 56
        assert counts["comfyui_workflow_templates:skipped"] == 1
