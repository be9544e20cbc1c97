"""T5 v1.1 encoder (T5-XXL as Flux and SD3 use it), matching ComfyUI v0.3.64 `comfy/text_encoders/t5.py` on CPU.

Weights stay in their storage dtype (fp16 for fp16/fp32 files, bf16 kept: `pick_weight_dtype` against the fp16 text
encoder dtype) and are cast to float32 per op (`manual_cast`); the embedding lookup happens in the storage dtype and
is then cast. Layer norm is T5's RMS norm; attention is ComfyUI's `attention_basic` (the CPU small-input path) with
T5's unscaled dot product obtained as ComfyUI does: keys multiplied by sqrt(d_kv), scores by d_kv**-0.5. The relative
position bias is computed in block 0 and reused by every block. Config (layers, width, heads, FF width, gating) is read
from the tensor shapes; the head count is not in the shapes and is taken from `relative_attention_bias` (its columns).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from graphrun.errors import ModelError

log = logging.getLogger(__name__)

NUM_BUCKETS = 32
MAX_DISTANCE = 128
LAYER_NORM_EPS = 1e-6


@dataclass(frozen=True)
class T5Config:
    num_layers: int
    d_model: int
    num_heads: int
    d_kv: int
    d_ff: int
    vocab_size: int
    gated: bool


def normalize_keys(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """T5 encoder keys as in t5xxl_fp16.safetensors (`shared.weight`, `encoder.block.N...`); a `t5xxl.transformer.`
    prefix is dropped and `encoder.embed_tokens.weight` stands in for a missing `shared.weight`."""
    out = {k.removeprefix("t5xxl.transformer."): v for k, v in sd.items()}
    if "shared.weight" not in out and "encoder.embed_tokens.weight" in out:
        out["shared.weight"] = out["encoder.embed_tokens.weight"]
    return out


def config_from_state_dict(sd: dict[str, torch.Tensor]) -> T5Config:
    try:
        vocab, d_model = sd["shared.weight"].shape
        inner = sd["encoder.block.0.layer.0.SelfAttention.q.weight"].shape[0]
        heads = sd["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"].shape[1]
    except KeyError as exc:
        raise ModelError(f"T5 encoder state dict lacks {exc.args[0]!r}; not an HF-layout T5 encoder") from None
    gated = "encoder.block.0.layer.1.DenseReluDense.wi_0.weight" in sd
    d_ff = sd["encoder.block.0.layer.1.DenseReluDense." + ("wi_0" if gated else "wi") + ".weight"].shape[0]
    layers = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("encoder.block."))
    if inner % heads:
        raise ModelError(f"T5 attention width {inner} is not a multiple of its {heads} heads")
    return T5Config(layers, d_model, heads, inner // heads, d_ff, vocab, gated)


def relative_position_bucket(rel: torch.Tensor, num_buckets: int = NUM_BUCKETS, max_distance: int = MAX_DISTANCE) -> torch.Tensor:
    """Bidirectional T5 bucket of (key position - query position): half the buckets per sign, exact below
    num_buckets/4, logarithmic up to max_distance."""
    half = num_buckets // 2
    buckets = (rel > 0).to(torch.long) * half
    rel = rel.abs()
    exact = half // 2
    large = exact + (torch.log(rel.float() / exact) / math.log(max_distance / exact) * (half - exact)).to(torch.long)
    large = torch.minimum(large, torch.full_like(large, half - 1))
    return buckets + torch.where(rel < exact, rel, large)


class T5Encoder:
    """Token ids [b, n] -> final-layer-norm hidden states [b, n, d_model] float32 (ComfyUI layer "last")."""

    def __init__(self, config: T5Config, weights: dict[str, torch.Tensor]):
        self.config = config
        self.weights = weights

    @property
    def device(self) -> torch.device:
        return self.weights["shared.weight"].device

    def w(self, key: str) -> torch.Tensor:
        return self.weights[key].to(torch.float32)

    def _norm(self, x: torch.Tensor, key: str) -> torch.Tensor:
        variance = x.pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(variance + LAYER_NORM_EPS)
        return self.w(key) * x

    def _bias(self, n: int) -> torch.Tensor:
        pos = torch.arange(n, dtype=torch.long, device=self.device)
        bucket = relative_position_bucket(pos[None, :] - pos[:, None])
        table = self.weights["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]
        values = F.embedding(bucket, table).to(torch.float32)  # [n, n, heads]
        return values.permute(2, 0, 1).unsqueeze(0).contiguous()  # [1, heads, n, n]

    def _attention(self, x: torch.Tensor, p: str, bias: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        h, d = self.config.num_heads, self.config.d_kv
        q = F.linear(x, self.w(p + ".q.weight"))
        k = F.linear(x, self.w(p + ".k.weight")) * (d ** 0.5)
        v = F.linear(x, self.w(p + ".v.weight"))
        q, k, v = (t.reshape(b, n, h, d).permute(0, 2, 1, 3).reshape(b * h, n, d).contiguous() for t in (q, k, v))
        sim = torch.einsum("b i d, b j d -> b i j", q, k) * d ** -0.5
        sim.add_(bias.expand(b, h, n, n).reshape(b * h, n, n))
        out = torch.einsum("b i j, b j d -> b i d", sim.softmax(dim=-1), v)
        out = out.reshape(b, h, n, d).permute(0, 2, 1, 3).reshape(b, n, h * d)
        return F.linear(out, self.w(p + ".o.weight"))

    def _ff(self, x: torch.Tensor, p: str) -> torch.Tensor:
        if self.config.gated:
            hidden = F.gelu(F.linear(x, self.w(p + ".wi_0.weight")), approximate="tanh") * F.linear(x, self.w(p + ".wi_1.weight"))
        else:
            hidden = F.relu(F.linear(x, self.w(p + ".wi.weight")))
        return F.linear(hidden, self.w(p + ".wo.weight"))

    def __call__(self, ids: torch.Tensor) -> torch.Tensor:
        x = F.embedding(ids.to(self.device), self.weights["shared.weight"]).to(torch.float32)
        bias = self._bias(x.shape[1])
        for i in range(self.config.num_layers):
            p = f"encoder.block.{i}.layer"
            x = x + self._attention(self._norm(x, p + ".0.layer_norm.weight"), p + ".0.SelfAttention", bias)
            x = x + self._ff(self._norm(x, p + ".1.layer_norm.weight"), p + ".1.DenseReluDense")
        return self._norm(x, "encoder.final_layer_norm.weight")


def expected_keys(config: T5Config) -> list[str]:
    keys = ["shared.weight", "encoder.final_layer_norm.weight",
            "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]
    ff = ("wi_0", "wi_1", "wo") if config.gated else ("wi", "wo")
    for i in range(config.num_layers):
        p = f"encoder.block.{i}.layer"
        keys += [f"{p}.0.SelfAttention.{m}.weight" for m in ("q", "k", "v", "o")]
        keys += [f"{p}.0.layer_norm.weight", f"{p}.1.layer_norm.weight"]
        keys += [f"{p}.1.DenseReluDense.{m}.weight" for m in ff]
    return keys


def storage_dtype(sd: dict[str, torch.Tensor]) -> torch.dtype:
    """ComfyUI's T5 weight dtype: the file's dtype unless wider than fp16 (then fp16); fp8 files are upcast to fp16
    here (ComfyUI keeps fp8 storage and casts per op, which gives the same values)."""
    dt = sd["encoder.final_layer_norm.weight"].dtype if "encoder.final_layer_norm.weight" in sd else torch.float16
    return dt if dt in (torch.float16, torch.bfloat16) else torch.float16


def build_t5_encoder(state_dict: dict[str, torch.Tensor], *, device: torch.device | str = "cpu") -> T5Encoder:
    sd = normalize_keys(state_dict)
    config = config_from_state_dict(sd)
    needed = expected_keys(config)
    missing = [k for k in needed if k not in sd]
    if missing:
        raise ModelError(f"T5 encoder state dict is missing {len(missing)} tensors, e.g. {missing[:3]}")
    dtype = storage_dtype(sd)
    weights = {k: sd[k].detach().to(device=device, dtype=dtype, copy=True) for k in needed}
    return T5Encoder(config, weights)
