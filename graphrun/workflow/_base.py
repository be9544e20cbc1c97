"""Shared pieces of the workflow models: the passthrough base model and the scalar types of the frontend schema.

Every model keeps unknown keys (the frontend's zod schemas are `.passthrough()`), remembers the key order it was
read with, and dumps back only what it was given, so `Model.parse(d).dump() == d` with the same key order.
Scalar types never convert a value (an int stays an int, a string slot stays a string): the JSON Schema is the
gate, the models are the typed view.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

# A JSON number (zod `z.number()`): int or float kept as read; bool is not a number.
Number = Annotated[Union[StrictInt, StrictFloat], WithJsonSchema({"type": "number"})]


def _integral(value: float) -> float:
    if not value.is_integer():
        raise ValueError("must be an integer")
    return value


# An integer as JavaScript sees it: 3, or 3.0 from a Python-written file (kept as 3.0 for the round trip).
IntegralFloat = Annotated[StrictFloat, AfterValidator(_integral)]

# zNodeId: integer or string (legacy group nodes used "<groupId>:<index>").
NodeId = Annotated[Union[StrictInt, IntegralFloat, StrictStr], WithJsonSchema({"type": ["integer", "string"]})]

# zSlotIndex: integer, or a string that JavaScript's parseInt reads as an integer ("1", " 2", "3abc").
SLOT_STRING_PATTERN = r"^\s*[+-]?[0-9]"
SlotIndex = Annotated[
    Union[StrictInt, IntegralFloat, Annotated[StrictStr, StringConstraints(pattern=SLOT_STRING_PATTERN)]],
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": SLOT_STRING_PATTERN}]}),
]

# zDataType: "MODEL", ["INT", "FLOAT"] (custom nodes), or a number (custom nodes).
DataType = Annotated[
    Union[StrictStr, list[StrictStr], StrictInt, StrictFloat],
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "number"}]}),
]


def Tuple(*items: Any) -> Any:  # noqa: N802 - reads like a type
    """A fixed-length JSON array (zod `z.tuple`): typed as a tuple, dumped back as a list (see `_lists`)."""
    return tuple[items]


class _AbsentMarker:
    """Metadata marking a field that may be missing but not null (checked in Passthrough)."""


ABSENT = _AbsentMarker()


def Absent(tp: Any) -> Any:  # noqa: N802 - reads like a type
    """`tp`, optional but not nullable in the schema (zod `.optional()`); None in Python means "absent"."""
    return Annotated[Union[tp, SkipJsonSchema[None]], ABSENT]


def parse_slot(value: int | float | str) -> int:
    """A slot index as the frontend reads it (`parseInt`): 2 -> 2, "2" -> 2, " 3abc" -> 3; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"slot index must be an integer, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(_integral(value))
    text = value.strip()
    digits = ""
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isdigit() or (i == 0 and ch in "+-"):
            digits += ch
        else:
            break
    if not digits.lstrip("+-"):
        raise ValueError(f"slot index {value!r} is not a number")
    return int(digits)


def _lists(value: Any) -> Any:
    """Tuple-typed fields back to JSON arrays (a field, or the items of a list field). JSON never yields tuples,
    so only the model's own tuple types are touched."""
    if isinstance(value, tuple):
        return [_lists(v) for v in value]
    if isinstance(value, list) and any(isinstance(v, tuple) for v in value):
        return [_lists(v) for v in value]
    return value


class Passthrough(BaseModel):
    """Base of every workflow model: unknown keys kept, input key order kept, dumps exactly what it read."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_default=False)

    _key_order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_key_order(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(data, dict) and isinstance(model, Passthrough):
            model._key_order = tuple(data)
            for name, info in type(model).model_fields.items():  # optional-but-not-nullable, as the schema
                key = info.alias or name
                if key in data and data[key] is None and ABSENT in info.metadata:
                    raise ValueError(f"field {key!r} may be left out but not null")
        return model

    @model_serializer(mode="wrap")
    def _restore_key_order(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        out = handler(self)
        if not isinstance(out, dict):
            return out
        out = {k: _lists(v) for k, v in out.items()}
        if not self._key_order:
            return out
        ordered = {k: out[k] for k in self._key_order if k in out}
        ordered.update((k, v) for k, v in out.items() if k not in ordered)
        return ordered

    @classmethod
    def parse(cls, data: Any):
        """Validate a JSON value into this model (pydantic ValidationError on failure; see load.py for Issues)."""
        return cls.model_validate(data)

    def dump(self) -> dict[str, Any]:
        """The JSON dict this model stands for: every field it was given, none added, in the order read."""
        return self.model_dump(by_alias=True, exclude_unset=True)

    def extra_field(self, key: str, default: Any = None) -> Any:
        """A passthrough (undeclared) key, e.g. a node's `title` or `widgets_values_named`."""
        return (self.model_extra or {}).get(key, default)


__all__ = [
    "Absent", "DataType", "Field", "IntegralFloat", "NodeId", "Number", "Passthrough", "SlotIndex", "Tuple", "parse_slot",
]
