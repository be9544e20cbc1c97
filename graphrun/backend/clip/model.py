"""CLIP text transformer, fp16-stored weights and fp32 compute, matching ComfyUI `comfy/clip_model.py` (G.4/G.5).

Weights are kept in the storage dtype (fp16, like ComfyUI's `text_encoder_dtype`) and cast to float32 per op,
like `comfy.ops.manual_cast`; attention is the plain matmul-softmax of ComfyUI's `attention_basic`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from graphrun.errors import ModelError

log = logging.getLogger(__name__)

HEAD_DIM = 64  # CLIP text models use 64-wide heads: heads = hidden / 64
LAYER_NORM_EPS = 1e-5
_IGNORED_KEYS = ("embeddings.position_ids", "logit_scale")
TEXT_PROJECTION = "text_projection.weight"  # Linear(hidden, hidden, bias=False): pooled -> projected pooled

ACTIVATIONS = {
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
    "gelu": F.gelu,
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
}


@dataclass(frozen=True)
class ClipTextConfig:
    """Architecture read from tensor shapes (HF `CLIPTextConfig` field names)."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    hidden_act: str = "quick_gelu"
    layer_norm_eps: float = LAYER_NORM_EPS


def normalize_keys(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Keys relative to the HF text model (`text_model.`, even `cond_stage_model.transformer.`, optional)."""
    out = {}
    for key, value in state_dict.items():
        key = key.removeprefix("cond_stage_model.transformer.").removeprefix("text_model.")
        if key in _IGNORED_KEYS or key.endswith(_IGNORED_KEYS):
            continue
        out[key] = value
    return out


def config_from_state_dict(sd: dict[str, torch.Tensor], *, hidden_act: str = "quick_gelu",
                           num_heads: int | None = None) -> ClipTextConfig:
    """Hidden size, layers, heads (hidden/64 unless given), MLP width, vocab and positions from the tensor shapes."""
    try:
        vocab, hidden = sd["embeddings.token_embedding.weight"].shape
        positions = sd["embeddings.position_embedding.weight"].shape[0]
        mlp = sd["encoder.layers.0.mlp.fc1.weight"].shape[0]
    except KeyError as exc:
        missing = exc.args[0]
        raise ModelError(f"CLIP text encoder state dict lacks {missing!r}; not an HF-layout CLIP text model") from None
    layers = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("encoder.layers."))
    if num_heads is None:
        if hidden % HEAD_DIM:
            raise ModelError(f"CLIP hidden size {hidden} is not a multiple of the head width {HEAD_DIM}")
        num_heads = hidden // HEAD_DIM
    elif num_heads <= 0 or hidden % num_heads:
        raise ModelError(f"CLIP hidden size {hidden} does not split into {num_heads} heads")
    return ClipTextConfig(hidden, layers, num_heads, mlp, vocab, positions, hidden_act)


class ClipTextTransformer:
    """Token ids -> (last hidden state with final LN, optional intermediate layer output with final LN)."""

    def __init__(self, config: ClipTextConfig, weights: dict[str, torch.Tensor]):
        self.config = config
        self.weights = weights  # HF-layout keys without `text_model.`, in the storage dtype (fp16)
        self.act = ACTIVATIONS[config.hidden_act]

    @property
    def device(self) -> torch.device:
        return self.weights["embeddings.token_embedding.weight"].device

    def w(self, key: str) -> torch.Tensor:
        """Weight `key` cast to float32 (manual cast of the stored fp16 value)."""
        return self.weights[key].to(torch.float32)

    def _linear(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.linear(x, self.w(prefix + ".weight"), self.w(prefix + ".bias"))

    def _layer_norm(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.layer_norm(x, (x.shape[-1],), self.w(prefix + ".weight"), self.w(prefix + ".bias"),
                            self.config.layer_norm_eps)

    def _attention(self, x: torch.Tensor, prefix: str, mask: torch.Tensor) -> torch.Tensor:
        b, n, width = x.shape
        heads = self.config.num_attention_heads
        dim = width // heads
        q, k, v = (self._linear(x, f"{prefix}.{p}_proj").reshape(b, n, heads, dim).permute(0, 2, 1, 3)
                   .reshape(b * heads, n, dim).contiguous() for p in ("q", "k", "v"))
        sim = torch.einsum("b i d, b j d -> b i j", q, k) * dim**-0.5
        sim.add_(mask)
        out = torch.einsum("b i j, b j d -> b i d", sim.softmax(dim=-1), v)
        out = out.reshape(b, heads, n, dim).permute(0, 2, 1, 3).reshape(b, n, width)
        return self._linear(out, f"{prefix}.out_proj")

    def _mlp(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return self._linear(self.act(self._linear(x, prefix + ".fc1")), prefix + ".fc2")

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Token + position embeddings in float32 (lookup in the stored dtype, then cast)."""
        tok = F.embedding(ids, self.weights["embeddings.token_embedding.weight"]).to(torch.float32)
        return tok + self.w("embeddings.position_embedding.weight")[: ids.shape[1]]

    def project(self, pooled: torch.Tensor) -> torch.Tensor:
        """text_projection(pooled) in float32; identity when the file has no projection (as ComfyUI's SD1 CLIP)."""
        if TEXT_PROJECTION not in self.weights:
            return pooled
        return F.linear(pooled, self.w(TEXT_PROJECTION))

    def __call__(self, ids: torch.Tensor, intermediate: int | None = None,
                 layer_norm_hidden: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Run all layers; `intermediate` is a 0-based layer index whose output is also returned (with the final
        layer norm when `layer_norm_hidden`, as ComfyUI's `final_layer_norm_intermediate`)."""
        x = self.embed(ids)
        n = x.shape[1]
        mask = torch.full((n, n), -torch.finfo(x.dtype).max, dtype=x.dtype, device=x.device).triu_(1)
        hidden = None
        for i in range(self.config.num_hidden_layers):
            p = f"encoder.layers.{i}"
            x = x + self._attention(self._layer_norm(x, p + ".layer_norm1"), p + ".self_attn", mask)
            x = x + self._mlp(self._layer_norm(x, p + ".layer_norm2"), p + ".mlp")
            if i == intermediate:
                hidden = x.clone()
        x = self._layer_norm(x, "final_layer_norm")
        if hidden is not None and layer_norm_hidden:
            hidden = self._layer_norm(hidden, "final_layer_norm")
        return x, hidden


def expected_keys(config: ClipTextConfig) -> list[str]:
    """Every tensor the text model needs, in HF layout without `text_model.`."""
    keys = ["embeddings.token_embedding.weight", "embeddings.position_embedding.weight",
            "final_layer_norm.weight", "final_layer_norm.bias"]
    for i in range(config.num_hidden_layers):
        for sub in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
                    "layer_norm1", "layer_norm2", "mlp.fc1", "mlp.fc2"):
            keys += [f"encoder.layers.{i}.{sub}.weight", f"encoder.layers.{i}.{sub}.bias"]
    return keys


def build_transformer(state_dict: dict[str, torch.Tensor], *, device: torch.device | str = "cpu",
                      weight_dtype: torch.dtype = torch.float16,
                      hidden_act: str = "quick_gelu", num_heads: int | None = None) -> ClipTextTransformer:
    """Text transformer from an HF-layout state dict, weights rounded to `weight_dtype` (ComfyUI: fp16)."""
    sd = normalize_keys(state_dict)
    config = config_from_state_dict(sd, hidden_act=hidden_act, num_heads=num_heads)
    needed = expected_keys(config) + ([TEXT_PROJECTION] if TEXT_PROJECTION in sd else [])
    missing = [k for k in needed if k not in sd]
    if missing:
        raise ModelError(f"CLIP text encoder state dict is missing {len(missing)} tensors, e.g. {missing[:3]}")
    unexpected = sorted(set(sd) - set(needed))
    if unexpected:
        log.warning("ignoring %d unexpected CLIP text encoder tensors, e.g. %s", len(unexpected), unexpected[:3])
    # copy=True: same-dtype tensors would stay views of the checkpoint mmap and keep the whole file resident
    weights = {k: sd[k].detach().to(device=device, dtype=weight_dtype, copy=True) for k in needed}
    return ClipTextTransformer(config, weights)
