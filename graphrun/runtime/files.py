"""How `run` and `validate` find files: one resolver, so both accept and reject the same workflows.

Model names are listed from the models folder (`Settings.models_dir`: `--models-dir`, else $GRAPHRUN_MODELS_DIR,
else ./models) plus extra_model_paths.yaml entries; input files from `Settings.input_dir` (default ./input), with
ComfyUI's ' [output]'/' [temp]' annotations. A missing file's issue names the folders searched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from graphrun.errors import Issue, ModelError
from graphrun.settings import Settings


# folder -> (loader class_type, file input) whose missing files --stub-models replaces with stand-ins
STUB_FILE_INPUTS = {
    "checkpoints": (("CheckpointLoaderSimple", "ckpt_name"),),
    "controlnet": (("ControlNetLoader", "control_net_name"), ("DiffControlNetLoader", "control_net_name")),
    "diffusion_models": (("UNETLoader", "unet_name"),),
    "text_encoders": (("DualCLIPLoader", "clip_name1"), ("DualCLIPLoader", "clip_name2"), ("CLIPLoader", "clip_name")),
    "vae": (("VAELoader", "vae_name"),),
    "upscale_models": (("UpscaleModelLoader", "model_name"),),
    "loras": (("LoraLoader", "lora_name"), ("LoraLoaderModelOnly", "lora_name")),
}


class FileResolver:
    """Combo listings, existence checks and missing-file explanations for one Settings value."""

    def __init__(self, settings: Settings, folders: Any = None):
        from graphrun.backend.folders import ModelFolders

        self.settings = settings
        self.folders = folders if folders is not None else ModelFolders(
            settings.models_dir, settings.extra_model_paths, input_dir=settings.input_dir,
            output_dir=settings.output_dir)

    def folder_problems(self, models: bool = True, inputs: bool = True) -> list[Issue]:
        """The models/input folders asked for that do not exist (a validation problem, not a usage error)."""
        found = []
        for flag, path, asked in (("models", self.settings.models_dir, models),
                                  ("input", self.settings.input_dir, inputs)):
            if asked and not path.is_dir():
                found.append(Issue("folder_not_found", f"the {flag} folder {str(path)!r} does not exist",
                                   details="model and input file names are looked up there"))
        return found

    def lister(self, prompt: dict[str, Any] | None = None) -> Callable[[str], list[str]]:
        """Combo options for file inputs: model folders, the input folder; stand-in names with --stub-models."""
        settings, folders = self.settings, self.folders

        def list_files(folder: str) -> list[str]:
            from graphrun.backend.paths import list_input_files

            if folder == "input":
                return list_input_files(settings.input_dir)
            if folder == "input_latents":
                from graphrun.backend.latent_io import list_latent_files

                return list_latent_files(settings.input_dir)
            names = folders.list_names(folder)
            if folder in STUB_FILE_INPUTS and settings.stub_models and isinstance(prompt, dict):
                # Missing model files become labelled stand-ins at run time instead of failing validation.
                wanted = {n["inputs"].get(i) for n in prompt.values() for ct, i in STUB_FILE_INPUTS[folder]
                          if isinstance(n, dict) and n.get("class_type") == ct and isinstance(n.get("inputs"), dict)}
                names = sorted(set(names) | {w for w in wanted if isinstance(w, str)})
            return names

        return list_files

    def exists(self, folder: str, name: str) -> bool:
        """True when `name` (as written, maybe annotated) is a file; raises NodeInputError naming the folder
        searched when it is missing or not allowed (absolute, leaving the folder)."""
        from graphrun.backend.paths import resolve_input

        s = self.settings
        return resolve_input(s.input_dir, s.output_dir, s.resolved_temp_dir(), name).is_file()

    def explain(self, issue: Issue, prompt: dict[str, Any], registry: Any) -> Issue:
        """A model name not in its folder listing: say which folders were searched and the closest names."""
        if issue.code != "value_not_in_list" or not isinstance(prompt, dict) or issue.node_id not in prompt:
            return issue
        node_type = registry.get(prompt[issue.node_id].get("class_type", ""))
        spec = next((i for i in (node_type.INPUTS if node_type else ()) if i.name == issue.input_name), None)
        if spec is None or spec.files is None:
            return issue
        if spec.files.startswith("input"):
            return replace(issue, message=f"file not found in the input folder {str(self.settings.input_dir)!r}")
        try:
            self.folders.find(spec.files, str(issue.value))
        except ModelError as exc:
            return replace(issue, message=f"model file not found: {exc.message}", allowed=None, suggestion=None)
        return issue
