"""Read a workflow file: bytes -> JSON -> detect the format -> JSON Schema -> typed model (`Document`).

Accepted inputs: a UI workflow (schema 0.4 or 1), an API prompt, a `/prompt` POST body `{"prompt": {...}}`, or a
PNG whose text chunks carry `workflow` and/or `prompt` (as ComfyUI saves them). Every failure is a
`WorkflowError` whose `Issue`s say where (JSON pointer, or line/column) and what; an unreadable file is a
`UsageError`.
"""

from __future__ import annotations

import json
import re
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import ValidationError

from graphrun.errors import Issue, UsageError, WorkflowError
from graphrun.workflow import png
from graphrun.workflow.api import ApiPrompt
from graphrun.workflow.ui import UIWorkflow1, UIWorkflow04
from graphrun.workflow.validate import pydantic_issues, schema_issues

Model = Union[UIWorkflow04, UIWorkflow1, ApiPrompt]
Source = Union[Path, str, bytes, bytearray, Mapping]

_MODELS = {"ui-0.4": UIWorkflow04, "ui-1": UIWorkflow1, "api": ApiPrompt}
_LABELS = {"ui-0.4": "UI workflow (schema 0.4)", "ui-1": "UI workflow (schema 1)", "api": "API prompt"}
_UI_KEYS = ("nodes", "links", "version", "last_node_id", "state", "definitions")


@dataclass(frozen=True)
class Document:
    """A loaded workflow: what it is, the raw dict, and its typed model."""

    kind: Literal["ui", "api"]
    version: Literal["0.4", "1"] | None  # UI schema used (root `version` 1 -> "1", any other number -> "0.4")
    data: dict[str, Any]  # the workflow dict as read (POST body unwrapped; PNG: workflow, else prompt)
    model: Model
    name: str
    path: Path | None = None
    envelope: dict[str, Any] | None = None  # the `{"prompt": ...}` POST body the prompt came in, if any
    embedded_prompt: dict[str, Any] | None = None  # PNG `prompt` chunk
    embedded_workflow: dict[str, Any] | None = None  # PNG `workflow` chunk

    @property
    def schema_key(self) -> str:
        return "api" if self.kind == "api" else f"ui-{self.version}"

    def dump(self) -> dict[str, Any]:
        """The dict to save: `data` as the model now holds it (same keys and order as read)."""
        return self.model.dump()


def dump(doc: Document | Model) -> dict[str, Any]:
    """The JSON dict of a document or model, for saving."""
    return doc.model.dump() if isinstance(doc, Document) else doc.dump()


def load_document(source: Source, *, name: str | None = None) -> Document:
    """Load a workflow from a path, JSON/PNG bytes, JSON text (a str starting with `{` or `[`), or a parsed dict."""
    path: Path | None = None
    if isinstance(source, Mapping):
        return parse_document(dict(source), name=name or "<dict>")
    if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        raw, default_name = source.encode("utf-8"), "<text>"
    elif isinstance(source, bytes | bytearray):
        raw, default_name = bytes(source), "<bytes>"
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        raw, default_name = _read(path), str(path)
    else:
        raise UsageError(f"cannot load a workflow from {type(source).__name__}",
                         [Issue("unreadable_file", "expected a path, bytes, JSON text or a dict",
                                value=type(source).__name__)])
    name = name or default_name
    if png.is_png(raw):
        return _from_png(raw, name, path)
    data = _parse_json(raw, name)
    return parse_document(data, name=name, path=path)


MAX_DEPTH = 100  # real workflows nest a few levels (subgraphs in subgraphs: ~20); deeper is refused up front


def _too_deep_at(data: Any, limit: int = MAX_DEPTH) -> str | None:
    """JSON pointer of the first value nested deeper than `limit` (iterative: any depth is safe), else None."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        if len(path) >= limit:
            return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
        stack.extend((v, (*path, k)) for k, v in items if isinstance(v, (dict, list)))
    return None


def parse_document(data: Any, *, name: str = "<dict>", path: Path | None = None) -> Document:
    """Detect the format of an already-parsed JSON value, validate it and build the typed model."""
    deep = _too_deep_at(data)
    if deep is not None:
        raise WorkflowError(f"{name}: nested too deeply", [Issue(
            "nested_too_deeply", f"the JSON nests more than {MAX_DEPTH} levels deep here; no workflow does",
            pointer=deep)])
    envelope = None
    if isinstance(data, dict) and _is_envelope(data):
        envelope, data = data, data["prompt"]
    prefix = "/prompt" if envelope is not None else ""
    key = detect(data, name, prefix=prefix)
    model = _validate(data, key, name, prefix)
    kind = "api" if key == "api" else "ui"
    version = None if key == "api" else key.split("-", 1)[1]
    return Document(kind=kind, version=version, data=data, model=model, name=name, path=path, envelope=envelope)


def detect(data: Any, name: str = "<dict>", *, prefix: str = "") -> str:
    """The schema key for `data`: "ui-0.4", "ui-1" or "api"; WorkflowError when it is neither."""
    if not isinstance(data, dict):
        raise WorkflowError(f"{name}: not a workflow", [Issue(
            "wrong_top_level_type", f"expected a JSON object (a UI workflow or an API prompt), got {_kind(data)}",
            pointer=prefix, value=data if not isinstance(data, list | dict) else None)])
    if not data:
        raise WorkflowError(f"{name}: empty workflow", [Issue(
            "empty_document", "the JSON object is empty: no nodes", pointer=prefix)])
    if _looks_like_api(data):
        return "api"
    if any(k in data for k in _UI_KEYS):
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int | float):
            raise WorkflowError(f"{name}: UI workflow without a valid version", [Issue(
                "missing_version", "a UI workflow needs a numeric `version` (0.4, or 1 for link objects)",
                pointer=f"{prefix}/version", value=version)])
        return "ui-1" if version == 1 else "ui-0.4"
    if all(isinstance(v, dict) for v in data.values()) or \
            any(isinstance(v, dict) and "class_type" in v for v in data.values()):
        return "api"  # some entries are not well-formed nodes: the schema says which and why
    raise WorkflowError(f"{name}: unknown format", [Issue(
        "unknown_format", "neither a UI workflow (no `nodes`/`version`) nor an API prompt "
        "(values are not {class_type, inputs} objects)", pointer=prefix,
        details=f"top-level keys: {sorted(map(str, data))[:10]}")])


def _looks_like_api(data: dict) -> bool:
    return all(isinstance(v, dict) and ("class_type" in v or "inputs" in v) for v in data.values())


def _is_envelope(data: dict) -> bool:
    """A `/prompt` POST body: `prompt` holds a dict of node entries, and the body itself is not a workflow."""
    inner = data.get("prompt")
    return isinstance(inner, dict) and "nodes" not in data and "class_type" not in inner


def _validate(data: dict, key: str, name: str, prefix: str) -> Model:
    """Typed parse; the JSON Schema (generated from the same strict models) explains a rejection.

    The models accept exactly what the schemas accept (tests/workflow/test_schema_model_agree.py checks this
    on the template corpus and on mutated documents), so a document the models take needs no second pass:
    that keeps a 300-node workflow at ~70 ms instead of ~600 ms of pure-Python schema validation.
    """
    try:
        try:
            return _MODELS[key].model_validate(data)
        except ValidationError as exc:
            issues = schema_issues(data, key, prefix=prefix) or pydantic_issues(exc, data, prefix=prefix)
    except RecursionError:
        issues = [_too_deep(prefix)]
    count = f"{len(issues)} problem{'s' if len(issues) != 1 else ''}"
    raise WorkflowError(f"{name}: invalid {_LABELS[key]}: {count}", issues)


def _too_deep(pointer: str | None = None) -> Issue:
    return Issue("nested_too_deeply", "the JSON is nested too deeply to read", pointer=pointer)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise UsageError(f"cannot read workflow file {path}: {reason}",
                         [Issue("unreadable_file", f"cannot read {path}: {reason}", value=str(path))]) from exc


def _parse_json(raw: bytes, name: str, *, where: str = "") -> Any:
    """bytes -> JSON value; BOM tolerated, NaN/Infinity accepted (Python-written files contain them)."""
    label = f"{name}{where}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        raise WorkflowError(f"{label}: not UTF-8 text", [Issue(
            "not_utf8", f"invalid UTF-8 byte 0x{raw[exc.start]:02x} at line {line} column {col} (offset {exc.start})",
            extra={"line": line, "column": col, "offset": exc.start})]) from None
    if not text.strip():
        raise WorkflowError(f"{label}: empty file", [Issue("empty_document", "the file is empty")])
    try:
        return json.loads(text)
    except RecursionError:
        pointer, line, col = _deep_text_at(text, MAX_DEPTH)
        raise WorkflowError(f"{label}: nested too deeply", [Issue(
            "nested_too_deeply", f"the JSON nests more than {MAX_DEPTH} levels deep here (line {line} column {col}); "
            "no workflow does", pointer=pointer, extra={"line": line, "column": col})]) from None
    except json.JSONDecodeError as exc:
        raise WorkflowError(f"{label}: malformed JSON", [Issue(
            "invalid_json", f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            extra={"line": exc.lineno, "column": exc.colno, "offset": exc.pos})]) from None
    except ValueError as exc:  # e.g. an integer literal longer than Python's 4300-digit limit
        raise WorkflowError(f"{label}: unreadable JSON", [Issue("invalid_json", f"unreadable JSON: {exc}")]) from None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


def _deep_text_at(text: str, limit: int) -> tuple[str, int, int]:
    """(JSON pointer, line, column) of the first bracket nested deeper than `limit`, found by scanning the text
    (used when the parser itself gave up: no recursion here)."""
    stack: list[list] = []  # [kind, key or index, expecting a key]
    last_string = None
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group(0)
        if tok[0] == '"':
            last_string = tok
        elif tok in "[{":
            if len(stack) >= limit:
                pointer = "/" + "/".join(str(e[1]).replace("~", "~0").replace("/", "~1") for e in stack)
                line = text.count("\n", 0, m.start()) + 1
                return pointer, line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            stack.append(["{", None] if tok == "{" else ["[", 0])
        elif tok in "]}" and stack:
            stack.pop()
        elif tok == ":" and stack and stack[-1][0] == "{" and last_string is not None:
            try:
                stack[-1][1] = json.loads(last_string)
            except ValueError:
                stack[-1][1] = last_string[1:-1]
        elif tok == "," and stack and stack[-1][0] == "[":
            stack[-1][1] += 1
    return "", 1, 1


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def _from_png(raw: bytes, name: str, path: Path | None) -> Document:
    try:
        chunks = png.text_chunks(raw)
    except png.PngFormatError as exc:
        raise WorkflowError(f"{name}: unreadable PNG", [Issue("invalid_png", str(exc))]) from None
    embedded = {}
    for key in ("workflow", "prompt"):
        if key in chunks:
            embedded[key] = _parse_json(chunks[key].encode("utf-8"), name, where=f" (PNG '{key}' chunk)")
    if not embedded:
        found = sorted(chunks) or "none"
        raise WorkflowError(f"{name}: no workflow in PNG", [Issue(
            "no_embedded_workflow", "the PNG has no 'workflow' or 'prompt' text chunk",
            details=f"text chunks: {found}")])
    chunk = "workflow" if "workflow" in embedded else "prompt"
    try:
        doc = parse_document(embedded[chunk], name=f"{name} (PNG '{chunk}' chunk)", path=path)
    except WorkflowError as exc:
        raise WorkflowError(exc.message, [_in_chunk(i, chunk) for i in exc.issues]) from None
    return Document(kind=doc.kind, version=doc.version, data=doc.data, model=doc.model, name=name, path=path,
                    envelope=doc.envelope, embedded_prompt=embedded.get("prompt"),
                    embedded_workflow=embedded.get("workflow"))


def _in_chunk(issue: Issue, chunk: str) -> Issue:
    return Issue(**{**issue.__dict__, "extra": {**issue.extra, "png_chunk": chunk}})


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


__all__ = ["Document", "Model", "detect", "dump", "load_document", "parse_document"]
