"""JSON Schemas of the workflow formats, generated from the models: the only way files in schemas/ change.

    python -m graphrun.workflow.schemas            # (re)write <repo>/schemas/*.json
    python -m graphrun.workflow.schemas --check    # exit 1 if a committed file differs from the models

`load.py` validates against the committed files; when they are not available (an installed wheel ships no
schemas/ folder) it uses the same schemas generated in memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from graphrun.workflow.api import ApiPrompt
from graphrun.workflow.ui import UIWorkflow1, UIWorkflow04

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# key -> (file name, model, title, description)
SCHEMAS: dict[str, tuple[str, Any, str, str]] = {
    "ui-0.4": ("workflow-ui-0.4.json", UIWorkflow04, "ComfyUI UI workflow, schema 0.4",
               "Editor-saved workflow with 6-item link arrays (any root `version` other than 1)."),
    "ui-1": ("workflow-ui-1.json", UIWorkflow1, "ComfyUI UI workflow, schema 1",
             "Editor-saved workflow with link objects, `state` counters and native reroutes (`version: 1`)."),
    "api": ("workflow-api.json", ApiPrompt, "ComfyUI API prompt",
            "The prompt POSTed to /prompt: {execution id: {class_type, inputs, _meta?}}."),
}


def generate(key: str) -> dict[str, Any]:
    """The JSON Schema for one format, built from its model."""
    file_name, model, title, description = SCHEMAS[key]
    body = model.model_json_schema(by_alias=True, mode="validation")
    body.pop("title", None)
    body.pop("description", None)
    head = {"$schema": DIALECT, "$id": _schema_id(file_name),
            "title": title, "description": description}
    return head | body


def render(schema: dict[str, Any]) -> str:
    """The exact text written to disk (stable, so the staleness check can compare strings)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


@cache
def load_schema(key: str) -> dict[str, Any]:
    """The committed schema for `key` ("ui-0.4", "ui-1", "api"), or the generated one if the file is absent."""
    path = SCHEMA_DIR / SCHEMAS[key][0]
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return generate(key)
    # an installed wheel has no <repo>/schemas; never trust an unrelated folder of the same name
    return schema if isinstance(schema, dict) and schema.get("$id") == _schema_id(SCHEMAS[key][0]) else generate(key)


def _schema_id(file_name: str) -> str:
    return f"https://graphrun.invalid/schemas/{file_name}"


def stale_files(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files in `directory` that are missing or differ from what the models generate."""
    stale = []
    for key, (file_name, *_rest) in SCHEMAS.items():
        path = directory / file_name
        if not path.exists() or path.read_text(encoding="utf-8") != render(generate(key)):
            stale.append(file_name)
    return stale


def write_all(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file into `directory`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for key, (file_name, *_rest) in SCHEMAS.items():
        path = directory / file_name
        path.write_text(render(generate(key)), encoding="utf-8")
        written.append(path)
    load_schema.cache_clear()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphrun.workflow.schemas", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files instead of writing them")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help=f"schema folder (default {SCHEMA_DIR})")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.dir)
        for name in stale:
            print(f"stale: {args.dir / name} (run `python -m graphrun.workflow.schemas`)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_all(args.dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
