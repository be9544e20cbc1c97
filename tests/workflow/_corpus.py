"""Locating the official template workflows shipped as package data (the corpus of spec §5)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

PACKAGES = ("comfyui_workflow_templates_json", "comfyui_workflow_templates")


def package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def json_files(package: str) -> list[Path]:
    root = package_dir(package)
    return sorted(root.rglob("*.json")) if root is not None else []


def is_workflow(data: object) -> bool:
    """Content, not file name, decides: a UI workflow is an object with a `nodes` list; an API prompt is a
    non-empty object whose values are all `{class_type, inputs}` objects. Index, locale, search-option and
    JSON-Schema files (`index*.json`, `fuse_options.json`, `index.schema.json`) are neither."""
    if not isinstance(data, dict) or not data:
        return False
    if isinstance(data.get("nodes"), list):
        return True
    return all(isinstance(v, dict) and "class_type" in v for v in data.values())


def read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))
