"""Node parity cases, run through the CLI as a user would, against ComfyUI v0.3.64's own output files.

Cases and reference files: tests/fixtures/nodes/<group>/ (made by tools/oracle/run_nodes.py with real ComfyUI
from tools/oracle/nodes_cases.py). Every .latent a case's SaveLatent wrote must match within relative L2 1e-5,
every PNG within one 8-bit level, and PreviewAny's text must be ComfyUI's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from graphrun.cli.main import main
from tests.parity_report import record

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nodes"
TOL = 1e-5
CASES = sorted((p.parent.name, p.name[: -len(".api.json")]) for p in FIXTURES.glob("*/*.api.json"))


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """ComfyUI's reference ran on one torch thread (the tiny VAE magnifies reduction-order differences)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def models_dir(tiny_ckpt, tmp_path_factory):
    """The tiny checkpoint from ../shared/parity plus the committed tiny upscale models, in one models folder."""
    root = tmp_path_factory.mktemp("models")
    (root / "checkpoints").mkdir()
    os.symlink(tiny_ckpt, root / "checkpoints" / tiny_ckpt.name)
    os.symlink(FIXTURES / "models" / "upscale_models", root / "upscale_models")
    return root


def rel_l2(got: torch.Tensor, ref: torch.Tensor) -> float:
    got, ref = got.double(), ref.double()
    denom = ref.norm().item()
    return (got - ref).norm().item() / (denom if denom > 0 else 1.0)


@pytest.mark.parity
@pytest.mark.parametrize("group,name", CASES, ids=[c[1] for c in CASES])
def test_node_case_matches_comfyui(group, name, models_dir, tmp_path, capsys):
    rc = main(["run", str(FIXTURES / group / f"{name}.api.json"), "--models-dir", str(models_dir),
               "--input-dir", str(FIXTURES / "input"), "--output-dir", str(tmp_path), "--device", "cpu", "-q"])
    assert rc == 0, f"graphrun run exited {rc} for {name}"
    ref_dir = FIXTURES / group / name
    refs = sorted(p for p in ref_dir.iterdir() if p.is_file())
    assert refs, f"no reference files in {ref_dir}"
    written = {p.name for p in (tmp_path / name).iterdir()} if (tmp_path / name).is_dir() else set()
    assert written == {p.name for p in refs}, f"{name}: files differ: {sorted(written)} vs {[p.name for p in refs]}"
    for ref in refs:
        got = tmp_path / name / ref.name
        if ref.suffix == ".latent":
            a, b = load_file(str(got))["latent_tensor"], load_file(str(ref))["latent_tensor"]
            assert a.shape == b.shape, f"{name}/{ref.name}: shape {tuple(a.shape)} != {tuple(b.shape)}"
            err = rel_l2(a, b)
            record("latent rel-L2", f"{name}/{ref.name}", err)
            assert err <= TOL, f"{name}/{ref.name}: latent relative L2 {err:.3g} > {TOL}"
        else:
            a = np.asarray(Image.open(got), dtype=np.int16)
            b = np.asarray(Image.open(ref), dtype=np.int16)
            assert a.shape == b.shape, f"{name}/{ref.name}: shape {a.shape} != {b.shape}"
            diff = int(np.abs(a - b).max())
            record("PNG max level diff", f"{name}/{ref.name}", diff)
            assert diff <= 1, f"{name}/{ref.name}: PNG differs by {diff} levels"
    ui = FIXTURES / group / f"{name}.ui.json"
    if ui.exists():
        log = capsys.readouterr().err
        for node_id, texts in json.loads(ui.read_text()).items():
            for text in texts:
                assert f"PreviewAny (node {node_id}): {text}\n" in log, f"{name}: PreviewAny {node_id} != {text!r}"
