"""Without --ray nothing changes: `graphrun test` never imports Ray (it is an optional extra)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.distributed.conftest import ROOT

SCRIPT = """
import sys
from graphrun.cli.main import main
rc = main(["test", sys.argv[1], "--device", "cpu", "--update", "-q"])
print("RAY_IMPORTED" if "ray" in sys.modules else "RAY_ABSENT", rc)
"""


def test_graphrun_test_without_ray_flag_does_not_import_ray(tmp_path: Path):
    d = tmp_path / "wf"
    d.mkdir()
    (d / "a.json").write_text(json.dumps({
        "1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "2": {"class_type": "SaveLatent", "inputs": {"samples": ["1", 0], "filename_prefix": "l"}}}))
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(d)], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.stdout.strip().splitlines()[-1] == "RAY_ABSENT 0", run.stdout + run.stderr
