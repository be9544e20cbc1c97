"""What the custom-sampling nodes share: knob declarations, configured samplers, and errors named by input."""

from __future__ import annotations

from graphrun.errors import NodeInputError
from graphrun.nodes.base import Float

SEED_MAX = 0xFFFFFFFFFFFFFFFF


def knob(name: str, default: float, max: float = 100.0, min: float = 0.0, step: float = 0.01) -> "Float":
    """A sampler/scheduler FLOAT knob as ComfyUI declares them (step 0.01, no rounding)."""
    return Float(name, default, min, max, step=step, round=False)


def configured(name: str, noise=None, **options):
    """The registered sampler `name` with knobs set (ComfyUI `comfy.samplers.ksampler(name, options)`)."""
    from graphrun.sampling.samplers import SAMPLERS

    return SAMPLERS[name].configure(noise=noise, **options)


def sigma_range_error(exc: Exception, input_name: str = "sigma_min") -> NodeInputError:
    """log/pow of a zero sigma or rho: ComfyUI fails the same way; say which input and why."""
    return NodeInputError(input_name, f"cannot build the schedule: {type(exc).__name__}: {exc}")


def run_custom(ctx, guider, noise, sampler, sigmas, latent, seed=None, model_input="guider"):
    """Sample and map sampling errors to the node's inputs; returns (output, denoised_output)."""
    from graphrun.sampling.custom import sample_custom

    if getattr(guider, "model", None) is None:
        raise NodeInputError(model_input, "the MODEL is None (the checkpoint has no diffusion model)")
    try:
        return sample_custom(guider, noise, sampler, sigmas, latent, seed=seed, progress=ctx.report_progress)
    except ValueError as exc:  # incompatible conditioning, bad sampler knobs
        raise NodeInputError("sampler" if "solver" in str(exc) or "order" in str(exc) else None, str(exc)) from None
