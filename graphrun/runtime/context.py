"""RunContext: the nodes' only door to the world (settings, model folders, caches, progress, run metadata)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphrun.settings import Settings

ProgressFn = Callable[[str, int, int], None]  # (node_id, step, total)


@dataclass
class ModelStore:
    """Process-wide caches passed in by the caller: each checkpoint/VAE file is loaded once per process, and (with
    `outputs`) node outputs are reused while their inputs are unchanged."""

    stubs: dict[Any, Any] = field(default_factory=dict)
    outputs: Any = None  # runtime.cache.ExecutionCache of node outputs, or None (--no-cache)
    _files: Any = None

    @classmethod
    def cached(cls, cache_mb: float | None = None, enabled: bool = True) -> "ModelStore":
        """A store with an execution cache of `cache_mb` MiB (default: runtime.cache.default_cache_mb())."""
        from graphrun.runtime.cache import ExecutionCache

        return cls(outputs=ExecutionCache.with_mb(cache_mb) if enabled else None)

    @property
    def files(self):
        """graphrun.backend.checkpoints.CheckpointCache, keyed by file version, device and dtypes."""
        if self._files is None:
            from graphrun.backend.checkpoints import CheckpointCache

            self._files = CheckpointCache()
        return self._files

    def get_or_load(self, table: dict[Any, Any], key: Any, load: Callable[[], Any]) -> Any:
        if key not in table:
            table[key] = load()
        return table[key]


@dataclass
class RunContext:
    """Everything a node may use besides its inputs. One per run; `node_id` is set by the executor per node."""

    settings: Settings
    store: ModelStore = field(default_factory=ModelStore)
    prompt: dict[str, Any] | None = None  # the validated API prompt, embedded in saved PNGs
    extra_pnginfo: dict[str, Any] | None = None  # {"workflow": ui} when run from a UI workflow
    progress: ProgressFn | None = None
    log: Callable[[str], None] = print
    node_id: str = ""
    stub_notes: list[str] = field(default_factory=list)  # set when random-weight stand-ins were used
    written: list[Path] = field(default_factory=list)  # files written by output nodes, in order
    _folders: Any = None
    _device: Any = None

    @property
    def folders(self):
        """Model/input folders (graphrun.backend.folders.ModelFolders) built from settings on first use."""
        if self._folders is None:
            from graphrun.backend.folders import ModelFolders

            s = self.settings
            self._folders = ModelFolders(s.models_dir, s.extra_model_paths, input_dir=s.input_dir,
                                         output_dir=s.output_dir)
        return self._folders

    @property
    def device(self):
        if self._device is None:
            from graphrun.backend.devices import pick_device

            self._device = pick_device(self.settings.device)
        return self._device

    def report_progress(self, step: int, total: int) -> None:
        if self.progress is not None:
            self.progress(self.node_id, step, total)
