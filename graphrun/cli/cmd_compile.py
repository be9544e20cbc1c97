"""`graphrun validate FILE...` and `graphrun compile FILE...`: backend checks, and UI -> API prompt export.

Definitions: graphrun's own nodes merged with `--object-info` (the object_info wins for the types both have: it
describes the backend you target). Model names are checked against `--models-dir` when given, else against the
object_info's lists; when neither lists any, they are not checked. LoadImage files are checked in `--input-dir`
when given. Every file is processed even when an earlier one fails.

Exit codes: 0 all files ok; 1 some workflow is invalid (any validation issue; ComfyUI would run only the valid
outputs); 2 usage or I/O error (missing file, unwritable output). Several files: the highest code.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphrun.errors import GraphrunError, Issue, UsageError


@dataclass
class FileReport:
    """What happened to one input file."""

    file: str
    kind: str | None = None
    code: int = 0
    issues: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# -- shared --------------------------------------------------------------------------------------------------
def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="UI or API workflow JSON, or a ComfyUI PNG")
    p.add_argument("--object-info", type=Path, default=None, metavar="FILE",
                   help="node definitions saved from a ComfyUI server's /object_info (override graphrun's own)")
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE",
                   help="override an input as `run --set` does (NODE = id or title); repeatable")


def _overrides(args: argparse.Namespace) -> list:
    from graphrun.runtime.overrides import Override

    return [Override.parse(t) for t in getattr(args, "overrides", None) or []]


def _definitions(args: argparse.Namespace, lister=None):
    from graphrun.compile.checks_files import build_definitions
    from graphrun.nodedefs import load_object_info
    from graphrun.nodes.base import default_registry

    info = load_object_info(args.object_info) if args.object_info is not None else None
    return build_definitions(default_registry(), info, lister)


def _to_prompt(path: Path, defs, overrides=()) -> tuple[Any, str, list[Issue]]:
    """(API prompt with `--set` overrides applied, document kind, compile warnings) for a UI/API/PNG file."""
    from graphrun.compile.ui_to_api import compile_ui
    from graphrun.runtime.overrides import apply_overrides
    from graphrun.workflow.load import load_document

    doc = load_document(path)
    if doc.embedded_prompt is not None:
        return apply_overrides(doc.embedded_prompt, overrides), "png", []
    if doc.kind == "api":
        return apply_overrides(doc.data, overrides), "api", []
    result = compile_ui(doc.data, defs)
    return apply_overrides(result.prompt, overrides), "ui", list(result.warnings)


def _guard(report: FileReport, func) -> Any:
    """Run one file's work; GraphrunErrors (and, as a last resort, bugs) become the file's report."""
    try:
        return func()
    except GraphrunError as exc:
        report.code = max(report.code, exc.exit_code)
        prefix = f"{report.file}: "
        report.message = exc.message[len(prefix):] if exc.message.startswith(prefix) else exc.message
        report.issues.extend(exc.issues or [Issue("usage_error" if exc.exit_code == 2 else "invalid_workflow",
                                                  exc.message)])
    except RecursionError:
        report.code = max(report.code, 1)
        report.message = "the workflow is nested too deeply to process"
        report.issues.append(Issue("invalid_workflow", report.message))
    except Exception as exc:  # noqa: BLE001 - one file's internal error must not stop the others
        report.code = max(report.code, 1)
        report.message = f"internal error ({type(exc).__name__}: {exc}); please report this with the file"
        report.issues.append(Issue("internal_error", report.message))
    return None


def jsonable(value: Any) -> Any:
    """Strict-JSON form of a value: NaN/inf as strings, tuples as lists, unknown objects as repr."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def issue_json(issue: Issue) -> dict[str, Any]:
    keys = ("code", "message", "node_id", "class_type", "title", "input_name", "value", "allowed", "suggestion",
            "pointer", "details")
    out = {k: getattr(issue, k) for k in keys if getattr(issue, k) is not None}
    out["text"] = issue.render()
    return jsonable(out)


def _print_json(reports: list[FileReport]) -> None:
    files = []
    for r in reports:
        entry = {"file": r.file, "kind": r.kind, "ok": r.code == 0, "exit_code": r.code}
        entry.update(r.extra)
        entry["issues"] = [issue_json(i) for i in r.issues]
        entry["warnings"] = [issue_json(i) for i in r.warnings]
        if r.message:
            entry["message"] = r.message
        files.append(entry)
    doc = {"ok": all(r.code == 0 for r in reports), "files": files}
    print(json.dumps(jsonable(doc), indent=2, ensure_ascii=False, allow_nan=False))


def _print_human(report: FileReport, ok_text: str, stream=None) -> None:
    out = stream or sys.stdout
    if report.code == 0:
        print(f"{report.file}: {ok_text}", file=out)
    else:
        head = report.message or f"{len(report.issues)} problem(s)"
        print(f"{report.file}: {'error' if report.code == 2 else 'invalid'}: {head}", file=out)
        for issue in report.issues:
            if issue.message != head or issue.node_id is not None:  # do not repeat the headline
                print(f"  {issue.render()}", file=out)
    for w in report.warnings:
        print(f"  warning: {w.render()}", file=out)


# -- validate ------------------------------------------------------------------------------------------------
def add_validate_arguments(p: argparse.ArgumentParser) -> None:
    _add_common(p)
    p.add_argument("--models-dir", type=Path, default=None, metavar="DIR",
                   help="ComfyUI-style models folder: model names are checked against its files")
    p.add_argument("--input-dir", type=Path, default=None, metavar="DIR",
                   help="input folder: LoadImage files must exist there")


def _folder_lister(models_dir: Path | None, input_dir: Path | None):
    if models_dir is None and input_dir is None:
        return None
    from graphrun.backend.folders import ModelFolders
    from graphrun.backend.paths import list_input_files

    if models_dir is not None and not models_dir.is_dir():
        raise UsageError(f"--models-dir {models_dir} is not a folder")
    if input_dir is not None and not input_dir.is_dir():
        raise UsageError(f"--input-dir {input_dir} is not a folder")
    folders = ModelFolders(models_dir) if models_dir is not None else None

    def lister(folder: str) -> list[str] | None:
        if folder == "input":
            return list_input_files(input_dir) if input_dir is not None else None
        if folders is None:
            return None
        try:
            return folders.list_names(folder)
        except GraphrunError:
            return None

    return lister


def _file_exists(input_dir: Path | None):
    if input_dir is None:
        return None
    from graphrun.backend.paths import resolve_input

    def exists(folder: str, name: str) -> bool:
        try:
            return resolve_input(input_dir, input_dir.parent / "output", input_dir.parent / "temp", name).is_file()
        except Exception:  # noqa: BLE001 - a name the resolver rejects is not a valid file
            return False

    return exists


def validate_file(path: Path, defs, *, models_checked: bool, file_exists=None, overrides=()) -> FileReport:
    """Load (compile a UI workflow) and validate one file; never raises."""
    from graphrun.compile.checks_files import file_inputs, unchecked_file_combos
    from graphrun.compile.validate import validate_prompt
    from graphrun.nodes.base import default_registry

    report = FileReport(str(path))

    def work() -> None:
        prompt, report.kind, compile_warnings = _to_prompt(path, defs, overrides)
        report.warnings.extend(compile_warnings)
        use = defs
        if not models_checked:
            table = file_inputs(default_registry())
            model_folders = {f for f in table.values() if f != "input"}
            use = unchecked_file_combos(defs, prompt, table, model_folders)
        result = validate_prompt(prompt, use, file_exists=file_exists)
        report.issues.extend(result.issues)
        report.warnings.extend(result.warnings)
        report.extra.update(result.to_comfy_json())
        report.extra["outputs"] = list(result.outputs)
        if result.issues or not result.ok:
            report.code = 1
            report.message = (result.error or {}).get("message") or "some outputs failed validation"

    _guard(report, work)
    report.extra.setdefault("error", None if report.code == 0 else
                            {"type": report.issues[0].code if report.issues else "invalid_workflow",
                             "message": report.message, "details": "", "extra_info": {}})
    report.extra.setdefault("node_errors", {})
    return report


def handle_validate(args: argparse.Namespace) -> int:
    lister = _folder_lister(args.models_dir, args.input_dir)
    defs = _definitions(args, lister)
    models_checked = args.models_dir is not None  # else only EMPTY model lists are relaxed
    reports = []
    for path in args.files:
        report = validate_file(path, defs, models_checked=models_checked, file_exists=_file_exists(args.input_dir),
                               overrides=_overrides(args))
        reports.append(report)
        if not args.json:
            outs = report.extra.get("outputs") or []
            _print_human(report, f"ok ({len(outs)} output(s): {', '.join(outs)})")
    if args.json:
        _print_json(reports)
    return max(r.code for r in reports)


# -- compile -------------------------------------------------------------------------------------------------
def add_compile_arguments(p: argparse.ArgumentParser) -> None:
    _add_common(p)
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", default=None, metavar="OUT",
                       help="write the API prompt here ('-' = stdout; one input file only)")
    where.add_argument("--out-dir", type=Path, default=None, metavar="DIR",
                       help="write NAME.api.json per input into DIR (created if missing)")


def output_name(path: Path) -> str:
    """`wf.ui.json` / `wf.json` / `wf.png` -> `wf.api.json`."""
    name = path.name
    for suffix in (".json", ".png"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    for suffix in (".ui", ".api"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return f"{name or 'workflow'}.api.json"


def write_atomic(target: Path, text: str) -> None:
    """Write via a temp file in the same folder + os.replace; UsageError when the folder is not writable."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


def handle_compile(args: argparse.Namespace) -> int:
    to_stdout = args.output == "-" or (args.output is None and args.out_dir is None)
    if len(args.files) > 1 and args.out_dir is None:
        raise UsageError("several input files need --out-dir DIR (one NAME.api.json per file)")
    if args.out_dir is not None:
        try:
            args.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create --out-dir {args.out_dir}: {exc.strerror or exc}") from None
    defs = _definitions(args)
    reports, taken = [], {}
    for path in args.files:
        report = FileReport(str(path))
        reports.append(report)

        def work(path=path, report=report) -> None:
            prompt, report.kind, warnings = _to_prompt(path, defs, _overrides(args))
            report.warnings.extend(warnings)
            text = json.dumps(prompt, indent=2, ensure_ascii=False) + "\n"
            if to_stdout:
                if args.json:
                    report.extra["prompt"] = prompt
                else:
                    sys.stdout.write(text)
                return
            target = Path(args.output) if args.output is not None else args.out_dir / output_name(path)
            if target in taken:
                raise UsageError(f"{path} would overwrite {target}, already written for {taken[target]}")
            write_atomic(target, text)
            taken[target] = path
            report.extra["written"] = str(target)

        _guard(report, work)
        if not args.json:
            written = report.extra.get("written")
            _print_human(report, f"wrote {written}" if written else "compiled", stream=sys.stderr)
    if args.json:
        _print_json(reports)
    return max(r.code for r in reports)


COMMANDS = (
    ("validate", "check workflows as the ComfyUI backend would (every problem at once)",
     add_validate_arguments, handle_validate),
    ("compile", "compile UI workflows into API prompts (as the ComfyUI frontend's Export (API))",
     add_compile_arguments, handle_compile),
)
