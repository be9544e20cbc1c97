"""Every API prompt that real ComfyUI executed (parity cases) validates, with object_info or graphrun's own defs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphrun.compile.checks_files import build_definitions
from graphrun.compile.plan import build_plan
from graphrun.compile.validate import validate_prompt
from graphrun.nodedefs import load_object_info
from graphrun.nodes.base import default_registry


def _lister(parity_dir: Path):
    def lister(folder: str):
        root = parity_dir / ("input" if folder == "input" else f"models/{folder}")
        return sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    return lister


def _exists(parity_dir: Path):
    return lambda folder, name: (parity_dir / "input" / name).is_file()


@pytest.fixture(scope="module", params=["object_info", "graphrun"])
def defs(request, parity_dir, object_info_path):
    info = load_object_info(object_info_path) if request.param == "object_info" else None
    return build_definitions(default_registry(), info, _lister(parity_dir))


def test_parity_prompts_validate(defs, parity_dir):
    cases = sorted((parity_dir / "cases").glob("*.api.json"))
    assert cases, "no parity API prompts found"
    failures = {}
    for path in cases:
        prompt = json.loads(path.read_text(encoding="utf-8"))
        result = validate_prompt(prompt, defs, file_exists=_exists(parity_dir))
        if not result.ok or result.issues:
            failures[path.name] = [i.render() for i in result.issues] or [str(result.error)]
            continue
        assert result.prompt == prompt  # ComfyUI wrote these; nothing to coerce
        plan = build_plan(result.prompt, defs, list(result.outputs))
        assert set(plan.order) == set(prompt)  # every node feeds an output in these cases
    assert not failures, json.dumps(failures, indent=1)


def test_object_info_wins_over_own_definitions(parity_dir, object_info_path):
    info = load_object_info(object_info_path)
    merged = build_definitions(default_registry(), info, None)
    assert merged["KSampler"] == info["KSampler"]
    assert merged["CheckpointLoaderSimple"].input_spec("ckpt_name").combo_options == []  # as given
    filled = build_definitions(default_registry(), info, _lister(parity_dir))
    on_disk = sorted(p.name for p in (parity_dir / "models" / "checkpoints").glob("*.safetensors"))
    assert "tiny-sd15.safetensors" in on_disk
    assert filled["CheckpointLoaderSimple"].input_spec("ckpt_name").combo_options == on_disk  # the folder's files
