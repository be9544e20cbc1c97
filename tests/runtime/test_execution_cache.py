"""The execution cache is invisible in the results: every node's outputs and every written file are bit-identical
whether computed cold (no cache) or warm (after other workflows and variations filled the cache), for every node
type in the registry; changed inputs (values, upstream outputs, files on disk) make nodes run again.

The corpus is tests/fixtures/cache/*.api.json (A and B are hand-written; the others are written by
tests/fixtures/cache/make_corpus.py) on tiny models: SD1.5, SDXL, Flux, ControlNet, upscale and standalone text
encoders. Each corpus workflow runs cold on a fresh ModelStore, and warm on one shared cached store after every
workflow ran there once with a variation (its first seed or text changed). A registered node type that no corpus
workflow uses FAILS ("not covered"): add a builder for it to make_corpus.py. The only types left out on purpose are
REFUSED below, each checked to refuse."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from graphrun.errors import GraphrunError, ModelError
from graphrun.nodes.base import default_registry
from graphrun.runtime.context import ModelStore
from graphrun.runtime.overrides import Override
from graphrun.runtime.run import run_workflow
from graphrun.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
CORPUS = sorted((FIX / "cache").glob("*.api.json"))
A, B = (FIX / "cache/cache_img2img.api.json", FIX / "cache/cache_txt2img.api.json")
UPSCALE = FIX / "cache/cache_upscale.api.json"

# Left out of the corpus on purpose: their run() refuses (SD3/SD3.5 is not supported), so there is no output to
# compare. test_refused_node_types_really_refuse runs each and requires the refusal: a node that works cannot hide
# here. Each entry: the workflow that shows the refusal (API format, on the world's files).
REFUSED = {
    "TripleCLIPLoader": {"1": {"class_type": "TripleCLIPLoader", "inputs": {
        "clip_name1": "tiny-sdxl-clip_l.safetensors", "clip_name2": "tiny-sdxl-clip_g.safetensors",
        "clip_name3": "tiny-t5xxl.safetensors"}},
                         "9": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}},
    "CLIPTextEncodeSD3": {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
                          "2": {"class_type": "CLIPTextEncodeSD3", "inputs": {
                              "clip": ["1", 1], "clip_l": "a", "clip_g": "b", "t5xxl": "c", "empty_padding": "none"}},
                          "9": {"class_type": "PreviewAny", "inputs": {"source": ["2", 0]}}},
}


def _tool(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spandrel_missing() -> str | None:
    try:
        from graphrun.backend.upscale_models import import_spandrel

        import_spandrel()
    except ModelError as exc:
        return f"MISSING OPTIONAL DEPENDENCY: spandrel ({exc}); pip install --no-deps spandrel einops"
    return None


def _missing(path: Path) -> str | None:
    """Why a corpus workflow cannot run here (None: it can)."""
    return _spandrel_missing() if path == UPSCALE else None


def _prompt(path: Path) -> dict:
    return json.loads(path.read_text())


def _corpus_types() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in CORPUS:
        for node in _prompt(path).values():
            if path not in found.setdefault(node["class_type"], []):
                found[node["class_type"]].append(path)
    return found


def _variation(path: Path) -> str:
    """The warm store first sees each workflow with its first seed (else text, else image) changed."""
    prompt = _prompt(path)
    for name, change in (("noise_seed", lambda v: v + 1), ("seed", lambda v: v + 1), ("text", lambda v: v + " x"),
                         ("image", lambda v: "mask_rgba.png")):
        for nid in sorted(prompt, key=int):
            value = prompt[nid]["inputs"].get(name)
            if value is not None and not isinstance(value, list):
                return f"{nid}.{name}={json.dumps(change(value))}"
    raise AssertionError(f"{path.name}: no seed, text or image input to vary; give it one")


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_ckpt, parity_dir):
    """Model folders (tiny SD1.5 also as a VAE, tiny SDXL, ControlNets, upscale models, Flux files, standalone
    text encoders; the generated ones sha256-checked by their makers), an input folder with the images and a
    latent file."""
    import torch

    from graphrun.backend.latent_io import save_latent
    from graphrun.backend.paths import file_sha256

    root = tmp_path_factory.mktemp("cache")
    models = root / "models"
    for sub in ("checkpoints", "vae"):
        (models / sub).mkdir(parents=True)
        shutil.copy(tiny_ckpt, models / sub / "tiny-sd15.safetensors")
    os.symlink(tiny_ckpt.parent / "tiny-sdxl.safetensors", models / "checkpoints" / "tiny-sdxl.safetensors")
    shutil.copytree(FIX / "lora" / "loras", models / "loras")  # committed tiny LoRAs (their maker is checked there)
    cn = _tool(ROOT / "tools/oracle/make_tiny_controlnet.py", "make_tiny_controlnet")
    cn.write(str(models / "controlnet"), str(tiny_ckpt))
    for name, digest in cn.SHA256.items():
        assert file_sha256(models / "controlnet" / name) == digest, name
    if _spandrel_missing() is None:
        from safetensors.torch import save_file

        up = _tool(ROOT / "tools/oracle/make_tiny_upscale_models.py", "make_tiny_upscale_models")
        (models / "upscale_models").mkdir()
        for name, sd in up.models().items():
            save_file(sd, str(models / "upscale_models" / name))
            assert file_sha256(models / "upscale_models" / name) == up.SHA256[name], name
    _tool(FIX / "flux/tiny_flux.py", "tiny_flux").write_all(str(models))  # content sha256 checked inside
    sys.path.insert(0, str(FIX / "stubfam"))
    import split_text_encoders

    for name, path in split_text_encoders.write_all(parity_dir, models / "text_encoders").items():
        assert split_text_encoders.sha256(path) == split_text_encoders.SHA256[name], name
    (root / "input").mkdir()
    shutil.copy(ROOT / "input" / "example.png", root / "input" / "example.png")
    for name in ("input.png", "mask_rgba.png", "odd.png"):
        shutil.copy(FIX / "nodes" / "input" / name, root / "input" / name)
    gen = torch.Generator().manual_seed(0)
    saved = save_latent(torch.randn(1, 4, 8, 8, generator=gen), output_dir=root / "tmp", filename_prefix="seed")
    Path(saved.path).rename(root / "input" / "seed.latent")
    return root


def _settings(world: Path, tag: str) -> Settings:
    return Settings(models_dir=world / "models", input_dir=world / "input", output_dir=world / "out" / tag,
                    temp_dir=world / "temp" / tag, device="cpu")


def _run(world, path, tag, store, *overrides):
    try:
        return _run1(world, path, tag, store, *overrides)
    except GraphrunError as exc:
        raise AssertionError(f"{Path(path).name}: {exc.render()}") from exc


def _run1(world, path, tag, store, *overrides):
    return run_workflow(path, _settings(world, tag), store=store, log=lambda m: None,
                        overrides=[Override.parse(o) for o in overrides])


def _files(result, base: Path) -> dict[str, bytes]:
    """Files under the output folder (PreviewImage's temp files have random names, as in ComfyUI)."""
    return {str(Path(p).relative_to(base)): Path(p).read_bytes() for p in result.written
            if Path(p).is_relative_to(base)}


def _same(a, b, where: str, depth: int = 0) -> None:
    """Recursive bit-for-bit equality: tensors, containers, dataclasses/objects (LATENT, CONDITIONING, models
    through their state_dict)."""
    import torch

    assert depth < 12, where
    if isinstance(a, torch.nn.Module):
        assert type(a) is type(b), where
        _same(a.state_dict(), b.state_dict(), f"{where}.state_dict()", depth + 1)
    elif isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape, where
        assert torch.equal(a, b), f"{where}: warm differs from cold (max abs {(a - b).abs().max().item()})"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, (int, float, str, bool, type(None), torch.dtype, torch.device)):
        assert a == b, where
    elif hasattr(a, "__dict__"):
        assert type(a) is type(b), where
        va, vb = vars(a), vars(b)
        assert va.keys() == vb.keys(), where
        for k in va:
            if not callable(va[k]) or isinstance(va[k], torch.nn.Module):
                _same(va[k], vb[k], f"{where}.{k}", depth + 1)


@pytest.fixture(scope="module")
def runs(world):
    """Cold runs of every corpus workflow (each on a fresh ModelStore, no execution cache), then a warm sequence on
    one cached store: A with another seed, B, A, B with another text, B; then every other workflow once with its
    variation, then every other workflow unchanged (so each warm run follows all the others).
    Returns cold {path: result}, warm {name: result}, the store, and {path: (warm name, output tag)}."""
    runnable = [p for p in CORPUS if _missing(p) is None]
    cold = {p: _run(world, p, f"cold-{p.stem}", ModelStore()) for p in runnable}
    store = ModelStore.cached(1024)
    warm = {"A_seed": _run(world, A, "w1", store, "8.noise_seed=8"),
            "B1": _run(world, B, "w2", store),
            "A": _run(world, A, "w3", store),
            "B_text": _run(world, B, "w4", store, "3.text=a boat"),
            "B": _run(world, B, "w5", store)}
    pairs = {A: ("A", "w3"), B: ("B", "w5")}
    others = [p for p in runnable if p not in pairs]
    for p in others:
        warm[f"{p.stem}~var"] = _run(world, p, f"wv-{p.stem}", store, _variation(p))
    for p in others:
        warm[p.stem] = _run(world, p, f"w-{p.stem}", store)
        pairs[p] = (p.stem, f"w-{p.stem}")
    return cold, warm, store, pairs


@pytest.mark.parametrize("class_type", [n for n in default_registry().names() if n not in REFUSED])
def test_warm_equals_cold_for_every_node_type(class_type, runs, world):
    # REFUSED node types are checked by test_refused_node_types_really_refuse instead
    covered = _corpus_types()
    assert class_type in covered, f"NOT COVERED: no workflow in tests/fixtures/cache uses {class_type}; add one " \
                                  "(make_corpus.py)"
    cold, warm, _, pairs = runs
    runnable = [p for p in covered[class_type] if p in cold]
    if not runnable:
        pytest.skip(" / ".join(sorted({_missing(p) for p in covered[class_type]})))
    for path in runnable:
        name, tag_warm = pairs[path]
        cold_run, warm_run = cold[path], warm[name]
        ids = [nid for nid, node in _prompt(path).items() if node["class_type"] == class_type]
        for nid in ids:
            assert nid in cold_run.outputs and nid in warm_run.outputs, f"{path.name}: node {nid} did not run"
            _same(cold_run.outputs[nid], warm_run.outputs[nid], f"{path.name} node {nid} ({class_type})")
        if default_registry().get(class_type).OUTPUT_NODE and class_type != "PreviewImage":
            cold_files = _files(cold_run, world / "out" / f"cold-{path.stem}")
            assert cold_files == _files(warm_run, world / "out" / tag_warm), f"{path.name}: files differ"


def test_every_warm_run_reused_the_cache(runs):
    """Each corpus workflow's warm run took nodes from the cache (the path under test really ran warm)."""
    _, warm, _, pairs = runs
    for path, (name, _) in pairs.items():
        assert any(r.cached for r in warm[name].nodes), f"{path.name}: nothing was reused"


def test_refused_node_types_really_refuse(world):
    """REFUSED holds exactly node types whose run() refuses, none of them used by the corpus."""
    assert set(REFUSED) <= set(default_registry().names())
    assert not set(REFUSED) & set(_corpus_types())
    for class_type, prompt in REFUSED.items():
        with pytest.raises(GraphrunError) as err:
            run_workflow(json.dumps(prompt).encode(), _settings(world, f"refused-{class_type}"), store=ModelStore(),
                         log=lambda m: None)
        assert "SD3" in err.value.render(), err.value.render()


def test_unchanged_nodes_are_reused_and_changed_ones_rerun(runs):
    _, warm, store, _ = runs
    cached = {r.node_id for r in warm["A"].nodes if r.cached}
    # loader, CLIP, image load/scale/encode were computed by A_seed; the seeded sampler and all below it rerun
    assert {"1", "2", "3", "4", "5", "6", "7", "14"} <= cached
    assert not cached & {"8", "9", "10", "11", "12", "13", "15"}
    with pytest.raises(AssertionError, match="warm differs"):  # the seed change did change the latent
        _same(warm["A"].outputs["8"], warm["A_seed"].outputs["8"], "A vs A_seed")
    # B after B_text: the changed prompt (node 3) reran in B_text; B's own node 3 was cached by B1
    b_cached = {r.node_id for r in warm["B"].nodes if r.cached}
    assert {"1", "2", "3", "4", "5", "6", "7", "8", "10", "11"} <= b_cached
    text_cached = {r.node_id for r in warm["B_text"].nodes if r.cached}
    assert "3" not in text_cached and "6" not in text_cached and "4" in text_cached
    assert store.outputs.stats.hits > 0 and store.outputs.nbytes <= 512 << 20


def test_a_changed_input_file_is_read_again(world, runs):
    from PIL import Image

    _, _, store, _ = runs
    img = world / "input" / "example.png"
    original = img.read_bytes()
    try:
        Image.open(img).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(img)
        again = _run(world, A, "w6", store)
    finally:
        img.write_bytes(original)
    cached = {r.node_id for r in again.nodes if r.cached}
    assert "1" in cached and "3" in cached
    assert not cached & {"5", "6", "7"}


def test_lru_bound_evicts_and_results_stay_identical(world, runs):
    cold, _, _, _ = runs
    store = ModelStore.cached(0.05)  # 50 KiB: only small latents/conditionings fit
    first = _run(world, B, "lru1", store)
    second = _run(world, B, "lru2", store)
    assert store.outputs.nbytes <= int(0.05 * (1 << 20))
    assert store.outputs.stats.evictions > 0 or len(store.outputs) < len(second.nodes)
    assert not any(r.cached for r in second.nodes if r.class_type == "CheckpointLoaderSimple")
    for nid in cold[B].outputs:
        _same(cold[B].outputs[nid], second.outputs[nid], f"B node {nid} under a tiny cache")
    assert first.outputs.keys() == second.outputs.keys()


def test_cli_reuses_nodes_across_workflows_and_no_cache_turns_it_off(world, capsys):
    from graphrun.cli.main import main

    base = ["run", str(B), str(B), "--models-dir", str(world / "models"), "--input-dir", str(world / "input"),
            "--output-dir", str(world / "out" / "cli"), "--device", "cpu", "--json", "--set", "6.steps=1"]
    assert main(base) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert not any(n["cached"] for n in runs[0]["nodes"])
    assert all(n["cached"] for n in runs[1]["nodes"] if n["class_type"] != "SaveImage")
    assert main(base + ["--no-cache"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert not any(n["cached"] for r in runs for n in r["nodes"])
