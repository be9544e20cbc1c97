"""Fuzzing the real CLI entry point (issue 14): seeded mutations of the shipped workflows (and ../shared/cases when
present) through `validate`, `validate --json`, `compile` and `run`; no traceback, no internal error, exit 0/1/2,
no hang. Output goes through strict UTF-8 streams, as a terminal or pipe would take it.
benchmarks/fuzz_cli.py runs the same with 10,000 variants."""

from __future__ import annotations

import io
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from graphrun.cli.main import main
from tests.cli.fuzzing import variants
from tests.conftest import SHARED

COMMANDS = (["validate"], ["validate", "--json"], ["compile"], ["run", "-q", "--models-dir", "{tmp}/no-models"])
VARIANTS = 520


def run_cli(argv: list[str]) -> tuple[object, str, float]:
    """main(argv) with strict UTF-8 stdout/stderr; returns (exit code or exception, output, seconds)."""
    out, err = io.BytesIO(), io.BytesIO()
    o, e = io.TextIOWrapper(out, encoding="utf-8"), io.TextIOWrapper(err, encoding="utf-8")
    start = time.perf_counter()
    try:
        with redirect_stdout(o), redirect_stderr(e):
            code: object = main(argv)
    except BaseException as exc:  # noqa: BLE001 - the fuzzer reports anything that escapes main()
        code = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    o.flush(), e.flush()
    return code, (out.getvalue() + err.getvalue()).decode("utf-8", "replace"), seconds


def test_fuzzed_workflows_get_clear_errors(tmp_path):
    extra = [SHARED / "cases"] if (SHARED / "cases").is_dir() else []
    bad, slowest = [], (0.0, "")
    warm = Path(__file__).resolve().parents[2] / "workflows" / "SD1.5_text2image.json"
    for argv in COMMANDS:  # pay for the imports (torch for `run`) before timing anything
        run_cli([a.replace("{tmp}", str(tmp_path)) for a in argv] + [str(warm)])
    start = time.perf_counter()
    for i, (name, raw) in enumerate(variants(VARIANTS, seed=14, extra_dirs=extra)):
        path = tmp_path / name
        path.write_bytes(raw)
        argv = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[i % len(COMMANDS)]] + [str(path)]
        code, text, seconds = run_cli(argv)
        slowest = max(slowest, (seconds, name))
        if code not in (0, 1, 2) or "Traceback" in text or "internal error" in text or seconds > 5:
            bad.append(f"{name} {argv[0]}: exit {code}, {seconds:.1f}s: {text[-300:]}")
        path.unlink()
    assert not bad, "\n".join(bad[:10])
    assert time.perf_counter() - start < 120
    assert slowest[0] < 5, slowest


def test_found_by_the_10k_fuzz_run(tmp_path, shared_dir):
    """Variants benchmarks/fuzz_cli.py found, kept as fixed cases: an integer beyond a double in a UI widget."""
    import json

    ui = json.loads((shared_dir / "cases" / "02_primitives_controls.ui.json").read_text())
    sampler = next(n for n in ui["nodes"] if n["type"] == "KSampler")
    sampler["widgets_values"][2] = 10**400  # steps. JS: Infinity after JSON.parse, null after JSON.stringify
    path = tmp_path / "big.json"
    path.write_text(json.dumps(ui))
    code, text, _ = run_cli(["compile", str(path), "-o", str(tmp_path / "out.json")])
    assert code == 0 and "Traceback" not in text and "internal error" not in text, text
    assert json.loads((tmp_path / "out.json").read_text())["7"]["inputs"]["steps"] is None
