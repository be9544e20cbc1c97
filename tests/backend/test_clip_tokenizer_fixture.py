"""graphrun's CLIP tokenizer against ids recorded from the tokenizer ComfyUI v0.3.64 uses (transformers 4.56.2
CLIPTokenizer over comfy/sd1_tokenizer; tools/oracle/record_tokenizer_ids.py): 425 hand and seeded texts."""

from __future__ import annotations

import json
from pathlib import Path

from graphrun.backend.clip.tokenizer import default_tokenizer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizer" / "clip_ids.json"


def test_ids_match_the_recorded_comfyui_tokenizer():
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert "CLIPTokenizer" in data["source"] and len(data["cases"]) >= 400
    tok = default_tokenizer()
    wrong = [(text, ids, tok.encode(text)) for text, ids in data["cases"] if tok.encode(text) != ids]
    assert not wrong, f"{len(wrong)} of {len(data['cases'])} differ, first: {wrong[0]!r}"
