"""Record what ComfyUI v0.3.64's own prompt tokenizers make of a few thousand varied prompts, for
tests/backend/test_clip_tokens_recorded.py: SD1 (`comfy.sd1_clip.SD1Tokenizer`, clip_l, padded with the end
token) and SDXL's clip_g (`comfy.sdxl_clip.SDXLClipGTokenizer`, padded with 0), each through
`tokenize_with_weights` (weights syntax, escapes, `embedding:` lookup, 77-token chunking), with an empty
embeddings folder as a ComfyUI install without embeddings has.

    ORACLE_WORK=/tmp/ow-tokens COMFY_ROOT=/tmp/ow/ComfyUI /tmp/ow/venv/bin/python tools/oracle/record_clip_tokens.py

Writes tests/fixtures/tokenizer/clip_tokens.json.gz:
  {"source": ..., "cases": [{"text", "embeddings": [names ComfyUI looked up], "l": [[ids], [[weight, n], ...]],
                             "g": [[ids], [[weight, n], ...]]} or {"text", "embeddings", "error": exception name}, ...]}
with the chunks concatenated (77 per chunk), the pad tail of the last chunk cut (it is all pad, weight 1.0) and
the weights run-length coded.
"""
import gzip
import json
import os
import random
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
sys.path.insert(0, os.path.join(SHARED, "oracle"))

import comfy_env  # noqa: F401,E402
import comfy.sd1_clip as sd1_clip  # noqa: E402
import comfy.sdxl_clip as sdxl_clip  # noqa: E402

HAND = [
    "", " ", "a photo of a cat", "A PHOTO OF A CAT", "masterpiece, best quality, (detailed:1.2)",
    "(a:1.5) (b:0.5) ((c)) (((d))) [e]", "(nested (inner:1.3) outer:0.8)", "(unclosed paren", "closed) paren",
    "(no weight)", "(bad weight:abc)", "(weight:1.2.3)", "(neg:-1)", "(zero:0)", "(big:100)", "(:1.1)",
    "(a:1e2)", "(a: 1.2)", "(a:1.2 )", "(a :1.2)", "\\(escaped\\) parens", "\\\\(double backslash)",
    "(\\(inner escaped\\):1.2)", "(a\\:b:1.1)", "trailing backslash\\", "\\)", "\\(",
    "embedding:foo", "a embedding:foo b", "a\nembedding:foo,bar", "xembedding:foo", "embedding:", "embedding: x",
    "(embedding:foo:1.2)", "a embedding:foo, b", "a embedding:foo,, b", "a embedding:<lora> x",
    "don't won't it's we're", "I'll you'd they've", "hello world!!!", "e-mail: someone@example.com",
    "3.14159 1,000,000 42nd", "café naïve résumé", "Straße ß", "日本語のテキスト", "中文 混合 English",
    "emoji 🙂🚀 ok 👩‍👩‍👧‍👦 🇫🇷", "tab\tnew\nline", "  leading and trailing  ", "<|startoftext|>inside<|endoftext|>",
    "under_score and-hyphen", "ÅÄÖ åäö", "Ελληνικά", "русский текст", "\x00nul\x07bell", "zero\u200bwidth",
    "ﬁ ligature", "e\u0301 combining", "\u00a0nbsp\u3000ideographic space", "\r\n crlf", "Ⅻ ①",
    "a" * 100, "supercalifragilisticexpialidocious " * 10, ", ".join(["a castle on a hill"] * 30),
    " ".join(["word"] * 74), " ".join(["word"] * 75), " ".join(["word"] * 76), " ".join(["word"] * 150),
    "x " * 73 + "antidisestablishmentarianism", "(" + "tall tree, " * 40 + ":1.3)",
]
WORDS = ["photo", "cat", "dog", "masterpiece", "best", "quality", "detailed", "landscape", "castle", "woman",
         "8k", "hdr", "octane", "render", "trending", "artstation", "by", "greg", "rutkowski", "a", "the", "of",
         "café", "naïve", "日本", "한국어", "москва", "🙂", "🚀", "✨", "don't", "it's", "x-ray", "e.g.", "1.5", "42",
         "supercalifragilistic", "bokeh", "f/1.8", "50mm", "#hashtag", "@user", "$100", "100%", "C++", "a/b"]
PUNCT = [",", ", ", ".", " ", " ", " ", "  ", "\n", "\t", "!", "?", ";", ":", "-", "_", "|", "'", '"', "/"]
SYNTAX = ["(", ")", "\\(", "\\)", "[", "]", ":1.2", ":0.5", ":1.1)", ":1.3)", "((", "))", "(x:1.4)",
          "embedding:", ",", "\\", "{", "}", "<", ">", "<|endoftext|>"]
CHARS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:!?'\"()[]{}<>-_/\\|@#$%^&*+="
         "éèêëàâäôöûüçñßøåÆŒ日本語中文한국어🙂🚀\t\n\u200b\u00a0")


def generated(n: int, seed: int = 1405) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = i % 8
        if kind in (0, 4):  # characters
            out.append("".join(rng.choice(CHARS) for _ in range(rng.randint(1, 80))))
        else:  # words, punctuation and weight/embedding syntax; every 8th long enough to need several chunks
            size = rng.randint(1, 40) if kind != 7 else rng.randint(60, 200)
            parts = []
            for _ in range(size):
                r = rng.random()
                parts.append(rng.choice(WORDS) if r < 0.6 else rng.choice(PUNCT) if r < 0.85 else rng.choice(SYNTAX))
            out.append("".join(parts) if rng.random() < 0.3 else " ".join(parts))
    return out


def record(tokenizer, text: str):
    chunks = tokenizer.tokenize_with_weights(text)
    ids = [t for chunk in chunks for t, _ in chunk]
    weights = [w for chunk in chunks for _, w in chunk]
    pad = tokenizer.pad_token
    while len(ids) > 1 and ids[-1] == pad and weights[-1] == 1.0 and ids[-2] in (pad, tokenizer.end_token):
        ids.pop(), weights.pop()
    assert all(isinstance(t, int) for t in ids), text  # no embedding tensors (the folder is empty)
    runs = []  # weights as [weight, repeat] runs: most are 1.0
    for w in weights:
        if runs and runs[-1][0] == w:
            runs[-1][1] += 1
        else:
            runs.append([w, 1])
    return [ids, runs]


def main() -> None:
    looked_up = []
    real_load = sd1_clip.load_embed

    def load_embed(name, *args, **kwargs):
        looked_up.append(name)
        return real_load(name, *args, **kwargs)

    sd1_clip.load_embed = load_embed
    empty = tempfile.mkdtemp(prefix="no-embeddings-")
    tok_l = sd1_clip.SD1Tokenizer(embedding_directory=empty).clip_l
    tok_g = sdxl_clip.SDXLClipGTokenizer(embedding_directory=empty)
    cases = []
    for text in HAND + generated(3000):
        looked_up.clear()
        try:
            case = {"text": text, "l": record(tok_l, text)}
        except Exception as exc:  # noqa: BLE001 - ComfyUI fails on some texts (`embedding:` + nothing): record how
            cases.append({"text": text, "error": type(exc).__name__, "embeddings": list(looked_up)})
            continue
        names = list(looked_up)
        case["g"] = record(tok_g, text)
        case["embeddings"] = names
        cases.append(case)
    data = {"source": "ComfyUI v0.3.64 SD1Tokenizer (clip_l) and SDXLClipGTokenizer tokenize_with_weights, "
                      "empty embeddings folder (tools/oracle/record_clip_tokens.py)", "cases": cases}
    target = os.path.join(REPO, "tests", "fixtures", "tokenizer", "clip_tokens.json.gz")
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(target + ".tmp", "wb") as f:
        f.write(gzip.compress(raw, 9, mtime=0))
    os.replace(target + ".tmp", target)
    print(f"{target}: {len(cases)} cases, {len(raw)} bytes json, {os.path.getsize(target)} bytes gzip")


if __name__ == "__main__":
    main()
