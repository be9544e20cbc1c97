"""CLIP BPE tokenizer: bundled vocabulary, HF slow-tokenizer cleanup without ftfy, cross-check with transformers."""

from __future__ import annotations

import json
import random

import pytest

from graphrun.backend.clip.tokenizer import (
    END_TOKEN,
    START_TOKEN,
    VOCAB_SIZE,
    ClipTokenizer,
    clean_text,
    default_tokenizer,
    load_merges,
)


@pytest.fixture(scope="module")
def tok() -> ClipTokenizer:
    return default_tokenizer()


def test_vocabulary_layout(tok):
    vocab = tok.vocab
    assert len(vocab) == VOCAB_SIZE == 49408
    assert vocab["<|startoftext|>"] == START_TOKEN == 49406 and vocab["<|endoftext|>"] == END_TOKEN == 49407
    assert vocab["!"] == 0 and vocab["!</w>"] == 256 and vocab["in"] == 512  # bytes, bytes + </w>, first merge
    assert len(load_merges()) == 48894


@pytest.mark.parametrize(
    ("text", "ids"),
    [  # ids from ComfyUI's tokenizer in ../shared/parity cases g_clip_positive / g_clip_weights / g_clip_negative
        ("photograph of victorian woman with wings, sky clouds, meadow grass",
         [8853, 539, 12350, 2308, 593, 5178, 267, 2390, 6244, 267, 17195, 5922]),
        ("a red cat and a [blue] dog, masterpiece", [320, 736, 2368, 537, 320, 314, 1746, 316, 1929, 267, 12066]),
        ("", []),
    ],
)
def test_known_ids(tok, text, ids):
    assert tok.encode(text) == ids


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [  # transformers' BasicTokenizer(strip_accents=False, do_split_on_punc=False), used when ftfy is absent
        ("Hello   World", "hello world"),
        ("tab\tnew\nline\u3000ideographic\u00a0nbsp", "tab new line ideographic nbsp"),
        ("bell\x07nul\x00repl\ufffdsoft\u00adhyphen", "bellnulreplsofthyphen"),  # control/format chars removed
        ("中文abc字", "中 文 abc 字"),  # spaces around CJK ideographs
        ("e\u0301", "\u00e9"),  # NFC
        ("café RÉSUMÉ", "café résumé"),  # lower-cased, accents kept
        ("  ", ""),
    ],
)
def test_clean_text(text, cleaned):
    assert clean_text(text) == cleaned


def test_special_tokens_are_split_off_before_cleaning(tok):
    assert tok.encode("<|startoftext|>a<|endoftext|>") == [START_TOKEN, 320, END_TOKEN]
    # greedy punctuation would otherwise swallow "<|": the literal token is split first, as HF's added-token trie does
    assert tok.encode("!!<|endoftext|>")[-1] == END_TOKEN


def test_decode_round_trip(tok):
    assert tok.decode(tok.encode("a Photo of 2 cats!")) == "a photo of 2 cats !"


def _corpus() -> list[str]:
    rng = random.Random(1234)
    pool = [chr(c) for c in [*range(0x20, 0x7F), *range(0xC0, 0x17F)]]  # ASCII + Latin-1/Extended-A letters
    texts = ["photograph of victorian woman with wings, sky clouds, meadow grass", "don't I'll we've DON'T 's're",
             "masterpiece, best quality, 8k uhd, ((ultra-detailed)), 3.14159 1,000,000", "Straße naïve façade ø"]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 60))) for _ in range(400)]
    return texts


def _hf_tokenizer(tok, tmp_path, monkeypatch):
    """transformers' CLIPTokenizer from our own vocab.json/merges.txt (offline: no hub)."""
    transformers = pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "vocab.json").write_text(json.dumps(tok.vocab, ensure_ascii=False), encoding="utf-8")
    merges = "\n".join(" ".join(m) for m in load_merges())
    (tmp_path / "merges.txt").write_text("#version: 0.2\n" + merges + "\n", encoding="utf-8")
    return transformers.CLIPTokenizer.from_pretrained(str(tmp_path))


def test_matches_transformers_clip_tokenizer(tok, tmp_path, monkeypatch):
    """Same ids as transformers' CLIPTokenizer (slow in 4.x, fast in 5.x) on ASCII/Latin text."""
    hf = _hf_tokenizer(tok, tmp_path, monkeypatch)
    mismatches = [t for t in _corpus() if hf(t)["input_ids"][1:-1] != tok.encode(t)]
    assert not mismatches, mismatches[:5]
