"""KSampler <-> KSampler (Advanced): the equivalent setting in the other variant, decided from sigma lists.

ComfyUI (spec comfy-semantics D.2-D.3): KSampler(steps S, denoise d) builds the schedule for M = int(S/d) steps
(IEEE double division, truncated) and keeps its last S+1 sigmas; KSampler (Advanced)(steps N, start a, end b)
builds the N-step schedule, cuts it at b and starts at a. Two nodes that differ only in these settings run
bit-identically when both add the same seeded noise and hand the sampler the same sigma tensor (or both
return the input latent untouched). Every conversion here proposes a candidate from that arithmetic and then
*verifies* it by computing both nodes' sigma lists with the runner's own code (`graphrun.sampling.ksampler`)
and comparing the tensors bit for bit; nothing is decided from a table of scheduler exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Protocol

import torch

from graphrun.transforms.sampler_layout import sampler_layout

# KSamplerAdvanced's steps maximum and end_at_step default, as the node declares them (nodes/ksampler_advanced.py)
ADV_MAX_STEPS = sampler_layout("KSamplerAdvanced").limits["steps"][1]
ADV_DEFAULT_END = sampler_layout("KSamplerAdvanced").defaults["end_at_step"]
SLICING_MAX_DENOISE = 0.9999  # KSampler.set_steps uses the full schedule above this


@dataclass(frozen=True)
class KSamplerSettings:
    """The KSampler inputs that decide the sigma list and the initial noise."""

    seed: Any
    steps: int
    sampler_name: str
    scheduler: str
    denoise: float = 1.0

    class_type = "KSampler"


@dataclass(frozen=True)
class AdvancedSettings:
    """The KSamplerAdvanced inputs that decide the sigma list and the initial noise."""

    noise_seed: Any
    steps: int
    sampler_name: str
    scheduler: str
    add_noise: str = "enable"
    start_at_step: int = 0
    end_at_step: int = ADV_DEFAULT_END
    return_with_leftover_noise: str = "disable"

    class_type = "KSamplerAdvanced"


Settings = KSamplerSettings | AdvancedSettings


class SigmaOracle(Protocol):
    """Source of truth for sigma lists: ComfyUI's KSampler slicing over the scheduler registry."""

    sigma_max: float

    def sigmas(self, scheduler: str, sampler: str, steps: int, denoise: float, start_step: int | None,
               last_step: int | None, force_full_denoise: bool) -> torch.Tensor | None:
        """The exact tensor handed to the sampler; None or empty when the node returns its input latent."""


class RunnerSigmas:
    """The default oracle: `graphrun.sampling.ksampler.ksampler_sigmas` on SD1.5's ModelSamplingDiscrete."""

    def __init__(self, model_sampling: Any = None):
        from graphrun.sampling.ksampler import ksampler_sigmas
        from graphrun.sampling.model_sampling import ModelSamplingDiscrete

        self._fn = ksampler_sigmas
        self.model_sampling = model_sampling if model_sampling is not None else ModelSamplingDiscrete()
        self.sigma_max = float(self.model_sampling.sigma_max)
        self._cached = lru_cache(maxsize=8192)(self._compute)

    def _compute(self, *key) -> torch.Tensor | None:
        out = self._fn(self.model_sampling, *key)
        return None if out is None else out.detach().to("cpu")

    def sigmas(self, scheduler, sampler, steps, denoise, start_step, last_step, force_full_denoise):
        return self._cached(scheduler, sampler, int(steps), float(denoise), start_step, last_step,
                            bool(force_full_denoise))


_DEFAULT: list[SigmaOracle] = []


def default_oracle() -> SigmaOracle:
    """One shared RunnerSigmas (built on first use; it caches schedules)."""
    if not _DEFAULT:
        _DEFAULT.append(RunnerSigmas())
    return _DEFAULT[0]


# ---- what one node does ----

@dataclass(frozen=True)
class Schedule:
    """What a sampler node will do: the sigma list (None: returns the input latent) and whether it adds noise."""

    sigmas: tuple[float, ...] | None
    adds_noise: bool
    tensor: torch.Tensor | None = None

    @property
    def steps(self) -> int:
        return 0 if self.sigmas is None else len(self.sigmas) - 1

    @property
    def first_sigma(self) -> float | None:
        return None if self.sigmas is None else self.sigmas[0]

    def same_run(self, other: Schedule) -> bool:
        """Bit-identical sampling: both skip sampling, or same noise flag and the very same sigma tensor."""
        if self.sigmas is None or other.sigmas is None:
            return self.sigmas is None and other.sigmas is None
        return self.adds_noise == other.adds_noise and bits_equal(self.tensor, other.tensor)

    def summary(self) -> str:
        if self.sigmas is None:
            return "no sampling (returns the input latent unchanged)"
        noise = "adds seeded noise" if self.adds_noise else "adds no noise"
        return f"{self.steps} steps from sigma {self.first_sigma:.6g}, {noise}"


def bits_equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same dtype, shape and bits (NaN == NaN, as for kl_optimal at 1 step)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    as_int = {torch.float32: torch.int32, torch.float64: torch.int64, torch.float16: torch.int16}.get(a.dtype)
    return torch.equal(a.view(as_int), b.view(as_int)) if as_int else torch.equal(a, b)


def schedule(s: Settings, oracle: SigmaOracle | None = None) -> Schedule:
    """The sigma list a KSampler / KSamplerAdvanced node hands to its sampler (ComfyUI common_ksampler)."""
    oracle = oracle or default_oracle()
    if isinstance(s, KSamplerSettings):
        t = oracle.sigmas(s.scheduler, s.sampler_name, s.steps, float(s.denoise), None, None, False)
        adds_noise = True
    else:
        t = oracle.sigmas(s.scheduler, s.sampler_name, s.steps, 1.0, s.start_at_step, s.end_at_step,
                          s.return_with_leftover_noise == "disable")
        adds_noise = s.add_noise == "enable"
    if t is None or t.numel() == 0:
        return Schedule(None, False)
    return Schedule(tuple(float(v) for v in t.tolist()), adds_noise, t)


def full_schedule(scheduler: str, sampler: str, steps: int, oracle: SigmaOracle) -> torch.Tensor:
    """calc(n): the whole n-step list (discard-penultimate applied), as Advanced(start 0, end 10000) sees it."""
    return oracle.sigmas(scheduler, sampler, steps, 1.0, 0, ADV_DEFAULT_END, True)


# ---- the conversion report ----

@dataclass(frozen=True)
class Conversion:
    """One node's conversion: the new settings, whether the run is bit-identical, and why not."""

    source: Settings
    target: Settings
    exact: bool
    before: Schedule
    after: Schedule
    reasons: tuple[str, ...] = ()  # why the conversion is not exact (empty when exact)
    notes: tuple[str, ...] = ()  # exact but worth knowing (long decimal denoise, unusual steps)

    def describe(self) -> str:
        head = f"{_label(self.source)} -> {_label(self.target)}: "
        if self.exact:
            lines = [head + f"exact (same {self.after.summary()})"]
        else:
            lines = [head + "NOT exact"]
            lines += [f"  why: {r}" for r in self.reasons]
            lines.append(f"  closest setting changes: {self.before.summary()} -> {self.after.summary()}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _label(s: Settings) -> str:
    if hasattr(s, "label"):  # custom_chain.ChainSettings
        return s.label()
    if isinstance(s, KSamplerSettings):
        return f"KSampler(steps={s.steps}, denoise={s.denoise!r})"
    extra = "" if s.add_noise == "enable" else ", add_noise=disable"
    if s.end_at_step < s.steps:
        extra += f", end_at_step={s.end_at_step}, leftover={s.return_with_leftover_noise}"
    return f"KSamplerAdvanced(steps={s.steps}, start_at_step={s.start_at_step}{extra})"


def _finish(source: Settings, target: Settings, before: Schedule, oracle: SigmaOracle,
            reasons: list[str], notes: list[str]) -> Conversion:
    after = schedule(target, oracle)
    exact = before.same_run(after)
    if not exact and not reasons:
        reasons.append(f"no {target.class_type} setting yields the same sigma list "
                       f"({before.summary()} vs {after.summary()})")
    if exact:  # a limit was hit, yet the sigma lists agree bit for bit (e.g. ddim_uniform past 500 steps)
        notes += [f"{r}, yet the closest setting gives the very same sigma list" for r in reasons]
    return Conversion(source, target, exact, before, after, tuple(reasons) if not exact else (), tuple(notes))


# ---- KSampler -> KSamplerAdvanced ----

def to_advanced(ks: KSamplerSettings, oracle: SigmaOracle | None = None) -> Conversion:
    """The KSamplerAdvanced that runs KSampler `ks` bit-identically: steps int(S/d), start = len(list)-(S+1)."""
    oracle = oracle or default_oracle()
    before = schedule(ks, oracle)
    base = AdvancedSettings(ks.seed, ks.steps, ks.sampler_name, ks.scheduler)
    reasons: list[str] = []
    notes: list[str] = []
    d = float(ks.denoise)
    if before.sigmas is None:  # denoise 0: nothing to do; start past the end does the same
        n = len(full_schedule(ks.scheduler, ks.sampler_name, ks.steps, oracle)) - 1
        target = replace(base, start_at_step=min(max(ks.steps, n), ADV_MAX_STEPS))
        return _finish(ks, target, before, oracle, reasons, notes)
    m = ks.steps if d > SLICING_MAX_DENOISE else int(ks.steps / d)  # ComfyUI set_steps, double arithmetic
    if m > ADV_MAX_STEPS:
        reasons.append(f"denoise {d!r} builds an int({ks.steps}/{d!r}) = {m}-step schedule; "
                       f"KSamplerAdvanced allows at most {ADV_MAX_STEPS} steps")
        m = ADV_MAX_STEPS
    full = full_schedule(ks.scheduler, ks.sampler_name, m, oracle)
    start = max(len(full) - len(before.sigmas), 0) if not reasons else max(len(full) - 1 - ks.steps, 0)
    target = replace(base, steps=m, start_at_step=start)
    if not reasons and d <= SLICING_MAX_DENOISE and start != m - ks.steps:
        notes.append(f"scheduler {ks.scheduler!r} yields {len(full) - 1} sigmas for {m} steps, so "
                     f"start_at_step is {start}, not {m} - {ks.steps}")
    return _finish(ks, target, before, oracle, reasons, notes)


# ---- KSamplerAdvanced -> KSampler ----

def denoise_for(steps: int, total: int) -> tuple[float, bool] | None:
    """A denoise d with int(steps/d) == total (double arithmetic) and 0 < d <= 0.9999, or None.

    Prefers a two-decimal d (what the UI widget holds), the one nearest steps/total (0.8 for 20 of 25 steps);
    else the shortest decimal near steps/(total+0.5), the robust inverse of spec D.3. Returns (d, two_decimals)."""
    ok = [d for d in (k / 100 for k in range(1, 100)) if int(steps / d) == total]
    if ok:
        return min(ok, key=lambda d: abs(d - steps / total)), True
    mid = steps / (total + 0.5)
    for digits in range(3, 18):
        for d in (round(steps / total, digits), round(mid, digits)):
            if 0 < d <= SLICING_MAX_DENOISE and int(steps / d) == total:
                return d, False
    if 0 < mid <= SLICING_MAX_DENOISE and int(steps / mid) == total:
        return mid, False
    return None


def to_ksampler(adv: AdvancedSettings, oracle: SigmaOracle | None = None) -> Conversion:
    """The KSampler that runs KSamplerAdvanced `adv` bit-identically, or the closest one with the reasons."""
    oracle = oracle or default_oracle()
    before = schedule(adv, oracle)
    base = KSamplerSettings(adv.noise_seed, adv.steps, adv.sampler_name, adv.scheduler, 1.0)
    reasons: list[str] = []
    notes: list[str] = []
    if before.sigmas is None:  # start at/after the end: returns the input latent, like denoise 0
        notes.append("denoise 0 returns the input latent (ComfyUI since 2024-04; older versions raise)")
        return _finish(adv, replace(base, denoise=0.0), before, oracle, reasons, notes)
    full = full_schedule(adv.scheduler, adv.sampler_name, adv.steps, oracle)
    if adv.add_noise != "enable":
        reasons.append("add_noise is 'disable': KSampler always adds seeded noise at the first sigma")
    if adv.end_at_step < len(full) - 1:
        if adv.return_with_leftover_noise == "enable":
            reasons.append(f"end_at_step {adv.end_at_step} < {len(full) - 1} with return_with_leftover_noise "
                           "'enable': stops early and returns a noisy latent; KSampler always ends at sigma 0")
        else:
            reasons.append(f"end_at_step {adv.end_at_step} < {len(full) - 1}: the schedule is cut and its last "
                           "sigma forced to 0; KSampler always runs a schedule to its own end")
    # The closest KSampler runs the untruncated tail full[start:]; equal to `before` when nothing above applies.
    start = min(adv.start_at_step, len(full) - 2)
    want = len(full) - 1 - start
    if start == 0:
        return _finish(adv, base, before, oracle, reasons, notes)
    best = next((found for total in _totals(adv, want, oracle, full)
                 if (found := denoise_for(want, total)) is not None), None)
    if best is None:
        reasons.append(f"no denoise <= {SLICING_MAX_DENOISE} keeps {want} of the {len(full) - 1} steps "
                       f"(int({want}/d) must be {adv.steps})")
        return _finish(adv, replace(base, steps=want), before, oracle, reasons, notes)
    target = replace(base, steps=want, denoise=best[0])
    two_decimals = best[1]
    if want != adv.steps - adv.start_at_step:
        notes.append(f"scheduler {adv.scheduler!r} yields {len(full) - 1} sigmas for {adv.steps} steps, so "
                     f"KSampler steps is {want}, not {adv.steps} - {adv.start_at_step}")
    if not two_decimals:
        notes.append(f"denoise {target.denoise!r} needs more than two decimals; the frontend rounds the widget "
                     "to 0.01 if it is edited, which changes the schedule")
    return _finish(adv, target, before, oracle, reasons, notes)


def _totals(adv: AdvancedSettings, want: int, oracle: SigmaOracle, full: torch.Tensor):
    """Schedule lengths M to try for KSampler(want, d): the node's own steps, then the next few that build the
    same list (a scheduler such as ddim_uniform gives one list for many step counts)."""
    yield adv.steps
    lo = max(adv.steps + 1, want)
    for total in range(lo, min(lo + 3, ADV_MAX_STEPS + 1)):
        if bits_equal(full_schedule(adv.scheduler, adv.sampler_name, total, oracle), full):
            yield total


def convert_settings(s: Settings, oracle: SigmaOracle | None = None) -> Conversion:
    """to_advanced for a KSampler, to_ksampler for a KSamplerAdvanced."""
    return to_advanced(s, oracle) if isinstance(s, KSamplerSettings) else to_ksampler(s, oracle)
