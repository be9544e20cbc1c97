"""`graphrun convert FILE --to advanced|ksampler` and `graphrun explain FILE`: KSampler <-> KSampler (Advanced).

Exit codes: 0 converted / explained, 1 refused (not exact without --approximate, linked inputs, no such node),
2 unreadable file or bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphrun.errors import Issue, UsageError


def _load(path: Path):
    from graphrun.workflow.load import load_document

    return load_document(path)


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE",
                   help="override an input first, as `run --set` does (NODE = id or title); repeatable")


def _data(doc, args: argparse.Namespace) -> dict:
    """The document's dict with the `--set` overrides written in (UI widgets or API inputs)."""
    if not args.overrides:
        return doc.data
    from graphrun.nodes.base import default_registry
    from graphrun.runtime.overrides import Override
    from graphrun.runtime.overrides_ui import override_document

    return override_document(doc.data, doc.kind, [Override.parse(t) for t in args.overrides],
                             default_registry().definitions())


def _indent(path: Path) -> int | None:
    """The indentation of the input file, so the output looks like it (None for one-line JSON)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 2
    if len(lines) < 2:
        return None
    second = lines[1]
    return (len(second) - len(second.lstrip(" "))) or 2


def add_convert_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workflow", type=Path, help="UI or API workflow JSON (or a PNG with one)")
    p.add_argument("--to", required=True, choices=["advanced", "ksampler", "custom"],
                   help="advanced: KSampler (and SamplerCustomAdvanced chains) -> KSamplerAdvanced; ksampler: "
                        "KSamplerAdvanced (and chains) -> KSampler; custom: both -> the SamplerCustomAdvanced chain")
    p.add_argument("--nodes", default=None, metavar="ID,...",
                   help="convert only these node ids (`<subgraph id>/<id>` inside a subgraph definition)")
    p.add_argument("-o", "--output", type=Path, default=None, help="write here (default: stdout)")
    p.add_argument("--approximate", action="store_true",
                   help="also convert nodes that have no bit-identical equivalent (closest setting)")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stderr")
    _add_set(p)


def run_convert(args: argparse.Namespace) -> int:
    from graphrun.transforms.convert import convert_workflow

    doc = _load(args.workflow)
    nodes = None if args.nodes is None else [n.strip() for n in args.nodes.split(",") if n.strip()]
    result = convert_workflow(_data(doc, args), args.to, nodes=nodes, approximate=args.approximate)
    data = result.data
    if doc.envelope is not None:
        data = {**doc.envelope, "prompt": data}
    text = json.dumps(data, indent=_indent(args.workflow), ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}",
                             [Issue("unwritable_file", str(exc), value=str(args.output))]) from None
    if args.json:
        report = [{"node_id": n.node_id, "title": n.title, "exact": n.conversion.exact,
                   "reasons": list(n.conversion.reasons), "notes": list(n.conversion.notes),
                   "before": n.conversion.before.summary(), "after": n.conversion.after.summary()}
                  for n in result.nodes]
        print(json.dumps(report, indent=2), file=sys.stderr)
    else:
        for n in result.nodes:
            print(n.describe(), file=sys.stderr)
    return 0


def add_explain_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workflow", type=Path, help="UI or API workflow JSON (or a PNG with one)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    _add_set(p)


def run_explain(args: argparse.Namespace) -> int:
    from graphrun.nodes.base import default_registry
    from graphrun.transforms.explain import explain_workflow

    doc = _load(args.workflow)
    found = explain_workflow(_data(doc, args), definitions=default_registry().definitions())
    if args.json:
        print(json.dumps([e.to_json() for e in found], indent=2))
    elif not found:
        print("no KSampler, KSamplerAdvanced or SamplerCustomAdvanced (KSampler-equivalent chain) node")
    else:
        print("\n\n".join(e.render() for e in found))
    return 0


COMMANDS = (
    ("convert", "convert KSampler <-> KSampler (Advanced) nodes, exactly (or --approximate)",
     add_convert_arguments, run_convert),
    ("explain", "show each sampler node's sigmas, model evaluations, initial noise and equivalent setting",
     add_explain_arguments, run_explain),
)
