"""The frontend's dynamic prompts (FE-dyn: `processDynamicPrompt` in formatUtil.ts + dynamicPrompts.ts).

It runs inside graphToPrompt (the widget's `serializeValue`) for STRING widgets whose spec has
`dynamicPrompts: true` (e.g. CLIPTextEncode.text), so its result is part of the API prompt: C comments are
stripped, one option of every `{a|b}` block is picked, then `\\{ \\} \\|` are unescaped. (The other queue-time
transform, `%Node.widget%`/`%date:…%` in filename prefixes, lives in graphrun.compile.prefix.)
"""

from __future__ import annotations

import random
import re

# JS `//.*` stops at any JS line terminator; `[\s\S]*?` is a lazy match across lines.
_COMMENTS = re.compile(r"/\*[\s\S]*?\*/|//[^\n\r\u2028\u2029]*")
_UNESCAPE = re.compile(r"\\([{}|])")


def strip_comments(text: str) -> str:
    """Remove `/* … */` and `// …` to end of line (also inside URLs, as the frontend does)."""
    return _COMMENTS.sub("", text)


def process_dynamic_prompt(text: str, rng: random.Random) -> str:
    """FE `processDynamicPrompt`: comments stripped, `{a|b|{c|d}}` resolved uniformly at random, escapes kept
    while parsing and `\\{ \\} \\|` unescaped at the end (each nested choice is processed recursively)."""
    src = strip_comments(text)
    pos = 0

    def escape() -> str:
        nonlocal pos
        # a trailing backslash reads `input[i++]` past the end: JS yields the text "\\undefined"
        nxt = src[pos] if pos < len(src) else "undefined"
        pos += 1
        return "\\" + nxt

    def choice_block() -> str:
        nonlocal pos
        options: list[str] = []
        current = ""
        depth = 0
        while pos < len(src):
            ch = src[pos]
            pos += 1
            if ch == "\\":
                current += escape()
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                if not depth:
                    break
                depth -= 1
            elif ch == "|" and not depth:
                options.append(current)
                current = ""
                continue
            current += ch
        options.append(current)
        return process_dynamic_prompt(options[int(rng.random() * len(options))], rng)

    out = []
    while pos < len(src):
        ch = src[pos]
        pos += 1
        if ch == "\\":
            out.append(escape())
        elif ch == "{":
            out.append(choice_block())
        else:
            out.append(ch)
    return _UNESCAPE.sub(r"\1", "".join(out))
