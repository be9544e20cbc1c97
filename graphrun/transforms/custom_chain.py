"""KSampler / KSampler (Advanced) <-> the SamplerCustomAdvanced chain, decided from sigma lists.

The chain is KSamplerSelect + BasicScheduler (+ SplitSigmas) + RandomNoise or DisableNoise + CFGGuider feeding
SamplerCustomAdvanced. It runs bit-identically to a KSampler node when the sampler gets the very same sigma tensor,
the same initial noise and the same per-step noise seed (ComfyUI: SamplerCustomAdvanced seeds per-step noise with
the NOISE's seed, 0 for DisableNoise; KSamplerAdvanced with add_noise disabled uses noise_seed). As in
sampler_variants, each conversion proposes a candidate and verifies it by computing both sigma lists with the
runner's own code (BasicScheduler's and KSampler's slicing) and comparing them bit for bit.

BasicScheduler differs from KSampler in two ways the verification catches: it never drops the penultimate sigma
(dpm_2, dpm_2_ancestral, uni_pc, uni_pc_bh2) and it uses the full schedule only at denoise 1.0 (KSampler above
0.9999). KSamplerAdvanced's forced final 0 (end_at_step cut with leftover noise disabled) has no chain equivalent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from graphrun.transforms.sampler_variants import (
    ADV_DEFAULT_END, ADV_MAX_STEPS, AdvancedSettings, Conversion, KSamplerSettings, Schedule, Settings, SigmaOracle,
    default_oracle, full_schedule, schedule, to_ksampler,
)

CUSTOM = "SamplerCustomAdvanced"


@dataclass(frozen=True)
class ChainSettings:
    """What a SamplerCustomAdvanced chain decides: noise, sampler, BasicScheduler and the SplitSigmas after it.

    `splits` are applied in order to BasicScheduler's list: ("high", k) keeps sigmas[:k+1], ("low", k) sigmas[k:].
    """

    noise_seed: Any  # RandomNoise's seed (value or link); ignored for DisableNoise
    add_noise: bool
    sampler_name: str
    scheduler: str
    steps: int
    denoise: float = 1.0
    splits: tuple[tuple[str, int], ...] = ()

    class_type = CUSTOM

    def label(self) -> str:
        noise = "RandomNoise" if self.add_noise else "DisableNoise"
        splits = "".join(f" + SplitSigmas({k}, {'high' if kind == 'high' else 'low'})" for kind, k in self.splits)
        return f"{CUSTOM}({noise} + BasicScheduler(steps={self.steps}, denoise={self.denoise!r}){splits})"

    @property
    def seed_for_steps(self) -> Any:
        """The seed of the sampler's per-step noise: RandomNoise's seed, 0 for DisableNoise."""
        return self.noise_seed if self.add_noise else 0


AnySettings = Settings | ChainSettings


def _model_sampling(oracle: SigmaOracle):
    ms = getattr(oracle, "model_sampling", None)
    if ms is None:
        from graphrun.sampling.model_sampling import ModelSamplingDiscrete

        ms = ModelSamplingDiscrete()
    return ms


def chain_tensor(c: ChainSettings, oracle: SigmaOracle | None = None) -> torch.Tensor:
    """The sigmas SamplerCustomAdvanced hands to its sampler (BasicScheduler, then the splits)."""
    from graphrun.sampling.custom import basic_scheduler_sigmas

    t = basic_scheduler_sigmas(_model_sampling(oracle or default_oracle()), c.scheduler, c.steps, float(c.denoise))
    for kind, k in c.splits:
        t = t[: k + 1] if kind == "high" else t[k:]
    return t


def chain_schedule(c: ChainSettings, oracle: SigmaOracle | None = None) -> Schedule:
    """Empty sigmas return the input latent (None); one sigma noises and runs 0 steps (a real, odd schedule)."""
    t = chain_tensor(c, oracle)
    if t.numel() == 0:
        return Schedule(None, False)
    return Schedule(tuple(float(v) for v in t.tolist()), c.add_noise, t.detach().cpu())


def any_schedule(s: AnySettings, oracle: SigmaOracle | None = None) -> Schedule:
    return chain_schedule(s, oracle) if isinstance(s, ChainSettings) else schedule(s, oracle)


def _seed_for_steps(s: AnySettings) -> Any:
    if isinstance(s, ChainSettings):
        return s.seed_for_steps
    return getattr(s, "seed", getattr(s, "noise_seed", None))


def _stochastic(sampler_name: str) -> bool:
    from graphrun.sampling.samplers import SAMPLERS

    spec = SAMPLERS.get(sampler_name)
    return spec is None or spec.noise != "none"


def _finish(source: AnySettings, target: AnySettings, oracle: SigmaOracle, reasons: list[str],
            notes: list[str]) -> Conversion:
    before, after = any_schedule(source, oracle), any_schedule(target, oracle)
    exact = before.same_run(after)
    if exact and after.sigmas is not None and _stochastic(source.sampler_name):
        a, b = _seed_for_steps(source), _seed_for_steps(target)
        if a != b:
            exact = False
            reasons.append(f"sampler {source.sampler_name!r} draws per-step noise seeded with {a!r} here but "
                           f"{b!r} in the {target.class_type} (DisableNoise seeds it with 0)")
    if not exact and not reasons:
        reasons.append(f"no {target.class_type} setting yields the same sigma list "
                       f"({before.summary()} vs {after.summary()})")
    return Conversion(source, target, exact, before, after, tuple(reasons) if not exact else (), tuple(notes))


# ---- KSampler / KSamplerAdvanced -> chain ----

def to_chain(s: Settings, oracle: SigmaOracle | None = None) -> Conversion:
    """The SamplerCustomAdvanced chain that runs KSampler / KSamplerAdvanced `s` bit-identically (verified)."""
    oracle = oracle or default_oracle()
    reasons: list[str] = []
    if isinstance(s, KSamplerSettings):
        before = schedule(s, oracle)
        d = float(s.denoise)
        if before.sigmas is None:  # denoise 0: BasicScheduler's denoise 0 gives empty sigmas, the input returned
            d = 0.0
        elif d > 0.9999:  # KSampler's full schedule; BasicScheduler only at exactly 1.0
            d = 1.0
        target = ChainSettings(s.seed, True, s.sampler_name, s.scheduler, s.steps, d)
    else:
        before = schedule(s, oracle)
        add = s.add_noise == "enable"
        seed = s.noise_seed
        if before.sigmas is None:
            target = ChainSettings(seed, add, s.sampler_name, s.scheduler, s.steps, 0.0)
        else:
            n = len(full_schedule(s.scheduler, s.sampler_name, s.steps, oracle)) - 1
            splits: list[tuple[str, int]] = []
            if s.end_at_step < n:
                splits.append(("high", s.end_at_step))
                if s.return_with_leftover_noise == "disable":
                    reasons.append(f"end_at_step {s.end_at_step} < {n} with return_with_leftover_noise 'disable' "
                                   "forces the last sigma to 0; no custom-sampling chain node sets the last sigma")
            if s.start_at_step > 0:
                splits.append(("low", s.start_at_step))
            target = ChainSettings(seed, add, s.sampler_name, s.scheduler, s.steps, 1.0, tuple(splits))
    return _finish(s, target, oracle, reasons, [])


# ---- chain -> KSamplerAdvanced / KSampler ----

def chain_to_advanced(c: ChainSettings, oracle: SigmaOracle | None = None) -> Conversion:
    """The KSamplerAdvanced equivalent of a chain: the chain's sigmas as a [start, end] window of an N-step list."""
    oracle = oracle or default_oracle()
    reasons: list[str] = []
    seed = c.noise_seed if c.add_noise else 0
    add = "enable" if c.add_noise else "disable"
    base = AdvancedSettings(seed, c.steps, c.sampler_name, c.scheduler, add_noise=add)
    if chain_tensor(c, oracle).numel() == 0:
        return _finish(c, AdvancedSettings(seed, c.steps, c.sampler_name, c.scheduler, add_noise=add,
                                           start_at_step=min(c.steps, ADV_MAX_STEPS)), oracle, reasons, [])
    d = float(c.denoise)
    m = c.steps if d >= 1.0 else int(c.steps / d)
    if m > ADV_MAX_STEPS:
        reasons.append(f"denoise {d!r} builds a {m}-step schedule; KSamplerAdvanced allows at most {ADV_MAX_STEPS} "
                       "steps")
        m = ADV_MAX_STEPS
    full = full_schedule(c.scheduler, c.sampler_name, m, oracle)
    idx = torch.arange(len(full))[-(c.steps + 1):] if d < 1.0 else torch.arange(len(full))
    for kind, k in c.splits:
        idx = idx[: k + 1] if kind == "high" else idx[k:]
    if idx.numel() == 0:  # cannot happen for non-empty sigmas; kept for clarity
        reasons.append("the chain's sigmas are empty")
        return _finish(c, base, oracle, reasons, [])
    start, end = int(idx[0]), int(idx[-1])
    last = len(full) - 1
    target = AdvancedSettings(seed, m, c.sampler_name, c.scheduler, add_noise=add, start_at_step=start,
                              end_at_step=end if end < last else ADV_DEFAULT_END,
                              return_with_leftover_noise="enable" if end < last else "disable")
    notes = [] if c.add_noise else ["DisableNoise: KSamplerAdvanced add_noise 'disable' with noise_seed 0 (the seed "
                                    "SamplerCustomAdvanced gives the sampler's per-step noise)"]
    return _finish(c, target, oracle, reasons, notes)


def chain_to_ksampler(c: ChainSettings, oracle: SigmaOracle | None = None) -> Conversion:
    """Via KSamplerAdvanced (its reasons carried); the result is verified against the chain itself."""
    oracle = oracle or default_oracle()
    adv = chain_to_advanced(c, oracle)
    ks = to_ksampler(adv.target, oracle)
    reasons = list(dict.fromkeys(list(adv.reasons) + list(ks.reasons)))
    return _finish(c, ks.target, oracle, reasons, list(ks.notes))
