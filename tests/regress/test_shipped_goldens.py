"""The project's own regression run: the shipped workflows still produce their recorded goldens.

This is the command documented in workflows/graphrun-test.toml, run in-process:
`graphrun test workflows --stub-models --device cpu`.
"""

from __future__ import annotations

from pathlib import Path

from graphrun.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_workflows_match_their_goldens(tmp_path, capsys):
    rc = main(["test", str(ROOT / "workflows"), "--stub-models", "--device", "cpu",
               "--junit", str(tmp_path / "junit.xml")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert out.count("PASS") == len(list((ROOT / "workflows").glob("*.json")))
    assert 'failures="0"' in (tmp_path / "junit.xml").read_text()
