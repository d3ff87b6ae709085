"""PDFs printed in batches and cut per student: only a student's own pages, same pages as alone."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import leaked_answers

from problemgen.build import build_exam
from problemgen.errors import BuildError
from problemgen.pdf import (
    ChromiumPrinter,
    Printable,
    _chunks,
    batch_html,
    find_chromium,
    split_pdf,
)

DATA = Path(__file__).parent / "data" / "small-exam"

needs_browser = pytest.mark.skipif(
    find_chromium() is None or not shutil.which("pdftotext"),
    reason="needs Chromium and poppler-utils (pdftotext); .ci/run installs both")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small exam built twice with PDFs (as HTML too, to print alone): (first, second)."""
    folder = tmp_path_factory.mktemp("exam")
    shutil.copytree(DATA, folder, dirs_exist_ok=True)
    return tuple(build_exam(folder / "exam.toml", folder / "roster.csv", folder / out, ("html", "pdf")).out
                 for out in ("one", "two"))  # type: ignore[return-value]


def pdf_text(path: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True).stdout


def students(out: Path) -> list[dict]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["students"]


# --- a build with PDFs ----------------------------------------------------------------------------

@needs_browser
@pytest.mark.parametrize("kind", ["sheet", "key"])
def test_a_students_pdf_holds_only_that_students_document(built: tuple[Path, Path], kind: str) -> None:
    # GIVEN sheets and keys printed in batches, WHEN each student's PDF is read, THEN it names that
    # student only, and a sheet never holds a key's page.
    out = built[0]
    everyone = students(out)
    for student in everyone:
        folder = out / ("students" if kind == "sheet" else "keys") / student["folder"]
        text = pdf_text(folder / f"{kind}.pdf")
        assert f"{student['name']} ({student['id']})" in text
        for other in everyone:
            if other is not student:
                assert f"({other['id']})" not in text and other["name"] not in text
        assert ("Worked solution" in text) == (kind == "key")


@needs_browser
@pytest.mark.parametrize("kind", ["sheet", "key"])
def test_every_page_names_its_student(built: tuple[Path, Path], kind: str) -> None:
    # GIVEN printed sheets and keys of several pages, THEN each page names its student at the top,
    # so a loose page can be put back
    out = built[0]
    for student in students(out):
        path = out / ("students" if kind == "sheet" else "keys") / student["folder"] / f"{kind}.pdf"
        pages = pdf_text(path).split("\f")[:-1]
        assert len(pages) >= 1
        assert all(page.lstrip().startswith(f"{student['name']} ({student['id']})") for page in pages), path


def test_a_document_owner_becomes_a_css_string_that_cannot_break_out() -> None:
    from problemgen.pdf import _css_string

    assert _css_string("D&#x27;Angelo, Jr. &lt;/style&gt; (s1)") == "D\\27 Angelo\\2c  Jr\\2e  \\3c \\2f style\\3e  \\28 s1\\29 "
    assert _css_string("Zoë 山田 (s2)") == "Zoë 山田 \\28 s2\\29 "


@needs_browser
def test_no_student_pdf_shows_an_answer(built: tuple[Path, Path]) -> None:
    # GIVEN the printed sheets, WHEN their text is scanned, THEN no numeric answer of the student
    # appears (at the key's precision, either minus sign) unless it is also a given.
    out = built[0]
    checked = 0
    for student in students(out):
        for path in (out / "students" / student["folder"]).glob("*.pdf"):
            leaks, count = leaked_answers(student, pdf_text(path))
            assert not leaks, f"{path} shows the answers {leaks}"
            checked += count
    assert checked > 20


@needs_browser
def test_split_pdfs_carry_no_outline_destinations_dates_or_foreign_pages(built: tuple[Path, Path]) -> None:
    out = built[0]
    for student in students(out):
        for path in (out / "students" / student["folder"] / "sheet.pdf", out / "keys" / student["folder"] / "key.pdf"):
            with pikepdf.open(path) as pdf:
                assert not {"/Outlines", "/Dests", "/Names", "/StructTreeRoot"} & set(pdf.Root.keys()), path
                pages = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Page"]
                assert len(pages) == len(pdf.pages), f"{path} holds pages that are not its own"
                assert "/CreationDate" not in pdf.docinfo and "/ModDate" not in pdf.docinfo
                assert str(pdf.docinfo.Title).endswith(student["name"])
                for page in pdf.pages:
                    for annotation in page.obj.get("/Annots", []):
                        assert annotation.A.S == "/URI", path


@needs_browser
def test_all_sheets_is_every_sheet_in_roster_order(built: tuple[Path, Path]) -> None:
    out = built[0]
    combined = out / "print" / "all-sheets.pdf"
    sheets = [out / "students" / s["folder"] / "sheet.pdf" for s in students(out)]
    counts = [len(pikepdf.open(p).pages) for p in sheets]
    with pikepdf.open(combined) as pdf:
        # printed on both sides (duplex, the default), each sheet starts on a sheet of paper of its own
        assert len(pdf.pages) == sum(count + count % 2 for count in counts)
    assert pdf_text(combined).replace("\f\f", "\f") == "".join(pdf_text(p) for p in sheets).replace("\f\f", "\f")


@needs_browser
def test_an_unchanged_build_writes_identical_pdfs(built: tuple[Path, Path]) -> None:
    first, second = built
    pdfs = sorted(p.relative_to(first) for p in first.rglob("*.pdf"))
    assert len(pdfs) == 2 * 3 + 1
    for relative in pdfs:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


@needs_browser
@pytest.mark.parametrize("kind", ["sheet", "key"])
def test_a_cut_pdf_has_the_pages_of_the_document_printed_alone(built: tuple[Path, Path], tmp_path: Path,
                                                               kind: str) -> None:
    # GIVEN the last student (whose pages come after others' in the batch), WHEN the document is
    # printed alone, THEN page size, page count and the laid-out text of every page are the same.
    out = built[0]
    folder = out / ("students" if kind == "sheet" else "keys") / students(out)[-1]["folder"]
    alone = tmp_path / "alone.pdf"
    with ChromiumPrinter(find_chromium()) as printer:  # type: ignore[arg-type]
        printer.print_pdf(folder / f"{kind}.html", alone)
    with pikepdf.open(alone) as expected, pikepdf.open(folder / f"{kind}.pdf") as cut:
        assert len(cut.pages) == len(expected.pages)
        assert [list(p.mediabox) for p in cut.pages] == [list(p.mediabox) for p in expected.pages]
    assert pdf_text(folder / f"{kind}.pdf", "-layout") == pdf_text(alone, "-layout")


# --- the parts ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sizes", "limit", "expected"), [
    ([5, 5, 5], 10, [2, 1]),
    ([5, 5, 5], 15, [3]),
    ([20, 5, 5], 10, [1, 2]),     # a document larger than the limit is a batch of its own
    ([5, 20, 5], 10, [1, 1, 1]),
    ([1], 1, [1]),
], ids=["two-and-one", "all-fit", "large-first", "large-middle", "single"])
def test_documents_are_batched_in_order_by_html_size(tmp_path: Path, sizes: list[int], limit: int,
                                                      expected: list[int]) -> None:
    documents = []
    for number, size in enumerate(sizes):
        html = tmp_path / f"{number}.html"
        html.write_text("x" * size, encoding="utf-8")
        documents.append(Printable(html, tmp_path / f"{number}.pdf"))
    chunks = _chunks(documents, limit)
    assert [len(c) for c in chunks] == expected
    assert [d for c in chunks for d in c] == documents


def test_a_batch_holds_each_body_on_its_own_page_with_a_mark(tmp_path: Path) -> None:
    documents = []
    for number, (title, body) in enumerate([("A &amp; B", '<body class="key-document">\n<p>one</p>\n'),
                                            ("C", "<body>\n<p>two</p>\n")]):
        html = tmp_path / f"{number}.html"
        html.write_text(f"<!DOCTYPE html><html><head><title>{title}</title></head>{body}</body></html>",
                        encoding="utf-8")
        documents.append(Printable(html, tmp_path / f"{number}.pdf"))
    text, titles = batch_html(documents)
    assert titles == ["A & B", "C"]
    assert '<div class="page-break key-document" id="document-0">\n\n<p>one</p>\n</div>' in text
    # the links that mark each document's first page open the last document (a page of its own after it)
    assert '<div class="page-break" id="document-1">\n<a href="#document-0"></a><a href="#document-1"></a>\n' \
           '<p>two</p>\n</div>' in text


def test_a_document_without_a_body_is_a_located_error(tmp_path: Path) -> None:
    html = tmp_path / "sheet.html"
    html.write_text("<title>t</title><p>no body</p>", encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        batch_html([Printable(html, tmp_path / "sheet.pdf")])
    assert str(caught.value) == f"{html}: no <title> or <body> element to print"


def _marked_pdf(pages: int, marks: dict[str, int]) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    pdf.Root.Dests = pikepdf.Dictionary({f"/{name}": pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, 0, 0, 0])
                                         for name, page in marks.items()})
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("pages", "marks", "expected"), [
    (3, {"document-0": 0, "document-1": 2}, [2, 1]),
    (4, {"document-0": 0, "document-1": 1, "document-2": 3}, [1, 2, 1]),
    (3, {"document-0": 0}, "document-1"),                       # a mark is missing
    (3, {"document-0": 1, "document-1": 2}, "document-0"),      # pages before the first document
    (3, {"document-0": 0, "document-1": 0}, "document-1"),      # two documents on one page
], ids=["two", "three", "missing", "late-start", "same-page"])
def test_a_batch_is_cut_at_its_marks(tmp_path: Path, pages: int, marks: dict[str, int],
                                     expected: list[int] | str) -> None:
    count = len(expected) if isinstance(expected, list) else 2
    documents = [Printable(tmp_path / f"{n}.html", tmp_path / f"{n}.pdf") for n in range(count)]
    if isinstance(expected, str):
        with pytest.raises(BuildError) as caught:
            split_pdf(_marked_pdf(pages, marks), documents, ["t"] * count)
        number = int(expected.rsplit("-", 1)[1])
        assert str(caught.value) == (f"Chromium's PDF of {documents[0].html} and the next {count - 1} documents has "
                                     f"no page mark for {documents[number].html}; the documents could not be cut apart")
        return
    split_pdf(_marked_pdf(pages, marks), documents, [f"title {n}" for n in range(count)])
    for document, length, number in zip(documents, expected, range(count)):
        with pikepdf.open(document.pdf) as part:
            assert len(part.pages) == length
            assert str(part.docinfo.Title) == f"title {number}"


@pytest.mark.parametrize(("duplex", "expected"), [(True, 8), (False, 6)], ids=["duplex", "single-sided"])
def test_the_print_file_pads_each_document_to_even_pages_for_duplex(tmp_path: Path, duplex: bool,
                                                                     expected: int) -> None:
    from problemgen.pdf import _combine

    # GIVEN two printed batches: documents of 3 and 2 pages, then one of 1 page
    first = pikepdf.open(io.BytesIO(_marked_pdf(5, {"document-0": 0, "document-1": 3})))
    second = pikepdf.open(io.BytesIO(_marked_pdf(1, {"document-0": 0})))
    path = tmp_path / "all.pdf"
    _combine([(first, [0, 3]), (second, [0])], path, "all", duplex)
    with pikepdf.open(path) as combined:
        assert len(combined.pages) == expected


def test_a_cut_keeps_web_links_and_drops_links_that_reach_other_pages(tmp_path: Path) -> None:
    # GIVEN a batch whose first page links to a web page and to the second document's page,
    # WHEN it is cut, THEN the first file keeps the web link only and holds no other page.
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.add_blank_page()
    web = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 9, 9],
                             A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org")))
    inside = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 9, 9],
                                Dest=pikepdf.Array([pdf.pages[1].obj, pikepdf.Name.Fit]))
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(web), pdf.make_indirect(inside)]))
    pdf.Root.Dests = pikepdf.Dictionary({"/document-0": [pdf.pages[0].obj, pikepdf.Name.Fit],
                                         "/document-1": [pdf.pages[1].obj, pikepdf.Name.Fit]})
    buffer = io.BytesIO()
    pdf.save(buffer)
    documents = [Printable(tmp_path / f"{n}.html", tmp_path / f"{n}.pdf") for n in range(2)]
    split_pdf(buffer.getvalue(), documents, ["a", "b"])
    with pikepdf.open(documents[0].pdf) as part:
        assert [str(a.A.URI) for a in part.pages[0].obj.Annots] == ["https://example.org"]
        assert sum(1 for o in part.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Page") == 1


# --- sheets only --------------------------------------------------------------------------------
@needs_browser
@pytest.mark.parametrize(("how", "formats"), [("config", ("md", "pdf")), ("argument", ("md", "pdf")),
                                              ("config", ("html", "pdf"))])
def test_without_key_pdfs_only_the_sheets_are_printed(tmp_path: Path, how: str, formats: tuple[str, ...]) -> None:
    folder = tmp_path / "exam"
    shutil.copytree(DATA, folder)
    config = folder / "exam.toml"
    if how == "config":
        config.write_text("key_pdfs = false\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    summary = build_exam(config, folder / "roster.csv", folder / "out", formats,
                         key_pdfs=False if how == "argument" else None)
    out = summary.out
    on_disk = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert summary.files == len(on_disk)
    assert (out / "print" / "all-sheets.pdf").is_file()
    html = "html" in formats
    for student in students(out):
        sheet, key = out / "students" / student["folder"], out / "keys" / student["folder"]
        assert (sheet / "sheet.pdf").is_file() and not (key / "key.pdf").exists()
        assert (sheet / "sheet.html").exists() == html and (key / "key.html").exists() == html
        assert (key / "key.md").is_file() == ("md" in formats)
        assert f"({student['id']})" in pdf_text(sheet / "sheet.pdf")


def test_the_cli_flag_turns_key_pdfs_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import problemgen.build
    from problemgen.cli import main

    seen: dict[str, object] = {}

    def fake_build(*args: object, **kwargs: object) -> None:
        seen.update(kwargs)
        raise SystemExit(0)

    monkeypatch.setattr(problemgen.build, "build_exam", fake_build)
    for flags, expected in ((["--no-key-pdfs"], False), ([], None)):
        CliRunner().invoke(main, ["generate", "--quiet", *flags])
        assert seen["key_pdfs"] is expected


@pytest.mark.parametrize(("formats", "chromium", "kept"), [
    (("pdf",), "found", {"sheet.pdf", "key.html"}),
    (("pdf",), "missing", {"sheet.html", "key.html"}),
    (("md", "pdf"), "missing", {"sheet.html", "sheet.md", "key.html", "key.md"}),
], ids=["pdf-only-no-key-pdfs", "pdf-only-no-chromium", "md-and-pdf-no-chromium"])
def test_every_student_keeps_a_sheet_and_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               formats: tuple[str, ...], chromium: str, kept: set[str]) -> None:
    if chromium == "found" and find_chromium() is None:
        pytest.skip("needs Chromium; .ci/run installs it")
    if chromium == "missing":
        monkeypatch.setenv("PROBLEMGEN_CHROMIUM", str(tmp_path / "no-such-browser"))
    folder = tmp_path / "exam"
    shutil.copytree(DATA, folder)
    summary = build_exam(folder / "exam.toml", folder / "roster.csv", folder / "out", formats, key_pdfs=False)
    assert ("no Chromium or Chrome was found" in summary.pdf_note) == (chromium == "missing")
    for student in students(summary.out):
        names = {p.name for p in (summary.out / "students" / student["folder"]).iterdir()}
        names |= {p.name for p in (summary.out / "keys" / student["folder"]).iterdir()}
        assert names - {"answers.txt", "figure-3.svg"} == kept
