"""What KSampler and KSamplerAdvanced share: enum lists from the registries, and the call into sampling."""

from __future__ import annotations

from graphrun.errors import NodeInputError


def sampler_choices() -> list[str]:
    """KSampler's sampler_name options: ComfyUI's list, which the sampler registry registers exactly (tested);
    read from the torch-free names module so validate/compile do not import the samplers."""
    from graphrun.sampling.names import SAMPLER_NAMES

    return list(SAMPLER_NAMES)


def scheduler_choices() -> list[str]:
    from graphrun.sampling.names import SCHEDULER_NAMES

    return list(SCHEDULER_NAMES)


def run_sampler(ctx, model, *, seed, steps, cfg, sampler_name, scheduler, positive, negative, latent,
                denoise=1.0, disable_noise=False, start_step=None, last_step=None, force_full_denoise=False):
    """ComfyUI's common_ksampler, with a progress callback wired to the run context."""
    from graphrun.sampling.ksampler import common_ksampler

    if model is None:
        raise NodeInputError("model", "the MODEL input is None (the checkpoint has no diffusion model)")

    def callback(step, total, x, denoised):
        ctx.report_progress(step + 1, total)

    try:
        out = common_ksampler(model, seed, steps, cfg, sampler_name, scheduler, positive, negative, latent,
                              denoise=denoise, disable_noise=disable_noise, start_step=start_step,
                              last_step=last_step, force_full_denoise=force_full_denoise, callback=callback)
    except ValueError as exc:  # unknown sampler/scheduler names, incompatible conditioning
        msg = str(exc)
        name = "sampler_name" if "sampler" in msg else "scheduler" if "scheduler" in msg else None
        raise NodeInputError(name, msg) from None
    return (out,)
