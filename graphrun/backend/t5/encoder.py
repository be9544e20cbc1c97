"""T5-XXL text encoding as ComfyUI v0.3.64's `T5XXLModel` (an SDClipModel: layer "last", no attention mask, end 1 /
pad 0) + `ClipTokenWeightEncoder.encode_token_weights` does it: weighted tokens interpolate from the encoding of the
empty sequence `[</s>, <pad>...]` of the same length."""

from __future__ import annotations

import torch

from graphrun.backend.clip.chunking import TokenizedPrompt

from .chunking import FLUX_MIN_LENGTH, tokenize_t5_prompt
from .model import T5Encoder, build_t5_encoder
from .tokenizer import END_TOKEN, PAD_TOKEN, T5Tokenizer, default_t5_tokenizer


class T5Model:
    def __init__(self, encoder: T5Encoder, tokenizer: T5Tokenizer | None = None, min_length: int = FLUX_MIN_LENGTH):
        self.encoder = encoder
        self.tokenizer = tokenizer or default_t5_tokenizer()
        self.min_length = min_length

    def tokenize(self, text: str) -> TokenizedPrompt:
        return tokenize_t5_prompt(text, self.min_length, self.tokenizer)

    @torch.inference_mode()
    def encode_tokens(self, tokens: TokenizedPrompt) -> torch.Tensor:
        """cond [1, n, d_model] float32 on CPU."""
        ids = tokens.ids
        weighted = tokens.has_weights
        if weighted:
            empty = torch.full((1, ids.shape[1]), PAD_TOKEN, dtype=ids.dtype)
            empty[0, 0] = END_TOKEN
            ids = torch.cat([ids, empty])
        z = self.encoder(ids).float()
        if weighted:
            w = tokens.weights.to(z.device)
            z_empty = z[-1:]
            scaled = (z[:1] - z_empty) * w.to(torch.float32).unsqueeze(-1) + z_empty
            z = torch.where((w != 1.0).unsqueeze(-1), scaled, z[:1])
        return z[:1].to("cpu", torch.float32)

    def encode(self, text: str) -> torch.Tensor:
        return self.encode_tokens(self.tokenize(text))


def load_t5(state_dict: dict[str, torch.Tensor], *, device: torch.device | str = "cpu",
            min_length: int = FLUX_MIN_LENGTH) -> T5Model:
    return T5Model(build_t5_encoder(state_dict, device=device), min_length=min_length)
