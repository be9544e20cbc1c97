"""Record CLIP token ids with the tokenizer ComfyUI v0.3.64 uses (transformers CLIPTokenizer over
comfy/sd1_tokenizer), for tests/backend/test_clip_tokenizer_fixture.py.

    COMFY_ROOT=/tmp/ow/ComfyUI /tmp/ow/venv/bin/python tools/oracle/record_tokenizer_ids.py

Writes tests/fixtures/tokenizer/clip_ids.json: {"source": ..., "cases": [[text, ids_without_bos_eos], ...]}.
The texts are a fixed hand list plus seeded random strings over letters, digits, punctuation, accents, CJK,
emoji, whitespace and control characters.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAND = [
    "a photo of a cat", "A PHOTO OF A CAT", "masterpiece, best quality, (detailed:1.2)", "don't won't it's we're",
    "I'll you'd they've", "hello world!!!", "e-mail: someone@example.com", "3.14159 1,000,000 42nd",
    "café naïve résumé", "Straße ß", "日本語のテキスト", "中文 混合 English", "emoji 🙂🚀 ok", "tab\tnew\nline",
    "  leading and trailing  ", "<|startoftext|>inside<|endoftext|>", "under_score and-hyphen",
    "ÅÄÖ åäö", "Ελληνικά", "русский текст", "\x00nul\x07bell", "zero\u200bwidth", "ﬁ ligature", "",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
]
ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:!?'\"()[]{}<>-_/\\|@#$%^&*+="
            "éèêëàâäôöûüçñßøåÆŒ日本語中文한국어🙂🚀\t\n")


def texts(n: int = 400, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    out = list(HAND)
    for _ in range(n):
        out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 60))))
    return out


def main() -> None:
    from transformers import CLIPTokenizer, __version__

    comfy = Path(os.environ.get("COMFY_ROOT", "/tmp/ow/ComfyUI"))
    tok = CLIPTokenizer.from_pretrained(str(comfy / "comfy" / "sd1_tokenizer"))
    cases = [[t, tok(t)["input_ids"][1:-1]] for t in texts()]
    data = {"source": f"transformers {__version__} CLIPTokenizer over ComfyUI v0.3.64 comfy/sd1_tokenizer",
            "cases": cases}
    target = ROOT / "tests" / "fixtures" / "tokenizer" / "clip_ids.json"
    target.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{target}: {len(cases)} cases")


if __name__ == "__main__":
    main()
