"""The frontend's `filename_prefix` substitution (ComfyUI_frontend `saveImageExtraOutput.ts` +
`searchAndReplace.ts::applyTextReplacements` + `formatUtil.ts::formatDate`).

When the UI builds the API prompt, the `filename_prefix` widget of the save nodes below is serialised through
`applyTextReplacements`. Every `%X%` (X = one or more non-`%` characters, scanned left to right):

* X splits on "." into exactly two parts `Node.widget` → the first node (in graph order) whose
  `properties["Node name for S&R"]` equals Node, else the first whose title equals Node; its widget named
  `widget`; replaced by JavaScript `String(value ?? "")` with each of `/ ? < > \\ : * | "` and control characters
  (0x00–0x1F, 0x7F) turned into `_`. Node or widget not found → `%X%` stays.
* otherwise, X starting with `date:` → the pattern after `date:` formatted with the current local time.
* otherwise `%X%` stays (e.g. `%width%`, which the backend expands later).

The "Node name for S&R" property defaults to the node's class type, so `%KSampler.seed%` finds a KSampler
whatever its title. A date pattern with exactly one "." (`%date:yyyy.MM%`) is taken as a node reference, and
with two or more dots only the part before the first dot is formatted (`%date:yyyy.MM.dd%` → `2024`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

FRONTEND_SAVE_NODE_TYPES = frozenset({
    "SaveImage", "SaveImageAdvanced", "SaveSVGNode", "SaveVideo", "SaveAnimatedWEBP", "SaveWEBM", "SaveAudio",
    "SaveAudioMP3", "SaveAudioOpus", "SaveAudioAdvanced", "SaveGLB", "SaveAnimatedPNG", "CLIPSave", "VAESave",
    "ModelSave", "LoraSave", "SaveLatent",
})
"""Node classes whose `filename_prefix` widget the frontend passes through the substitution."""

_TOKEN = re.compile(r"%([^%]+)%")
_FORBIDDEN = re.compile(r'[/?<>\\:*|"\x00-\x1f\x7f]')
_DATE_TOKEN = re.compile(r"dd?|MM?|hh?|mm?|ss?|yyy?y?")


@dataclass(frozen=True)
class PrefixNode:
    """What the substitution needs to know about one UI node.

    class_type: the node's type (the default "Node name for S&R").
    title: the node's displayed title (its `title`, else the display name of its class).
    widgets: widget name → current value, including control widgets such as `control_after_generate`.
    sr_name: an explicit `properties["Node name for S&R"]`, when the workflow stores one.
    """

    class_type: str
    title: str
    widgets: Mapping[str, Any] = field(default_factory=dict)
    sr_name: str | None = None

    @property
    def search_name(self) -> str:
        return self.sr_name if self.sr_name is not None else self.class_type


def js_string(value: Any) -> str:
    """JavaScript `String(value ?? "")` for JSON-like values (numbers use JS Number formatting)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _js_number(value)
    if isinstance(value, (list, tuple)):
        return ",".join(js_string(v) for v in value)
    if isinstance(value, Mapping):
        return "[object Object]"
    return str(value)


def _js_number(x: float) -> str:
    """ECMAScript Number::toString: shortest round-trip digits, exponent form only below 1e-6 or from 1e21."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    _, digits_t, exp = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, digits_t))
    k = len(digits)
    n = exp + k  # value = 0.digits × 10^n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        body = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + body


def format_frontend_date(pattern: str, now: datetime) -> str:
    """formatDate: yyyy, yy, MM/M, dd/d, hh/h (0–23), mm/m, ss/s; two-letter forms zero-padded; `yyy` stays."""
    parts = {"d": now.day, "M": now.month, "h": now.hour, "m": now.minute, "s": now.second}

    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "yy":
            return str(now.year)[2:]
        if token == "yyyy":
            return str(now.year)
        if token[0] in parts:
            return str(parts[token[0]]).rjust(len(token), "0")
        return token

    return _DATE_TOKEN.sub(repl, pattern)


def _find_node(nodes: Sequence[PrefixNode], name: str) -> PrefixNode | None:
    for node in nodes:
        if node.search_name == name:
            return node
    for node in nodes:
        if node.title == name:
            return node
    return None


def expand_frontend_prefix(prefix: str, *, nodes: Iterable[PrefixNode], now: datetime) -> str:
    """Apply the frontend's `%Node.widget%` / `%date:…%` substitution to a filename_prefix value.

    nodes: every node of the UI workflow in the frontend's traversal order (root graph first, then subgraph
    interiors), so that "first match" is the frontend's. now: the local time standing in for `new Date()`.
    """
    node_list = list(nodes)

    def repl(match: re.Match[str]) -> str:
        text = match.group(1)
        split = text.split(".")
        if len(split) != 2:
            if split[0].startswith("date:"):
                return format_frontend_date(split[0][5:], now)
            return match.group(0)
        node = _find_node(node_list, split[0])
        if node is None or split[1] not in node.widgets:
            return match.group(0)
        return _FORBIDDEN.sub("_", js_string(node.widgets[split[1]]))

    return _TOKEN.sub(repl, prefix)
