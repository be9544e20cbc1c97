"""`graphrun convert` / `graphrun explain`: exit codes, output file, refusal text."""

from __future__ import annotations

import json

from graphrun.cli.main import main


def case(parity_dir, name):
    return parity_dir / "cases" / f"{name}.api.json"


def test_convert_to_file_and_back(parity_dir, tmp_path, capsys):
    out = tmp_path / "adv.json"
    assert main(["convert", str(case(parity_dir, "a_img2img_euler_normal_s20_d0.80")), "--to", "advanced",
                 "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "node 6" in err and "exact" in err
    data = json.loads(out.read_text())
    ref = json.loads(case(parity_dir, "b_adv_euler_normal_s25_start05").read_text())
    assert data["6"] == ref["6"]
    assert out.read_text().startswith('{\n "1"')  # the input's one-space indentation is kept
    assert main(["convert", str(out), "--to", "ksampler", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["6"]["inputs"]["denoise"] == 0.8
    assert json.loads(captured.err)[0]["exact"] is True


def test_convert_refuses_inexact(parity_dir, capsys):
    path = str(case(parity_dir, "b_adv_euler_normal_s20_start00_end12_leftover_enable"))
    assert main(["convert", path, "--to", "ksampler"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "conversion_not_exact" in captured.err and "--approximate" in captured.err
    assert main(["convert", path, "--to", "ksampler", "--approximate"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["6"]["class_type"] == "KSampler"
    assert "NOT exact" in captured.err and "12 steps from sigma 14.6146, adds seeded noise -> 20 steps" in captured.err


def test_usage_errors(parity_dir, tmp_path, capsys):
    assert main(["convert", str(tmp_path / "missing.json"), "--to", "advanced"]) == 2
    assert main(["convert", str(case(parity_dir, "a_img2img_euler_normal_s20_d0.80")), "--to", "sideways"]) == 2
    assert main(["convert", str(case(parity_dir, "a_img2img_euler_normal_s20_d0.80")), "--to", "advanced",
                 "--nodes", "7"]) == 1
    assert "wrong_node_type" in capsys.readouterr().err


def test_explain(parity_dir, capsys):
    assert main(["explain", str(case(parity_dir, "b_adv_euler_normal_s25_start05"))]) == 0
    out = capsys.readouterr().out
    assert "node 6 (KSamplerAdvanced)" in out and "model evaluations: 20" in out
    assert "equivalent: KSampler(steps=20, denoise=0.8) (exact)" in out
    assert main(["explain", str(case(parity_dir, "c_txt2img_euler_normal_s20_d1.00")), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["steps"] == 20 and entry["equivalent"]["settings"]["start_at_step"] == 0
