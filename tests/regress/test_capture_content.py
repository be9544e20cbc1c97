"""`graphrun test` capture (issue 14): values of kinds capture does not know are compared by content, not class
name; a model's fingerprint covers every input that reaches it (a LoRA strength, the model it patches)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from graphrun.regress.capture import capture, content_sha256
from graphrun.regress.compare import compare_records
from graphrun.regress.config import Tolerance


@dataclass
class Schedule:  # stands for a value kind capture has no case for (SIGMAS objects, NOISE, GUIDER, ...)
    sigmas: torch.Tensor
    name: str = "karras"
    extra: dict = field(default_factory=dict)


class FakeModel:
    def __init__(self):
        self.net = torch.nn.Linear(2, 2)


class _Type:
    def __init__(self, outputs):
        self.OUTPUTS, self.INPUTS, self.OUTPUT_NODE = outputs, (), False


class _Registry:
    TYPES = {"Loader": _Type(("MODEL",)), "LoraLoaderModelOnly": _Type(("MODEL",)), "Sched": _Type(("SIGMAS",))}

    def get(self, name):
        return self.TYPES.get(name)


class _Run:
    def __init__(self, node_id, class_type):
        self.node_id, self.class_type, self.seconds = node_id, class_type, 0.0


class _Result:
    def __init__(self, prompt, outputs):
        self.prompt, self.outputs = prompt, outputs
        self.nodes = [_Run(k, v["class_type"]) for k, v in prompt.items()]
        self.written, self.stub_notes = [], []


def _record(tmp_path: Path, strength: float, sigmas: torch.Tensor, loader_name: str = "a.safetensors"):
    prompt = {"1": {"class_type": "Loader", "inputs": {"name": loader_name}},
              "2": {"class_type": "LoraLoaderModelOnly", "inputs": {"model": ["1", 0], "strength_model": strength,
                                                                    "lora_name": "x.safetensors"}},
              "3": {"class_type": "Sched", "inputs": {"steps": 3}}}
    outputs = {"1": (FakeModel(),), "2": (FakeModel(),), "3": (Schedule(sigmas),)}
    wf = tmp_path / "wf.json"
    wf.write_text("{}")
    return capture(_Result(prompt, outputs), _Registry(), device="cpu", settings={}, workflow=wf)


def test_unknown_kinds_compare_by_content():
    a, b = Schedule(torch.tensor([1.0, 0.5])), Schedule(torch.tensor([1.0, 0.25]))
    assert content_sha256(a) == content_sha256(Schedule(torch.tensor([1.0, 0.5])))
    assert content_sha256(a) != content_sha256(b)
    assert content_sha256(Schedule(a.sigmas, extra={"k": 1})) != content_sha256(a)
    assert content_sha256(FakeModel()) is None  # models are fingerprinted, not hashed


def test_changed_object_and_lora_strength_are_detected(tmp_path):
    sig = torch.tensor([1.0, 0.5, 0.0])
    golden = _record(tmp_path, 1.0, sig)
    same = compare_records(golden, _record(tmp_path, 1.0, sig.clone()), Tolerance())
    assert same.passed and same.identical
    moved = compare_records(golden, _record(tmp_path, 1.0, torch.tensor([1.0, 0.4, 0.0])), Tolerance())
    assert not moved.passed and moved.first.node_id == "3" and "content changed" in moved.first.describe()
    lora = compare_records(golden, _record(tmp_path, 0.5, sig), Tolerance())
    assert not lora.passed and lora.first.node_id == "2"  # before: same class, same files -> "same"
    base = compare_records(golden, _record(tmp_path, 1.0, sig, loader_name="b.safetensors"), Tolerance())
    assert [d.node_id for d in base.nodes if d.status == "diverged"] == ["1", "2"]  # the patched model moved too
