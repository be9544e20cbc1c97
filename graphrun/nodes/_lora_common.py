"""What LoraLoader and LoraLoaderModelOnly share: read (or stand in for) the file, apply, explain mismatches."""

from __future__ import annotations

from graphrun.errors import NodeInputError


def load_lora_node(ctx, model, clip, lora_name: str, strength_model: float, strength_clip: float):
    """(MODEL, CLIP) with the LoRA applied, as ComfyUI's LoraLoader.load_lora (both strengths 0: the inputs
    themselves). Refuses a file none of whose names fit the model/CLIP (wrong family); warns on partial fits."""
    if strength_model == 0 and strength_clip == 0:
        return model, clip
    from graphrun.backend import lora, lora_apply
    from graphrun.nodes._model_files import find_or_stub, policy

    family = getattr(model.family, "label", "unknown")
    path = find_or_stub(ctx, "loras", lora_name, f"LoRA for {family}")
    if path is None:
        sd = lora_apply.stub_lora(model, clip)  # cheap (rank 4, attention layers only): made per use
    else:
        sd = ctx.store.files.get(path, policy(ctx), lambda: lora.read_lora(path), kind="lora")
    kind = lora.unsupported_kind(sd)
    if kind is not None:
        raise NodeInputError("lora_name", f"{kind} adapters are not supported by graphrun (LoRA / LoCon / DoRA "
                             "only)", value=lora_name)
    result = lora_apply.apply_lora(model, clip, sd, strength_model, strength_clip)
    if result.misfit:  # ComfyUI logs "ERROR lora ... shape ... is invalid" and leaves these weights unchanged
        ctx.log(f"warning: LoRA {lora_name} (node {ctx.node_id}): {len(result.misfit)} layers do not fit the "
                f"shape of the weight they name and were left unchanged: {', '.join(result.misfit[:8])}")
    if result.model_keys + result.clip_keys == 0:
        what = "the model" + (" or its CLIP" if clip is not None else "")
        hint = ""
        if clip is None and all(k.startswith(("lora_te", "text_encoder")) for k in sd):
            hint = " (it holds text-encoder weights only, which LoraLoaderModelOnly does not patch; use LoraLoader)"
        raise NodeInputError("lora_name", f"no weight of this LoRA fits {what}: the file looks like "
                             f"{lora.describe_lora(sd)}, the model is {family}{hint}", value=lora_name)
    store = getattr(getattr(model.network, "model", None), "graphrun_storage_dtype", None)
    if store is not None and result.model_keys and strength_model != 0:
        # ComfyUI rounds patched fp8 weights back to fp8 stochastically; graphrun keeps them in the compute dtype
        ctx.log(f"warning: LoRA {lora_name} (node {ctx.node_id}) on a model with {store} weights: the patched "
                "weights are not rounded back to fp8 as ComfyUI does (stochastically), so results differ slightly "
                "from ComfyUI's; use weight_dtype 'default' for parity")
    if result.unmatched:
        shown = ", ".join(result.unmatched[:8]) + (f" and {len(result.unmatched) - 8} more"
                                                   if len(result.unmatched) > 8 else "")
        ctx.log(f"warning: LoRA {lora_name} (node {ctx.node_id}): {len(result.unmatched)} tensors fit nothing "
                f"in the model and were not loaded: {shown}")
    return result.model, result.clip
