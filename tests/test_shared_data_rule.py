"""Every test finds ../shared (and its parity data) by one rule: tests/conftest.py's SHARED / PARITY (with the
GRAPHRUN_SHARED_DIR / GRAPHRUN_PARITY_DIR overrides) or its fixtures (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
OWN_RULE = re.compile(
    r"""/\s*["']shared\b"""  # <something> / "shared" (or "shared/parity")
    r"""|environ(?:\.get)?\(\s*["']GRAPHRUN_(?:SHARED|PARITY)_DIR"""  # reading the overrides again
    r"""|getenv\(\s*["']GRAPHRUN_(?:SHARED|PARITY)_DIR"""
    r"""|SHARED\s*/\s*["']parity\b"""  # parity data past GRAPHRUN_PARITY_DIR: use PARITY / parity_dir
    r"""|(?:Path|join)\([^)\n]*["'](?:\.\./)+shared\b"""  # Path("../shared/..."), os.path.join(.., "../shared")
    r"""|join\([^)\n]*["']shared["']"""  # os.path.join(root, "shared")
    r"""|["']/work/wt/shared|["']/tmp/ow/"""  # absolute paths of one machine
)


def test_no_test_derives_the_shared_folder_itself():
    skip = {TESTS / "conftest.py", Path(__file__).resolve()}
    offenders = [str(p.relative_to(TESTS)) for p in sorted(TESTS.rglob("*.py"))
                 if p not in skip and OWN_RULE.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_the_rule_catches_the_ways_tests_used_to_find_shared_data():
    """The pattern is not vacuous: each of these lines would be a second rule."""
    for line in ['ROOT.parent / "shared" / "parity"', 'Path(__file__).parents[2] / "shared/parity"',
                 'os.environ.get("GRAPHRUN_PARITY_DIR")', 'SHARED / "parity" / "cases"',
                 'Path("../shared/parity/sigmas.json")', 'os.path.join(REPO, "..", "shared")',
                 '"/work/wt/shared/data/object_info.json"']:
        assert OWN_RULE.search(line), line
    for line in ["PARITY / 'cases'", "shared_dir / 'cases'", "SHARED / 'cases'", "def test_shared_by_two(x):"]:
        assert not OWN_RULE.search(line), line
