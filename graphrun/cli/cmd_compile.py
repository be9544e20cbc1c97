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
import sys
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


def jsonable(value: Any, depth: int = 0) -> Any:
    """Strict-JSON form of a value: NaN/inf as strings, tuples as lists, unknown objects as repr; values nested
    deeper than 64 levels (a fuzzed input echoed in an issue) are summarised, not recursed into."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (dict, list, tuple)) and depth >= 64:
        return f"<{type(value).__name__} nested more than 64 levels deep>"
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, depth + 1) for v in value]
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
    from graphrun.cli.cmd_run import add_folder_arguments

    _add_common(p)
    add_folder_arguments(p)  # the same folders, defaults and environment as `graphrun run`
    p.add_argument("--stub-models", nargs="?", const="tiny", choices=["tiny", "full"], default=None,
                   help="missing checkpoints are accepted (`run --stub-models` replaces them with stand-ins)")
    p.add_argument("--no-file-checks", action="store_true",
                   help="do not look for model and input files (check the graph only)")


def validate_file(path: Path, defs, *, models_checked: bool, file_exists=None, files=None,
                  defs_for=None, problems: list[Issue] = (), overrides=()) -> FileReport:
    """Load (compile a UI workflow) and validate one file; never raises.

    `files` (graphrun.runtime.files.FileResolver) explains missing files as `run` does; `defs_for(prompt)` gives
    the definitions for one prompt (stand-in checkpoint names); `problems` are issues found before the file
    (a models folder that does not exist)."""
    from graphrun.compile.checks_files import file_inputs, unchecked_file_combos
    from graphrun.compile.validate import validate_prompt
    from graphrun.nodes.base import default_registry

    report = FileReport(str(path))

    def work() -> None:
        prompt, report.kind, compile_warnings = _to_prompt(path, defs, overrides)
        report.warnings.extend(compile_warnings)
        use = defs_for(prompt) if defs_for is not None else defs
        if not models_checked:
            table = file_inputs(default_registry())
            model_folders = {f for f in table.values() if f != "input"}
            use = unchecked_file_combos(defs, prompt, table, model_folders)
        result = validate_prompt(prompt, use, file_exists=file_exists)
        explain = (lambda i: files.explain(i, prompt, default_registry())) if files is not None else (lambda i: i)
        report.issues.extend([*problems, *map(explain, result.issues)])
        report.warnings.extend(result.warnings)
        report.extra.update(result.to_comfy_json())
        report.extra["outputs"] = list(result.outputs)
        if report.issues or not result.ok:
            report.code = 1
            report.message = (result.error or {}).get("message") or report.issues[0].message
            if report.issues[0].code == "missing_node_type":  # ComfyUI's text guesses "custom node"; ours knows
                report.message = report.issues[0].message

    _guard(report, work)
    report.extra.setdefault("error", None if report.code == 0 else
                            {"type": report.issues[0].code if report.issues else "invalid_workflow",
                             "message": report.message, "details": "", "extra_info": {}})
    report.extra.setdefault("node_errors", {})
    return report


def handle_validate(args: argparse.Namespace) -> int:
    from graphrun.cli.cmd_run import settings_from_args
    from graphrun.runtime.files import FileResolver

    files = None if args.no_file_checks else FileResolver(settings_from_args(args))
    # Folders named on the command line must exist; the defaults only matter to the files a workflow uses.
    problems = [] if files is None else files.folder_problems(
        models=args.models_dir is not None, inputs=args.input_dir is not None)
    defs = _definitions(args, files.lister() if files is not None else None)
    defs_for = None if files is None else (lambda prompt: _definitions(args, files.lister(prompt)))
    reports = []
    for path in args.files:
        report = validate_file(path, defs, models_checked=files is not None,
                               file_exists=files.exists if files is not None else None, files=files,
                               defs_for=defs_for, problems=problems, overrides=_overrides(args))
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
    p.add_argument("--strict", action="store_true",
                   help="fail (exit 1, nothing written) when the compiled prompt would not pass `graphrun validate`")


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
    """Write JSON text via graphrun.backend.paths.atomic_write (temp file + os.replace; UsageError on OS errors).

    A lone surrogate (from a `\\ud800` escape in the input) cannot be UTF-8: it is written back as the same JSON
    escape, so the file stays valid JSON with the same value."""
    from graphrun.backend.paths import atomic_write

    atomic_write(target, lambda f: f.write(text.encode("utf-8", "backslashreplace")))


def _prompt_problems(prompt: Any, defs) -> list[Issue]:
    """What `graphrun validate --no-file-checks` would report for a compiled prompt (files are not looked up)."""
    from graphrun.compile.checks_files import file_inputs, unchecked_file_combos
    from graphrun.compile.validate import validate_prompt
    from graphrun.nodes.base import default_registry

    table = file_inputs(default_registry())
    use = unchecked_file_combos(defs, prompt, table, {f for f in table.values() if f != "input"})
    return list(validate_prompt(prompt, use).issues)


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
            problems = _prompt_problems(prompt, defs)
            if problems and args.strict:
                report.issues.extend(problems)
                report.code, report.message = 1, "the compiled prompt is invalid (--strict: nothing written)"
                return
            report.warnings.extend(problems)  # written as the frontend would, but said
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
