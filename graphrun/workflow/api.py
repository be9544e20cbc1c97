"""API prompt model: `{execution_id: {class_type, inputs, _meta?}}`, the dict POSTed to `/prompt` (spec §3.2).

An input value is a link when it is a JSON array of exactly two items (`["4", 0]`); the backend treats every
2-item array that way, so this model does too. Whether the link is well formed (string id, integer slot, target
exists) is a compile-time check, not a syntax one. `_meta` and its `title` are optional and nullable here (the
backend ignores `_meta`; the frontend's own schema requires a title string); unknown keys are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field, RootModel, StrictStr

from graphrun.workflow._base import Passthrough


class ApiMeta(Passthrough):
    """`_meta`: display information; `title` becomes the node's title in error messages."""

    title: StrictStr | None = None


class ApiNode(Passthrough):
    """One prompt entry: the node class and its inputs (constants or `[source_id, output_index]` links)."""

    class_type: StrictStr
    inputs: dict[str, Any]
    meta: ApiMeta | None = Field(default=None, alias="_meta")

    @property
    def title(self) -> str | None:
        return self.meta.title if self.meta is not None else None

    def links(self) -> dict[str, tuple[Any, Any]]:
        """The inputs that are links, as `{input name: (source id, output index)}` exactly as written."""
        return {name: (value[0], value[1]) for name, value in self.inputs.items() if is_link(value)}

    def constants(self) -> dict[str, Any]:
        """The inputs that are not links."""
        return {name: value for name, value in self.inputs.items() if not is_link(value)}


def is_link(value: Any) -> bool:
    """THE link rule of graphrun: an input value the backend reads as a link is a list of exactly two items
    (`[source id, output index]`; validation then checks that both resolve). ComfyUI's execution takes any list
    as a link; the frontend wraps list-valued widgets as `{"__value__": [...]}` so they are not. Every "is this a
    link" test in graphrun calls this; compile/plan.py resolves links once into `plan.Link`."""
    return isinstance(value, list | tuple) and len(value) == 2


class ApiPrompt(RootModel[dict[str, ApiNode]]):
    """The whole prompt; keys are execution ids (strings; `"3"`, `"10:4"` for subgraph interiors)."""

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(self.root)

    def __getitem__(self, node_id: str) -> ApiNode:
        return self.root[node_id]

    def __len__(self) -> int:
        return len(self.root)

    def items(self):
        return self.root.items()

    @classmethod
    def parse(cls, data: Any) -> ApiPrompt:
        return cls.model_validate(data)

    def dump(self) -> dict[str, Any]:
        """The prompt dict: every key it was read with, none added, in the order read."""
        return self.model_dump(by_alias=True, exclude_unset=True)


__all__ = ["ApiMeta", "ApiNode", "ApiPrompt", "is_link"]
