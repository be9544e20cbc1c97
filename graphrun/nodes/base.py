"""How a node type is declared: its ComfyUI inputs once, its outputs, and run().

A node file defines one `NodeType` subclass decorated with `@register`. The declaration renders into an
`/object_info` entry (`definition()`), which is all the compiler and validator ever see; `run()` receives the
validated input values by name and returns a tuple of outputs, in ComfyUI's value conventions (values.py).
Heavy imports (torch models, PIL) belong inside run() or the backend, so compile/validate stay light.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from graphrun.nodedefs import NodeDef, NodeDefs

if TYPE_CHECKING:
    from graphrun.runtime.context import RunContext

OptionsSource = Sequence[Any] | Callable[[], Sequence[Any]]
FileLister = Callable[[str], list[str]]  # folder name ("checkpoints", "vae", "input") -> sorted names

MAX_RESOLUTION = 16384  # ComfyUI v0.3.64 nodes.MAX_RESOLUTION


@dataclass(frozen=True)
class In:
    """One declared input. `type` is a ComfyUI type name, or None for a combo (options or files)."""

    name: str
    type: str | None
    options: dict[str, Any] = field(default_factory=dict)
    choices: OptionsSource | None = None  # combo options (a list, or a callable returning one)
    files: str | None = None  # combo filled from a folder ("checkpoints", "vae", "input")
    group: str = "required"
    empty_options: bool = False  # render `[type, {}]` as some nodes do (ComfyUI's newer `IO.X, {}` declarations)

    def render(self, list_files: FileLister | None) -> list[Any]:
        if self.type is not None:
            return [self.type, dict(self.options)] if self.options or self.empty_options else [self.type]
        if self.files is not None:
            values = list_files(self.files) if list_files else []
        else:
            values = list(self.choices() if callable(self.choices) else (self.choices or []))
        return [values, dict(self.options)] if self.options else [values]


def Socket(name: str, type: str, **options: Any) -> In:
    """A connection-only input (MODEL, CLIP, LATENT, ...)."""
    return In(name, type, options)


def Int(name: str, default: int, min: int, max: int, step: int | None = None, **options: Any) -> In:
    opts: dict[str, Any] = {"default": default, "min": min, "max": max}
    if step is not None:
        opts["step"] = step
    return In(name, "INT", {**opts, **options})


def Float(name: str, default: float, min: float, max: float, step: float | None = None,
          round: float | None = None, **options: Any) -> In:
    opts: dict[str, Any] = {"default": default, "min": min, "max": max}
    if step is not None:
        opts["step"] = step
    if round is not None:
        opts["round"] = round
    return In(name, "FLOAT", {**opts, **options})


def String(name: str, default: str | None = None, **options: Any) -> In:
    opts = {"default": default} if default is not None else {}
    return In(name, "STRING", {**opts, **options})


def Combo(name: str, choices: OptionsSource, **options: Any) -> In:
    return In(name, None, options, choices=choices)


def Files(name: str, folder: str, **options: Any) -> In:
    """A combo whose options are the file names found in a model/input folder at run time."""
    return In(name, None, options, files=folder)


class NodeType:
    """Base class of every runnable node. Subclasses declare the ClassVars and implement run()."""

    CLASS_TYPE: ClassVar[str]
    DISPLAY_NAME: ClassVar[str]
    CATEGORY: ClassVar[str] = ""
    DESCRIPTION: ClassVar[str] = ""
    INPUTS: ClassVar[tuple[In, ...]] = ()
    HIDDEN: ClassVar[dict[str, str]] = {}
    OUTPUTS: ClassVar[tuple[str, ...]] = ()  # output types; names equal the types (no RETURN_NAMES)
    OUTPUT_NAMES: ClassVar[tuple[str, ...] | None] = None
    OUTPUT_NODE: ClassVar[bool] = False

    def run(self, ctx: RunContext, **inputs: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    # ComfyUI's IS_CHANGED: a node that defines it gets `"is_changed": [value]` in the prompt it runs (and embeds
    # in saved PNGs); called with the node's constant inputs only. None means the node does not define it.
    is_changed: ClassVar[Callable[..., Any] | None] = None

    @classmethod
    def definition(cls, list_files: FileLister | None = None) -> NodeDef:
        groups: dict[str, dict[str, Any]] = {"required": {}}  # ComfyUI lists "required" even when empty
        order: dict[str, list[str]] = {"required": []}
        for spec in cls.INPUTS:
            groups.setdefault(spec.group, {})[spec.name] = spec.render(list_files)
            order.setdefault(spec.group, []).append(spec.name)
        if cls.HIDDEN:
            groups["hidden"] = {k: v for k, v in cls.HIDDEN.items()}
            order["hidden"] = list(cls.HIDDEN)  # ComfyUI's input_order lists hidden inputs too
        return NodeDef(
            name=cls.CLASS_TYPE,
            display_name=cls.DISPLAY_NAME,
            category=cls.CATEGORY,
            description=cls.DESCRIPTION,
            python_module="graphrun",
            input=groups,
            input_order=order,
            output=list(cls.OUTPUTS),
            output_is_list=[False] * len(cls.OUTPUTS),
            output_name=list(cls.OUTPUT_NAMES or cls.OUTPUTS),
            output_node=cls.OUTPUT_NODE,
        )


class NodeRegistry:
    """class_type -> NodeType. One default instance (built by scanning graphrun.nodes); tests build their own."""

    def __init__(self) -> None:
        self._types: dict[str, type[NodeType]] = {}

    def add(self, node_type: type[NodeType]) -> type[NodeType]:
        name = node_type.CLASS_TYPE
        if name in self._types and self._types[name] is not node_type:
            raise ValueError(f"node type {name!r} registered twice")
        self._types[name] = node_type
        return node_type

    def get(self, class_type: str) -> type[NodeType] | None:
        return self._types.get(class_type)

    def __contains__(self, class_type: object) -> bool:
        return class_type in self._types

    def names(self) -> list[str]:
        return list(self._types)

    def definitions(self, list_files: FileLister | None = None) -> NodeDefs:
        return NodeDefs(lazy={name: (lambda t=t: t.definition(list_files)) for name, t in self._types.items()})


_DEFAULT = NodeRegistry()
_LOADED = False


def register(node_type: type[NodeType]) -> type[NodeType]:
    """Class decorator: add a node type to the default registry (recording only; no side effects)."""
    return _DEFAULT.add(node_type)


def default_registry() -> NodeRegistry:
    """The registry of graphrun's own nodes; imports every module in graphrun.nodes once."""
    global _LOADED
    if not _LOADED:
        import graphrun.nodes as pkg

        for info in pkgutil.iter_modules(pkg.__path__):
            if info.name != "base" and not info.name.startswith("_"):
                importlib.import_module(f"graphrun.nodes.{info.name}")
        _LOADED = True
    return _DEFAULT
