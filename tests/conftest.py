"""Shared fixtures. Parity data (ComfyUI reference outputs) is found at ../shared/parity or $GRAPHRUN_PARITY_DIR;
when it is absent, tests that need it skip loudly with the missing path as the reason (never pass silently)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GRAPHRUN_SHARED_DIR", ROOT.parent / "shared"))
PARITY = Path(os.environ.get("GRAPHRUN_PARITY_DIR", SHARED / "parity"))


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"MISSING REFERENCE DATA: {path} not found (set GRAPHRUN_PARITY_DIR / GRAPHRUN_SHARED_DIR)")
    return path


@pytest.fixture(scope="session")
def parity_dir() -> Path:
    """../shared/parity: ComfyUI v0.3.64 reference outputs on the tiny SD1.5 checkpoint."""
    return _require(PARITY)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _require(SHARED)


@pytest.fixture(scope="session")
def tiny_ckpt(parity_dir: Path) -> Path:
    return _require(parity_dir / "models" / "checkpoints" / "tiny-sd15.safetensors")


@pytest.fixture(scope="session")
def object_info_path(shared_dir: Path) -> Path:
    return _require(shared_dir / "data" / "object_info.json")


def pytest_terminal_summary(terminalreporter):
    from tests.parity_report import summary_lines

    lines = summary_lines()
    if lines:
        terminalreporter.section("parity with ComfyUI (worst cases)")
        for line in lines:
            terminalreporter.write_line(line)
