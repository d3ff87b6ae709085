"""HTML -> PDF with one headless Chromium process for a whole build.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands
on fd 3, replies on fd 4, NUL-separated JSON), so no websocket library or extra process per
document is needed: a page is navigated to each file and printed with ``Page.printToPDF``.
The flags are the ones that work as root in a container without a display or network.

Students are printed in batches (:func:`print_batches`): one HTML of several students'
documents, each starting on a new page and marked by a named destination, is printed once and
cut into one PDF per student with pikepdf. A print's own work (loading, setting up, laying the
document out twice, embedding fonts) is then paid per batch, and ``print/all-sheets.pdf`` is
joined from the sheets' pages instead of printed again.
"""

from __future__ import annotations

import base64
import html as html_text
import io
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from problemgen.errors import BuildError

if TYPE_CHECKING:
    import pikepdf

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")
TIMEOUT = 60.0
PRINT_OPTIONS: dict[str, Any] = {
    "printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False,
    # A tagged PDF costs an accessibility tree per print (about 3x the time for a batch of
    # students), and its structure tree could not follow pages cut into per-student files.
    "generateTaggedPDF": False,
}
INSTALL_HINT = ("no Chromium or Chrome was found, so PDFs were not written (the HTML they print from was); "
                "install one (Debian/Ubuntu: apt-get install chromium) or set PROBLEMGEN_CHROMIUM to its path")


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
        result = self._call("Page.printToPDF", PRINT_OPTIONS, self._session)
        pdf.write_bytes(base64.b64decode(result["data"]))

    def print_many(self, count: int, prepare: Callable[[int], Path], received: Callable[[int, bytes], None],
                   tabs: int | None = None) -> None:
        """Print ``count`` documents, several tabs at once (each tab lays pages out in its own process).

        ``prepare(i)`` returns the HTML file of document ``i`` (called when a tab is free, so
        documents need not all exist at once); ``received(i, pdf)`` gets its PDF, in any order.
        """
        tabs = tabs or min(os.cpu_count() or 2, 8)  # a tab is a renderer process of a few hundred MB
        while len(self._sessions) < max(1, min(tabs, count)):
            self._open_tab()
        queue = list(reversed(range(count)))
        working: dict[str, tuple[int, Path]] = {}
        printing: dict[int, str] = {}

        def start(session: str) -> None:
            number = queue.pop()
            html = prepare(number)
            working[session] = (number, html)
            self._send("Page.navigate", {"url": html.resolve().as_uri()}, session)

        for session in self._sessions:
            if queue:
                start(session)
        while working:
            message = self._receive()
            session = message.get("sessionId", "")
            if message.get("method") == "Page.loadEventFired" and session in working:
                printing[self._send("Page.printToPDF", PRINT_OPTIONS, session)] = session
            elif message.get("id") in printing:
                session = printing.pop(message["id"])
                number, html = working.pop(session)
                if "error" in message:
                    raise BuildError(f"Chromium could not print {html}: {message['error'].get('message')}")
                if queue:  # keep the tab busy while this PDF is handled
                    start(session)
                received(number, base64.b64decode(message["result"]["data"]))
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


BATCH_BYTES = 1_200_000
"""HTML per print job. Chromium's time per page grows with the document's size, so batches stay
moderate (about 6 keys or 30 sheets of a 20-problem exam); several of them print at once."""


@dataclass(frozen=True)
class Printable:
    """One student's document: the HTML file to print and where its PDF goes."""

    html: Path
    pdf: Path


@dataclass(frozen=True)
class Batch:
    """Documents of one kind (all sheets, or all keys), printed together and cut per student."""

    documents: list[Printable]
    combined: Path | None = None
    """Also write every page, in document order, to this PDF (the print-shop file)."""
    title: str = ""
    """The combined PDF's title."""
    duplex: bool = False
    """In the combined PDF, a blank page after each document with an odd page count, so that printed
    on both sides every document starts on a sheet of paper of its own."""


def print_batches(printer: ChromiumPrinter, batches: list[Batch], done: Callable[[int], None] | None = None,
                  batch_bytes: int = BATCH_BYTES) -> None:
    """Print every document of every batch, several students per print job, one PDF per student.

    A print job never mixes batches, so a sheet's PDF cannot hold a key's page or font.
    ``done(n)`` is called with the number of PDFs written so far (combined files included).
    """
    jobs = [(number, chunk) for number, batch in enumerate(batches) for chunk in _chunks(batch.documents, batch_bytes)]
    sources: dict[int, tuple[pikepdf.Pdf, list[int]]] = {}  # job -> its PDF and documents' first pages
    titles: dict[int, list[str]] = {}
    finished = 0
    with tempfile.TemporaryDirectory(prefix="problemgen-print-") as folder:
        def prepare(job: int) -> Path:
            path = Path(folder) / f"job-{job}.html"
            text, titles[job] = batch_html(jobs[job][1])
            path.write_text(text, encoding="utf-8")
            return path

        def received(job: int, pdf: bytes) -> None:
            nonlocal finished
            number, documents = jobs[job]
            source, firsts = split_pdf(pdf, documents, titles.pop(job))
            if batches[number].combined:
                sources[job] = (source, firsts)
            (Path(folder) / f"job-{job}.html").unlink()
            finished += len(documents)
            if done:
                done(finished)

        printer.print_many(len(jobs), prepare, received)
    for number, batch in enumerate(batches):
        if batch.combined:
            _combine([sources[job] for job, (owner, _) in enumerate(jobs) if owner == number], batch.combined,
                     batch.title, batch.duplex)
            finished += 1
            if done:
                done(finished)


def _chunks(documents: list[Printable], limit: int) -> list[list[Printable]]:
    """Consecutive runs of documents of at most ``limit`` HTML bytes (at least one document each)."""
    chunks: list[list[Printable]] = []
    size = limit
    for document in documents:
        length = document.html.stat().st_size
        if size + length > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(document)
        size += length
    return chunks


_BODY = re.compile(r"<body([^>]*)>(.*)</body>", re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_CLASS = re.compile(r'\bclass="([^"]*)"')
#: The student a document belongs to, as its header names them (``Ada Okafor (s001)``).
_OWNER = re.compile(r'<p class="student">(.*?)</p>', re.S)


def _css_string(html: str) -> str:
    """Element text (HTML-escaped) as the inside of a CSS string (:func:`~problemgen.documents.css_string`)."""
    from problemgen.documents import css_string

    return css_string(html_text.unescape(html))


def batch_html(documents: list[Printable]) -> tuple[str, list[str]]:
    """One HTML of the documents' bodies (``print_batch.html.j2``), and each document's title."""
    from markupsafe import Markup

    from problemgen.documents import render_document

    parts, titles = [], []
    for number, document in enumerate(documents):
        text = document.html.read_text(encoding="utf-8")
        body, title = _BODY.search(text), _TITLE.search(text)
        if body is None or title is None:
            raise BuildError(f"{document.html}: no <title> or <body> element to print")
        classes = _CLASS.search(body.group(1))
        owner = _OWNER.search(body.group(2))
        parts.append({"anchor": _anchor(number), "classes": classes.group(1) if classes else "",
                      "body": Markup(body.group(2)), "owner": Markup(_css_string(owner.group(1))) if owner else ""})
        titles.append(html_text.unescape(title.group(1)))
    return render_document("print_batch.html.j2", documents=parts), titles


def _anchor(number: int) -> str:
    return f"document-{number}"


def split_pdf(pdf: bytes, documents: list[Printable], titles: list[str]) -> tuple[pikepdf.Pdf, list[int]]:
    """Cut a printed batch at its named destinations into one PDF per document; return the batch
    and each document's first page in it.

    Each file gets only its own pages and what they use (fonts are subsets shared by the batch,
    which is one kind of document), no outline or destinations, internal links dropped, and no
    dates, so an unchanged build writes identical bytes.
    """
    import pikepdf

    source = pikepdf.open(io.BytesIO(pdf))
    _keep_only_web_links(source)
    firsts = _first_pages(source, documents)
    for document, title, first, end in zip(documents, titles, firsts, [*firsts[1:], len(source.pages)]):
        part = pikepdf.new()
        part.pages.extend(source.pages[first:end])
        _save(part, [source], title, document.pdf)
    return source, firsts


def _save(pdf: pikepdf.Pdf, sources: list[pikepdf.Pdf], title: str, path: Path) -> None:
    """Save with Chromium's creator, producer and viewer settings, a title, no dates, a fixed /ID."""
    import pikepdf

    first = sources[0]
    info = {key: first.docinfo[key] for key in ("/Creator", "/Producer") if key in first.docinfo}
    pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary({**info, "/Title": pikepdf.String(title)}))
    if "/ViewerPreferences" in first.Root:
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(dict(first.Root.ViewerPreferences.items()))
    pdf.save(path, deterministic_id=True, min_version=max(source.pdf_version for source in sources))


def _first_pages(source: pikepdf.Pdf, documents: list[Printable]) -> list[int]:
    """The first page of each document, from the named destinations the batch HTML asked for."""
    import pikepdf

    page_numbers = {page.obj.objgen: number for number, page in enumerate(source.pages)}
    names = source.Root.get("/Dests")
    tree = pikepdf.NameTree(source.Root.Names.Dests) if names is None and "/Names" in source.Root and \
        "/Dests" in source.Root.Names else None
    firsts: list[int] = []
    for number, document in enumerate(documents):
        key = _anchor(number)
        target = (names.get("/" + key) if names is not None else tree.get(key) if tree is not None else None)
        if isinstance(target, pikepdf.Dictionary):
            target = target.get("/D")
        first = page_numbers.get(target[0].objgen) if isinstance(target, pikepdf.Array) and len(target) else None
        if first is None or (firsts and first <= firsts[-1]) or (not firsts and first != 0):
            raise BuildError(f"Chromium's PDF of {documents[0].html} and the next {len(documents) - 1} documents has "
                             f"no page mark for {document.html}; the documents could not be cut apart")
        firsts.append(first)
    return firsts


def _keep_only_web_links(pdf: pikepdf.Pdf) -> None:
    """Drop every annotation but links to URIs: an internal link would point nowhere once cut."""
    import pikepdf

    for page in pdf.pages:
        if "/Annots" not in page.obj:
            continue
        kept = [a for a in page.obj.Annots if a.get("/Subtype") == "/Link" and "/A" in a and a.A.get("/S") == "/URI"]
        if kept:
            page.obj.Annots = pikepdf.Array(kept)
        else:
            del page.obj.Annots


def _combine(sources: list[tuple[pikepdf.Pdf, list[int]]], path: Path, title: str, duplex: bool = False) -> None:
    """Every page of the batches, in order, as one PDF; with ``duplex``, a blank page after each
    document of an odd page count."""
    import pikepdf

    combined = pikepdf.new()
    for source, firsts in sources:
        for first, end in zip(firsts, [*firsts[1:], len(source.pages)]):
            combined.pages.extend(source.pages[first:end])
            if duplex and (end - first) % 2:
                box = [float(x) for x in source.pages[end - 1].mediabox]
                combined.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))
    _save(combined, [source for source, _ in sources], title, path)
