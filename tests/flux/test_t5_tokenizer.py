"""T5 tokenization of the bundled vocabulary against the token ids and weights ComfyUI v0.3.64's FluxTokenizer
produced for the same strings (tests/fixtures/flux/t5_tokens.json)."""

from __future__ import annotations

import json

import pytest

from graphrun.backend.clip.chunking import EmbeddingNotSupportedError
from graphrun.backend.t5 import default_t5_tokenizer, tokenize_t5_prompt

from .conftest import FIX

RECORDED = json.loads((FIX / "t5_tokens.json").read_text(encoding="utf-8"))["tokens"]
PLAIN = [t for t in RECORDED if "embedding:" not in t]


@pytest.mark.parametrize("text", PLAIN, ids=[repr(t[:24]) for t in PLAIN])
def test_token_ids_and_weights_equal_comfyui(text):
    (expected,) = RECORDED[text]
    got = tokenize_t5_prompt(text).pairs()[0]
    assert [(int(t), float(w)) for t, w in got] == [(t, w) for t, w in expected]


def test_recorded_set_covers_long_unicode_and_weights():
    lengths = {t: len(RECORDED[t][0]) for t in RECORDED}
    assert max(lengths.values()) > 512  # long text: no 512 cut, one sequence
    assert min(lengths.values()) == 256  # Flux pads to 256
    assert any(w != 1.0 for t in RECORDED for _, w in RECORDED[t][0])
    assert any(ord(c) > 0x3000 for t in RECORDED for c in t)


def test_embedding_reference_is_refused_with_its_name():
    with pytest.raises(EmbeddingNotSupportedError) as e:
        tokenize_t5_prompt("embedding:foo bar")
    assert e.value.embedding_name == "foo"


def test_vocabulary_shape():
    tok = default_t5_tokenizer()
    assert tok.vocab_size() == 32100
    assert tok.encode("") == []
    assert tokenize_t5_prompt("", min_length=77).ids.shape == (1, 77)  # SD3's T5 tokenizer pads to 77
