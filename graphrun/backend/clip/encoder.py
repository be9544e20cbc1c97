"""CLIPTextEncode / CLIPSetLastLayer for SD1.5, matching ComfyUI v0.3.64 `ClipTokenWeightEncoder` + `SDClipModel`."""

from __future__ import annotations

import torch

from .chunking import TokenizedPrompt, tokenize_prompt
from .model import ClipTextTransformer, build_transformer
from .tokenizer import END_TOKEN, START_TOKEN, ClipTokenizer, default_tokenizer


class ClipModel:
    """A CLIP text encoder plus tokenizer and the selected output layer (ComfyUI's CLIP object)."""

    def __init__(self, transformer: ClipTextTransformer, tokenizer: ClipTokenizer | None = None,
                 layer_idx: int | None = None):
        self.transformer = transformer
        self.tokenizer = tokenizer or default_tokenizer()
        self.layer_idx = layer_idx

    @property
    def num_layers(self) -> int:
        return self.transformer.config.num_hidden_layers

    @property
    def device(self) -> torch.device:
        return self.transformer.device

    def with_last_layer(self, stop_at_clip_layer: int) -> ClipModel:
        """CLIPSetLastLayer: a new object sharing weights whose output is layer `stop_at_clip_layer` (−1 = last)."""
        if isinstance(stop_at_clip_layer, bool) or not isinstance(stop_at_clip_layer, int) or stop_at_clip_layer >= 0:
            raise ValueError(f"stop_at_clip_layer must be a negative int (-1 = last layer), got {stop_at_clip_layer!r}")
        return ClipModel(self.transformer, self.tokenizer, stop_at_clip_layer)

    def output_layer(self) -> int | None:
        """0-based transformer layer whose output is used, or None for "last" (`SDClipModel.set_clip_options`)."""
        idx = self.layer_idx
        if idx is None or abs(idx) > self.num_layers:
            return None  # unset, or deeper than the model: ComfyUI silently falls back to "last"
        return idx if idx >= 0 else self.num_layers + idx

    def tokenize(self, text: str) -> TokenizedPrompt:
        """Token ids and weights [chunks, 77] exactly as ComfyUI's SD1 tokenizer produces them."""
        return tokenize_prompt(text, self.tokenizer)

    @torch.inference_mode()
    def encode_tokens(self, tokens: TokenizedPrompt) -> tuple[torch.Tensor, torch.Tensor]:
        """(cond [1, 77·k, D], pooled [1, D]) float32 on CPU from tokenized chunks (`encode_token_weights`)."""
        ids = tokens.ids
        weighted = tokens.has_weights
        if weighted:  # the empty sequence z_empty that weights interpolate from
            empty = torch.full((1, ids.shape[1]), END_TOKEN, dtype=ids.dtype)
            empty[0, 0] = START_TOKEN
            ids = torch.cat([ids, empty])
        layer = self.output_layer()
        last, hidden = self.transformer(ids.to(self.device), intermediate=layer)
        z = last if layer is None else hidden
        assert z is not None
        z = z.float()
        chunks = tokens.ids.shape[0]
        if weighted:
            w = tokens.weights.to(z.device)
            z_empty = z[-1:]
            scaled = (z[:chunks] - z_empty) * w.to(torch.float32).unsqueeze(-1) + z_empty
            z = torch.where((w != 1.0).unsqueeze(-1), scaled, z[:chunks])
        cond = z[:chunks].reshape(1, -1, z.shape[-1])
        # Pooled: final-LN last layer of chunk 0 at its first end token (ComfyUI: num_tokens - 1).
        eos = int((tokens.ids[0] == END_TOKEN).nonzero()[0, 0])
        pooled = last[0:1, eos].float()
        return cond.to("cpu", torch.float32), pooled.to("cpu", torch.float32)

    def encode(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        """CLIPTextEncode: prompt -> (cond [1, 77·k, D], pooled [1, D]), float32 on CPU."""
        return self.encode_tokens(self.tokenize(text))


def load_clip(state_dict: dict[str, torch.Tensor], *, device: torch.device | str = "cpu",
              weight_dtype: torch.dtype = torch.float16) -> ClipModel:
    """ClipModel from an HF-layout text-encoder state dict (`text_model.*`; prefix optional), fp16 weights."""
    return ClipModel(build_transformer(state_dict, device=device, weight_dtype=weight_dtype))
