"""`graphrun sweep`: axis values, errors before anything runs, a real 2x2 sweep on the tiny SD1.5 checkpoint whose
cells equal separate `graphrun run --set` runs byte for byte (metadata included), names, sheet, page, JSON,
--resume, interruption, --paired over -j 2 worker processes, and `graphrun compare`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graphrun.cli.main import main
from graphrun.errors import UsageError
from graphrun.sweep.axes import parse_values

ROOT = Path(__file__).resolve().parents[2]
ADV = ROOT / "workflows" / "SD1.5_image2image_KSampler_(Advanced).json"
STEM = "SD1.5_image2image_KSampler_(Advanced)"


def test_values_lists_ranges_and_files(tmp_path):
    assert parse_values("0,1,9,20") == [0, 1, 9, 20]
    assert parse_values("1.0:0.0:-0.25") == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert parse_values("0.1:0.3:0.1") == [0.1, 0.2, 0.3]  # decimal steps land exactly on the end
    assert parse_values("0:20:5") == [0, 5, 10, 15, 20]
    assert parse_values('euler,"a, b",x') == ["euler", "a, b", "x"]
    with pytest.raises(UsageError, match="never reaches"):
        parse_values("1:0:1")
    for name in ("b.png", "a.png"):
        (tmp_path / name).write_bytes(b"")
    assert parse_values(f"{tmp_path}/*.png", input_dir=tmp_path, files="input") == ["a.png", "b.png"]
    with pytest.raises(UsageError, match="not inside the input folder"):
        parse_values(f"{tmp_path}/a.png", input_dir=ROOT / "input", files="input")


@pytest.mark.parametrize("axis, expect", [
    ("NoSuchNode.steps=1,2", "no node with id or title 'NoSuchNode'"),
    ("6.nope=1,2", "has no input 'nope'"),
    ("6.cfg=4,1000", "input 'cfg': Value 1000.0 bigger than max of 100.0"),
    ("6.sampler_name=euler,eulr", "eulr"),
    ("6.positive=1,2", "linked from node 2"),
])
def test_bad_axes_fail_before_anything_runs(axis, expect, tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", str(ADV), "--axis", axis, "--stub-models", "-o", str(out), "--input-dir", str(ROOT / "input")])
    err = capsys.readouterr().err
    assert code in (1, 2) and expect in err and "Traceback" not in err
    assert not out.exists()  # nothing ran, nothing written


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_ckpt):
    from PIL import Image

    root = tmp_path_factory.mktemp("sweep")
    (root / "models" / "checkpoints").mkdir(parents=True)
    shutil.copy(tiny_ckpt, root / "models" / "checkpoints" / "v1-5-pruned-emaonly.safetensors")
    (root / "input").mkdir()
    Image.open(ROOT / "input" / "example.png").resize((64, 64)).save(root / "input" / "example.png")
    return root


def _common(world: Path) -> list[str]:
    return ["--models-dir", str(world / "models"), "--input-dir", str(world / "input"), "--device", "cpu",
            "--set", "6.steps=3"]


@pytest.fixture(scope="module")
def grid(world):
    import contextlib
    import io

    out = world / "grid"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["sweep", str(ADV), "--axis", "KSamplerAdvanced.start_at_step=0,2", "--axis", "6.cfg=4,8",
                     "-o", str(out), "--json", *_common(world)])
    assert code == 0
    return out, json.loads(buf.getvalue())


def _chunks(path: Path) -> dict:
    from PIL import Image

    with Image.open(path) as im:
        return {k: json.loads(v) for k, v in im.text.items()}


def test_grid_names_metadata_sheet_page_and_json(grid, world):
    from PIL import Image

    from graphrun.compile.ui_to_api import compile_workflow
    from graphrun.nodes.base import default_registry

    out, data = grid
    assert data["shape"] == [2, 2, 1] and len(data["cells"]) == 4
    names = sorted(Path(f).name for c in data["cells"] for f in c["files"])
    assert names == sorted(f"{STEM}_start_at_step-{s}_cfg-{c}.png" for s in (0, 2) for c in (4, 8))
    for cell in data["cells"]:
        assert cell["ok"] and cell["seconds"] > 0 and cell["nodes"]
        start, cfg = (cell["overrides"][-2][2], cell["overrides"][-1][2])
        meta = _chunks(Path(cell["files"][0]))
        inputs = meta["prompt"]["6"]["inputs"]
        assert (inputs["start_at_step"], inputs["cfg"], inputs["steps"]) == (start, cfg, 3)
        # the workflow chunk (what ComfyUI loads on drop) compiles to the prompt chunk that ran
        again = compile_workflow(meta["workflow"], default_registry().definitions(), rng_seed=0)
        assert again["6"]["inputs"] == {k: v for k, v in inputs.items()}
    # every cell after the first reused the loader, text encodings and the VAE encoding
    assert all(c["nodes"] and sum(n["cached"] for n in c["nodes"]) >= 5 for c in data["cells"][1:])
    (sheet,) = data["sheets"]
    with Image.open(sheet) as im:
        assert im.width > 2 * 192 and im.height > 2 * 192
        assert "graphrun_sweep" in im.text
    page = (out / "index.html").read_text()
    for cell in data["cells"]:
        assert f"cells/{Path(cell['files'][0]).name}" in page
    assert "start_at_step" in page and "cfg" in page


def test_a_cell_equals_a_separate_run_byte_for_byte(grid, world, tmp_path, capsys):
    out, data = grid
    cell = next(c for c in data["cells"] if c["labels"] == ["start_at_step=2", "cfg=8"])
    assert main(["run", str(ADV), "--output-dir", str(tmp_path), "--set", "6.start_at_step=2", "--set", "6.cfg=8",
                 "--no-cache", "-q", *_common(world)]) == 0
    (single,) = list(tmp_path.rglob("*.png"))
    assert single.read_bytes() == Path(cell["files"][0]).read_bytes()


def test_resume_skips_finished_cells(grid, world, capsys):
    out, data = grid
    before = {f: Path(f).stat().st_mtime_ns for c in data["cells"] for f in c["files"]}
    assert main(["sweep", str(ADV), "--axis", "6.start_at_step=0,2", "--axis", "6.cfg=4,8", "-o", str(out),
                 "--json", "--resume", *_common(world)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert all(c["resumed"] for c in again["cells"])
    assert before == {f: Path(f).stat().st_mtime_ns for c in again["cells"] for f in c["files"]}


def test_interrupted_cell_leaves_no_file_and_resume_finishes_it(world, tmp_path):
    from graphrun.runtime.context import ModelStore
    from graphrun.runtime.overrides import Override
    from graphrun.settings import Settings
    from graphrun.sweep.axes import AxisSpec
    from graphrun.sweep.cells import run_cell
    from graphrun.sweep.plan import plan_sweep
    from graphrun.sweep.runner import run_sweep

    settings = Settings(models_dir=world / "models", input_dir=world / "input", output_dir=tmp_path, device="cpu")
    plan = plan_sweep(ADV, [AxisSpec.parse("6.start_at_step=1")], settings, out_dir=tmp_path / "s",
                      fixed=[Override.parse("6.steps=3")])

    def stop(node, step, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_cell(plan.cells[0], ModelStore(), progress=stop)
    assert not [p for p in (tmp_path / "s").rglob("*") if p.is_file()]  # no partial or staged file survives
    (res,) = run_sweep(plan, resume=True)
    assert res.ok and not res.resumed and Path(res.files[0]).is_file() and plan.cells[0].manifest.is_file()


def test_paired_over_two_workers_equals_one_process(world, tmp_path, capsys):
    """-j 2 (two spawned workers, each its own cache) gives the same bytes as -j 1 at the same thread count."""
    got = {}
    for jobs in ("1", "2"):
        code = main(["sweep", str(ADV), "--paired", "--axis", "6.start_at_step=0,2", "--axis", "6.cfg=4,8",
                     "-j", jobs, "--threads", "1", "-o", str(tmp_path / jobs), "--json", *_common(world)])
        assert code == 0
        got[jobs] = json.loads(capsys.readouterr().out)
    assert got["2"]["shape"] == [2, 1, 1]
    assert [c["labels"] for c in got["2"]["cells"]] == [["start_at_step=0", "cfg=4"], ["start_at_step=2", "cfg=8"]]
    for one, two in zip(got["1"]["cells"], got["2"]["cells"]):
        assert Path(one["files"][0]).read_bytes() == Path(two["files"][0]).read_bytes()


def test_compare_two_cells_and_two_workflow_runs(grid, world, tmp_path, capsys):
    out, data = grid
    cells = sorted((out / "cells").glob("*.cell.json"))
    assert main(["compare", str(cells[0]), str(cells[0]), "-o", str(tmp_path / "same.png"), "--json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert same["pixels"] == {"bit_identical": True, "max_abs": 0.0, "rel_l2": 0.0} and same["latents"] is None
    # workflows: latents too. steps 3 from 0 vs from 2 differ; from 3 equals the encoded input image
    args = ["compare", str(ADV), str(ADV), "--set-a", "6.start_at_step=0", "--set-b", "6.start_at_step=2",
            "-o", str(tmp_path / "diff.png"), "--json", *_common(world)]
    assert main(args) == 1
    diff = json.loads(capsys.readouterr().out)
    assert not diff["bit_identical"] and diff["latents"]["max_abs"] > 0 and diff["pixels"]["rel_l2"] > 0
    assert (tmp_path / "diff.png").is_file()
