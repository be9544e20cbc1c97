"""One CLIP text encoder with its ComfyUI options, matching ComfyUI v0.3.64 `ClipTokenWeightEncoder` + `SDClipModel`.

Options (from the family's `ClipPart`): default output layer (None = last; SD2/SDXL: -2), final layer norm on an
intermediate layer (SD1/SD2 yes, SDXL no), pad token (49407 or 0, also used for the weights' empty sequence) and
whether the pooled output goes through text_projection.
"""

from __future__ import annotations

import torch

from .chunking import TokenizedPrompt, tokenize_prompt
from .model import ClipTextTransformer, build_transformer
from .tokenizer import END_TOKEN, START_TOKEN, ClipTokenizer, default_tokenizer


class ClipModel:
    """A CLIP text encoder plus tokenizer and the selected output layer (ComfyUI's CLIP object)."""

    def __init__(self, transformer: ClipTextTransformer, tokenizer: ClipTokenizer | None = None,
                 layer_idx: int | None = None, *, default_layer: int | None = None, layer_norm_hidden: bool = True,
                 pad_token: int = END_TOKEN, projected_pooled: bool = False):
        self.transformer = transformer
        self.tokenizer = tokenizer or default_tokenizer()
        self.layer_idx = layer_idx          # CLIPSetLastLayer's choice; None = the model's default layer
        self.default_layer = default_layer  # ComfyUI's layer "hidden"+idx default (penultimate: -2); None = last
        self.layer_norm_hidden = layer_norm_hidden
        self.pad_token = pad_token
        self.projected_pooled = projected_pooled

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
        return ClipModel(self.transformer, self.tokenizer, stop_at_clip_layer, default_layer=self.default_layer,
                         layer_norm_hidden=self.layer_norm_hidden, pad_token=self.pad_token,
                         projected_pooled=self.projected_pooled)

    def output_layer(self) -> int | None:
        """0-based transformer layer whose output is used, or None for "last" (`SDClipModel.set_clip_options`)."""
        idx = self.layer_idx if self.layer_idx is not None else self.default_layer
        if idx is None or abs(idx) > self.num_layers:
            return None  # unset, or deeper than the model: ComfyUI silently falls back to "last"
        return idx if idx >= 0 else self.num_layers + idx

    def tokenize(self, text: str) -> TokenizedPrompt:
        """Token ids and weights [chunks, 77] exactly as ComfyUI's SD1 tokenizer produces them."""
        return tokenize_prompt(text, self.tokenizer, pad_token=self.pad_token)

    @torch.inference_mode()
    def encode_tokens(self, tokens: TokenizedPrompt) -> tuple[torch.Tensor, torch.Tensor]:
        """(cond [1, 77·k, D], pooled [1, D]) float32 on CPU from tokenized chunks (`encode_token_weights`)."""
        ids = tokens.ids
        weighted = tokens.has_weights
        if weighted:  # the empty sequence z_empty that weights interpolate from
            empty = torch.full((1, ids.shape[1]), self.pad_token, dtype=ids.dtype)  # gen_empty_tokens
            empty[0, 0], empty[0, 1] = START_TOKEN, END_TOKEN
            ids = torch.cat([ids, empty])
        layer = self.output_layer()
        last, hidden = self.transformer(ids.to(self.device), intermediate=layer,
                                        layer_norm_hidden=self.layer_norm_hidden)
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
        if self.projected_pooled:
            pooled = self.transformer.project(pooled)
        return cond.to("cpu", torch.float32), pooled.to("cpu", torch.float32)

    def encode(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        """CLIPTextEncode: prompt -> (cond [1, 77·k, D], pooled [1, D]), float32 on CPU."""
        return self.encode_tokens(self.tokenize(text))


def load_clip(state_dict: dict[str, torch.Tensor], *, device: torch.device | str = "cpu",
              weight_dtype: torch.dtype = torch.float16, part=None, num_heads: int | None = None) -> ClipModel:
    """ClipModel from an HF-layout text-encoder state dict (`text_model.*`; prefix optional), fp16 weights;
    `part` (graphrun.families.ClipPart) gives the family's options (default: SD1's CLIP-L)."""
    if part is None:
        return ClipModel(build_transformer(state_dict, device=device, weight_dtype=weight_dtype, num_heads=num_heads))
    transformer = build_transformer(state_dict, device=device, weight_dtype=weight_dtype, hidden_act=part.hidden_act,
                                    num_heads=num_heads)
    default = part.layer_idx if part.layer == "hidden" else (-2 if part.layer == "penultimate" else None)
    return ClipModel(transformer, default_layer=default, layer_norm_hidden=part.layer_norm_hidden,
                     pad_token=part.pad_token, projected_pooled=part.projected_pooled)
