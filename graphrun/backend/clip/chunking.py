"""Weighted segments -> 77-token chunks, matching ComfyUI v0.3.64 `SDTokenizer.tokenize_with_weights` (spec G.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from graphrun.errors import NodeInputError

from .prompt_weights import parse_prompt
from .tokenizer import END_TOKEN, START_TOKEN, ClipTokenizer, default_tokenizer

MAX_LENGTH = 77  # BOS + 75 tokens + EOS
MAX_WORD_LENGTH = 8  # groups of at least this many tokens may be split across chunks
EMBEDDING_PREFIX = "embedding:"
# ComfyUI splits at " embedding:" and "\nembedding:" only (a tab or other whitespace before it is plain text).
_EMBEDDING_SPLIT = re.compile(r"(?<=[ \n])" + re.escape(EMBEDDING_PREFIX))


class EmbeddingNotSupportedError(NodeInputError):
    """The prompt references a textual-inversion embedding (`embedding:NAME`), which graphrun does not load."""

    def __init__(self, name: str, text: str):
        super().__init__(
            "text",
            f"the prompt references the textual-inversion embedding {name!r} ('{EMBEDDING_PREFIX}{name}'); "
            "textual-inversion embeddings are not supported by graphrun",
            value=text,
        )
        self.embedding_name = name


@dataclass(frozen=True)
class TokenizedPrompt:
    """Token ids [chunks, 77] (int64) and their weights [chunks, 77] (float64, the exact parsed Python floats)."""

    ids: torch.Tensor
    weights: torch.Tensor

    @property
    def has_weights(self) -> bool:
        """True when any token weight differs from 1.0 (ComfyUI then also encodes the empty sequence)."""
        return bool((self.weights != 1.0).any())

    def pairs(self) -> list[list[tuple[int, float]]]:
        """ComfyUI's `[[(token, weight), …], …]` form, for debugging."""
        return [list(zip(map(int, i), map(float, w))) for i, w in zip(self.ids, self.weights)]


def _embedding_name(piece: str) -> str:
    """The name ComfyUI looks up for `embedding:NAME…`: the first whitespace-separated word (it tries the word,
    then the word without its trailing commas; we name the latter)."""
    words = piece[len(EMBEDDING_PREFIX) :].strip("\n").split()
    return words[0].strip(",") if words else ""


def token_groups(text: str, tokenizer: ClipTokenizer) -> list[list[tuple[int, float]]]:
    """One token group per weighted segment (split only at `embedding:` markers), each tokenized as a whole."""
    groups: list[list[tuple[int, float]]] = []
    for segment, weight in parse_prompt(text):
        first, *rest = _EMBEDDING_SPLIT.split(segment)
        for piece in [first] + [EMBEDDING_PREFIX + r for r in rest]:
            if not piece:
                continue
            if piece.startswith(EMBEDDING_PREFIX):
                raise EmbeddingNotSupportedError(_embedding_name(piece), text)
            groups.append([(t, weight) for t in tokenizer.encode(piece)])
    return groups


def pack_chunks(groups: list[list[tuple[int, float]]], pad_token: int = END_TOKEN) -> list[list[tuple[int, float]]]:
    """Pack groups into `[BOS, ≤75 tokens, EOS, pad…]` chunks; only groups of ≥8 tokens are split.
    The pad is EOS for CLIP-L (`pad_with_end`) and 0 for OpenCLIP-G/H."""
    room = MAX_LENGTH - 1  # every chunk keeps one slot for its end token
    chunk: list[tuple[int, float]] = [(START_TOKEN, 1.0)]
    chunks = [chunk]
    for group in groups:
        is_large = len(group) >= MAX_WORD_LENGTH
        start = 0  # an offset, not `group = group[k:]`: slicing a long group per chunk is quadratic
        while start < len(group):
            if len(chunk) + len(group) - start > room:
                remaining = room - len(chunk)
                if is_large:  # split the group exactly at the boundary
                    chunk.extend(group[start:start + remaining])
                    start += remaining
                    chunk.append((END_TOKEN, 1.0))
                else:  # close this chunk and move the whole small group on
                    chunk.append((END_TOKEN, 1.0))
                    chunk.extend([(pad_token, 1.0)] * remaining)
                chunk = [(START_TOKEN, 1.0)]
                chunks.append(chunk)
            else:
                chunk.extend(group[start:])
                start = len(group)
    chunk.append((END_TOKEN, 1.0))
    chunk.extend([(pad_token, 1.0)] * (MAX_LENGTH - len(chunk)))
    return chunks


def tokenize_prompt(text: str, tokenizer: ClipTokenizer | None = None, pad_token: int = END_TOKEN) -> TokenizedPrompt:
    """Prompt text -> 77-token chunks with per-token weights, as ComfyUI's SDTokenizer does."""
    chunks = pack_chunks(token_groups(text, tokenizer or default_tokenizer()), pad_token)
    ids = torch.tensor([[t for t, _ in c] for c in chunks], dtype=torch.int64)
    weights = torch.tensor([[w for _, w in c] for c in chunks], dtype=torch.float64)
    return TokenizedPrompt(ids, weights)
