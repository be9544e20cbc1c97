"""T5 tokenization time against text length (graphrun.backend.t5): doubling the text should roughly double the time.

    PYTHONPATH=. python benchmarks/bench_t5_tokenizer.py
Prints seconds per size and the ratio of successive sizes (linear: ~2.0 per doubling), for plain prose, one
unbroken 'word' (the Unigram lattice), and deeply weighted text (the `(text:1.1)` parser)."""

from __future__ import annotations

import time

from graphrun.backend.t5 import default_t5_tokenizer, tokenize_t5_prompt


def timed(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        tokenize_t5_prompt(text)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    default_t5_tokenizer()
    kinds = {
        "prose": lambda n: ("a cozy cabin in the snowy forest, warm light, " * n),
        "one word": lambda n: "x" * (45 * n),
        "weights": lambda n: "(cabin:1.2), [snow], ((light)) " * (n // 2 + 1),
    }
    for kind, make in kinds.items():
        prev = None
        for n in (1000, 2000, 4000, 8000):
            text = make(n)
            t = timed(text)
            ratio = "" if prev is None else f"  x{t / prev:.2f} for x2 text"
            print(f"{kind:9s} {len(text):8d} chars  {t * 1000:8.1f} ms{ratio}")
            prev = t


if __name__ == "__main__":
    main()
