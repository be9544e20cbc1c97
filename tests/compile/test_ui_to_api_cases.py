"""The hand-written cases of ../shared/cases: our compiler must produce what ComfyUI frontend 1.27.10 produced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphrun.compile.ui_to_api import compile_workflow
from graphrun.nodedefs import load_object_info


@pytest.fixture(scope="module")
def defs(object_info_path: Path):
    return load_object_info(object_info_path)


def _cases(shared_dir: Path) -> list[Path]:
    cases = sorted((shared_dir / "cases").glob("*.ui.json"))
    if not cases:
        pytest.skip(f"MISSING REFERENCE DATA: no *.ui.json under {shared_dir / 'cases'}")
    return cases


def test_every_case_matches_the_frontend(shared_dir: Path, defs) -> None:
    failures = []
    for ui_path in _cases(shared_dir):
        expected = json.loads(ui_path.with_name(ui_path.name.replace(".ui.json", ".api.json")).read_text())
        got = compile_workflow(json.loads(ui_path.read_text()), defs, rng_seed=0)
        if got != expected:
            diff = {k: (got.get(k), expected.get(k)) for k in set(got) | set(expected) if got.get(k) != expected.get(k)}
            failures.append(f"{ui_path.name}: {diff}")
    assert not failures, "\n".join(failures)


def test_every_case_has_the_frontends_key_order(shared_dir: Path, defs) -> None:
    """Keys as JSON.stringify writes them: integer ids ascending, then `a:b` ids; widgets before sockets."""
    for ui_path in _cases(shared_dir):
        expected = json.loads(ui_path.with_name(ui_path.name.replace(".ui.json", ".api.json")).read_text())
        got = compile_workflow(json.loads(ui_path.read_text()), defs, rng_seed=0)
        assert list(got) == list(expected), ui_path.name
        for key, entry in expected.items():
            assert list(got[key]) == list(entry), (ui_path.name, key)
            assert list(got[key]["inputs"]) == list(entry["inputs"]), (ui_path.name, key)
