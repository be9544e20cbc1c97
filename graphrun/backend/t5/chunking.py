"""Prompt -> T5 token ids and weights, as ComfyUI v0.3.64's `T5XXLTokenizer` (an SDTokenizer with no start token, no
length limit, end token 1, pad token 0, min_length 256 for Flux / 77 for SD3) tokenizes: one sequence, weights from
the same `(text:1.2)` syntax as CLIP, each weighted segment tokenized as a whole, then `</s>` and pad to min_length.
"""

from __future__ import annotations

import torch

from graphrun.backend.clip.chunking import EMBEDDING_PREFIX, _EMBEDDING_SPLIT, EmbeddingNotSupportedError, _embedding_name
from graphrun.backend.clip.chunking import TokenizedPrompt
from graphrun.backend.clip.prompt_weights import parse_prompt

from .tokenizer import END_TOKEN, PAD_TOKEN, T5Tokenizer, default_t5_tokenizer

FLUX_MIN_LENGTH = 256  # comfy.text_encoders.flux.T5XXLTokenizer


def tokenize_t5_prompt(text: str, min_length: int = FLUX_MIN_LENGTH, tokenizer: T5Tokenizer | None = None) -> TokenizedPrompt:
    """Token ids [1, n] and weights [1, n], n = max(tokens + 1, min_length)."""
    tok = tokenizer or default_t5_tokenizer()
    seq: list[tuple[int, float]] = []
    for segment, weight in parse_prompt(text):
        first, *rest = _EMBEDDING_SPLIT.split(segment)
        for piece in [first] + [EMBEDDING_PREFIX + r for r in rest]:
            if not piece:
                continue
            if piece.startswith(EMBEDDING_PREFIX):
                raise EmbeddingNotSupportedError(_embedding_name(piece), text)
            seq.extend((t, weight) for t in tok.encode(piece))
    seq.append((END_TOKEN, 1.0))
    seq.extend([(PAD_TOKEN, 1.0)] * (min_length - len(seq)))
    ids = torch.tensor([[t for t, _ in seq]], dtype=torch.int64)
    weights = torch.tensor([[w for _, w in seq]], dtype=torch.float64)
    return TokenizedPrompt(ids, weights)
