"""Per-input checks of an API prompt, as ComfyUI v0.3.64 `execution.py::validate_inputs` performs them.

Each check returns `Finding`s: ComfyUI's error object (`type`, `message`, `details`, `extra_info`) next to the
graphrun `Issue` that says the same thing in the user's words (node, input, value received, what is allowed,
a suggestion). The orchestration (which nodes, in which order, outputs, cycles) lives in validate.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphrun.compile.suggest import closest, describe_options
from graphrun.errors import GraphrunError, Issue
from graphrun.nodedefs import WIDGET_TYPES, InputSpec, NodeDef

FileExists = Callable[[str, str], bool]

# Nodes whose V1 `VALIDATE_INPUTS` takes an input: that input skips the min/max and combo checks and is checked
# by the function instead. LoadImage: the file must exist (nodes.py `LoadImage.VALIDATE_INPUTS`).
CUSTOM_FILE_VALIDATORS: dict[str, dict[str, str]] = {
    "LoadImage": {"image": "input"},
    "LoadImageMask": {"image": "input"},
}
_ANNOTATIONS = {" [input]": "input", " [output]": "output", " [temp]": "temp"}
_COMBO_LIST_LIMIT = 20  # ComfyUI elides longer option lists in value_not_in_list


@dataclass(frozen=True)
class NodeRef:
    """Where a finding belongs: node id, class_type and the title the user sees."""

    node_id: str
    class_type: str | None
    title: str | None


@dataclass(frozen=True)
class Finding:
    """One problem: ComfyUI's error object and graphrun's Issue."""

    error: dict[str, Any]
    issue: Issue


def finding(node: NodeRef, type_: str, message: str, details: str, extra_info: dict[str, Any], *,
            human: str | None = None, input_name: str | None = None, value: Any = None,
            allowed: str | None = None, suggestion: str | None = None) -> Finding:
    """Build a Finding; `human` is the Issue message when ComfyUI's own message is too terse."""
    error = {"type": type_, "message": message, "details": details, "extra_info": extra_info}
    issue = Issue(type_, human or message, node_id=node.node_id, class_type=node.class_type, title=node.title,
                  input_name=input_name, value=value, allowed=allowed, suggestion=suggestion, details=details)
    return Finding(error, issue)


def input_config(spec: InputSpec) -> list[Any]:
    """ComfyUI's `input_config` = (input_type, extra_info), in JSON form."""
    typ = list(spec.type) if isinstance(spec.type, tuple) else spec.type
    return [typ, dict(spec.options)]


def types_compatible(received: Any, declared: Any) -> bool:
    """Link type compatibility, non-strict mode (comfy_execution/validation.py `validate_node_input`).

    Equal types match; a list (combo) type only matches an identical list; otherwise both are split on ','
    and must share a type. '*' in /object_info stands for ComfyUI's AnyType (IO.ANY, e.g. PreviewAny.source),
    a str whose `!=` is always False, so it accepts every link; a plain '*' string never reaches object_info.
    """
    if declared == "*" or received == "*":
        return True
    if isinstance(received, (list, tuple)) or isinstance(declared, (list, tuple)):
        if isinstance(received, (list, tuple)) and isinstance(declared, (list, tuple)):
            return list(received) == list(declared)
        return False
    if received == declared:
        return True
    if not isinstance(received, str) or not isinstance(declared, str):
        return False
    got = {t.strip() for t in received.split(",") if t.strip()}
    want = {t.strip() for t in declared.split(",") if t.strip()}
    return bool(got & want)


_COERCE: dict[str, Callable[[Any], Any]] = {"INT": int, "FLOAT": float, "STRING": str, "BOOLEAN": bool}


def coerce(type_name: Any, value: Any) -> tuple[Any, Exception | None]:
    """ComfyUI's constant conversion: INT int(v) (int(7.9) == 7, "20" -> 20), FLOAT float(v), STRING str(v),
    BOOLEAN bool(v). Other types are passed through unchanged."""
    convert = _COERCE.get(type_name) if isinstance(type_name, str) else None
    if convert is None:
        return value, None
    try:
        return convert(value), None
    except Exception as exc:  # int("7.5"), int(nan), int(inf), float({}), int(None), ...
        return value, exc


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))


def range_text(options: dict[str, Any]) -> str | None:
    lo, hi = options.get("min"), options.get("max")
    if lo is None and hi is None:
        return None
    if lo is None:
        return f"at most {hi}"
    if hi is None:
        return f"at least {lo}"
    return f"{lo} to {hi}"


def check_constant(node: NodeRef, spec: InputSpec, raw: Any, *, custom: bool) -> tuple[list[Finding], Any]:
    """Checks of a constant (non-link) input: unwrap, coerce, min/max, combo list. Returns (findings, value)."""
    name, info = spec.name, input_config(spec)
    value = raw
    typed = isinstance(value, dict) and "__value__" in value and "__type__" in value  # newer {__type__: CURVE}
    if isinstance(value, dict) and "__value__" in value:
        value = value["__value__"]
    if not typed and not spec.is_combo and isinstance(spec.type, str) and spec.type not in WIDGET_TYPES:
        # ComfyUI lets this through validation and fails while running; say so now.
        return [finding(node, "invalid_input_type", f"Input of type {spec.type} must be linked to another "
                        f"node's output", f"{name}, {value}", {"input_name": name, "input_config": info,
                                                               "received_value": value},
                        human=f"expects a link from a node that outputs {spec.type}, got a constant",
                        input_name=name, value=value, allowed=f"a link [node_id, output_index] to an output of "
                        f"type {spec.type}")], value
    value, exc = coerce(spec.type, value)
    if exc is not None:
        return [finding(node, "invalid_input_type", f"Failed to convert an input value to a {spec.type} value",
                        f"{name}, {value}, {exc}", {"input_name": name, "input_config": info,
                                                    "received_value": value, "exception_message": str(exc)},
                        human=f"cannot convert the value to {spec.type}: {exc}", input_name=name, value=value,
                        allowed=_type_allowed(spec))], value
    if custom:
        return [], value
    opts = dict(spec.options)
    lo, hi = opts.get("min"), opts.get("max")
    if _is_number(value) and _is_number(lo) and value < lo:
        return [finding(node, "value_smaller_than_min", f"Value {value} smaller than min of {lo}", name,
                        {"input_name": name, "input_config": info, "received_value": value}, input_name=name,
                        value=value, allowed=range_text(opts), suggestion=None)], value
    if _is_number(value) and _is_number(hi) and value > hi:
        return [finding(node, "value_bigger_than_max", f"Value {value} bigger than max of {hi}", name,
                        {"input_name": name, "input_config": info, "received_value": value}, input_name=name,
                        value=value, allowed=range_text(opts))], value
    options = spec.combo_options
    if options is not None and not _in_list(value, options):
        long = len(options) > _COMBO_LIST_LIMIT
        list_info = f"(list of length {len(options)})" if long else str(options)
        hint = closest(value, options) if isinstance(value, str) else None
        return [finding(node, "value_not_in_list", "Value not in list", f"{name}: '{value}' not in {list_info}",
                        {"input_name": name, "input_config": None if long else info, "received_value": value},
                        human="value is not in the list of options", input_name=name, value=value,
                        allowed=describe_options(options), suggestion=hint)], value
    return [], value


def _in_list(value: Any, options: list[Any]) -> bool:
    try:
        return value in options
    except Exception:  # an exotic __eq__; treat as absent
        return False


def _type_allowed(spec: InputSpec) -> str:
    kind = {"INT": "an integer", "FLOAT": "a number", "STRING": "a string", "BOOLEAN": "true or false"}
    text = kind.get(spec.type, str(spec.type)) if isinstance(spec.type, str) else "a combo value"
    span = range_text(dict(spec.options))
    return f"{text} ({span})" if span else text


def check_file_input(node: NodeRef, spec: InputSpec, value: Any, folder: str,
                     file_exists: FileExists | None) -> list[Finding]:
    """`VALIDATE_INPUTS(image)` of LoadImage: the file must exist; skipped without `file_exists`.

    `file_exists(folder, value)` gets the value as written (it may carry ComfyUI's ' [output]'/' [temp]'/' [input]'
    annotation, which also picks `folder`), so a resolver shared with the node itself sees the same name."""
    if file_exists is None:
        return []
    ok, human = False, f"file not found in the {folder} folder"
    if isinstance(value, str) and value:
        where = next((f for suffix, f in _ANNOTATIONS.items() if value.endswith(suffix)), folder)
        try:
            ok = bool(file_exists(where, value))
        except GraphrunError as exc:  # the resolver's own words: the folder searched, or why the name is refused
            human = exc.message
    if ok:
        return []
    text = f"Invalid image file: {value}"
    hint = closest(value, spec.combo_options or []) if isinstance(value, str) else None
    options = spec.combo_options
    return [finding(node, "custom_validation_failed", "Custom validation failed for node",
                    f"{spec.name} - {text}", {"input_name": spec.name},
                    human=human, input_name=spec.name, value=value,
                    allowed=describe_options(options) if options else f"a file in the {folder} folder",
                    suggestion=hint)]


def check_link(node: NodeRef, spec: InputSpec, link: list[Any], prompt: dict[Any, Any],
               source_def: Callable[[str], NodeDef | None]) -> tuple[list[Finding], str | None]:
    """Checks of a linked input [source_id, output_index]. Returns (findings, source id if the link resolves)."""
    name, info = spec.name, input_config(spec)
    src, slot = link

    def bad(human: str, *, suggestion: str | None = None, allowed: str | None = None) -> list[Finding]:
        return [finding(node, "bad_linked_input", f"Bad linked input: {human}", f"{name}",
                        {"input_name": name, "input_config": info, "received_value": link},
                        human=human, input_name=name, value=link, allowed=allowed, suggestion=suggestion)]

    if not isinstance(src, str):
        hint = str(src) if isinstance(src, (int, float)) and str(src) in prompt else None
        return bad("the linked node id must be a string", suggestion=hint,
                   allowed="a link [\"node_id\", output_index]"), None
    if src not in prompt:
        return bad(f"links to node {src!r}, which is not in the prompt",
                   suggestion=closest(src, [k for k in prompt if isinstance(k, str)], cutoff=0.8)), None
    sdef = source_def(src)
    if sdef is None:  # the source's class_type is missing or unknown: reported on the source itself
        return [], None
    outputs = sdef.output
    if type(slot) is not int:
        return bad(f"the output index must be an integer, got {slot!r}",
                   allowed=f"0 to {len(outputs) - 1}" if outputs else "none: the node has no outputs"), None
    if not 0 <= slot < len(outputs):
        has = f"{len(outputs)} output(s)" + (f" ({', '.join(map(str, sdef.output_types))})" if outputs else "")
        return bad(f"output index {slot} is out of range: node {src} ({sdef.name}) has {has}",
                   allowed=f"0 to {len(outputs) - 1}" if outputs else "none"), None
    received = outputs[slot]
    declared = list(spec.type) if isinstance(spec.type, tuple) else spec.type
    if not types_compatible(received, declared):
        rec_text = "COMBO" if isinstance(received, list) else received
        want_text = "COMBO" if isinstance(declared, list) else declared
        return [finding(node, "return_type_mismatch", "Return type mismatch between linked nodes",
                        f"{name}, received_type({received}) mismatch input_type({declared})",
                        {"input_name": name, "input_config": info, "received_type": received,
                         "linked_node": link},
                        human=f"linked to output {slot} of node {src} ({sdef.name}), which is {rec_text}, "
                        f"but this input takes {want_text}", input_name=name, value=link,
                        allowed=f"a link to an output of type {want_text}",
                        suggestion=_matching_slot(sdef, declared))], src
    return [], src


def _matching_slot(sdef: NodeDef, declared: Any) -> str | None:
    for i, out in enumerate(sdef.output):
        if types_compatible(out, declared):
            return f"output {i} ({sdef.output_types[i]})"
    return None
