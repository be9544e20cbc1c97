"""The HTML report in a real headless browser (Debian's chromium): it renders, the images decode, and the
first divergent node is on the page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from graphrun.regress.report_html import write_html
from graphrun.regress.runner import Options, run_jobs
from graphrun.regress.suite import build_jobs
from graphrun.settings import Settings
from tests.regress.toy import toy_prompt, toy_registry, write_prompt


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("BROWSER MISSING: /usr/bin/chromium not found (apt-get install -y chromium) - HTML report not "
                "checked in a browser")


def _browser(binary: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--virtual-time-budget=5000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


def test_report_renders_images_and_divergent_node(tmp_path: Path):
    binary = _chromium()
    folder = tmp_path / "wf"
    write_prompt(folder / "a.json", toy_prompt())
    settings = Settings(input_dir=tmp_path, output_dir=tmp_path / "o", device="cpu")

    def run(update: bool):
        opts = Options(settings=settings, update=update, work_dir=tmp_path / "work", artifacts=True,
                       registry=toy_registry())
        return run_jobs(build_jobs([folder]), opts)

    run(True)
    data = json.loads((folder / "a.json").read_text())
    data["3"]["inputs"]["cfg"] = 6.5
    (folder / "a.json").write_text(json.dumps(data))
    outcomes = run(False)
    report = write_html(outcomes, tmp_path / "report" / "report.html")

    dom = _browser(binary, "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout).group(0)
    assert 'data-images-total="3"' in body and 'data-images-loaded="3"' in body, body
    assert "First divergent node" in dom.stdout and "node 3 (ToySample)" in dom.stdout
    for caption in ("expected", "actual", "difference"):
        assert f"<figcaption>{caption}" in dom.stdout

    shot = tmp_path / "shot.png"
    res = _browser(binary, f"--screenshot={shot}", "--window-size=1000,800", report.as_uri())
    assert res.returncode == 0 and shot.is_file(), res.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, badges and images drew something
