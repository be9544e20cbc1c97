"""Structural validation: JSON Schema errors and pydantic errors turned into `Issue`s with JSON pointers.

Every error is reported (best first, then in document order); messages say what was expected and what was
found, in words, never a raw jsonschema/pydantic dump.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from graphrun.errors import Issue
from graphrun.workflow._base import SLOT_STRING_PATTERN

if TYPE_CHECKING:  # jsonschema (~0.1 s to import) is only needed to explain a rejected document
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError as SchemaError

SCHEMA_CODE = "schema_violation"


def pointer(parts: Iterable[Any], prefix: str = "") -> str:
    """RFC 6901 JSON pointer for a path of keys and indexes."""
    out = prefix
    for part in parts:
        out += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return out


@cache
def _validator(key: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    from graphrun.workflow.schemas import load_schema  # lazy: `python -m graphrun.workflow.schemas` stays clean

    schema = load_schema(key)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_issues(data: Any, key: str, *, prefix: str = "") -> list[Issue]:
    """Every way `data` violates schema `key` ("ui-0.4", "ui-1", "api"), best first, then by position."""
    from jsonschema.exceptions import best_match, relevance

    errors = sorted(_validator(key).iter_errors(data), key=_document_order)
    if len(errors) > 1:
        best = best_match(errors, key=relevance)
        while best.parent is not None:  # best_match may pick an anyOf branch; report its top-level error
            best = best.parent
        errors = [best] + [e for e in errors if e is not best]
    return [_issue(_deepest(e), prefix) for e in errors]


def _document_order(error: SchemaError) -> list[tuple[int, Any]]:
    return [(0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path]


def _deepest(error: SchemaError) -> SchemaError:
    """For anyOf/oneOf failures, the error inside the branch whose type the value has (a 1-item array where
    "[x, y] or {"0": x, "1": y}" is allowed -> "expected exactly 2 items"); unchanged when every branch
    rejects the value's type (-> "expected an integer or a string")."""
    while error.context and not _all_type_errors(error.context, error):
        depth = len(error.absolute_path)
        fitting = [e for e in error.context if e.validator != "type" or len(e.absolute_path) > depth]
        if not fitting:
            break
        error = max(fitting, key=lambda e: (len(e.absolute_path), e.validator not in ("anyOf", "oneOf")))
    return error


def _all_type_errors(context: Sequence[SchemaError], parent: SchemaError) -> bool:
    return all(e.validator in ("type", "const", "pattern") and e.absolute_path == parent.absolute_path
               for e in context)


def _issue(error: SchemaError, prefix: str) -> Issue:
    path = list(error.absolute_path)
    value = error.instance
    kind = error.validator
    if kind == "required":
        missing = next((p for p in error.validator_value if error.message == f"{p!r} is a required property"), "?")
        return Issue(SCHEMA_CODE, f"required field {missing!r} is missing", pointer=pointer([*path, missing], prefix),
                     details="required")
    where = _describe_where(path)
    if kind in ("anyOf", "oneOf") and error.context:
        expected = sorted({_expected(e) for e in error.context})
        message = f"{where}expected {' or '.join(expected)}, got {_json_type(value)}"
    elif kind == "type":
        message = f"{where}expected {_expected(error)}, got {_json_type(value)}"
    elif kind in ("minItems", "maxItems") and isinstance(value, list):
        size = _fixed_size(error.schema)
        want = f"exactly {size}" if size is not None else f"{'at least' if kind == 'minItems' else 'at most'} " \
               f"{error.validator_value}"
        message = f"{where}expected {want} items, got {len(value)}"
    elif kind in ("const", "enum"):
        allowed = [error.validator_value] if kind == "const" else list(error.validator_value)
        message = f"{where}expected one of {allowed!r}, got {value!r}"
    elif kind == "pattern":
        message = f"{where}string {value!r} does not match {error.validator_value!r}"
    else:
        message = f"{where}{error.message}"
    return Issue(SCHEMA_CODE, message, pointer=pointer(path, prefix), value=_scalar(value), details=str(kind))


def _describe_where(path: list[Any]) -> str:
    if path and isinstance(path[-1], str):
        return f"field {path[-1]!r}: "
    return ""


def _fixed_size(schema: Any) -> int | None:
    if isinstance(schema, dict) and schema.get("minItems") is not None and \
            schema.get("minItems") == schema.get("maxItems"):
        return schema["minItems"]
    return None


_TYPE_WORDS = {"integer": "an integer", "number": "a number", "string": "a string", "array": "an array",
               "object": "an object", "boolean": "a boolean", "null": "null"}


def _expected(error: SchemaError) -> str:
    """What a failed branch wanted, in words."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return " or ".join(_TYPE_WORDS.get(t, t) for t in types)
    if error.validator == "const":
        return repr(error.validator_value)
    if error.validator == "pattern":
        if error.validator_value == SLOT_STRING_PATTERN:
            return "a numeric string"
        return f"a string matching {error.validator_value!r}"
    if "$ref" in schema:
        return "an object"
    if schema.get("type"):
        return _TYPE_WORDS.get(schema["type"], str(schema["type"]))
    return "a valid value"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value[:40]!r}"
    if isinstance(value, list):
        return f"an array of {len(value)} items"
    return "an object"


def _scalar(value: Any) -> Any:
    """Keep scalar values on the issue; summarise containers (render() would print them whole)."""
    if isinstance(value, dict):
        return f"<object with keys {sorted(map(str, value))[:8]}>"
    if isinstance(value, list) and len(value) > 8:
        return f"<array of {len(value)} items>"
    return value


def pydantic_issues(exc: ValidationError, data: Any, *, prefix: str = "") -> list[Issue]:
    """pydantic errors as Issues; `loc` entries that are union branch tags (not in the data) are dropped."""
    issues = []
    for err in exc.errors(include_url=False):
        path, node = [], data
        for part in err["loc"]:
            if isinstance(node, dict) and part in node:
                path.append(part)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                path.append(part)
                node = node[part]
        missing = err["type"] == "missing"
        message = f"required field {err['loc'][-1]!r} is missing" if missing else err["msg"]
        where = pointer([*path, err["loc"][-1]] if missing else path, prefix)
        issues.append(Issue(SCHEMA_CODE, message, pointer=where, value=None if missing else _scalar(err.get("input")),
                            details=err["type"]))
    return _dedupe(issues)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for issue in issues:
        if (issue.pointer, issue.message) not in seen:
            seen.add((issue.pointer, issue.message))
            out.append(issue)
    return out


__all__ = ["SCHEMA_CODE", "pointer", "pydantic_issues", "schema_issues"]
