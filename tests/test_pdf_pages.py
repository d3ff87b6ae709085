"""Page breaks of printed sheets and keys, in real Chromium: a problem breaks between its blocks,
never inside one, a short problem stays whole, and a long one does not leave a page empty."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from problemgen.documents import render_document
from problemgen.pdf import ChromiumPrinter, Printable, batch_html, find_chromium, split_pdf
from problemgen.sheets import Mistake, SheetPart, SheetProblem

pytestmark = pytest.mark.skipif(find_chromium() is None or not shutil.which("pdftotext"),
                                reason="needs Chromium and poppler-utils (pdftotext); .ci/run installs both")

LONG_PARTS = 18
SHORT_PROBLEMS = 10
STEPS = 14


def part(letter: str, prompt: str, options: tuple[str, ...] = (), unit: str = "", mistakes: int = 1) -> SheetPart:
    return SheetPart(letter, letter, prompt, unit, unit, options, 1.0, options[0] if options else "1.0 " + unit,
                     (Mistake("2.0 " + unit, "you doubled it"),) * mistakes, unit_typed=False)


def problems() -> list[SheetProblem]:
    """A short problem, a long one (taller than a page: choice parts and answer lines), then short ones
    (a third of a page or less, in the key too)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    short = [SheetProblem(
        str(number), f"Short{number:02d} heading", 2.0,
        f"Short{number:02d} statement. A neuron at rest sits at $V_m = -70$ mV; the concentrations are\n"
        "given in the text of the problem, two lines of it, as a short problem usually has.",
        (part("a", f"Short{number:02d} first part, which way?", (f"In{number:02d}", f"Out{number:02d}"), mistakes=0),
         part("b", f"Short{number:02d} last part, how large is it?", unit="mV", mistakes=0)),
        "A short solution.") for number in (1, *range(3, 3 + SHORT_PROBLEMS))]
    long_parts = tuple(
        part(letters[i], f"Step{i:02d} of the long problem: which of these applies to the ion in this step?",
             tuple(f"Opt{i:02d}{k} choice words" for k in "wxyz")) if i % 2 else
        part(letters[i], f"Step{i:02d} of the long problem: compute the value of this step.", unit=f"Unit{i:02d}")
        for i in range(LONG_PARTS))
    solution = "\n\n".join(
        f"Lead{k:02d} into the step, a sentence that ends with a colon:\n\n"
        f"$$\\begin{{aligned}} x &= {81000 + k} \\cdot \\frac{{RT}}{{zF}} \\ln{{\\left(\\frac{{a}}{{b}}\\right)}} \\\\ "
        f"&= {91000 + k} \\end{{aligned}}$$" for k in range(STEPS))
    long = SheetProblem("2", "Long heading", 9.0, "LongStatement: a problem with many parts. " * 4, long_parts,
                        solution)
    return [short[0], long, *short[1:]]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The text of each page of the printed sheet and key."""
    folder = tmp_path_factory.mktemp("pages")
    context = dict(exam=SimpleNamespace(title="Breaks", course="", date="", instructions=""),
                   student=SimpleNamespace(id="s1", name="Ada"), problems=problems())
    pages = {}
    with ChromiumPrinter(find_chromium()) as printer:  # type: ignore[arg-type]
        for kind in ("sheet", "key"):
            html = folder / f"{kind}.html"
            html.write_text(render_document(f"{kind}.html.j2", **context), encoding="utf-8")
            printer.print_pdf(html, folder / f"{kind}.pdf")
            text = subprocess.run(["pdftotext", str(folder / f"{kind}.pdf"), "-"], capture_output=True, text=True,
                                  check=True).stdout
            pages[kind] = [" ".join(page.split()) for page in text.split("\f")[:-1]]
    return pages


def page_of(pages: list[str], text: str) -> int:
    found = [number for number, page in enumerate(pages) if text in page]
    assert len(found) == 1, f"{text!r} is on pages {found}"
    return found[0]


@pytest.mark.parametrize("kind", ["sheet", "key"])
def test_a_long_problem_breaks_between_parts_never_inside_one(printed: dict[str, list[str]], kind: str) -> None:
    # GIVEN a problem taller than a page after a short one, WHEN printed, THEN it starts on the
    # first page (no page left mostly empty), continues on the next, and every part's prompt is on
    # the page of its options, or of its answer line's unit
    pages = printed[kind]
    assert page_of(pages, "Long heading") == page_of(pages, "Short01 heading") == 0
    assert page_of(pages, "Long heading") == page_of(pages, "LongStatement")
    steps = [page_of(pages, f"Step{i:02d}") for i in range(LONG_PARTS)]
    assert steps[0] == 0 and steps[-1] > 0
    for i in range(LONG_PARTS):
        shown = [f"Opt{i:02d}{k}" for k in "wxyz"] if i % 2 else [f"Unit{i:02d}"]
        assert {page_of(pages, text) for text in shown} == {steps[i]}, f"part {i} is split"


@pytest.mark.parametrize("kind", ["sheet", "key"])
def test_a_short_problem_stays_whole(printed: dict[str, list[str]], kind: str) -> None:
    pages = printed[kind]
    for number in (1, *range(3, 3 + SHORT_PROBLEMS)):
        assert page_of(pages, f"Short{number:02d} heading") == page_of(pages, f"Short{number:02d} last part")
    assert len(pages) > 2  # the short problems did reach a page break


def test_a_worked_solution_breaks_between_steps(printed: dict[str, list[str]]) -> None:
    # GIVEN a worked solution longer than the rest of its page, THEN it continues on the next page,
    # its heading is never alone at a page's bottom, and each step's lead-in is on the page of its
    # equation (both rows of it)
    pages = printed["key"]
    leads = [page_of(pages, f"Lead{k:02d}") for k in range(STEPS)]
    assert leads[0] < leads[-1]
    assert "Worked solution Lead00" in pages[leads[0]]
    for k in range(STEPS):
        assert page_of(pages, f"{81000 + k}") == page_of(pages, f"{91000 + k}") == leads[k], f"step {k} is split"


def test_a_full_last_page_gets_no_empty_page_after_it_in_a_batch(tmp_path: Path) -> None:
    # GIVEN two documents whose pages are full down to a bottom margin (a sheet's last line, then
    # its margin), WHEN printed as one batch and cut, THEN each is one page, as printed alone
    documents = []
    for number in range(2):
        html = tmp_path / f"{number}.html"
        html.write_text(f"<!DOCTYPE html><html><head><title>{number}</title><style>@page {{ size: A4; margin: 18mm 16mm; }}"
                        "body { margin: 0; }</style></head><body><div style='height: 255mm'></div>"
                        f"<p style='margin: 0 0 5mm'>Document {number}</p></body></html>", encoding="utf-8")
        documents.append(Printable(html, tmp_path / f"{number}.pdf"))
    batch = tmp_path / "batch.html"
    batch.write_text(batch_html(documents)[0], encoding="utf-8")
    with ChromiumPrinter(find_chromium()) as printer:  # type: ignore[arg-type]
        printer.print_pdf(batch, tmp_path / "batch.pdf")
    source, firsts = split_pdf((tmp_path / "batch.pdf").read_bytes(), documents, ["0", "1"])
    assert (firsts, len(source.pages)) == ([0, 1], 2)
