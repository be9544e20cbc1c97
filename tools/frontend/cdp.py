"""A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe` (no websocket package needed).

Chromium reads NUL-terminated JSON commands on fd 3 and writes NUL-terminated JSON replies/events on fd 4.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import Any


class CDPError(RuntimeError):
    pass


class Browser:
    def __init__(self, chromium: str = "/usr/bin/chromium", extra_args: tuple[str, ...] = ()):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        self._profile = tempfile.TemporaryDirectory(prefix="gr-frontend-chromium-")

        def wire_fds() -> None:  # runs in the child: the pipe ends must sit at fds 3 and 4
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--remote-debugging-pipe", f"--user-data-dir={self._profile.name}", "--no-first-run",
                "--window-size=1280,900", *extra_args, "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=wire_fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, "TZ": "UTC"})
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self) -> dict:
        while b"\0" not in self._buf:
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise CDPError("chromium closed the debugging pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def open_page(self, url: str) -> "Page":
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        page.send("Runtime.enable")
        page.send("Page.enable")
        page.send("Page.navigate", {"url": url})
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._profile.cleanup()


class Page:
    def __init__(self, browser: Browser, session: str):
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def evaluate(self, expression: str, timeout_ms: int = 60_000) -> Any:
        """Evaluate (awaiting a returned promise) and return the value as JSON; a thrown error raises CDPError."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True, "timeout": timeout_ms})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text")
            raise CDPError(str(text))
        return result["result"].get("value")

    def console(self) -> list[str]:
        """Console messages and uncaught exceptions seen so far on this page."""
        out = []
        for ev in self.browser.events:
            if ev.get("sessionId") != self.session:
                continue
            if ev.get("method") == "Runtime.consoleAPICalled":
                p = ev["params"]
                out.append(f"{p['type']}: " + " ".join(str(a.get("value", a.get("description", "")))
                                                      for a in p.get("args", [])))
            elif ev.get("method") == "Runtime.exceptionThrown":
                out.append("exception: " + str(ev["params"]["exceptionDetails"].get("exception", {})
                                                .get("description")))
        return out
