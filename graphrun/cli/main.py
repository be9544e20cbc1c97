"""`graphrun` entry point: a thin argparse layer over the library.

Each command lives in its own module `graphrun.cli.cmd_<name>` exposing `COMMANDS`: a tuple of
(name, help, add_arguments(parser), handler(args) -> exit code). `graphrun FILE ...` is `graphrun run FILE ...`.
Exit codes: 0 ok, 1 invalid workflow / failed run / regression, 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from graphrun.errors import GraphrunError

COMMAND_MODULES = ("cmd_run", "cmd_compile", "cmd_convert", "cmd_test", "cmd_sweep", "cmd_compare")


def _commands() -> list[tuple]:
    found = []
    for mod_name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"graphrun.cli.{mod_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"graphrun.cli.{mod_name}":
                continue
            raise
        found.extend(mod.COMMANDS)
    return found


def build_parser() -> tuple[argparse.ArgumentParser, dict, dict]:
    parser = argparse.ArgumentParser(
        prog="graphrun",
        description="Compile and run ComfyUI workflows natively. `graphrun FILE` is short for `graphrun run FILE`.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    handlers, parsers = {}, {}
    for name, help_text, add_arguments, handler in _commands():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        handlers[name], parsers[name] = handler, p
    return parser, handlers, parsers


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, handlers, parsers = build_parser()
    if argv and argv[0] not in handlers and not argv[0].startswith("-") and "run" in handlers:
        argv = ["run", *argv]  # `graphrun WORKFLOW` == `graphrun run WORKFLOW`
    try:
        if not argv or argv[0] not in handlers:
            parser.parse_args(argv)  # --help, or a usage error naming the valid commands
            parser.print_help()
            return 2
        # Options may sit between file names (`validate a.json --json b.json`).
        args = parsers[argv[0]].parse_intermixed_args(argv[1:])
        args.command = argv[0]
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(handlers[args.command](args))
    except GraphrunError as exc:
        print(f"graphrun: error: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("graphrun: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
