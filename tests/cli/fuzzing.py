"""Seeded mutations of real workflows for fuzzing the CLI (tests/cli/test_fuzz_cli.py, benchmarks/fuzz_cli.py).

Each variant is bytes for one file: a shipped workflow or parity prompt with one structural or value mutation
(huge/invalid numbers, lone surrogates, deep nesting, wrong types, dangling links, cycles, truncation, byte
flips, long strings). Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

ODD_VALUES: list[Any] = [
    10**400, -10**30, 2**64, -1, 0, 1e308, -0.0, float("nan"), float("inf"), "", "\ud800", "a\udcffb", "\x00",
    "../../etc/passwd", "/abs/path.png", "%date:yyyy%/%KSampler.seed%", None, True, [], {}, [None], ["1"],
    ["999", 0], ["1", 99], ["1", -1], ["1", 0.5], [1, 0], "x" * 5000, "🙂" * 100, {"a": {"b": [1, {"c": None}]}},
]


def seeds(extra_dirs: list[Path] = ()) -> list[tuple[str, bytes]]:
    """(name, bytes) of the shipped workflows plus the .json files in extra_dirs (e.g. ../shared/cases)."""
    files = sorted((ROOT / "workflows").glob("*.json"))
    for d in extra_dirs:
        files += sorted(p for p in Path(d).glob("*.json"))
    return [(p.name, p.read_bytes()) for p in files]


def _paths(doc: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


def _set(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


def _deep(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def mutate(raw: bytes, rng: random.Random) -> bytes:
    """One mutation of a JSON document (as bytes); some mutations act on the bytes themselves."""
    op = rng.choice(["value", "value", "value", "delete", "deep", "deep_text", "class", "link", "truncate", "flip",
                     "swap_nodes", "dup_key_text"])
    if op == "truncate":
        return raw[: rng.randrange(len(raw))]
    if op == "flip":
        data = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if op == "deep_text":  # nesting deeper than any parser's recursion limit, as text
        depth = rng.choice([1000, 5000, 100_000])
        return raw.rstrip()[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    if op == "dup_key_text":
        return raw.replace(b'"inputs"', b'"inputs": {}, "inputs"', 1)
    doc = json.loads(raw)
    paths = list(_paths(doc))[1:]
    if not paths:
        return raw
    path = rng.choice(paths)
    if op == "value":
        _set(doc, path, rng.choice(ODD_VALUES))
    elif op == "delete":
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
    elif op == "deep":
        _set(doc, path, _deep(rng.choice([50, 500, 3000]), rng.choice(["list", "dict"])))
    elif op == "class":
        nodes = [p for p in paths if p and p[-1] in ("class_type", "type") and isinstance(_get(doc, p), str)]
        if nodes:
            _set(doc, rng.choice(nodes), rng.choice(["KSampler", "LoraLoader", "X\ud800", "", "SaveImage",
                                                     "PrimitiveNode", "Reroute", "VHS_VideoCombine"]))
    elif op == "link":
        links = [p for p in paths if isinstance(_get(doc, p), list) and len(_get(doc, p)) == 2
                 and isinstance(_get(doc, p)[0], str)]
        if links:
            target = rng.choice(links)
            _set(doc, target, [rng.choice([target[0] if target else "1", "404", "1"]), rng.choice([0, 1, 7])])
    elif op == "swap_nodes" and isinstance(doc, dict) and isinstance(doc.get("nodes"), list) and doc["nodes"]:
        rng.shuffle(doc["nodes"])
        if rng.random() < 0.5:
            doc["nodes"].append(dict(doc["nodes"][0]))  # duplicate node id
    return json.dumps(doc).encode("utf-8", "surrogatepass")


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def variants(n: int, seed: int, extra_dirs: list[Path] = ()) -> Iterator[tuple[str, bytes]]:
    """n (name, bytes) variants; 1-3 stacked mutations each."""
    rng = random.Random(seed)
    base = seeds(extra_dirs)
    for i in range(n):
        name, raw = rng.choice(base)
        for _ in range(rng.choice([1, 1, 2, 3])):
            try:
                raw = mutate(raw, rng)
            except (ValueError, RecursionError, KeyError, IndexError, TypeError):
                break  # the document is no longer JSON: keep it as it is
        yield f"{i:05d}-{name}", raw
