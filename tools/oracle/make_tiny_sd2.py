"""Key list of the tiny SD2.x checkpoints, from ComfyUI v0.3.64's own modules (oracle venv, COMFY_ROOT):

    ORACLE_WORK=/tmp/ow-families COMFY_ROOT=/tmp/ow/ComfyUI /tmp/ow/venv/bin/python tools/oracle/make_tiny_sd2.py

writes tests/fixtures/families/tiny-sd2.keys.txt (name, dtype, shape). The values are made by
tests/fixtures/families/tiny_sd2.py (no ComfyUI needed), which is what tests and the oracle cases load.

UNet (SD2 terms): model_channels 64, channel_mult [1, 1], 5 ResBlocks per level so that output block 11 exists
(ComfyUI's v-prediction probe), a transformer (depth 1, linear projections, 64-wide heads) at both levels and in
the middle, context 64. Text model: OpenCLIP-H layout (`cond_stage_model.model.transformer.resblocks.N...`,
`text_projection` [hidden, proj]), hidden 64, 3 layers, gelu. VAE: the tiny ddconfig of ../shared/parity.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
sys.path.insert(0, os.path.join(SHARED, "oracle"))
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures", "families"))

import comfy_env  # noqa: F401,E402
import torch  # noqa: E402
import comfy.ops  # noqa: E402
import comfy.clip_model  # noqa: E402
import comfy.model_detection  # noqa: E402
from comfy.ldm.modules.diffusionmodules.openaimodel import UNetModel  # noqa: E402
from comfy.ldm.models.autoencoder import AutoencoderKL  # noqa: E402
from make_tiny_families import clip_hf_to_openclip  # noqa: E402
import tiny_sd2  # noqa: E402

UNET = {"in_channels": 4, "out_channels": 4, "model_channels": 64, "num_res_blocks": 5, "channel_mult": [1, 1],
        "attention_resolutions": [1, 2], "transformer_depth": 1, "context_dim": 64, "use_linear_in_transformer": True,
        "num_head_channels": 64, "num_heads": -1, "use_spatial_transformer": True, "legacy": False,
        "use_checkpoint": False, "image_size": 32}
VAE = {"double_z": True, "z_channels": 4, "resolution": 256, "in_channels": 3, "out_ch": 3, "ch": 32,
       "ch_mult": [1, 2, 2, 4], "num_res_blocks": 1, "attn_resolutions": [], "dropout": 0.0}
CLIP = dict(tiny_sd2.CLIP_H_CONFIG, architectures=["CLIPTextModel"], model_type="clip_text_model",
            layer_norm_eps=1e-05, eos_token_id=49407, bos_token_id=0, pad_token_id=1)


def keys():
    shapes = {}
    unet = UNetModel(**comfy.model_detection.convert_config(dict(UNET)), operations=comfy.ops.disable_weight_init)
    shapes.update({"model.diffusion_model." + k: tuple(v.shape) for k, v in unet.state_dict().items()})
    vae = AutoencoderKL(ddconfig=dict(VAE), embed_dim=4)
    shapes.update({"first_stage_model." + k: tuple(v.shape) for k, v in vae.state_dict().items()})
    clip = comfy.clip_model.CLIPTextModel(CLIP, torch.float32, "cpu", comfy.ops.manual_cast)
    h = CLIP["hidden_size"]
    p = "cond_stage_model.model."
    for k, v in clip.state_dict().items():
        if k.startswith("text_projection"):
            continue
        if ".self_attn.q_proj." in k:
            i = k.split("encoder.layers.")[1].split(".")[0]
            y = k.rsplit(".", 1)[1]
            shapes[f"{p}transformer.resblocks.{i}.attn.in_proj_{y}"] = (3 * h, h) if y == "weight" else (3 * h,)
        elif ".self_attn.k_proj." in k or ".self_attn.v_proj." in k:
            continue
        else:
            shapes[p + clip_hf_to_openclip(k)] = tuple(v.shape)
    shapes[p + "text_projection"] = (h, CLIP["projection_dim"])
    return shapes


if __name__ == "__main__":
    with open(tiny_sd2.KEYS, "w") as fh:
        for k, s in sorted(keys().items()):
            fh.write("%s\t%s\t%s\n" % (k, "float16", json.dumps(list(s))))
    print("wrote", tiny_sd2.KEYS)
