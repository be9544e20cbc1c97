"""A static server for the built ComfyUI frontend plus the few backend endpoints it calls at start-up.

Only what the page needs to reach `app.graphToPrompt()` is answered: `/object_info` from the given file (the real
v0.3.64 definitions), empty settings/users/extensions/history, and 404 for the rest (every request is recorded in
`Handler.log`, so a newer frontend's new needs show up). `/ws` is refused: the page then retries in the background,
which does not affect loading or serialising graphs.
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

SYSTEM_STATS = {
    "system": {"os": "posix", "ram_total": 0, "ram_free": 0, "comfyui_version": "0.3.64", "required_frontend_version":
               "1.27.10", "python_version": "3.11", "pytorch_version": "2.13.0", "embedded_python": False,
               "argv": ["main.py"]},
    "devices": [],
}


def _canned(path: str, object_info: bytes) -> tuple[int, bytes] | None:
    """(status, JSON body) for a backend path (without the `/api` prefix), or None for a static file."""
    fixed = {
        "/object_info": object_info,
        "/users": b'{"storage": "server", "migrated": true}',
        "/settings": b"{}",
        "/system_stats": json.dumps(SYSTEM_STATS).encode(),
        "/extensions": b"[]",
        "/embeddings": b"[]",
        "/i18n": b"{}",
        "/workflow_templates": b"{}",
        "/queue": b'{"queue_running": [], "queue_pending": []}',
        "/history": b"{}",
        "/prompt": b'{"exec_info": {"queue_remaining": 0}}',
        "/experiment/models": b"[]",
        "/features": b"{}",
    }
    if path in fixed:
        return 200, fixed[path]
    if path.startswith("/settings/"):
        return 200, b"null"
    if path.startswith("/userdata") or path.startswith("/experiment/models/"):
        return (200, b"[]") if path in ("/userdata", "/userdata/") else (404, b"{}")
    if path in ("/ws", "/view", "/upload/image") or path.startswith("/view_metadata"):
        return 404, b"{}"
    return None


class Handler(SimpleHTTPRequestHandler):
    log: list[str] = []
    object_info: bytes = b"{}"

    def log_message(self, fmt, *args):  # noqa: D102 - keep stderr quiet; requests go to Handler.log
        Handler.log.append(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}")

    def _backend(self) -> bool:
        path = urlsplit(self.path).path
        api = path[4:] if path.startswith("/api/") else path
        answer = _canned(api, self.object_info)
        if answer is None and path.startswith("/api/"):
            answer = (404, b"{}")
        if answer is None:
            return False
        status, body = answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return True

    def do_GET(self):  # noqa: N802 - http.server naming
        if not self._backend():
            super().do_GET()

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if not self._backend():
            self.send_error(404)


def start(static_dir: Path, object_info: Path, port: int = 0) -> ThreadingHTTPServer:
    """Serve `static_dir` on 127.0.0.1 (port 0: any free port) in a daemon thread."""
    Handler.object_info = Path(object_info).read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, directory=str(static_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
