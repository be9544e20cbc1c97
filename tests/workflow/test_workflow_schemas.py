"""The committed schemas/*.json are exactly what the models generate (like diffusers' `make fix-copies` check)."""

from __future__ import annotations

from pathlib import Path

from jsonschema import Draft202012Validator

from graphrun.workflow import schemas


def test_committed_schemas_are_current():
    stale = schemas.stale_files()
    assert not stale, (f"stale JSON Schemas in {schemas.SCHEMA_DIR}: {', '.join(stale)}; "
                       "regenerate with `python -m graphrun.workflow.schemas` and commit the result")


def test_generated_schemas_are_valid_json_schema(tmp_path: Path):
    written = schemas.write_all(tmp_path)
    assert sorted(p.name for p in written) == ["workflow-api.json", "workflow-ui-0.4.json", "workflow-ui-1.json"]
    for key in schemas.SCHEMAS:
        Draft202012Validator.check_schema(schemas.generate(key))
    assert schemas.stale_files(tmp_path) == []
    assert schemas.main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / "workflow-api.json").write_text("{}")
    assert schemas.stale_files(tmp_path) == ["workflow-api.json"]
    assert schemas.main(["--check", "--dir", str(tmp_path)]) == 1
