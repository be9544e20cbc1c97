"""Tiny deterministic ControlNets for the tiny SD1.5 checkpoint of ../shared/parity (parity fixtures).

    python tools/oracle/make_tiny_controlnet.py OUT_DIR [CKPT]

writes (fp16, as real ControlNets ship):
  tiny-cn-sd15.safetensors            ComfyUI / original layout: `control_model.` + input_blocks, zero_convs,
                                      input_hint_block, middle_block, middle_block_out (seed 1)
  tiny-cn-sd15_shuffle.safetensors    the same bytes under a name ComfyUI reads as global average pooling
  tiny-cn-sd15-plain.safetensors      the same layout without the `control_model.` prefix (seed 2)
  tiny-cn-sd15-diffusers.safetensors  diffusers layout (controlnet_cond_embedding, controlnet_down_blocks, ...),
                                      converted from a seed-3 LDM net with diffusers' single-file converter
  tiny-cn-sd15-diff.safetensors       a diff ControlNet (seed 4): `difference` marker, and control minus UNet for
                                      the weights it shares with the UNet (DiffControlNetLoader adds them back)
  tiny-cn-sdxl.safetensors            LDM layout for the tiny SDXL checkpoint next to CKPT (label_emb too; seed 5)
A ControlNet starts as a copy of the UNet's encoder: those weights are the checkpoint's plus seeded noise; the
layers a ControlNet learns from scratch (hint embedding, zero convolutions) are seeded random. Only torch and
safetensors are needed, except for the diffusers file. SHA256 lists the bytes the tests expect.
"""
import hashlib
import os
import sys

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
CKPT = os.path.join(HERE, "..", "..", "..", "shared", "parity", "models", "checkpoints", "tiny-sd15.safetensors")
# the tiny SDXL checkpoint is looked up next to CKPT
UNET = "model.diffusion_model."
HINT_CHANNELS = (16, 16, 32, 32, 96, 96, 256)  # input_hint_block convs 0, 2, ..., 12 (then 14 -> model channels)
SHA256 = {
    "tiny-cn-sd15.safetensors": "616ed13ac93cd554cf4b53482df1f05df3bc6ee641d02ee3f5201f5d7e7e4123",
    "tiny-cn-sd15_shuffle.safetensors": "616ed13ac93cd554cf4b53482df1f05df3bc6ee641d02ee3f5201f5d7e7e4123",
    "tiny-cn-sd15-plain.safetensors": "1c071089ac57cbde4a5c09b45cd22a7174431117beddd5644ddf4da9295698cf",
    "tiny-cn-sd15-diffusers.safetensors": "dc884e1db79c8106c4d1b4b20358b47dc5d0c3beca92ea4962e93f13af613669",
    "tiny-cn-sd15-diff.safetensors": "9239b63be6623eb90310f30e89963a867d7876ac01064b53cec9553b48e43672",
    "tiny-cn-sdxl.safetensors": "0987959159df62776e8dd4789d902f5e2f5d7b2c9675e3f2abd2779f5d0ba98d",
}


def _randn(shape, gen, std):
    return (torch.randn(shape, generator=gen, dtype=torch.float32) * std).to(torch.float16)


def ldm_controlnet(unet_sd, seed, prefix="control_model."):
    """LDM ControlNet state dict for the UNet in `unet_sd` (keys without the UNet prefix)."""
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for k in sorted(unet_sd):
        if k.startswith(("time_embed.", "label_emb.", "input_blocks.", "middle_block.")):
            v = unet_sd[k].float()
            out[k] = (v + torch.randn(v.shape, generator=gen) * 0.01).to(torch.float16)
    cin = 3
    for i, c in enumerate(HINT_CHANNELS):
        out[f"input_hint_block.{2 * i}.weight"] = _randn((c, cin, 3, 3), gen, (1.0 / (cin * 9)) ** 0.5)
        out[f"input_hint_block.{2 * i}.bias"] = _randn((c,), gen, 0.05)
        cin = c
    mc = unet_sd["input_blocks.0.0.weight"].shape[0]
    out["input_hint_block.14.weight"] = _randn((mc, cin, 3, 3), gen, 0.02)
    out["input_hint_block.14.bias"] = _randn((mc,), gen, 0.02)
    blocks = sorted({int(k.split(".")[1]) for k in unet_sd if k.startswith("input_blocks.")})
    for i in blocks:
        if i == 0:
            ch = mc
        elif f"input_blocks.{i}.0.op.weight" in unet_sd:
            ch = unet_sd[f"input_blocks.{i}.0.op.weight"].shape[0]
        else:
            ch = unet_sd[f"input_blocks.{i}.0.out_layers.3.weight"].shape[0]
        out[f"zero_convs.{i}.0.weight"] = _randn((ch, ch, 1, 1), gen, 0.1)
        out[f"zero_convs.{i}.0.bias"] = _randn((ch,), gen, 0.02)
    ch = unet_sd["middle_block.2.out_layers.3.weight"].shape[0]
    out["middle_block_out.0.weight"] = _randn((ch, ch, 1, 1), gen, 0.1)
    out["middle_block_out.0.bias"] = _randn((ch,), gen, 0.02)
    return {prefix + k: v.contiguous() for k, v in out.items()}


def models(ckpt=CKPT):
    sd = load_file(ckpt)
    unet = {k[len(UNET):]: v for k, v in sd.items() if k.startswith(UNET)}
    files = {"tiny-cn-sd15.safetensors": ldm_controlnet(unet, 1),
             "tiny-cn-sd15_shuffle.safetensors": ldm_controlnet(unet, 1),
             "tiny-cn-sd15-plain.safetensors": ldm_controlnet(unet, 2, prefix="")}
    from diffusers.loaders.single_file_utils import convert_controlnet_checkpoint

    ldm = ldm_controlnet(unet, 3)
    files["tiny-cn-sd15-diffusers.safetensors"] = {
        k: v.contiguous() for k, v in convert_controlnet_checkpoint(ldm, {"layers_per_block": 1}).items()}
    diff = ldm_controlnet(unet, 4)
    for k in list(diff):
        base = unet.get(k[len("control_model."):])
        if base is not None:
            diff[k] = (diff[k] - base).contiguous()
    diff["difference"] = torch.tensor([1.0])
    files["tiny-cn-sd15-diff.safetensors"] = diff
    xl = load_file(os.path.join(os.path.dirname(ckpt), "tiny-sdxl.safetensors"))
    xl_unet = {k[len(UNET):]: v for k, v in xl.items() if k.startswith(UNET)}
    files["tiny-cn-sdxl.safetensors"] = ldm_controlnet(xl_unet, 5)
    return files


def sha256_file(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def write(out_dir, ckpt=CKPT):
    os.makedirs(out_dir, exist_ok=True)
    sums = {}
    for name, sd in models(ckpt).items():
        save_file(sd, os.path.join(out_dir, name))
        sums[name] = sha256_file(os.path.join(out_dir, name))
    return sums


if __name__ == "__main__":
    for name, digest in write(sys.argv[1], *(sys.argv[2:3])).items():
        print(name, digest)
