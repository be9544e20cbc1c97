"""Prompt weight syntax (spec G.2) and 77-token chunking (spec G.3), with hand-derived expectations."""

from __future__ import annotations

import pytest

from graphrun.backend.clip import EmbeddingNotSupportedError, default_tokenizer, parse_prompt, tokenize_prompt
from graphrun.backend.clip.chunking import pack_chunks
from graphrun.backend.clip.tokenizer import END_TOKEN, START_TOKEN

BOS, EOS = START_TOKEN, END_TOKEN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cat", [("cat", 1.0)]),
        ("(cat)", [("cat", 1.1)]),
        ("((cat))", [("cat", 1.2100000000000002)]),
        ("(cat:1.5)", [("cat", 1.5)]),
        ("((cat:1.5))", [("cat", 1.5)]),
        ("((cat):0.8)", [("cat", 0.8 * 1.1)]),  # inner (cat) is 0.8·1.1 = 0.8800000000000001
        ("(a:b:1.2)", [("a:b", 1.2)]),  # last colon wins
        ("(cat:abc)", [("cat:abc", 1.1)]),  # failing float keeps the text and the ·1.1
        ("(:1.5)", [(":1.5", 1.1)]),  # colon at position 0 is not a weight
        ("(cat: 2 )", [("cat", 2.0)]),  # Python float() tolerates surrounding spaces
        ("(cat:0)", [("cat", 0.0)]),
        ("a (b) c", [("a ", 1.0), ("b", 1.1), (" c", 1.0)]),
        ("(a (b:2) c)", [("a ", 1.1), ("b", 2.0), (" c", 1.1)]),
        ("foo ((((lol (cat:666) attack):100))) baz",
         [("foo ", 1.0), ("lol ", 100 * 1.1), ("cat", 666.0), (" attack", 100 * 1.1), (" baz", 1.0)]),
        ("[blue] dog", [("[blue] dog", 1.0)]),  # square brackets are literal
        ("\\(cat\\)", [("(cat)", 1.0)]),  # escapes give literal parentheses
        ("(\\(cat\\):1.2)", [("(cat)", 1.2)]),
        ("a (b", [("a ", 1.0), ("(b", 1.0)]),  # unbalanced "(" stays text
        ("a) b", [("a) b", 1.0)]),  # stray ")" stays text
        ("", []),
    ],
)
def test_weight_syntax(text, expected):
    assert parse_prompt(text) == expected


def test_weights_case_tokens():
    """`a (red:1.3) cat and a [blue] dog, (masterpiece)` -> red 1.3, masterpiece 1.1, brackets tokenized literally."""
    tp = tokenize_prompt("a (red:1.3) cat and a [blue] dog, (masterpiece)")
    pairs = [p for p in tp.pairs()[0] if p[0] != EOS][1:]
    assert pairs == [(320, 1.0), (736, 1.3), (2368, 1.0), (537, 1.0), (320, 1.0), (314, 1.0), (1746, 1.0),
                     (316, 1.0), (1929, 1.0), (267, 1.0), (12066, 1.1)]
    assert tp.has_weights


def test_empty_prompt_is_one_chunk():
    tp = tokenize_prompt("")
    assert tp.ids.tolist() == [[BOS] + [EOS] * 76]
    assert not tp.has_weights


def _group(n: int, token: int = 320, weight: float = 1.0) -> list[tuple[int, float]]:
    return [(token, weight)] * n


def _lengths(chunks):
    return [sum(t not in (BOS, EOS) for t, _ in c) for c in chunks]


def test_exactly_75_tokens_fit_one_chunk():
    chunks = pack_chunks([_group(75)])
    assert len(chunks) == 1 and chunks[0][-1] == (EOS, 1.0) and _lengths(chunks) == [75]


def test_large_group_splits_at_75():
    chunks = pack_chunks([_group(3), _group(80)])
    assert [len(c) for c in chunks] == [77, 77]
    assert _lengths(chunks) == [75, 8]
    assert chunks[0][76] == (EOS, 1.0) and chunks[1][0] == (BOS, 1.0)


def test_small_group_moves_whole_to_next_chunk():
    chunks = pack_chunks([_group(70), _group(7, token=400)])  # 70 + 7 > 75 and 7 < 8: the 7 move on
    assert _lengths(chunks) == [70, 7]
    assert [t for t, _ in chunks[0][71:]] == [EOS] * 6
    assert [t for t, _ in chunks[1][1:8]] == [400] * 7


def test_eight_token_group_is_large_and_splits():
    chunks = pack_chunks([_group(70), _group(8, token=400)])
    assert _lengths(chunks) == [75, 3]


def test_weights_follow_tokens_across_chunks():
    chunks = pack_chunks([_group(100, weight=1.3)])
    assert [w for t, w in chunks[0] if t not in (BOS, EOS)] == [1.3] * 75
    assert [w for t, w in chunks[1] if t not in (BOS, EOS)] == [1.3] * 25
    assert all(w == 1.0 for c in chunks for t, w in c if t in (BOS, EOS))


def test_long_prompt_split_inside_segment():
    """NEW behaviour: one 125-token segment is split exactly at the 75-token boundary (not at a word)."""
    tok = default_tokenizer()
    text = ", ".join(["a highly detailed oil painting of an old lighthouse"] * 12)
    ids = tok.encode(text)
    tp = tokenize_prompt(text)
    assert tp.ids.shape == (2, 77)
    assert tp.ids[0, 1:76].tolist() == ids[:75]
    assert tp.ids[1, 1 : 1 + len(ids) - 75].tolist() == ids[75:]


@pytest.mark.parametrize("text", ["a cat embedding:myface", "embedding:myface, a cat", "(x embedding:myface:1.2)",
                                  "a\nembedding:myface more"])
def test_embedding_reference_raises_naming_it(text):
    with pytest.raises(EmbeddingNotSupportedError, match="'myface'") as info:
        tokenize_prompt(text)
    assert info.value.embedding_name == "myface" and info.value.input_name == "text"


def test_embedding_word_without_whitespace_is_text():
    """Only `embedding:` at the segment start or after a space or newline is a marker (ComfyUI splits at
    " embedding:" and "\\nembedding:")."""
    tokenize_prompt("myembedding:foo")
    tokenize_prompt("a\tembedding:foo")
