"""Node definitions in ComfyUI's `/object_info` shape, and a registry of them.

The compiler and the validator only ever see these definitions (never the node implementations), so a
workflow using nodes graphrun cannot run can still be compiled and validated from an `object_info.json`.
Our own nodes render their declarations into this shape (graphrun.nodes.base.NodeType.definition).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from graphrun.errors import UsageError

WIDGET_TYPES = frozenset({"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"})


@dataclass(frozen=True)
class InputSpec:
    """One declared input: name, group, ComfyUI type (a string, or a list of options for a V1 combo), options."""

    name: str
    group: str  # "required" | "optional"
    type: str | tuple[Any, ...]
    options: Mapping[str, Any]

    @property
    def is_combo(self) -> bool:
        return isinstance(self.type, tuple) or self.type == "COMBO"

    @property
    def combo_options(self) -> list[Any] | None:
        if isinstance(self.type, tuple):
            return list(self.type)
        if self.type == "COMBO":
            opts = self.options.get("options")
            return list(opts) if isinstance(opts, list) else None
        return None

    @property
    def type_name(self) -> str:
        """The socket type name ("COMBO" for combos)."""
        return "COMBO" if self.is_combo else str(self.type)

    @property
    def is_widget(self) -> bool:
        """True when the frontend shows this input as a widget (value typed in the node)."""
        if self.options.get("forceInput"):
            return False
        return self.is_combo or self.type in WIDGET_TYPES


class NodeDef(BaseModel):
    """One `/object_info` entry. Unknown fields are kept so a definition round-trips."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    display_name: str | None = None
    category: str | None = None
    description: str | None = ""
    python_module: str | None = None
    input: dict[str, dict[str, Any]] = Field(default_factory=dict)
    input_order: dict[str, list[str]] | None = None
    output: list[Any] = Field(default_factory=list)
    output_is_list: list[bool] = Field(default_factory=list)
    output_name: list[str] = Field(default_factory=list)
    output_node: bool = False

    def inputs(self) -> list[InputSpec]:
        """Required then optional inputs, each ordered by `input_order` (else dict order); hidden excluded."""
        specs: list[InputSpec] = []
        for group in ("required", "optional"):
            declared = self.input.get(group) or {}
            order = list((self.input_order or {}).get(group) or [])
            names = [n for n in order if n in declared] + [n for n in declared if n not in order]
            for name in names:
                raw = declared[name]
                if isinstance(raw, (list, tuple)) and raw:
                    typ, opts = raw[0], (raw[1] if len(raw) > 1 and isinstance(raw[1], dict) else {})
                else:
                    typ, opts = raw, {}
                specs.append(InputSpec(name, group, tuple(typ) if isinstance(typ, list) else typ, opts))
        return specs

    def input_spec(self, name: str) -> InputSpec | None:
        for spec in self.inputs():
            if spec.name == name:
                return spec
        return None

    def hidden_inputs(self) -> dict[str, Any]:
        return dict(self.input.get("hidden") or {})

    @property
    def output_types(self) -> list[str]:
        return [o if isinstance(o, str) else "COMBO" for o in self.output]

    @property
    def title(self) -> str:
        return self.display_name or self.name


class NodeDefs(Mapping[str, NodeDef]):
    """An immutable class_type -> NodeDef table. Later sources override earlier ones in `merged`.

    Entries may be given as factories (`lazy`), rendered on first access: a workflow without a KSampler never
    imports the sampler registry (and torch) just to be validated.
    """

    def __init__(self, defs: Mapping[str, NodeDef] | None = None,
                 lazy: Mapping[str, Callable[[], NodeDef]] | None = None):
        self._defs: dict[str, NodeDef] = dict(defs or {})
        self._lazy: dict[str, Callable[[], NodeDef]] = {k: v for k, v in (lazy or {}).items() if k not in self._defs}

    def __getitem__(self, key: str) -> NodeDef:
        if key not in self._defs and key in self._lazy:
            self._defs[key] = self._lazy.pop(key)()
        return self._defs[key]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._defs, *self._lazy])

    def __len__(self) -> int:
        return len(self._defs) + len(self._lazy)

    def __contains__(self, key: object) -> bool:
        return key in self._defs or key in self._lazy

    def merged(self, other: Mapping[str, NodeDef]) -> NodeDefs:
        """Entries of `other` win; lazy entries stay lazy."""
        defs = {k: v for k, v in self._defs.items() if k not in other}
        lazy = {k: v for k, v in self._lazy.items() if k not in other}
        if isinstance(other, NodeDefs):
            defs.update(other._defs)
            lazy.update(other._lazy)
        else:
            defs.update(other)
        return NodeDefs(defs, lazy)

    @classmethod
    def from_object_info(cls, data: Mapping[str, Any]) -> NodeDefs:
        defs = {}
        for class_type, entry in data.items():
            if not isinstance(entry, dict):
                continue
            entry = dict(entry)
            entry.setdefault("name", class_type)
            defs[class_type] = NodeDef.model_validate(entry)
        return cls(defs)

    def to_object_info(self) -> dict[str, Any]:
        return {k: self[k].model_dump(mode="json", exclude_none=True) for k in self}


def load_object_info(path: str | Path) -> NodeDefs:
    """Read an `/object_info` JSON file (as saved from a ComfyUI server) into definitions."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read object_info file {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"object_info file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"object_info file {path} must hold a JSON object of node definitions")
    return NodeDefs.from_object_info(data)
