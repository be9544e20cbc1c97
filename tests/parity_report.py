"""Collects parity errors during a test run so the terminal summary can report the worst case per metric."""

from __future__ import annotations

REPORT: dict[str, list[tuple[float, str]]] = {}


def record(metric: str, case: str, value: float) -> None:
    REPORT.setdefault(metric, []).append((float(value), case))


def summary_lines() -> list[str]:
    lines = []
    for metric, rows in sorted(REPORT.items()):
        worst, case = max(rows)
        lines.append(f"{metric}: worst {worst:.3g} ({case}) over {len(rows)} cases")
    return lines
