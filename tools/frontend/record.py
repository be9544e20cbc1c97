"""Record what the real ComfyUI frontend (1.27.10) sends as the API prompt for every core-node official template.

    python tools/frontend/record.py [--wheel /tmp/fe/comfyui_frontend_package-1.27.10-py3-none-any.whl]
        [--object-info ../shared/data/object_info.json] [--out tests/fixtures/frontend_1_27_10/templates.json.gz]

Unzips the frontend wheel (its static web app), serves it with server.py's mocked backend, opens it in headless
Chromium (cdp.py, over --remote-debugging-pipe) and, for each template, runs `app.loadGraphData(workflow)` then
`app.graphToPrompt()` in the page, exactly what the Queue button does before POSTing `output` to /prompt. The
prompt is taken as `JSON.stringify(output)`, so key order is the one the frontend sends. A core-node template is
one whose every node type is in object_info.json, a subgraph definition or a frontend-only node.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import cdp  # noqa: E402
import server  # noqa: E402

PACKAGES = ("comfyui_workflow_templates", "comfyui_workflow_templates_json")
# The frontend's own node types (never sent to the backend).
FRONTEND_TYPES = {"Reroute", "PrimitiveNode", "Note", "MarkdownNote"}

LOAD_AND_SERIALISE = """(async () => {
  const wf = %s;
  await window.app.loadGraphData(wf, true, true, null);
  const p = await window.app.graphToPrompt();
  return JSON.stringify(p.output);
})()"""
# The title a new node of each registered type gets (its translated display name), to compare with /object_info.
NODE_TITLES = """(() => { const out = {};
  for (const t of Object.keys(LiteGraph.registered_node_types)) out[t] = LiteGraph.createNode(t)?.title ?? null;
  return JSON.stringify(out) })()"""


def core_templates(object_info: dict) -> dict[str, Path]:
    """'package/relative/path.json' -> file, for every template using only core (or frontend) node types."""
    import importlib.util

    out: dict[str, Path] = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"package {name} is not installed")
        for root in spec.submodule_search_locations:
            for path in sorted(Path(root).rglob("*.json")):
                doc = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(doc, dict) or "nodes" not in doc:
                    continue
                types: set[str] = set()
                ids: set[str] = set()
                stack = [doc]
                while stack:
                    c = stack.pop()
                    types.update(str(n.get("type")) for n in c.get("nodes") or [] if isinstance(n, dict))
                    for sub in (c.get("definitions") or {}).get("subgraphs") or []:
                        ids.add(str(sub.get("id")))
                        stack.append(sub)
                if all(t in object_info or t in ids or t in FRONTEND_TYPES for t in types):
                    out[f"{name}/{path.relative_to(root).as_posix()}"] = path
    return out


def wait_ready(page: cdp.Page, seconds: float = 90) -> None:
    end = time.time() + seconds
    while time.time() < end:
        try:
            if page.evaluate("!!(window.app && window.app.graph && window.app.vueAppReady)"):
                return
        except cdp.CDPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the frontend did not start:\n" + "\n".join(page.console()[-30:]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", default="/tmp/fe/comfyui_frontend_package-1.27.10-py3-none-any.whl")
    ap.add_argument("--object-info", default=str(ROOT.parent / "shared" / "data" / "object_info.json"))
    ap.add_argument("--out", default=str(ROOT / "tests" / "fixtures" / "frontend_1_27_10" / "templates.json.gz"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--only", help="substring of the template keys to record (for debugging; does not write)")
    args = ap.parse_args(argv)

    object_info_bytes = Path(args.object_info).read_bytes()
    templates = core_templates(json.loads(object_info_bytes))
    with tempfile.TemporaryDirectory(prefix="gr-frontend-") as tmp, zipfile.ZipFile(args.wheel) as wheel:
        wheel.extractall(tmp)
        version = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        version = version.split("-")[1].split(".dist")[0]
        srv = server.start(Path(tmp) / "comfyui_frontend_package" / "static", Path(args.object_info))
        browser = cdp.Browser(args.chromium)
        try:
            page = browser.open_page(f"http://127.0.0.1:{srv.server_address[1]}/")
            wait_ready(page)
            titles = json.loads(page.evaluate(NODE_TITLES))
            results: dict[str, dict] = {}
            for key, path in templates.items():
                if args.only and args.only not in key:
                    continue
                text = path.read_text(encoding="utf-8")
                try:
                    raw = page.evaluate(LOAD_AND_SERIALISE % text, timeout_ms=120_000)
                    results[key] = {"output": json.loads(raw)}
                except cdp.CDPError as exc:
                    results[key] = {"error": str(exc)[:500]}
                print(f"{key}: {'ok' if 'output' in results[key] else results[key]['error'][:120]}", flush=True)
        finally:
            browser.close()
            srv.shutdown()
    api = sorted({line.split(" ")[1].split("?")[0] for line in server.Handler.log if " /api/" in line})
    print("backend endpoints the page called:", ", ".join(api))
    if args.only:
        print(json.dumps(results, indent=1)[:20000])
        return 0
    info = json.loads(object_info_bytes)
    record = {
        "frontend_version": version,
        # only the types whose frontend title is not /object_info's display_name (or the class name)
        "node_titles": {t: v for t, v in titles.items() if t in info and v != (info[t].get("display_name") or t)},
        "object_info_sha256": hashlib.sha256(object_info_bytes).hexdigest(),
        "template_sha256": {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in templates.items()},
        "prompts": results,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".tmp")
    with gzip.GzipFile(tmp_out, "wb", mtime=0) as fh:
        fh.write(json.dumps(record, sort_keys=False, separators=(",", ":")).encode())
    tmp_out.replace(out)
    errors = sum("error" in r for r in results.values())
    print(f"recorded {len(results)} templates ({errors} errors) -> {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
