"""Start-up: the commands that only read and rewrite workflow JSON must not import the numerical stack.

Each command runs in a fresh interpreter (the only way to see what an import pulls in); the check is on
`sys.modules` after the command returned. validate/compile need neither torch nor scipy (nor numpy, networkx,
jsonschema for a valid workflow); convert/explain compute float32 sigma schedules with the sampler's own torch
code, so they may import torch, but not scipy (only the beta scheduler and lms need it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "workflows" / "SD1.5_image2image_KSampler.json"

PROBE = """
import json, sys
from graphrun.cli.main import main
rc = main(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'scipy', 'numpy', 'networkx', 'jsonschema', 'PIL'})
print('@@' + json.dumps({'rc': rc, 'heavy': heavy}))
"""


def _modules_after(*argv: str) -> tuple[int, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    line = [x for x in proc.stdout.splitlines() if x.startswith("@@")]
    assert line, proc.stdout + proc.stderr
    out = json.loads(line[-1][2:])
    return out["rc"], set(out["heavy"])


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_validate_and_compile_import_no_numerical_stack(command, tmp_path):
    # validate checks model and input files as `run` does: give it a models folder with the checkpoint's name
    models = tmp_path / "models" / "checkpoints"
    models.mkdir(parents=True)
    (models / "v1-5-pruned-emaonly.safetensors").write_bytes(b"")
    folders = ["--models-dir", str(tmp_path / "models"), "--input-dir", str(ROOT / "input")]
    extra = ["-o", str(tmp_path / "api.json")] if command == "compile" else folders
    rc, heavy = _modules_after(command, str(WORKFLOW), *extra)
    assert rc == 0
    assert heavy == set(), f"`graphrun {command}` imported {sorted(heavy)}"


def test_invalid_workflow_explained_without_torch(tmp_path):
    """A rejected document (schema explanation, cycle report) still needs no torch/scipy."""
    bad = json.loads(WORKFLOW.read_text())
    bad["nodes"][0]["type"] = "NoSuchNode"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    rc, heavy = _modules_after("validate", str(path))
    assert rc == 1
    assert not heavy & {"torch", "scipy", "numpy"}, sorted(heavy)


@pytest.mark.parametrize("command", ["convert", "explain"])
def test_convert_and_explain_import_no_scipy(command, tmp_path):
    extra = ["--to", "advanced", "-o", str(tmp_path / "out.json")] if command == "convert" else []
    rc, heavy = _modules_after(command, str(WORKFLOW), *extra)
    assert rc == 0
    assert "scipy" not in heavy, f"`graphrun {command}` imported scipy"
