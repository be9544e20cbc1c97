"""Write graphrun/compile/core_nodes.json: every node class of ComfyUI v0.3.64 with its python_module.

Source: the real /object_info of ComfyUI v0.3.64 (../shared/data/object_info.json). graphrun ships only the
names and modules, to tell "a core node graphrun has not implemented" from "a custom node that is not installed".
Usage: python tools/make_core_nodes.py [OBJECT_INFO]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "graphrun" / "compile" / "core_nodes.json"


def core_nodes(object_info: dict) -> dict[str, str]:
    return {name: entry.get("python_module", "") for name, entry in sorted(object_info.items())}


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "object_info.json"
    data = {"comfyui": "v0.3.64", "nodes": core_nodes(json.loads(source.read_text(encoding="utf-8")))}
    TARGET.write_text(json.dumps(data, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(data['nodes'])} core node classes")


if __name__ == "__main__":
    main()
