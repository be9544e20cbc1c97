"""Declarations in the shape ComfyUI's newer (V3 `io.Schema`) nodes have in /object_info.

V3 nodes render sockets as `["IMAGE", {}]` and combos as `["COMBO", {"multiselect": false, "options": [...]}]`;
the V1 helpers in base.py render `["IMAGE"]` and `[[...]]`. Only the rendering differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphrun.nodes.base import FileLister, In


@dataclass(frozen=True)
class _V3In(In):
    def render(self, list_files: FileLister | None) -> list[Any]:
        if self.type is not None:
            return [self.type, dict(self.options)]
        if self.files is not None:
            values = list_files(self.files) if list_files else []
        else:
            values = list(self.choices() if callable(self.choices) else (self.choices or []))
        return ["COMBO", {"multiselect": False, "options": values, **self.options}]


def V3Socket(name: str, type: str, **options: Any) -> In:
    return _V3In(name, type, options)


def V3Float(name: str, default: float, min: float, max: float, step: float | None = None) -> In:
    opts: dict[str, Any] = {"default": default, "min": min, "max": max}
    if step is not None:
        opts["step"] = step
    return _V3In(name, "FLOAT", opts)


def V3Combo(name: str, choices) -> In:
    return _V3In(name, None, {}, choices=choices)


def V3Files(name: str, folder: str) -> In:
    return _V3In(name, None, {}, files=folder)
