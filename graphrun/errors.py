"""Error types shared by every layer. Imports nothing from graphrun.

Every problem a user can act on is an `Issue`: a stable code (ComfyUI's error `type` where one exists),
the node it concerns, the input, the value received, and what is allowed. Stages collect issues and raise
once (`WorkflowError`), so the CLI can print all of them or emit ComfyUI's `/prompt` 400 body with --json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One actionable problem, in ComfyUI's vocabulary (code = ComfyUI error `type` where one exists)."""

    code: str
    message: str
    node_id: str | None = None
    class_type: str | None = None
    title: str | None = None
    input_name: str | None = None
    value: Any = None
    allowed: str | None = None
    suggestion: str | None = None
    pointer: str | None = None  # JSON pointer for structural (schema) errors
    details: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        """One human-readable line: where, what, what was received, what is allowed, what to try."""
        where = []
        if self.node_id is not None:
            label = f"node {self.node_id}"
            if self.class_type:
                label += f" ({self.class_type}"
                if self.title and self.title != self.class_type:
                    label += f" '{self.title}'"
                label += ")"
            where.append(label)
        if self.input_name:
            where.append(f"input '{self.input_name}'")
        if self.pointer is not None:
            where.append(f"at {self.pointer or '/'}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.value is not None and "received" not in text:
            text += f" (received {_short(self.value)})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        return f"[{self.code}] {text}"


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = repr(value)
    except RecursionError:  # a fuzzed value nested thousands deep
        return f"<deeply nested {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class GraphrunError(Exception):
    """Base of every error graphrun raises on purpose; the CLI turns these into messages, not tracebacks."""

    exit_code = 1

    def __init__(self, message: str, issues: list[Issue] | None = None):
        super().__init__(message)
        self.message = message
        self.issues: list[Issue] = list(issues or [])

    def render(self) -> str:
        if not self.issues:
            return self.message
        return "\n".join([self.message] + ["  " + i.render() for i in self.issues])


class UsageError(GraphrunError):
    """Bad command line, unreadable file, unwritable folder (exit code 2)."""

    exit_code = 2


class WorkflowError(GraphrunError):
    """The workflow itself is invalid: malformed JSON, schema, links, types, ranges, enums, cycles (exit 1)."""


class ModelError(GraphrunError):
    """A model file is missing, corrupt, truncated or of an unsupported family."""


class NodeExecutionError(GraphrunError):
    """A node failed while running; names the node, its class_type and the offending input/value."""

    def __init__(self, message: str, *, node_id: str, class_type: str, input_name: str | None = None,
                 value: Any = None, cause: BaseException | None = None):
        issue = Issue("execution_error", message, node_id=node_id, class_type=class_type,
                      input_name=input_name, value=value)
        super().__init__(f"node {node_id} ({class_type}) failed: {message}", [issue])
        self.node_id = node_id
        self.class_type = class_type
        self.cause = cause


class NodeInputError(GraphrunError):
    """Raised inside a node's run() for a bad input value; the executor adds the node id and class_type."""

    def __init__(self, input_name: str | None, message: str, value: Any = None):
        super().__init__(message)
        self.input_name = input_name
        self.value = value
