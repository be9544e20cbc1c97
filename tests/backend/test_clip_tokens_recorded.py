"""graphrun's prompt tokenizer against ComfyUI v0.3.64's own, recorded on 3070 varied prompts (Unicode, emoji,
whitespace, long multi-chunk texts, weights `(word:1.2)`, escapes, `embedding:`) by
tools/oracle/record_clip_tokens.py: the 77-token chunks' ids and weights for SD1's clip_l (end-token padding)
and SDXL's clip_g (zero padding). A prompt naming an embedding, which ComfyUI looks up (and, with none
installed, drops with a warning), must instead be refused with an error naming the embedding."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from graphrun.backend.clip.chunking import EmbeddingNotSupportedError, tokenize_prompt
from graphrun.backend.clip.tokenizer import END_TOKEN, default_tokenizer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizer" / "clip_tokens.json.gz"
PADS = {"l": END_TOKEN, "g": 0}


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    data = json.loads(gzip.decompress(FIXTURE.read_bytes()))
    assert "SD1Tokenizer" in data["source"] and len(data["cases"]) >= 3000
    return data["cases"]


def _flat(text: str, pad: int) -> tuple[list[int], list[float]]:
    """Chunks concatenated, the pad tail of the last chunk cut as the recorder cuts it."""
    tokens = tokenize_prompt(text, default_tokenizer(), pad_token=pad)
    ids, weights = tokens.ids.flatten().tolist(), tokens.weights.flatten().tolist()
    while len(ids) > 1 and ids[-1] == pad and weights[-1] == 1.0 and ids[-2] in (pad, END_TOKEN):
        ids.pop(), weights.pop()
    return ids, weights


def _runs(runs: list[list]) -> list[float]:
    return [w for w, n in runs for _ in range(n)]


@pytest.mark.parametrize("part", ["l", "g"])
def test_ids_and_weights_match_comfyui(cases, part):
    wrong, compared = [], 0
    for case in cases:
        if case["embeddings"] or "error" in case:
            continue
        compared += 1
        ids, weights = _flat(case["text"], PADS[part])
        want_ids, want_weights = case[part][0], _runs(case[part][1])
        if ids != want_ids or weights != want_weights:
            wrong.append(case["text"])
    assert compared > 2500
    assert not wrong, f"{len(wrong)} of {compared} differ from ComfyUI, first: {wrong[0]!r}"


def test_embedding_references_are_refused_by_name(cases):
    refused = 0
    for case in cases:
        if not (case["embeddings"] or "error" in case):
            continue
        with pytest.raises(EmbeddingNotSupportedError) as err:
            tokenize_prompt(case["text"])
        if case["embeddings"]:  # the name graphrun reports is one ComfyUI looked up
            assert err.value.embedding_name in case["embeddings"], case["text"]
        refused += 1
    assert refused > 300
