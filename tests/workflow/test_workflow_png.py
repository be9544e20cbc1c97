"""Workflows embedded in PNG text chunks (ComfyUI's SaveImage writes `prompt` and `workflow`)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from graphrun.errors import WorkflowError
from graphrun.workflow.load import load_document

from .test_workflow_errors import API, UI

from tests.conftest import PARITY  # noqa: E402 - the one rule for finding ../shared/parity


def png_bytes(texts: dict[str, str] | None = None, *, itxt: bool = False) -> bytes:
    info = PngInfo()
    for key, value in (texts or {}).items():
        if itxt:
            info.add_itxt(key, value, zip=True)
        else:
            info.add_text(key, value)
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


@pytest.mark.parametrize("itxt", [False, True], ids=["tEXt", "iTXt-zlib"])
def test_png_with_workflow_and_prompt(tmp_path: Path, itxt: bool):
    ui = json.loads(json.dumps(UI))
    ui["nodes"][0]["title"] = "Größe ✓"  # non-Latin-1 text survives
    path = tmp_path / "out.png"
    path.write_bytes(png_bytes({"prompt": json.dumps(API), "workflow": json.dumps(ui, ensure_ascii=False)},
                               itxt=itxt))
    doc = load_document(path)
    assert (doc.kind, doc.version) == ("ui", "0.4")
    assert doc.data == ui and doc.embedded_workflow == ui and doc.embedded_prompt == API
    assert doc.dump() == ui and doc.name == str(path)


def test_png_with_prompt_only():
    doc = load_document(png_bytes({"prompt": json.dumps(API)}))
    assert (doc.kind, doc.data, doc.embedded_workflow) == ("api", API, None)


def test_png_without_chunks():
    (issue,) = pytest.raises(WorkflowError, load_document, png_bytes({"Software": "x"})).value.issues
    assert issue.code == "no_embedded_workflow" and "Software" in issue.details


def test_png_with_broken_chunk_json():
    err = pytest.raises(WorkflowError, load_document, png_bytes({"workflow": "{oops"})).value
    assert err.issues[0].code == "invalid_json" and "'workflow' chunk" in err.message


def test_png_with_invalid_workflow_names_the_chunk():
    bad = dict(UI, links=[[1, 2]])
    err = pytest.raises(WorkflowError, load_document, png_bytes({"workflow": json.dumps(bad)})).value
    (issue,) = err.issues
    assert (issue.pointer, issue.extra["png_chunk"]) == ("/links/0", "workflow")


def test_truncated_png():
    (issue,) = pytest.raises(WorkflowError, load_document, png_bytes({"prompt": "{}"})[:40]).value.issues
    assert issue.code == "invalid_png"


def test_reference_png_has_a_prompt():
    path = PARITY / "cases" / "a_img2img_euler_normal_s20_d0.80.png"
    if not path.exists():
        pytest.skip(f"MISSING REFERENCE DATA: {path} (set GRAPHRUN_PARITY_DIR)")
    doc = load_document(path)
    assert doc.kind == "api" and doc.embedded_prompt == doc.data
    assert any(node.class_type == "KSampler" for node in doc.model.root.values())
