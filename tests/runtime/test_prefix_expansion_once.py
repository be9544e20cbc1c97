"""`%Node.widget%` / `%date:%` in filename prefixes are the frontend's (spec comfy-semantics.md H.8): expanded
once, when a UI workflow is compiled; an API prompt's prefix is used as written, as ComfyUI's backend does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from graphrun.runtime.run import run_workflow
from graphrun.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path) -> Settings:
    return Settings(input_dir=tmp_path / "in", output_dir=tmp_path / "out", models_dir=tmp_path / "m")


def test_api_prompt_prefix_is_not_expanded_at_run_time(tmp_path):
    prompt = {"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
              "2": {"class_type": "SaveLatent",
                    "inputs": {"samples": ["1", 0], "filename_prefix": "%EmptyLatentImage.width%_%date:yyyy%"}}}
    result = run_workflow(json.dumps(prompt).encode(), _settings(tmp_path), log=lambda m: None)
    assert [p.name for p in result.written] == ["%EmptyLatentImage.width%_%date:yyyy%_00001_.latent"]


def test_ui_workflow_prefix_is_expanded_once_by_the_compiler(tmp_path):
    (tmp_path / "in").mkdir()
    name = "a%LoadImage.image%.png"  # expanding twice would substitute the file name into itself again
    shutil.copy(ROOT / "input" / "example.png", tmp_path / "in" / name)
    ui = {"last_node_id": 2, "last_link_id": 1, "version": 0.4, "groups": [], "config": {}, "extra": {},
          "links": [[1, 1, 0, 2, 0, "IMAGE"]],
          "nodes": [
              {"id": 1, "type": "LoadImage", "pos": [0, 0], "size": [100, 100], "flags": {}, "order": 0, "mode": 0,
               "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1]},
                                         {"name": "MASK", "type": "MASK", "links": []}],
               "properties": {"Node name for S&R": "LoadImage"}, "widgets_values": [name, "image"]},
              {"id": 2, "type": "SaveImage", "pos": [0, 0], "size": [100, 100], "flags": {}, "order": 1, "mode": 0,
               "inputs": [{"name": "images", "type": "IMAGE", "link": 1}], "outputs": [],
               "properties": {"Node name for S&R": "SaveImage"}, "widgets_values": ["%LoadImage.image%"]}]}
    result = run_workflow(json.dumps(ui).encode(), _settings(tmp_path), log=lambda m: None)
    assert [p.name for p in result.written] == [f"{name}_00001_.png"]
