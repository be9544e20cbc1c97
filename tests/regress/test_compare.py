"""Tolerances, metrics and first-divergence logic on hand-built records (no runs)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from graphrun.errors import UsageError
from graphrun.regress.capture import Record, summarize_output
from graphrun.regress.compare import compare_records, image_metrics, tensor_metrics
from graphrun.regress.config import Tolerance, load_config
from graphrun.values import CondEntry, Latent


def _record(latent: torch.Tensor, image: torch.Tensor, cond: torch.Tensor, device: str = "cpu") -> Record:
    rec = Record({"environment": {"device": device}, "settings": {}, "nodes": []})
    values = [("1", "CLIPTextEncode", "CONDITIONING", (CondEntry(cond),)), ("2", "KSampler", "LATENT", Latent(latent)),
              ("3", "VAEDecode", "IMAGE", image)]
    for nid, cls, typ, value in values:
        out = summarize_output(value, typ, f"{nid}.0", rec, "")
        rec.manifest["nodes"].append({"id": nid, "class_type": cls, "inputs": {}, "outputs": [{"slot": 0, "type": typ, **out}]})
    rec.manifest["nodes"].append({"id": "4", "class_type": "SaveImage", "output_node": True,
                                  "inputs": {"images": {"link": ["3", 0]}}, "outputs": []})
    return rec


def _base():
    g = torch.Generator().manual_seed(0)
    return torch.randn(1, 4, 4, 4, generator=g), torch.rand(1, 8, 8, 3, generator=g), torch.randn(1, 3, 5, generator=g)


def test_identical_records_pass_exactly():
    lat, img, cond = _base()
    cmp = compare_records(_record(lat, img, cond), _record(lat.clone(), img.clone(), cond.clone()), Tolerance())
    assert cmp.passed and cmp.tolerance.mode == "exact" and cmp.first is None
    assert {d.status for d in cmp.nodes} == {"same"}


def test_first_divergence_is_earliest_node_beyond_tolerance():
    lat, img, cond = _base()
    cmp = compare_records(_record(lat, img, cond), _record(lat + 0.5, img * 0.5, cond + 1e-7), Tolerance())
    assert not cmp.passed and cmp.first.node_id == "1"  # exact: the tiny conditioning change comes first
    tol = Tolerance(latent_rel_l2=1e-3, image_psnr=40)
    cmp = compare_records(_record(lat, img, cond), _record(lat + 0.5, img * 0.5, cond + 1e-7), tol)
    assert cmp.tolerance.mode == "tolerant" and not cmp.passed
    assert [d.status for d in cmp.nodes[:3]] == ["within", "diverged", "diverged"]
    assert cmp.first.class_type == "KSampler"
    assert "max-abs 0.5" in cmp.first.describe()


def test_intermediate_change_fails_even_when_the_image_hides_it():
    lat, img, cond = _base()
    cmp = compare_records(_record(lat, img, cond), _record(lat + 1, img, cond), Tolerance())
    assert not cmp.passed and cmp.first.node_id == "2" and cmp.nodes[2].status == "same"
    cmp = compare_records(_record(lat, img, cond), _record(lat + 1e-6, img, cond), Tolerance(latent_rel_l2=1e-3))
    assert cmp.passed and cmp.nodes[1].status == "within" and cmp.first is None


def test_auto_tolerance_is_exact_on_cpu_and_tolerant_across_devices():
    cpu1, cpu4 = {"device": "cpu", "threads": 1}, {"device": "cpu", "threads": 4}
    assert Tolerance().resolve(cpu1, dict(cpu1)).mode == "exact"
    assert Tolerance().resolve(cpu1, cpu4).mode == "tolerant"  # CPU kernels split sums by thread
    cross = Tolerance().resolve({"device": "cuda:0"}, cpu1)
    assert cross.mode == "tolerant" and cross.latent_rel_l2 == 0.05 and cross.image_psnr == 30.0
    assert Tolerance("exact", latent_rel_l2=1.0).resolve({"device": "cuda"}, cpu1).mode == "exact"
    assert Tolerance(image_max_level=3).resolve(cpu1, cpu1) == Tolerance("tolerant", latent_rel_l2=0.05,
                                                                          image_psnr=30.0, image_max_level=3)
    lat, img, cond = _base()
    cmp = compare_records(_record(lat, img, cond, "cuda:0"), _record(lat * 1.001, img, cond), Tolerance())
    assert cmp.passed and cmp.nodes[1].status == "within" and "device" in " ".join(cmp.context)


def test_metrics():
    a = torch.tensor([1.0, 2.0, 3.0])
    m = tensor_metrics(a + torch.tensor([0.0, 0.0, 0.3]), a)
    assert m["max_abs"] == pytest.approx(0.3) and m["rel_l2"] == pytest.approx(0.3 / math.sqrt(14))
    assert tensor_metrics(torch.zeros(2), torch.zeros(3)) == {"shape": [[3], [2]]}
    assert tensor_metrics(torch.tensor([float("nan")]), torch.tensor([0.0]))["nonfinite"]
    x = np.zeros((4, 4, 3), np.uint8)
    y = x.copy()
    y[0, 0, 1] = 10
    m = image_metrics(y, x)
    assert m["max_level"] == 10 and m["pixels_changed"] == pytest.approx(1 / 16)
    assert m["psnr"] == pytest.approx(10 * math.log10(255 ** 2 / (100 / 48)))
    assert image_metrics(x, x)["psnr"] == math.inf


def test_config_sections_and_errors(tmp_path: Path):
    (tmp_path / "graphrun-test.toml").write_text(
        '[defaults]\nset = ["KSampler.steps=2"]\ninput_dir = "in"\ntolerance = "tolerant"\n'
        '[workflow."a.json"]\nset = ["5.width=64"]\ntolerance = { image_psnr = 35 }\n')
    cfg = load_config(tmp_path / "a.json")
    assert cfg.overrides == ("KSampler.steps=2", "5.width=64")
    assert cfg.input_dir == (tmp_path / "in").resolve()
    assert cfg.tolerance == Tolerance("tolerant", image_psnr=35)
    assert load_config(tmp_path / "b.json").overrides == ("KSampler.steps=2",)
    assert load_config(tmp_path / "sub" / "c.json") == load_config(tmp_path / "nothing" / "x.json")
    (tmp_path / "graphrun-test.toml").write_text('[defaults]\ntolerance = { latent_rel_l2 = -1 }\n')
    with pytest.raises(UsageError, match="latent_rel_l2 must be a number >= 0"):
        load_config(tmp_path / "a.json")
    (tmp_path / "graphrun-test.toml").write_text('[default]\n')
    with pytest.raises(UsageError, match="unknown section"):
        load_config(tmp_path / "a.json")
