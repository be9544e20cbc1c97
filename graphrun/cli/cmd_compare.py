"""`graphrun compare A B`: two workflows (run here, sharing one cache), two PNGs, or two sweep cells
(`*.cell.json`): a side-by-side picture with a difference heat map, and the numbers. Like `diff`, the exit code
is 0 when A and B are bit-identical and 1 when they differ."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphrun.cli.cmd_run import add_settings_arguments, settings_from_args, store_from_args


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", type=Path, help="workflow JSON, PNG, or sweep cell (.cell.json)")
    p.add_argument("b", type=Path, help="workflow JSON, PNG, or sweep cell (.cell.json)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE",
                   help="override on both sides (workflows and PNGs are then run here)")
    p.add_argument("--set-a", action="append", default=[], metavar="NODE.INPUT=VALUE", help="override on A only")
    p.add_argument("--set-b", action="append", default=[], metavar="NODE.INPUT=VALUE", help="override on B only")
    p.add_argument("-o", "--out", type=Path, default=None, metavar="PNG",
                   help="where to write the picture (default OUTPUT_DIR/compare/<A>_vs_<B>.png)")
    add_settings_arguments(p)
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")


def handle(args: argparse.Namespace) -> int:
    from graphrun.runtime.overrides import Override
    from graphrun.sweep.compare import compare, load_side, write_picture

    settings = settings_from_args(args).model_copy(update={"progress": False})
    store = store_from_args(args)
    both = [Override.parse(t) for t in args.overrides]
    a = load_side(args.a, settings, store, both + [Override.parse(t) for t in args.set_a])
    b = load_side(args.b, settings, store, both + [Override.parse(t) for t in args.set_b])
    report = compare(a, b)
    target = args.out or settings.output_dir / "compare" / f"{_stem(args.a)}_vs_{_stem(args.b)}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    report["picture"] = str(write_picture(a, b, report, target))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        from graphrun.sweep.compare import Numbers

        print(f"A: {a.label}\nB: {b.label}")
        for key, unit in (("pixels", " levels"), ("latents", "")):
            d = report[key]
            text = Numbers(d["bit_identical"], d["max_abs"], d["rel_l2"]).render(unit) if d else \
                "n/a (a PNG holds no latent; compare workflows to see latents)"
            print(f"{key}: {text}")
        print(report["picture"])
    return 0 if report["bit_identical"] else 1


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".cell.json", ".api.json", ".json", ".png"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


COMMANDS = (("compare", "Compare two workflows, PNGs or sweep cells: side by side, heat map, bit-identical?, "
                        "max abs, relative L2.", add_arguments, handle),)
