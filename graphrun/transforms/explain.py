"""What each KSampler / KSamplerAdvanced node of a workflow will do: sigmas, model evaluations, initial noise,
and the equivalent setting in the other variant (spec comfy-semantics B.5, D)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from graphrun.errors import WorkflowError
from graphrun.transforms.convert import (
    ADV, KS, checked, find_nodes, node_title, read_settings, ui_widget_values, workflow_kind,
)
from graphrun.transforms.sampler_variants import (
    Conversion, Schedule, Settings, SigmaOracle, convert_settings, default_oracle, schedule,
)

# Model evaluations per step for samplers that call the model more than once per step, (stages, stages when the
# next sigma is 0). Counted from ComfyUI's own UNet calls in ../shared/parity (`unet_calls`, 6-step runs); every
# other sampler evaluates once per step. dpm_adaptive is step-size controlled: its count is not known upfront.
MULTI_STAGE = {"heun": (2, 1), "dpm_2": (2, 1), "dpm_2_ancestral": (2, 1), "dpmpp_2s_ancestral": (2, 1),
               "dpmpp_2s_ancestral_cfg_pp": (2, 1), "dpmpp_sde": (2, 1), "dpmpp_sde_gpu": (2, 1),
               "sa_solver_pece": (2, 1), "seeds_2": (2, 1), "seeds_3": (3, 1)}
ADAPTIVE = frozenset({"dpm_adaptive"})


def model_evaluations(sampler: str, sigmas: tuple[float, ...] | None) -> int | None:
    """How many times the sampler calls the model on this list (None when adaptive)."""
    if sigmas is None:
        return 0
    if sampler in ADAPTIVE:
        return None
    nxt = sigmas[1:]
    if sampler == "heunpp2":  # 3 stages, 2 when the step after next ends at 0, 1 when the next sigma is 0
        return sum(1 if b == 0 else 2 if i + 2 < len(sigmas) and sigmas[i + 2] == 0 else 3
                   for i, b in enumerate(nxt))
    stages, last = MULTI_STAGE.get(sampler, (1, 1))
    return sum(last if b == 0 else stages for b in nxt)


def initial_noise(s: Settings, sched: Schedule, sigma_max: float) -> str:
    """The noise added before the first step (ComfyUI EPS noise_scaling with its max_denoise test)."""
    seed = getattr(s, "seed", getattr(s, "noise_seed", None))
    seed = f"from node {seed[0]}" if isinstance(seed, list) and seed else repr(seed)
    if sched.sigmas is None:
        return "none: no sampling, the input latent is returned unchanged"
    sigma0 = sched.sigmas[0]
    if not sched.adds_noise:
        return f"none (add_noise disable): the latent is sampled from sigma {sigma0:.6g} as it is"
    if math.isclose(sigma_max, sigma0, rel_tol=1e-5) or sigma0 > sigma_max:
        return (f"seeded Gaussian noise (seed {seed}) x sqrt(1 + sigma0^2) = {math.sqrt(1 + sigma0 ** 2):.6g} "
                "(first sigma is the table maximum: full denoise)")
    return f"seeded Gaussian noise (seed {seed}) x sigma0 = {sigma0:.6g}"


@dataclass(frozen=True)
class SamplerExplanation:
    """One sampler node, explained."""

    node_id: str
    class_type: str
    title: str | None
    settings: Settings
    schedule: Schedule
    model_evaluations: int | None
    initial_noise: str
    equivalent: Conversion

    def render(self) -> str:
        name = f"node {self.node_id} ({self.class_type}" + (f" '{self.title}'" if self.title else "") + ")"
        sigmas = self.schedule.sigmas
        sig = "none" if sigmas is None else "[" + ", ".join(f"{v:.6g}" for v in sigmas) + "]"
        evals = "unknown (adaptive step size)" if self.model_evaluations is None else str(self.model_evaluations)
        eq = self.equivalent
        target = f"{eq.target.class_type}{_short(eq.target)}"
        lines = [name,
                 f"  sigmas ({self.schedule.steps} steps): {sig}",
                 f"  model evaluations: {evals}",
                 f"  initial noise: {self.initial_noise}",
                 f"  equivalent: {target} (exact)" if eq.exact else f"  equivalent: none exact; closest {target}"]
        lines += [f"    why not: {r}" for r in eq.reasons]
        lines += [f"    note: {n}" for n in eq.notes]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        eq = self.equivalent
        return {"node_id": self.node_id, "class_type": self.class_type, "title": self.title,
                "sigmas": None if self.schedule.sigmas is None else list(self.schedule.sigmas),
                "steps": self.schedule.steps, "model_evaluations": self.model_evaluations,
                "initial_noise": self.initial_noise,
                "equivalent": {"class_type": eq.target.class_type, "settings": _fields(eq.target),
                               "exact": eq.exact, "reasons": list(eq.reasons), "notes": list(eq.notes)}}


def _fields(s: Settings) -> dict[str, Any]:
    return {k: getattr(s, k) for k in s.__dataclass_fields__}


def _short(s: Settings) -> str:
    f = _fields(s)
    f.pop("seed", None), f.pop("noise_seed", None), f.pop("sampler_name", None), f.pop("scheduler", None)
    return "(" + ", ".join(f"{k}={v!r}" for k, v in f.items()) + ")"


def explain_workflow(data: dict, oracle: SigmaOracle | None = None, definitions=None) -> list[SamplerExplanation]:
    """Explain every KSampler / KSamplerAdvanced node; raises WorkflowError listing nodes that cannot be read."""
    oracle = oracle or default_oracle()
    kind = workflow_kind(data)
    out, issues = [], []
    for node_id, node, _ in find_nodes(data, kind):
        class_type = node.get("type") if kind == "ui" else node.get("class_type")
        if class_type not in (KS, ADV):
            continue
        try:
            values = ui_widget_values(node, node_id) if kind == "ui" else dict(node.get("inputs") or {})
            settings = read_settings(class_type, values, node_id)
            sched = checked(schedule, settings, oracle, node_id)
            equivalent = checked(convert_settings, settings, oracle, node_id)
        except WorkflowError as exc:
            issues.extend(exc.issues)
            continue
        out.append(SamplerExplanation(
            node_id, class_type, node_title(node, kind), settings, sched,
            model_evaluations(settings.sampler_name, sched.sigmas),
            initial_noise(settings, sched, oracle.sigma_max), equivalent))
    if issues:
        raise WorkflowError("cannot explain some sampler nodes", issues)
    return out + explain_chains(data, kind, oracle, definitions)


def explain_chains(data: dict, kind: str, oracle: SigmaOracle, definitions=None) -> list[SamplerExplanation]:
    """SamplerCustomAdvanced nodes fed by the KSampler-equivalent chain (KSamplerSelect + BasicScheduler [+
    SplitSigmas] + RandomNoise/DisableNoise + CFGGuider). UI workflows are compiled to their API prompt first (top
    level node ids are kept; `definitions`, the node definitions to compile with, are then required). Chains of
    other shapes (other schedulers, sampler knobs, guiders) are not listed."""
    from graphrun.transforms.convert_custom import chain_ids, read_chain
    from graphrun.transforms.custom_chain import CUSTOM, chain_schedule, chain_to_advanced, chain_to_ksampler

    if kind == "ui":
        if not any(isinstance(n, dict) and n.get("type") == CUSTOM for _, n, _ in find_nodes(data, kind)):
            return []
        from graphrun.compile.ui_to_api import compile_workflow

        if definitions is None:
            raise ValueError("explaining a UI workflow's SamplerCustomAdvanced chains needs node definitions")
        data = compile_workflow(data, definitions, rng_seed=0)
    out = []
    for node_id in chain_ids(data):
        try:
            chain, _, _ = read_chain(data, node_id)
            sched = chain_schedule(chain, oracle)
            equivalent = chain_to_ksampler(chain, oracle)
            if not equivalent.exact:
                equivalent = chain_to_advanced(chain, oracle)
        except (WorkflowError, ValueError):
            continue
        out.append(SamplerExplanation(
            node_id, CUSTOM, node_title(data[node_id], "api"), chain, sched,
            model_evaluations(chain.sampler_name, sched.sigmas),
            initial_noise(chain, sched, oracle.sigma_max), equivalent))
    return out
