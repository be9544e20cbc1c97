"""`--threads N` on `graphrun run`: applied to torch before any model work; 0 or less is a usage error."""

from __future__ import annotations

import os

import pytest
import torch

from graphrun.cli.main import main
from graphrun.cli.threads import apply_threads, physical_cores, resolve_threads
from graphrun.errors import UsageError

WORKFLOW = "workflows/SD1.5_text2image.json"


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_physical_cores_is_within_the_allowed_cpus():
    n = physical_cores()
    assert 1 <= n <= len(os.sched_getaffinity(0))


def test_default_is_physical_cores_and_explicit_counts_win():
    assert resolve_threads(None) == physical_cores()
    assert resolve_threads(3) == 3
    with pytest.raises(UsageError, match="--threads must be at least 1, got 0"):
        resolve_threads(0)


def test_run_applies_threads_before_loading(tmp_path, restore_threads, monkeypatch, capsys):
    monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    torch.set_num_threads(2)
    # no checkpoint in this models folder and no --stub-models: the run fails at the loader, after the threads are set
    rc = main(["run", WORKFLOW, "--threads", "1", "--models-dir", str(tmp_path), "--output-dir", str(tmp_path / "o"),
               "-q"])
    assert rc == 1
    assert torch.get_num_threads() == 1
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.png"))


def test_run_rejects_zero_threads(tmp_path, capsys):
    rc = main(["run", WORKFLOW, "--threads", "0", "--output-dir", str(tmp_path)])
    assert rc == 2
    assert "--threads must be at least 1, got 0" in capsys.readouterr().err


def test_apply_threads_sets_torch(restore_threads):
    assert apply_threads(1) == 1 and torch.get_num_threads() == 1
