"""ComfyUI's model folder layout, extra_model_paths.yaml, name listing and safe lookup (spec I.1)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from graphrun.errors import ModelError
from graphrun.suggest import close_names

MODEL_EXTENSIONS = frozenset({".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"})
LEGACY_NAMES = {"unet": "diffusion_models", "clip": "text_encoders"}
# folder type -> subfolders of models_dir searched by default (ComfyUI folder_paths.py order)
DEFAULT_SUBDIRS: dict[str, tuple[str, ...]] = {
    "checkpoints": ("checkpoints",), "configs": ("configs",), "loras": ("loras",), "vae": ("vae",),
    "text_encoders": ("text_encoders", "clip"), "diffusion_models": ("unet", "diffusion_models"),
    "clip_vision": ("clip_vision",), "style_models": ("style_models",), "embeddings": ("embeddings",),
    "diffusers": ("diffusers",), "vae_approx": ("vae_approx",), "controlnet": ("controlnet", "t2i_adapter"),
    "gligen": ("gligen",), "upscale_models": ("upscale_models",), "hypernetworks": ("hypernetworks",),
    "photomaker": ("photomaker",), "classifiers": ("classifiers",), "model_patches": ("model_patches",),
    "audio_encoders": ("audio_encoders",),
}
SPECIAL_EXTENSIONS: dict[str, frozenset[str]] = {"configs": frozenset({".yaml"}), "diffusers": frozenset(),
                                                 "classifiers": frozenset({""})}


def map_legacy(folder: str) -> str:
    """ComfyUI's legacy folder names: unet -> diffusion_models, clip -> text_encoders."""
    return LEGACY_NAMES.get(folder, folder)


class ModelFolders:
    """Search roots per folder type: models_dir defaults plus extra_model_paths.yaml entries (is_default first)."""

    def __init__(self, models_dir: Path | str, extra_yaml: Sequence[Path | str] = (),
                 input_dir: Path | str | None = None, output_dir: Path | str | None = None):
        self.models_dir = Path(models_dir)
        base = self.models_dir.parent
        self.input_dir = Path(input_dir) if input_dir is not None else base / "input"
        self.output_dir = Path(output_dir) if output_dir is not None else base / "output"
        self.roots: dict[str, list[Path]] = {
            name: [self.models_dir / s for s in subs] for name, subs in DEFAULT_SUBDIRS.items()}
        self.extensions: dict[str, frozenset[str]] = {name: SPECIAL_EXTENSIONS.get(name, MODEL_EXTENSIONS)
                                                      for name in DEFAULT_SUBDIRS}
        for yml in extra_yaml:
            self.load_extra_paths(Path(yml))

    def add_path(self, folder: str, path: Path, is_default: bool = False) -> None:
        """Register a root for a folder type; is_default puts it first, unknown types accept every extension."""
        folder = map_legacy(folder)
        roots = self.roots.setdefault(folder, [])
        self.extensions.setdefault(folder, frozenset())
        if path in roots:
            if is_default and roots[0] != path:
                roots.remove(path)
                roots.insert(0, path)
            return
        if is_default:
            roots.insert(0, path)
        else:
            roots.append(path)

    def load_extra_paths(self, yaml_path: Path) -> None:
        """Parse a ComfyUI extra_model_paths.yaml (base_path with ~/$VAR expansion, relative to the yaml's folder)."""
        import yaml

        try:
            config = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ModelError(f"extra model paths file {yaml_path} cannot be read: {exc}") from exc
        except yaml.YAMLError as exc:
            raise ModelError(f"extra model paths file {yaml_path} is not valid YAML: {exc}") from exc
        if config is None:
            return
        if not isinstance(config, dict):
            raise ModelError(f"extra model paths file {yaml_path}: expected sections (a mapping) at top level")
        yaml_dir = yaml_path.resolve().parent
        for section, conf in config.items():
            if conf is None:
                continue
            if not isinstance(conf, dict):
                raise ModelError(f"extra model paths file {yaml_path}: section {section!r} must be a mapping")
            conf = dict(conf)
            base = conf.pop("base_path", None)
            if base is not None:
                base = Path(os.path.expandvars(os.path.expanduser(str(base))))
                if not base.is_absolute():
                    base = yaml_dir / base
            is_default = bool(conf.pop("is_default", False))
            for folder, value in conf.items():
                if not isinstance(value, str):
                    raise ModelError(f"extra model paths file {yaml_path}: {section}.{folder} must be a path "
                                     f"or newline-separated paths, got {type(value).__name__}")
                for line in value.split("\n"):
                    line = line.strip()
                    if not line:
                        continue
                    full = base / line if base is not None else (Path(line) if os.path.isabs(line) else yaml_dir / line)
                    self.add_path(folder, Path(os.path.normpath(full)), is_default)

    def folder_roots(self, folder: str) -> list[Path]:
        """Search roots of a folder type, in lookup order."""
        folder = map_legacy(folder)
        if folder not in self.roots:
            raise ModelError(f"unknown model folder type {folder!r}; known: {', '.join(sorted(self.roots))}")
        return list(self.roots[folder])

    def list_names(self, folder: str) -> list[str]:
        """Sorted unique names relative to each root ("/"-separated, recursive, .git skipped, extension-filtered)."""
        exts = self.extensions.get(map_legacy(folder), frozenset())
        names: set[str] = set()
        for root in self.folder_roots(folder):
            if not root.is_dir():
                continue
            for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
                dirnames[:] = [d for d in dirnames if d != ".git"]
                rel_dir = os.path.relpath(dirpath, root)
                for fn in filenames:
                    if exts and os.path.splitext(fn)[1].lower() not in exts:
                        continue
                    rel = fn if rel_dir == "." else os.path.join(rel_dir, fn)
                    names.add(rel.replace(os.sep, "/"))
        return sorted(names)

    def find(self, folder: str, name: str) -> Path:
        """Full path of `name` in the first root that has it; rejects traversal; missing -> ModelError with hints."""
        parts = name.replace("\\", "/").split("/")
        if not name or name.startswith(("/", "\\")) or os.path.isabs(name) or ".." in parts:
            raise ModelError(f"{folder} name {name!r} is not allowed: names must be relative to a {folder} folder "
                             f"and may not contain '..' or start with '/'")
        roots = self.folder_roots(folder)
        rel = Path(*[p for p in parts if p not in ("", ".")])
        for root in roots:
            candidate = root / rel
            if candidate.is_file():
                return candidate
        searched = ", ".join(str(r) for r in roots) or "(none)"
        close = close_names(name, self.list_names(folder), n=3, cutoff=0.4)
        hint = f"; closest names: {', '.join(repr(c) for c in close)}" if close else ""
        raise ModelError(f"{folder} file {name!r} not found; searched: {searched}{hint}")
