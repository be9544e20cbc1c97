"""Deterministic tiny LoRA files for the tiny SD1.5 checkpoint of ../shared/parity, one per key format graphrun
reads, for the LoRA parity cases (tools/oracle/run_lora.py) and tests (tests/fixtures/lora/loras/, committed).

Values: per tensor, a generator seeded with crc32(name) draws U(-0.2, 0.2) in float32, stored as float16 (as most
LoRA files are); alphas are float32 scalars. Nothing here imports graphrun or ComfyUI, so both venvs can run it:
    python tools/oracle/make_tiny_loras.py [OUT_DIR]     (default tests/fixtures/lora/loras)
"""
import os
import sys
import zlib

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RANK = 4

# tiny UNet layers (LDM name, diffusers name, weight shape); the text encoder has 2 layers of width 64
T0 = "input_blocks.1.1.transformer_blocks.0."
D0 = "down_blocks.0.attentions.0.transformer_blocks.0."
M = "middle_block.1.transformer_blocks.0."
DM = "mid_block.attentions.0.transformer_blocks.0."
U = "output_blocks.2.1.transformer_blocks.0."
DU = "up_blocks.1.attentions.0.transformer_blocks.0."


def _rand(name, shape, scale=0.2):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    return ((torch.rand(*shape, generator=g) * 2 - 1) * scale).to(torch.float16)


def _pair(sd, name, out_dim, in_dim, up_s, down_s, alpha=None, kernel=None, mid=False):
    """up [out, r(,1,1)], down [r, in(, k, k)] (or with a lora_mid [r, r, k, k] and 1x1 down)."""
    if kernel is None:
        sd[name + up_s] = _rand(name + up_s, (out_dim, RANK))
        sd[name + down_s] = _rand(name + down_s, (RANK, in_dim))
    elif mid:
        sd[name + up_s] = _rand(name + up_s, (out_dim, RANK, 1, 1))
        sd[name + down_s] = _rand(name + down_s, (RANK, in_dim, 1, 1))
        sd[name + ".lora_mid.weight"] = _rand(name + ".lora_mid.weight", (RANK, RANK, kernel, kernel))
    else:
        sd[name + up_s] = _rand(name + up_s, (out_dim, RANK, 1, 1))
        sd[name + down_s] = _rand(name + down_s, (RANK, in_dim, kernel, kernel), 0.1)
    if alpha is not None:
        sd[name + ".alpha"] = torch.tensor(float(alpha))


def kohya():
    """sd-scripts: lora_unet_<diffusers name>, lora_te_<HF name>, .lora_up/.lora_down/.alpha; a conv (LoCon) too."""
    sd = {}
    K = ".lora_up.weight", ".lora_down.weight"
    for d, o, i in ((D0 + "attn1.to_q", 32, 32), (D0 + "attn2.to_k", 32, 64), (D0 + "attn2.to_v", 32, 64),
                    (D0 + "attn2.to_out.0", 32, 32), (DM + "attn1.to_v", 64, 64), (DM + "ff.net.2", 64, 256),
                    (DU + "attn2.to_q", 32, 32)):
        _pair(sd, "lora_unet_" + d.replace(".", "_"), o, i, *K, alpha=2.0)
    _pair(sd, "lora_unet_down_blocks_0_resnets_0_conv1", 32, 32, *K, alpha=4.0, kernel=3)
    _pair(sd, "lora_unet_down_blocks_0_attentions_0_proj_in", 32, 32, *K, alpha=1.0, kernel=1)
    for b in range(2):
        for part, o, i in (("self_attn_q_proj", 64, 64), ("self_attn_v_proj", 64, 64), ("mlp_fc1", 256, 64)):
            _pair(sd, f"lora_te_text_model_encoder_layers_{b}_{part}", o, i, *K, alpha=3.0)
    return sd


def comfy():
    """ComfyUI's own names: diffusion_model.<LDM name> with .lora_up/.lora_down (a LoCon lora_mid conv) and
    .lora.up/.lora.down, text_encoders.clip_l.transformer.text_model.<HF name>; no alpha on some (scale 1)."""
    sd = {}
    K = ".lora_up.weight", ".lora_down.weight"
    _pair(sd, "diffusion_model." + T0 + "attn1.to_k", 32, 32, *K, alpha=8.0)
    _pair(sd, "diffusion_model." + M + "attn2.to_k", 64, 64, *K)
    _pair(sd, "diffusion_model.input_blocks.1.0.in_layers.2", 32, 32, *K, alpha=2.0, kernel=3, mid=True)
    _pair(sd, "diffusion_model.output_blocks.2.1.proj_out", 32, 32, ".lora.up.weight", ".lora.down.weight",
          alpha=4.0, kernel=1)
    _pair(sd, "diffusion_model." + U + "ff.net.0.proj", 256, 32, ".lora.up.weight", ".lora.down.weight", alpha=2.0)
    _pair(sd, "text_encoders.clip_l.transformer.text_model.encoder.layers.1.self_attn.out_proj", 64, 64, *K,
          alpha=2.0)
    _pair(sd, "text_encoders.clip_l.transformer.text_model.encoder.layers.0.mlp.fc2", 64, 256, *K)
    return sd


def peft():
    """diffusers/PEFT: unet.<diffusers name>.lora_A/lora_B (attention as .processor.to_*, which is what ComfyUI
    maps), old diffusers `processor.to_out_lora.up`, text_encoder.<HF name>.lora_A/B; plus one PEFT attention name
    without `.processor.` that ComfyUI does not map (left unloaded by both)."""
    sd = {}
    AB = ".lora_B.weight", ".lora_A.weight"
    _pair(sd, "unet." + D0 + "attn2.processor.to_k", 32, 64, *AB)
    _pair(sd, "unet." + DM + "attn1.processor.to_q", 64, 64, *AB, alpha=2.0)
    _pair(sd, "unet." + DU + "attn1.processor.to_out", 32, 32, "_lora.up.weight", "_lora.down.weight")
    _pair(sd, "unet.down_blocks.0.resnets.0.conv2", 32, 32, *AB, kernel=3)
    _pair(sd, "unet." + DU + "attn1.to_v", 32, 32, *AB)  # not mapped by ComfyUI
    for b in range(2):
        _pair(sd, f"text_encoder.text_model.encoder.layers.{b}.self_attn.k_proj", 64, 64, *AB)
    return sd


def kohya_ldm_dora():
    """kohya names on LDM keys (lora_unet_input_blocks_...), one layer with DoRA (.dora_scale per output row)."""
    sd = {}
    K = ".lora_up.weight", ".lora_down.weight"
    _pair(sd, "lora_unet_" + (T0 + "attn2.to_v").replace(".", "_"), 32, 64, *K, alpha=2.0)
    _pair(sd, "lora_unet_" + (M + "attn1.to_out.0").replace(".", "_"), 64, 64, *K, alpha=2.0)
    name = "lora_unet_" + (U + "attn2.to_k").replace(".", "_")
    _pair(sd, name, 32, 64, *K, alpha=4.0)
    sd[name + ".dora_scale"] = (1.0 + _rand(name + ".dora_scale", (32, 1)).float()).to(torch.float16)
    _pair(sd, "lora_unet_middle_block_0_in_layers_2", 64, 64, *K, alpha=4.0, kernel=3)
    return sd


def sdxl_only():
    """A LoRA for another family (SDXL names/widths): nothing fits the tiny SD1.5 model (wrong-family error)."""
    sd = {}
    K = ".lora_up.weight", ".lora_down.weight"
    _pair(sd, "lora_unet_down_blocks_1_attentions_0_transformer_blocks_1_attn2_to_k", 640, 2048, *K, alpha=4.0)
    _pair(sd, "lora_te2_text_model_encoder_layers_0_self_attn_q_proj", 1280, 1280, *K, alpha=4.0)
    return sd


def sdxl():
    """For the tiny SDXL of ../shared/parity (UNet width 64 at the attention levels, both text encoders width 32):
    kohya on LDM names, kohya on diffusers names for SDXL's add_embedding (label_emb), lora_te1_/lora_te2_, and
    diffusers/PEFT text_encoder_2.* names."""
    sd = {}
    K = ".lora_up.weight", ".lora_down.weight"
    _pair(sd, "lora_unet_input_blocks_3_1_transformer_blocks_0_attn2_to_k", 64, 64, *K, alpha=2.0)
    _pair(sd, "lora_unet_middle_block_1_transformer_blocks_0_attn1_to_q", 64, 64, *K, alpha=2.0)
    _pair(sd, "lora_unet_add_embedding_linear_2", 128, 128, *K, alpha=1.0)
    _pair(sd, "lora_unet_add_embedding_linear_1", 128, 1568, *K, alpha=1.0)
    _pair(sd, "lora_te1_text_model_encoder_layers_0_self_attn_q_proj", 32, 32, *K, alpha=2.0)
    _pair(sd, "lora_te1_text_model_encoder_layers_1_mlp_fc1", 128, 32, *K, alpha=2.0)
    _pair(sd, "lora_te2_text_model_encoder_layers_0_self_attn_v_proj", 32, 32, *K, alpha=2.0)
    _pair(sd, "text_encoder_2.text_model.encoder.layers.1.self_attn.q_proj", 32, 32, ".lora_B.weight",
          ".lora_A.weight")
    return sd


def flux():
    """For the tiny Flux of tests/fixtures/flux (hidden 64, mlp 256, CLIP-L width 64): BFL names (ComfyUI's
    diffusion_model.* and kohya lora_unet_*) on fused weights (img qkv, single-block linear1 = qkv+mlp, the final
    shift/scale modulation), diffusers/PEFT transformer.* names, and lora_te1_ on CLIP-L."""
    sd = {}
    K, AB = (".lora_up.weight", ".lora_down.weight"), (".lora_B.weight", ".lora_A.weight")
    _pair(sd, "diffusion_model.double_blocks.0.img_attn.qkv", 192, 64, *K, alpha=2.0)
    _pair(sd, "lora_unet_single_blocks_0_linear1", 448, 64, *K, alpha=4.0)
    _pair(sd, "lora_unet_final_layer_adaLN_modulation_1", 128, 64, *K, alpha=4.0)
    _pair(sd, "transformer.transformer_blocks.0.attn.to_k", 64, 64, *AB)
    _pair(sd, "transformer.single_transformer_blocks.0.proj_out", 64, 320, *AB, alpha=2.0)
    _pair(sd, "transformer.transformer_blocks.0.ff_context.net.0.proj", 256, 64, *AB)
    _pair(sd, "lora_te1_text_model_encoder_layers_0_self_attn_q_proj", 64, 64, *K, alpha=2.0)
    return sd


def sd2():
    """For the tiny SD2 (768-v style) of tests/fixtures/families (UNet width 64 at level 0, linear projections;
    OpenCLIP-H style text encoder of width 64, ComfyUI's part "clip_h"): kohya and diffusers/PEFT names, and one
    layer deliberately 128 wide for a 64-wide weight (ComfyUI logs an error and leaves that weight unchanged)."""
    sd = {}
    K, AB = (".lora_up.weight", ".lora_down.weight"), (".lora_B.weight", ".lora_A.weight")
    _pair(sd, "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k", 64, 64, *K, alpha=2.0)
    _pair(sd, "lora_unet_down_blocks_0_attentions_0_proj_in", 64, 64, *K, alpha=2.0)
    _pair(sd, "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_v", 128, 128, *K, alpha=4.0)
    _pair(sd, "lora_te_text_model_encoder_layers_0_self_attn_q_proj", 64, 64, *K, alpha=2.0)
    _pair(sd, "text_encoder.text_model.encoder.layers.1.mlp.fc1", 256, 64, *AB)
    return sd


LORAS = {"tiny-kohya.safetensors": kohya, "tiny-comfy.safetensors": comfy, "tiny-peft.safetensors": peft,
         "tiny-kohya-ldm-dora.safetensors": kohya_ldm_dora, "tiny-sdxl-wrong.safetensors": sdxl_only,
         "tiny-sdxl-kohya.safetensors": sdxl, "tiny-flux.safetensors": flux,
         "tiny-sd2.safetensors": sd2}


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, make in LORAS.items():
        save_file(make(), os.path.join(out_dir, name))
        print(name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "tests", "fixtures", "lora", "loras"))
