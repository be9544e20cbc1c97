"""A bug in the file resolver is a bug, not "file not found" (issue 14: broad `except Exception` in checks.py,
run.py and cmd_compile.py turned resolver bugs into missing files); the resolver's own refusals are explained."""

from __future__ import annotations

import pytest

from graphrun.compile.checks import NodeRef, check_file_input
from graphrun.errors import NodeInputError
from graphrun.nodedefs import InputSpec

SPEC = InputSpec("image", "required", ("a.png",), {})
REF = NodeRef("4", "LoadImage", None)


def test_resolver_bug_propagates():
    def broken(folder, name):
        raise AttributeError("resolver bug")

    with pytest.raises(AttributeError):
        check_file_input(REF, SPEC, "a.png", "input", broken)


def test_resolver_refusal_is_the_issue_text():
    def refuse(folder, name):
        raise NodeInputError("image", f"file not found: {name!r} in the input folder '/data/in'", value=name)

    (finding,) = check_file_input(REF, SPEC, "b.png", "input", refuse)
    assert "in the input folder '/data/in'" in finding.issue.render()
