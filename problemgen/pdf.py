"""HTML -> PDF with one headless Chromium process for a whole build.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands
on fd 3, replies on fd 4, NUL-separated JSON), so no websocket library or extra process per
document is needed: a page is navigated to each file and printed with ``Page.printToPDF``.
The flags are the ones that work as root in a container without a display or network.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path
from collections.abc import Callable
from types import TracebackType
from typing import Any

from problemgen.errors import BuildError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")
TIMEOUT = 60.0
INSTALL_HINT = ("no Chromium or Chrome was found, so PDFs were not written (HTML and Markdown were); install one "
                "(Debian/Ubuntu: apt-get install chromium) or set PROBLEMGEN_CHROMIUM to its path")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable: ``$PROBLEMGEN_CHROMIUM``, then the usual names on PATH."""
    configured = os.environ.get("PROBLEMGEN_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class ChromiumPrinter:
    """A headless Chromium that prints HTML files to PDF; use as a context manager."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self._next_id = 0
        self._buffer = b""
        self._profile = tempfile.mkdtemp(prefix="problemgen-chromium-")
        commands_read, commands_write = os.pipe()
        replies_read, replies_write = os.pipe()

        def wire_pipes() -> None:  # runs in the child between fork and exec
            a, b = os.dup(commands_read), os.dup(replies_write)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        try:
            self._process = subprocess.Popen(
                [executable, *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-pipe", "about:blank"],
                preexec_fn=wire_pipes, close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
        except OSError as error:
            shutil.rmtree(self._profile, ignore_errors=True)
            raise BuildError(f"cannot start {executable}: {error}") from None
        finally:
            os.close(commands_read)
            os.close(replies_write)
        self._commands = commands_write
        self._replies = replies_read
        self._sessions: list[str] = []
        self._session = self._open_tab()

    def _open_tab(self) -> str:
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self._call("Page.enable", session=session)
        self._sessions.append(session)
        return session

    def __enter__(self) -> ChromiumPrinter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the browser and remove its temporary profile."""
        try:
            if self._process.poll() is None:
                try:
                    self._call("Browser.close")
                except BuildError:
                    pass
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
        finally:
            for fd in (self._commands, self._replies):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self._profile, ignore_errors=True)

    def print_pdf(self, html: Path, pdf: Path) -> None:
        """Load ``html`` (a file) and write it as PDF to ``pdf``; CSS @page sets size and margins."""
        self._call("Page.navigate", {"url": html.resolve().as_uri()}, self._session)
        self._wait_for("Page.loadEventFired")
        result = self._call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True,
                                                "displayHeaderFooter": False}, self._session)
        pdf.write_bytes(base64.b64decode(result["data"]))

    def print_many(self, jobs: list[tuple[Path, Path]], tabs: int = 3,
                   done: Callable[[int], None] | None = None) -> None:
        """Print every (html, pdf) job, several tabs at once (Chromium lays pages out in parallel).

        ``done(n)`` is called with the number of finished jobs after each one.
        """
        while len(self._sessions) < max(1, min(tabs, len(jobs))):
            self._open_tab()
        queue = list(reversed(jobs))
        working: dict[str, tuple[Path, Path]] = {}
        printing: dict[int, tuple[str, Path]] = {}
        finished = 0

        def start(session: str) -> None:
            html, pdf = queue.pop()
            working[session] = (html, pdf)
            self._send("Page.navigate", {"url": html.resolve().as_uri()}, session)

        for session in self._sessions:
            if queue:
                start(session)
        while working:
            message = self._receive()
            session = message.get("sessionId", "")
            if message.get("method") == "Page.loadEventFired" and session in working:
                number = self._send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True,
                                                        "displayHeaderFooter": False}, session)
                printing[number] = (session, working[session][1])
            elif message.get("id") in printing:
                session, pdf = printing.pop(message["id"])
                if "error" in message:
                    raise BuildError(f"Chromium could not print {working[session][0]}: {message['error'].get('message')}")
                pdf.write_bytes(base64.b64decode(message["result"]["data"]))
                del working[session]
                finished += 1
                if done:
                    done(finished)
                if queue:
                    start(session)
            elif "error" in message and message.get("id") is not None:
                raise BuildError(f"Chromium failed: {message['error'].get('message')}")

    # --- the protocol ---------------------------------------------------------------------------
    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        except OSError as error:
            raise BuildError(f"Chromium ({self.executable}) stopped responding: {error}") from None
        return self._next_id

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._replies], [], [], TIMEOUT)
            if not ready:
                raise BuildError(f"Chromium ({self.executable}) did not answer within {TIMEOUT:.0f} s")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise BuildError(f"Chromium ({self.executable}) exited unexpectedly")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        number = self._send(method, params, session)
        while True:
            message = self._receive()
            if message.get("id") == number:
                if "error" in message:
                    raise BuildError(f"Chromium could not {method}: {message['error'].get('message')}")
                return message.get("result", {})

    def _wait_for(self, event: str) -> None:
        while True:
            message = self._receive()
            if message.get("method") == event and message.get("sessionId") == self._session:
                return
