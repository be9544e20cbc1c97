"""`graphrun nodes [NAME...]`: the nodes graphrun runs, with their inputs and outputs.

`--json` prints them in the shape of ComfyUI's `/object_info` (file combos list the folders given with
--models-dir/--input-dir, as `run` would see them), so the output can be fed back with `--object-info`.
"""

from __future__ import annotations

import argparse
import json
import sys

from graphrun.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    from graphrun.cli.cmd_run import add_folder_arguments

    p.add_argument("names", nargs="*", metavar="NAME", help="only these node types (class_type)")
    p.add_argument("--json", action="store_true", help="print /object_info-shaped JSON")
    add_folder_arguments(p)


def _describe_input(spec) -> str:
    if spec.is_combo:
        options = spec.combo_options or []
        shown = ", ".join(map(str, options[:6])) + (", ..." if len(options) > 6 else "")
        return f"{spec.name}: COMBO [{shown}]" + (" (optional)" if spec.group == "optional" else "")
    extras = []
    if "default" in spec.options:
        extras.append(f"default {spec.options['default']!r}")
    if "min" in spec.options and "max" in spec.options:
        extras.append(f"{spec.options['min']}..{spec.options['max']}")
    if spec.group == "optional":
        extras.append("optional")
    return f"{spec.name}: {spec.type_name}" + (f" ({', '.join(extras)})" if extras else "")


def handle(args: argparse.Namespace) -> int:
    from graphrun.cli.cmd_run import settings_from_args
    from graphrun.nodes.base import default_registry
    from graphrun.runtime.files import FileResolver

    registry = default_registry()
    names = sorted(registry.names())
    unknown = [n for n in args.names if n not in registry]
    if unknown:
        from graphrun.compile.node_origin import missing_node_text

        raise UsageError("; ".join(missing_node_text(n) for n in unknown))
    wanted = args.names or names
    defs = registry.definitions(FileResolver(settings_from_args(args)).lister())
    if args.json:
        info = {name: defs[name].model_dump(mode="json", exclude_none=True) for name in wanted}
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    for name in wanted:
        d = defs[name]
        title = f" '{d.display_name}'" if d.display_name and d.display_name != name else ""
        print(f"{name}{title} [{d.category or '-'}]{'  (output node)' if d.output_node else ''}")
        for spec in d.inputs():
            print(f"    in   {_describe_input(spec)}")
        for out_name, out_type in zip(d.output_name or d.output_types, d.output_types):
            print(f"    out  {out_name}: {out_type}")
    print(f"{len(wanted)} node type(s)", file=sys.stderr)
    return 0


COMMANDS = (("nodes", "List the nodes graphrun runs, with inputs and outputs (--json: /object_info shape).",
             add_arguments, handle),)
