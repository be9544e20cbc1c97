"""Input/output path rules of ComfyUI v0.3.64 (`folder_paths.py`), without its module globals.

* `resolve_input`: annotated names (`x.png [output]`) → a file inside the chosen base folder
  (`annotated_filepath` / `get_annotated_filepath`), traversal and symlink escapes rejected.
* `list_input_files`: LoadImage's combo list (`os.listdir` + `filter_files_content_types(["image"])`, sorted).
* `save_path`: `get_save_image_path` (prefix variables, subfolder, containment, counter).
* `atomic_write`: write-to-temp + fsync + `os.replace`, so a failed save leaves no partial file.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from graphrun.errors import NodeInputError, UsageError

# Suffixes ComfyUI recognises, and how many characters it strips (the suffix plus the space before it).
_ANNOTATIONS = (("[output]", "output", 9), ("[input]", "input", 8), ("[temp]", "temp", 7))
# `folder_paths.extension_mimetypes_cache` starts with these two entries.
_MIME_SEEDS = {"webp": "image", "fbx": "model"}


@dataclass(frozen=True)
class SavedFile:
    """One written file, as ComfyUI reports it in `ui` (`filename`, `subfolder`, `type`) plus its full path."""

    filename: str
    subfolder: str
    type: str
    path: Path

    def as_ui(self) -> dict[str, str]:
        return {"filename": self.filename, "subfolder": self.subfolder, "type": self.type}


@dataclass(frozen=True)
class SavePath:
    """Result of `save_path` (ComfyUI `get_save_image_path`)."""

    folder: Path
    filename: str
    counter: int
    subfolder: str
    prefix: str


def split_annotation(name: str) -> tuple[str, str | None]:
    """`'x.png [output]'` → `('x.png', 'output')`; no annotation → `(name, None)` (ComfyUI `annotated_filepath`).

    Like ComfyUI, the suffix is removed together with the one character before it (normally a space).
    """
    for suffix, kind, strip in _ANNOTATIONS:
        if name.endswith(suffix):
            return name[:-strip], kind
    return name, None


def is_within(directory: str | os.PathLike, target: str | os.PathLike) -> bool:
    """True when `target` resolves (symlinks followed) to `directory` or a path below it."""
    try:
        base = os.path.realpath(directory)
        full = os.path.realpath(target)
        return os.path.commonpath((base, full)) == base
    except ValueError:  # embedded NUL byte, or different drives
        return False


def resolve_input(input_dir: str | os.PathLike, output_dir: str | os.PathLike, temp_dir: str | os.PathLike,
                  name: str, *, input_name: str = "image", must_exist: bool = True) -> Path:
    """Resolve a LoadImage/LoadLatent value (`sub/x.png`, `x.png [output]`, …) to a path inside its base folder.

    Raises NodeInputError(input_name) for an absolute name, a name that escapes the base folder (`..`, a symlink
    pointing outside) and, with must_exist, for a missing file.
    """
    if not isinstance(name, str) or not name:
        raise NodeInputError(input_name, f"expected a file name, got {name!r}", value=name)
    rel, kind = split_annotation(name)
    base = {"output": output_dir, "temp": temp_dir}.get(kind or "input", input_dir)
    if "\x00" in rel or os.path.isabs(rel) or rel.startswith(("/", "\\")):
        raise NodeInputError(input_name, f"invalid file path {rel!r}: absolute paths are not allowed", value=name)
    full = os.path.abspath(os.path.join(base, rel))
    if not is_within(base, full):
        raise NodeInputError(input_name, f"invalid file path {rel!r}: it leaves the {kind or 'input'} folder "
                             f"{os.fspath(base)!r}", value=name)
    if must_exist and not os.path.isfile(full):
        raise NodeInputError(input_name, f"file not found: {rel!r} in the {kind or 'input'} folder "
                             f"{os.fspath(base)!r}", value=name)
    return Path(full)


def list_input_files(input_dir: str | os.PathLike, content_types: tuple[str, ...] = ("image",)) -> list[str]:
    """LoadImage's combo options: top-level files of input_dir whose MIME type is image/*, sorted."""
    try:
        entries = os.listdir(input_dir)
    except FileNotFoundError:
        return []
    files = [f for f in entries if os.path.isfile(os.path.join(input_dir, f))]
    cache = dict(_MIME_SEEDS)
    result = []
    for file in files:
        ext = file.split(".")[-1]
        if ext not in cache:
            mime, _ = mimetypes.guess_type(file, strict=False)
            if not mime:
                continue
            cache[ext] = mime.split("/")[0]
        if cache[ext] in content_types:
            result.append(file)
    return sorted(result)


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of the file bytes (LoadImage/LoadLatent `IS_CHANGED`)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expand_save_vars(prefix: str, width: int = 0, height: int = 0, now: datetime | None = None) -> str:
    """The server-side prefix variables: %width% %height% %year% %month% %day% %hour% %minute% %second%.

    ComfyUI substitutes only when the prefix contains '%'; month…second are zero-padded to 2 digits.
    """
    if "%" not in prefix:
        return prefix
    now = now or datetime.now()
    values = [("%width%", str(width)), ("%height%", str(height)), ("%year%", str(now.year)),
              ("%month%", f"{now.month:02}"), ("%day%", f"{now.day:02}"), ("%hour%", f"{now.hour:02}"),
              ("%minute%", f"{now.minute:02}"), ("%second%", f"{now.second:02}")]
    for key, value in values:
        prefix = prefix.replace(key, value)
    return prefix


def _existing_counter(name: str, prefix_len: int, filename: str) -> int | None:
    """The counter of an existing `filename_DDDDD_…` entry, 0 if unparsable, None if it does not match."""
    head = name[:prefix_len + 1]
    if not (head[-1:] == "_" and os.path.normcase(head[:-1]) == os.path.normcase(filename)):
        return None
    try:
        return int(name[prefix_len + 1:].split(".")[0].split("_")[0])
    except ValueError:
        return 0


def save_path(filename_prefix: str, output_dir: str | os.PathLike, width: int = 0, height: int = 0, *,
              now: datetime | None = None, input_name: str = "filename_prefix") -> SavePath:
    """ComfyUI `get_save_image_path`: expand variables, split subfolder/filename, check containment, find the counter.

    The counter is 1 + the largest DDDDD among files named `filename_DDDDD_…` (case-normalised), else 1.
    Creates the target folder. Raises NodeInputError(input_name) for a prefix outside output_dir and UsageError
    when the folder cannot be created or listed.
    """
    prefix = expand_save_vars(filename_prefix, width, height, now)
    if "\x00" in prefix or os.path.isabs(prefix) or prefix.startswith(("/", "\\")):
        raise NodeInputError(input_name, f"saving outside the output folder is not allowed: {prefix!r} is an "
                             f"absolute path", value=filename_prefix)
    normalized = os.path.normpath(prefix)
    subfolder, filename = os.path.dirname(normalized), os.path.basename(normalized)
    folder = os.path.join(os.fspath(output_dir), subfolder)
    if not is_within(output_dir, folder):
        raise NodeInputError(input_name, f"saving outside the output folder is not allowed: {prefix!r} resolves to "
                             f"{os.path.abspath(folder)!r}, not inside {os.fspath(output_dir)!r}",
                             value=filename_prefix)
    try:
        os.makedirs(folder, exist_ok=True)
        entries = os.listdir(folder)
    except OSError as exc:
        raise UsageError(f"cannot create or read the output folder {os.path.abspath(folder)!r}: {exc}") from exc
    prefix_len = len(os.path.basename(prefix))
    counters = [c for c in (_existing_counter(e, prefix_len, filename) for e in entries) if c is not None]
    counter = max(counters) + 1 if counters else 1
    return SavePath(Path(folder), filename, counter, subfolder, prefix)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call write(f) on a temp file next to `path`, fsync it, then os.replace it into place.

    On any failure the temp file is removed and nothing appears at `path`. OS errors become UsageError.
    """
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".graphrun-", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write to the folder {str(target.parent)!r}: {exc}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {str(target)!r}: {exc}") from exc
        raise
    return target


def _umask() -> int:
    """Current umask without changing it (mkstemp makes 0600 files; outputs should get the usual mode)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
