"""Prompt weight syntax `(text)`, `(text:1.3)`, `\\(` escapes, matching ComfyUI sd1_clip `token_weights` (G.2)."""

from __future__ import annotations

# Private placeholders for escaped parentheses while the groups are parsed (spec G.2 step 1).
_ESC_CLOSE = "\0\1"
_ESC_OPEN = "\0\2"


def escape_parentheses(text: str) -> str:
    """Hide `\\(` and `\\)` from the group parser (ComfyUI `escape_important`)."""
    return text.replace("\\)", _ESC_CLOSE).replace("\\(", _ESC_OPEN)


def unescape_parentheses(text: str) -> str:
    """Turn the placeholders back into literal `)` / `(` (ComfyUI `unescape_important`)."""
    return text.replace(_ESC_CLOSE, ")").replace(_ESC_OPEN, "(")


def split_top_level_groups(text: str) -> list[str]:
    """Split into top-level `( … )` groups and plain runs by a depth counter; unbalanced parens stay text."""
    parts: list[str] = []
    current: list[str] = []  # characters of the part being built (a list: linear in the text length)
    depth = 0
    for ch in text:
        if ch == "(":
            if depth == 0:
                if current:
                    parts.append("".join(current))
                current = ["("]
            else:
                current.append(ch)
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                parts.append("".join(current) + ")")
                current = []
            else:
                current.append(ch)  # a stray ")" at depth 0 drives depth negative and is kept as text
        else:
            current.append(ch)
    if current:
        parts.append("".join(current))
    return parts


def _parse_weight(suffix: str) -> float | None:
    """Python `float()` of the text after the last colon, or None when it does not parse."""
    try:
        return float(suffix)
    except ValueError:
        return None


def weighted_segments(text: str, weight: float = 1.0) -> list[tuple[str, float]]:
    """Recursive (text, weight) split: a group is parent·1.1, replaced by a valid `:number` after its last colon."""
    out: list[tuple[str, float]] = []
    for part in split_top_level_groups(text):
        if len(part) >= 2 and part[0] == "(" and part[-1] == ")":
            inner = part[1:-1]
            group_weight = weight * 1.1
            colon = inner.rfind(":")
            if colon > 0:
                explicit = _parse_weight(inner[colon + 1 :])
                if explicit is not None:
                    group_weight = explicit
                    inner = inner[:colon]
            out += weighted_segments(inner, group_weight)
        else:
            out.append((part, weight))
    return out


def parse_prompt(text: str) -> list[tuple[str, float]]:
    """Prompt -> (literal text, weight) segments, escapes resolved (ComfyUI `tokenize_with_weights` first stage)."""
    return [(unescape_parentheses(seg), w) for seg, w in weighted_segments(escape_parentheses(text), 1.0)]
