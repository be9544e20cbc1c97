"""Tokenisation is (near) linear in the text length (issue 14: a 10 MB prompt spent 73 s in CLIPTextEncode):
long words take the heap BPE, which must make exactly the reference merges; chunk packing does not re-slice."""

from __future__ import annotations

import random
import time

import pytest

import graphrun.backend.clip.tokenizer as tokenizer_module
from graphrun.backend.clip.chunking import tokenize_prompt
from graphrun.backend.clip.tokenizer import default_tokenizer


@pytest.fixture()
def tok():
    return default_tokenizer()


def _reference_bpe(tok, mapped: str, monkeypatch) -> list[str]:
    monkeypatch.setattr(tokenizer_module, "_LONG_WORD", 10**9)  # the reference rescanning loop
    tok._cache.pop(mapped, None)
    out = tok.bpe(mapped)
    tok._cache.pop(mapped, None)
    monkeypatch.setattr(tokenizer_module, "_LONG_WORD", 0)  # the heap path
    return out


def test_heap_bpe_makes_the_reference_merges(tok, monkeypatch):
    rng = random.Random(14)
    alphabet = "abcdefghijklmnopqrstuvwxyz0éßøあ"
    for n in [1, 2, 3, 4, 7, 20, 65, 150, 400, 1200]:
        for _ in range(12):
            word = "".join(rng.choice(alphabet[: rng.randint(1, len(alphabet))]) for _ in range(n))
            mapped = "".join(tok.byte_encoder[b] for b in word.encode("utf-8"))
            ref = _reference_bpe(tok, mapped, monkeypatch)
            assert tok._bpe_heap(mapped) == ref, word


def _seconds(text: str) -> float:
    start = time.perf_counter()
    tokenize_prompt(text)
    return time.perf_counter() - start


def test_tokenize_time_grows_linearly(tok):
    tok.encode("warm up")
    for unit in ("a", "a cat, (on a mat:1.2) "):
        small, big = unit * (20_000 // len(unit)), unit * (160_000 // len(unit))
        t_small = min(_seconds(small) for _ in range(2))
        t_big = _seconds(big)
        # 8x the text: linear ~8x, n log n ~10x, the old quadratic paths 64x
        assert t_big < 24 * t_small, (unit, t_small, t_big)


def test_long_prompt_chunks_are_exact(tok):
    ids = tok.encode("cat " * 1000)
    chunks = tokenize_prompt("cat " * 1000).ids
    flat = [int(t) for row in chunks for t in row[1:-1] if int(t) != 49407]
    assert flat == ids and chunks.shape == (-(-len(ids) // 75), 77)
