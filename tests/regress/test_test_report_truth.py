"""`graphrun test` says what happened (issue 14): a rerun with the golden's exact bits is reported bit-identical
even when the folder allows a tolerance; `--device auto` against a golden recorded with `--device cpu` on the
same CPU is not a change; the HTML heading does not read "tolerance tolerant"."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from graphrun.cli.main import main
from graphrun.regress.compare import context_changes

ROOT = Path(__file__).resolve().parents[2]


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "wf"
    (d / "in").mkdir(parents=True)
    Image.open(ROOT / "input" / "example.png").convert("RGB").resize((16, 16)).save(d / "in" / "example.png")
    (d / "graphrun-test.toml").write_text('[defaults]\ninput_dir = "in"\n'
                                          '[defaults.tolerance]\nlatent_rel_l2 = 1e-5\nimage_psnr = 45.0\n')
    (d / "scale.json").write_text(json.dumps({
        "1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
        "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "bilinear",
                                                     "width": 12, "height": 12, "crop": "disabled"}},
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "t"}}}))
    return d


def test_rerun_reported_bit_identical_under_a_tolerance_and_auto_device_is_no_change(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["test", str(folder), "--update", "--device", "cpu", "-q"]) == 0
    capsys.readouterr()
    assert main(["test", str(folder), "--json", "--report", str(tmp_path / "rep")]) == 0  # --device auto
    item = json.loads(capsys.readouterr().out)["workflows"][0]
    assert item["status"] == "pass" and item["tolerance"].startswith("tolerant")
    assert item["identical"] is True and item["verdict"] == "bit-identical to the golden"
    assert item["context_changes"] == []  # before: ["device: 'cpu' -> 'auto'"]
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "tolerance tolerant" not in html and "bit-identical to the golden" in html
    assert "allowed: latent_rel_l2=1e-05, image_psnr=45.0" in html
    assert main(["test", str(folder)]) == 0
    assert "bit-identical to the golden" in capsys.readouterr().out


def test_rerun_within_tolerance_is_not_called_identical(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["test", str(folder), "--update", "-q"]) == 0
    # Nudge the input by one level in one pixel: the output moves a little, inside the tolerance.
    img = Image.open(folder / "in" / "example.png")
    px = img.getpixel((0, 0))
    img.putpixel((0, 0), tuple(min(255, c + 1) for c in px))
    img.save(folder / "in" / "example.png")
    capsys.readouterr()
    assert main(["test", str(folder), "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["workflows"][0]
    assert item["identical"] is False and item["verdict"].startswith("within tolerance, not bit-identical")


def test_context_changes_compare_the_device_used_not_the_request():
    golden = {"environment": {"device": "cpu"}, "settings": {"device": "cpu", "stub_models": True}}
    assert context_changes(golden, {"environment": {"device": "cpu"}, "settings": {"stub_models": True}}) == ()
    assert context_changes(golden, {"environment": {"device": "cuda:0"}, "settings": {"stub_models": True}}) == (
        "device: 'cpu' -> 'cuda:0'",)
