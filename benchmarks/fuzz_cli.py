"""Fuzz the CLI with N seeded variants (default 10,000) of the shipped workflows and ../shared/cases prompts.

    PYTHONPATH=. python benchmarks/fuzz_cli.py [N] [SEED]

Each variant goes through one of `validate`, `validate --json`, `compile`, `run` (the real entry point, strict
UTF-8 output). Prints the count per exit code, every variant that escaped with a traceback / internal error /
took more than 1 s, and the slowest variants; exit status 1 when any did. The suite runs 520 of these
(tests/cli/test_fuzz_cli.py).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cli.fuzzing import variants  # noqa: E402
from tests.cli.test_fuzz_cli import COMMANDS, run_cli  # noqa: E402
from tests.conftest import SHARED  # noqa: E402


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    extra = [SHARED / "cases"] if (SHARED / "cases").is_dir() else []
    codes, bad, times = Counter(), [], []
    with tempfile.TemporaryDirectory() as tmp:
        warm = ROOT / "workflows" / "SD1.5_text2image.json"
        for argv in COMMANDS:
            run_cli([a.replace("{tmp}", tmp) for a in argv] + [str(warm)])
        start = time.perf_counter()
        for i, (name, raw) in enumerate(variants(n, seed=seed, extra_dirs=extra)):
            path = Path(tmp) / name
            path.write_bytes(raw)
            argv = [a.replace("{tmp}", tmp) for a in COMMANDS[i % len(COMMANDS)]] + [str(path)]
            code, text, seconds = run_cli(argv)
            codes[str(code) if code in (0, 1, 2) else "escaped"] += 1
            times.append((seconds, name, argv[0]))
            if code not in (0, 1, 2) or "Traceback" in text or "internal error" in text or seconds > 1:
                bad.append(f"{name} {' '.join(argv[:-1])}: exit {code}, {seconds:.2f}s: {text[-400:]!r}")
                (Path(tmp).parent / f"graphrun-fuzz-{name}").write_bytes(raw)  # kept to reproduce
            path.unlink()
        total = time.perf_counter() - start
    times.sort(reverse=True)
    print(f"{n} variants (seed {seed}) in {total:.1f}s, {1000 * total / n:.1f} ms each; exit codes: {dict(codes)}")
    print("slowest: " + ", ".join(f"{name} {cmd} {s:.2f}s" for s, name, cmd in times[:5]))
    for line in bad:
        print("BAD", line)
    print(f"{len(bad)} bad variant(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
