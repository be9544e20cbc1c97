"""A diffusers-format SD1.5 config folder built offline, in code (no hub access), for `from_single_file(config=...)`.

Standard runwayml/stable-diffusion-v1-5 values; the tokenizer files (vocab.json, merges.txt) are derived from the
BPE merges bundled with graphrun (graphrun/backend/clip/bpe_simple_vocab_16e6.txt.gz), so the token ids are the
ones graphrun's own tokenizer produces.
"""

from __future__ import annotations

import json
from pathlib import Path

UNET = {
    "_class_name": "UNet2DConditionModel",
    "act_fn": "silu",
    "attention_head_dim": 8,
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 768,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 64,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
}

VAE = {
    "_class_name": "AutoencoderKL",
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 512,
    "scaling_factor": 0.18215,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}

TEXT_ENCODER = {
    "architectures": ["CLIPTextModel"],
    "model_type": "clip_text_model",
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "pad_token_id": 1,
    "hidden_act": "quick_gelu",
    "hidden_size": 768,
    "initializer_factor": 1.0,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 77,
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "projection_dim": 768,
    "vocab_size": 49408,
    "torch_dtype": "float32",
}

# Euler with ComfyUI "normal"-like spacing (linspace over the 1000 training steps).
SCHEDULER = {
    "_class_name": "EulerDiscreteScheduler",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "steps_offset": 1,
    "timestep_spacing": "linspace",
    "interpolation_type": "linear",
    "use_karras_sigmas": False,
    "clip_sample": False,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
}

MODEL_INDEX = {
    "_class_name": "StableDiffusionImg2ImgPipeline",
    "_diffusers_version": "0.42.0",
    "feature_extractor": [None, None],
    "safety_checker": [None, None],
    "requires_safety_checker": False,
    "scheduler": ["diffusers", "EulerDiscreteScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "tokenizer": ["transformers", "CLIPTokenizer"],
    "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
}

TOKENIZER_CONFIG = {
    "tokenizer_class": "CLIPTokenizer",
    "model_max_length": 77,
    "do_lower_case": True,
    "bos_token": "<|startoftext|>",
    "eos_token": "<|endoftext|>",
    "unk_token": "<|endoftext|>",
    "pad_token": "<|endoftext|>",
    "errors": "replace",
    "add_prefix_space": False,
    "clean_up_tokenization_spaces": True,
}

SPECIAL_TOKENS_MAP = {k: TOKENIZER_CONFIG[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token")}


def _dump(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_tokenizer_files(folder: Path) -> None:
    """vocab.json + merges.txt of the CLIP BPE, built from graphrun's bundled merges file."""
    from graphrun.backend.clip.tokenizer import ClipTokenizer, load_merges

    merges = load_merges()
    tok = ClipTokenizer(merges)
    _dump(folder / "vocab.json", tok.encoder)
    merges_txt = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges)
    path = folder / "merges.txt"
    if not path.exists() or path.read_text(encoding="utf-8") != merges_txt:
        path.write_text(merges_txt, encoding="utf-8")
    _dump(folder / "tokenizer_config.json", TOKENIZER_CONFIG)
    _dump(folder / "special_tokens_map.json", SPECIAL_TOKENS_MAP)


def write_sd15_config(folder: str | Path) -> Path:
    """Write (idempotently) the SD1.5 diffusers config folder; returns it."""
    root = Path(folder)
    _dump(root / "model_index.json", MODEL_INDEX)
    _dump(root / "unet" / "config.json", UNET)
    _dump(root / "vae" / "config.json", VAE)
    _dump(root / "text_encoder" / "config.json", TEXT_ENCODER)
    _dump(root / "scheduler" / "scheduler_config.json", SCHEDULER)
    write_tokenizer_files(root / "tokenizer")
    return root
