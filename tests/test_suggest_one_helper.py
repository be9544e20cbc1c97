"""One 'did you mean' helper (graphrun.suggest) behind validation, model folders and sampler lookup (issue 14)."""

from __future__ import annotations

import pytest

from graphrun.backend.folders import ModelFolders
from graphrun.errors import ModelError
from graphrun.sampling.ksampler import get_sampler
from graphrun.suggest import close_names, closest


def test_closest_and_close_names():
    assert closest("eulr", ["euler", "heun"]) == "euler" and closest("EULER", ["euler"]) == "euler"
    assert closest("x" * 501, ["x"]) is None and close_names("x" * 501, ["x"]) == []
    assert close_names("modle.safetensors", ["model.safetensors", "other.ckpt"]) == ["model.safetensors"]


def test_every_layer_uses_it(tmp_path, monkeypatch):
    import graphrun.suggest as suggest

    calls = []
    real = suggest.close_names
    monkeypatch.setattr("graphrun.backend.folders.close_names", lambda *a, **k: calls.append("folders") or real(*a, **k))
    monkeypatch.setattr("graphrun.sampling.ksampler.close_names", lambda *a, **k: calls.append("ksampler") or real(*a, **k))
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelError, match="closest names: 'model.safetensors'"):
        ModelFolders(tmp_path).find("checkpoints", "modle.safetensors")
    with pytest.raises(ValueError, match="Did you mean 'euler'"):
        get_sampler("eulr")
    assert calls == ["folders", "ksampler"]
    from graphrun.compile import suggest as compile_suggest

    assert compile_suggest.closest is suggest.closest
