"""Every test finds ../shared (and its parity data) by one rule: tests/conftest.py's SHARED / PARITY (with the
GRAPHRUN_SHARED_DIR / GRAPHRUN_PARITY_DIR overrides) or its fixtures (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
OWN_RULE = re.compile(r'/\s*"shared"|environ(?:\.get)?\(\s*"GRAPHRUN_(?:SHARED|PARITY)_DIR')


def test_no_test_derives_the_shared_folder_itself():
    skip = {TESTS / "conftest.py", Path(__file__).resolve()}
    offenders = [str(p.relative_to(TESTS)) for p in sorted(TESTS.rglob("*.py"))
                 if p not in skip and OWN_RULE.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders
