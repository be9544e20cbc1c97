"""Tiny Flux files regenerated from tests/fixtures/flux/tiny_flux.py (content sha256 checked) and the ComfyUI
reference data beside them (made by tools/oracle/run_flux.py with ComfyUI v0.3.64)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "flux"
CASES = FIX / "cases"


def _tiny_module():
    spec = importlib.util.spec_from_file_location("tiny_flux", FIX / "tiny_flux.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def flux_models(tmp_path_factory) -> Path:
    """A models/ folder with diffusion_models/, text_encoders/, vae/ holding the tiny Flux files."""
    root = tmp_path_factory.mktemp("flux-models")
    _tiny_module().write_all(str(root))  # raises when a tensor's content hash differs from the pinned one
    return root


def case_meta(name: str) -> dict:
    return json.loads((CASES / f"{name}.json").read_text())


def case_names() -> list[str]:
    return sorted(p.name[: -len(".json")] for p in CASES.glob("*.json") if not p.name.endswith(".api.json"))


def rel_l2(a, b) -> float:
    a, b = a.double(), b.double()
    return float((a - b).norm() / b.norm().clamp_min(1e-30))
