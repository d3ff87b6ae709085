"""Reading submissions: CSV dialects and quoting, line endings, encodings, hostile JSON, matching
students by id, email or SIS id, forms without their check code, duplicate answers and the files
of a folder that are not answer forms. One bad submission never stops the batch."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from problemgen.batch import csv_dialect, read_submissions
from problemgen.export.runtime import AMBIGUOUS_STUDENT, NO_CHECK_FORM, find_student, read_own_answers

LABELS = ("1a", "1b", "2a")
#: (id, email, SIS id) of the default roster.
ROSTER = (("a1", "ann@uni.edu", "9001"), ("b2", "bob@uni.edu", "9002"), ("c3", "", ""))
CHECKS = {"a1": "aaaa1111", "b2": "bbbb2222", "c3": "cccc3333"}


def manifest(roster: tuple[tuple[str, str, str], ...] = ROSTER) -> dict[str, Any]:
    """The part of a build's manifest that reading submissions looks at."""
    return {"schema_version": 2, "exam": {"id": "quiz"}, "form_checks": {s[0]: CHECKS.get(s[0], "") for s in roster},
            "students": [{"id": student, "name": student.upper(), "email": email, "sis_id": sis,
                          "problems": [{"parts": [{"label": label} for label in LABELS]}]}
                         for student, email, sis in roster]}


def form(student: str | None, answers: dict[str, str], check: str | None = "own") -> str:
    """An answers.txt form as a build writes it, filled in; ``check`` "own" is the student's code."""
    lines = ["# quiz answer form", "exam: quiz"]
    lines += [] if student is None else [f"student: {student}"]
    lines += [] if check is None else [f"check: {CHECKS.get(student or '', '') if check == 'own' else check}"]
    return "\n".join(lines + [f"{label}: {answers.get(label, '')}" for label in LABELS]) + "\n"


def read(path: Path, roster: tuple[tuple[str, str, str], ...] = ROSTER) -> tuple[dict[str, dict[str, str]], list[str]]:
    submitted = read_submissions(path, manifest(roster))
    return submitted.answers, [str(notice).replace(f"{path}", "F") for notice in submitted.notices]


# --- CSV: dialect, quoting, line endings -----------------------------------------------------------

CSV_CASES = [
    # (name, the file's text, answers read, notices; F is the file)
    ("doubled-quotes", 'id,1a,1b,2a\r\na1,"he said ""in"", I think",5 mV,7 mV\r\n',
     {"a1": {"1a": 'he said "in", I think', "1b": "5 mV", "2a": "7 mV"}}, []),
    ("quoted-comma-in-header", 'id,"1a, the potential",1a,1b,2a\na1,x,5 mV,6 mV,7 mV\n',
     {"a1": {"1a": "5 mV", "1b": "6 mV", "2a": "7 mV"}}, []),
    ("semicolons-with-decimal-commas", 'id;1a;1b;2a\na1;"−64,1 mV";5,0 mV;"a;b"\n',
     {"a1": {"1a": "−64,1 mV", "1b": "5,0 mV", "2a": "a;b"}}, []),
    ("semicolons-and-a-comma-in-the-header", "id;Name, first;1a;1b;2a\na1;Ann;1 mV;2 mV;3 mV\n",
     {"a1": {"1a": "1 mV", "1b": "2 mV", "2a": "3 mV"}}, []),
    ("tabs", "id\t1a\t1b\t2a\na1\t1 mV\t2 mV\t3 mV\n", {"a1": {"1a": "1 mV", "1b": "2 mV", "2a": "3 mV"}}, []),
    ("space-after-the-comma", 'id, 1a, 1b, 2a\na1, "1, or 2 mV", 2 mV, 3 mV\n',
     {"a1": {"1a": "1, or 2 mV", "1b": "2 mV", "2a": "3 mV"}}, []),
    ("cr-only-line-endings", "id,1a,1b,2a\ra1,1 mV,2 mV,3 mV\rb2,4 mV,5 mV,6 mV\r",
     {"a1": {"1a": "1 mV", "1b": "2 mV", "2a": "3 mV"}, "b2": {"1a": "4 mV", "1b": "5 mV", "2a": "6 mV"}}, []),
    ("one-row-ends-in-cr-alone", "id,1a,1b,2a\r\na1,1 mV,2 mV,3 mV\rb2,4 mV,5 mV,6 mV\r\n",
     {"a1": {"1a": "1 mV", "1b": "2 mV", "2a": "3 mV"}, "b2": {"1a": "4 mV", "1b": "5 mV", "2a": "6 mV"}}, []),
    ("a-cr-inside-a-quoted-cell", 'id,1a,1b,2a\na1,"1\rmV",2 mV,3 mV\nb2,4 mV,5 mV,6 mV\n',
     {"a1": {"1a": "1\rmV", "1b": "2 mV", "2a": "3 mV"}, "b2": {"1a": "4 mV", "1b": "5 mV", "2a": "6 mV"}}, []),
    ("a-cell-longer-than-the-csv-field-limit", "id,1a,1b,2a\na1," + "9" * 200_000 + ",2 mV,3 mV\nb2,4 mV,5 mV,6 mV\n",
     {"a1": {"1a": "9" * 200_000, "1b": "2 mV", "2a": "3 mV"}, "b2": {"1a": "4 mV", "1b": "5 mV", "2a": "6 mV"}}, []),
    ("more-cells-than-the-header", "id,1a,1b,2a\na1,1,5 mV,2 mV,3 mV\nb2,4 mV,5 mV,6 mV,\n",
     {"a1": {"1a": "1", "1b": "5 mV", "2a": "2 mV"}, "b2": {"1a": "4 mV", "1b": "5 mV", "2a": "6 mV"}},
     ["F, row 2: has 5 cells but the header 4; the cells past the header are not read: check the row (a cell with a "
      "comma must be in double quotes)"]),
    ("an-unclosed-quote-reads-to-the-end", 'id,1a,1b,2a\na1,"1 mV,2 mV,3 mV\nb2,4 mV,5 mV,6 mV\n',
     {"a1": {"1a": "1 mV,2 mV,3 mV\nb2,4 mV,5 mV,6 mV", "1b": "", "2a": ""}}, []),
    # a form's paragraph answer or a pasted cell brings line breaks and tabs around the answer
    ("line-breaks-and-tabs-around-answers", 'id,1a,1b,2a\na1,"-97.2 mV\n","63.3 mV\r\n",\tNa+ \n',
     {"a1": {"1a": "-97.2 mV", "1b": "63.3 mV", "2a": "Na+"}}, []),
]


@pytest.mark.parametrize(("text", "answers", "notices"), [c[1:] for c in CSV_CASES], ids=[c[0] for c in CSV_CASES])
def test_a_csv_is_read_as_spreadsheets_write_it(tmp_path: Path, text: str, answers: dict, notices: list[str]) -> None:
    # GIVEN a CSV as Excel, LibreOffice, Google Sheets or an LMS writes it
    path = tmp_path / "subs.csv"
    path.write_bytes(text.encode("utf-8"))
    # WHEN it is read, THEN every cell lands in its own column, and nothing is refused
    assert read(path) == (answers, notices)


def test_what_pythons_csv_writer_quotes_reads_back_the_same(tmp_path: Path) -> None:
    cells = ['"', '""', 'a "b" c', "x,y", "x;y", "x\ty", "line\nbreak", "  padded", "'", "−64.1 mV"]
    path = tmp_path / "subs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student ID", "Comment", *LABELS])
        for number, cell in enumerate(cells):
            writer.writerow(["a1" if number % 2 else "b2", cell, cell, "1 mV", cell])
    answers, notices = read(path)
    assert answers["b2"]["2a"] == cells[-2] and answers["a1"]["2a"] == cells[-1]
    assert [n for n in notices if "second submission" not in n] == []


@pytest.mark.parametrize("header", ['",' * 1_000_000, ',"a' * 1_000_000, "1a;" * 700_000],
                         ids=["quote-comma", "comma-quote-a", "semicolons"])
def test_the_delimiter_of_a_long_header_is_found_in_linear_time(header: str) -> None:
    started = time.perf_counter()
    csv_dialect(header + "\na1,1 mV\n")
    assert time.perf_counter() - started < 3  # csv.Sniffer took about 56 s for 120 KB


# --- encodings -------------------------------------------------------------------------------------

UTF16 = 'F: is UTF-16 text (as Excel saves "Unicode text"); read as UTF-16'
CP1252 = "F: is not UTF-8 text; read as Windows-1252 (check its answers with µ or other accents)"


@pytest.mark.parametrize(("encoding", "delimiter", "notices"), [
    ("utf-8", ",", []),
    ("utf-8-sig", ";", []),
    ("utf-16", "\t", [UTF16]),
    ("utf-16-be", "\t", [UTF16]),
    ("cp1252", ";", [CP1252]),
], ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "windows-1252"])
def test_a_csv_saved_in_a_common_excel_encoding_is_read(tmp_path: Path, encoding: str, delimiter: str,
                                                        notices: list[str]) -> None:
    # GIVEN a CSV saved by Excel as "CSV UTF-8", "Unicode text" (UTF-16, tabs) or plain "CSV" (Windows-1252)
    text = delimiter.join(["Email address", *LABELS]) + "\r\n" + delimiter.join(["Ann@uni.edu", "5 µM", "-1 mV", "é"])
    data = text.encode(encoding)
    path = tmp_path / "subs.csv"
    path.write_bytes((b"\xfe\xff" + data) if encoding == "utf-16-be" else data)
    # THEN it is read, with a notice where it was not UTF-8
    assert read(path) == ({"a1": {"1a": "5 µM", "1b": "-1 mV", "2a": "é"}}, notices)


def test_a_form_saved_as_utf16_is_read_from_a_folder_and_alone(tmp_path: Path) -> None:
    (tmp_path / "forms").mkdir()
    path = tmp_path / "forms" / "answers.txt"
    path.write_bytes(form("a1", {"1a": "5 µM"}).encode("utf-16"))
    for source in (tmp_path / "forms", path):
        submitted = read_submissions(source, manifest())
        assert submitted.answers == {"a1": {"1a": "5 µM", "1b": "", "2a": ""}}
        assert [str(n) for n in submitted.notices] == [UTF16.replace("F", str(path), 1)]


# --- JSON ------------------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
JSON_CASES = [
    ("an-answer-nested-100000-deep", '{"a1": {"1a": ' + DEEP + ', "1b": "2 mV"}, "b2": {"1a": "4 mV"}}',
     {"a1": {"1a": "", "1b": "2 mV"}, "b2": {"1a": "4 mV"}},
     ["F ['a1']: answer '1a' is nested too deeply to read; it counts as blank"]),
    ("a-student-nested-100000-deep", '[' + DEEP + ', {"student": "b2", "answers": {"1a": "4 mV"}}]',
     {"b2": {"1a": "4 mV"}}, ["F [0]: is nested too deeply to read; skipped"]),
    ("a-5000-digit-number", '{"b2": {"1a": "x"}, "a1": {"1b": ' + "9" * 5000 + "}}",
     {"b2": {"1a": "x"}, "a1": {"1b": "9" * 5000}}, []),
    ("line-breaks-around-an-answer", '{"a1": {"1a": "\\n-97.2 mV\\r\\n", "1b": "\\tinflux"}}',
     {"a1": {"1a": "-97.2 mV", "1b": "influx"}}, []),
    ("labels-differing-in-case", '{"a1": {"1a": "1 mV", "1A": "2 mV", "1b": "", "1B": "3 mV"}}',
     {"a1": {"1a": "1 mV", "1b": "3 mV"}},
     ["F ['a1']: answer 1a is given 2 times, differently: '1 mV' (key '1a'), '2 mV' (key '1A'); the first is "
      "graded: keep one answer 1a"]),
]


@pytest.mark.parametrize(("text", "answers", "notices"), [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES])
def test_a_bad_json_entry_spoils_only_itself(tmp_path: Path, text: str, answers: dict, notices: list[str]) -> None:
    path = tmp_path / "subs.json"
    path.write_text(text, encoding="utf-8")
    assert read(path) == (answers, notices)


# --- matching students -----------------------------------------------------------------------------

CASE = (("ab", "alice@x", ""), ("AB", "bob@x", ""))
CANVAS = (("2002", "bob@uni.edu", "3003"), ("1001", "ann@uni.edu", "2002"))
MATCH_CASES = [
    # (name, roster, student column, identifier, who is graded, notice)
    ("exact-id-over-another-case", CASE, "student_id", "ab", "ab",
     "F, row 2: student 'ab' is graded as ab (it is their id), but it is also the id of 'AB', whatever the case: "
     "check that this submission is ab's, not AB's"),
    ("exact-id-over-another-case-upper", CASE, "student_id", "AB", "AB",
     "F, row 2: student 'AB' is graded as AB (it is their id), but it is also the id of 'ab', whatever the case: "
     "check that this submission is AB's, not ab's"),
    ("a-third-case-names-both", CASE, "student_id", "Ab", None,
     "F, row 2: student 'Ab' names 2 roster students (the id of 'ab' and the id of 'AB', whatever the case); not "
     "graded, as it cannot be told whose it is: give the student's roster id exactly as the roster has it"),
    ("id-over-another-students-sis-id", CANVAS, "ID", "2002", "2002",
     "F, row 2: student '2002' is graded as 2002 (it is their id), but it is also the SIS id of '1001': check that "
     "this submission is 2002's, not 1001's"),
    ("a-sis-id-column-means-sis-ids", CANVAS, "SIS User ID", "2002", "1001",
     "F, row 2: student '2002' is graded as 1001 (it is their SIS id), but it is also the id of '2002': check that "
     "this submission is 1001's, not 2002's"),
    ("an-email-in-any-case", ROSTER, "Email", " BOB@Uni.edu ", "b2", None),
    ("a-sis-id-in-the-id-column", ROSTER, "student_id", "9001", "a1", None),
    ("a-stranger", ROSTER, "student_id", "zz9", None, "F, row 2: student 'zz9' is not on the exam's roster; skipped"),
]


@pytest.mark.parametrize(("roster", "column", "identifier", "graded", "notice"), [c[1:] for c in MATCH_CASES],
                         ids=[c[0] for c in MATCH_CASES])
def test_an_identifier_that_names_two_students_is_never_given_to_a_guessed_one(
        tmp_path: Path, roster: tuple, column: str, identifier: str, graded: str | None, notice: str | None) -> None:
    path = tmp_path / "subs.csv"
    path.write_text(f"{column},1a,1b,2a\n{identifier},5 mV,,\n", encoding="utf-8")
    answers, notices = read(path, roster)
    assert answers == ({} if graded is None else {graded: {"1a": "5 mV", "1b": "", "2a": ""}})
    assert notices == ([] if notice is None else [notice])


@pytest.mark.parametrize(("roster", "user", "graded", "note"), [
    (CASE, {"email": "ALICE@x", "id": 5}, "ab", ""),
    (CANVAS, {"email": "bob@personal.example", "id": 2002}, None, ""),  # Gradescope's own id is not a roster id
    (CASE, {"student_id": "Ab", "id": 5}, None, "names 2 roster students"),
    (CANVAS, {"sid": "2002", "email": "ann@uni.edu"}, "1001", "but it is also the id of '2002'"),
    (CANVAS, {"student_id": "2002"}, "2002", "but it is also the SIS id of '1001'"),
    (ROSTER, {"email": "nobody@uni.edu", "id": 77}, None, ""),
], ids=["email-any-case", "gradescope-id", "ambiguous-id", "sid-is-a-sis-id", "student-id-is-an-id", "stranger"])
def test_gradescope_finds_its_user_as_the_batch_grader_does(roster: tuple, user: dict[str, Any], graded: str | None,
                                                           note: str) -> None:
    student, said = find_student(manifest(roster), user)
    assert (student or {}).get("id") == graded
    assert note in said and bool(said) is bool(note)


def test_an_ambiguous_gradescope_user_gets_no_ones_grade(tmp_path: Path) -> None:
    from problemgen.export import runtime

    grader = tmp_path / "grader"
    grader.mkdir()
    (grader / "manifest.json").write_text(json.dumps(manifest(CASE)), encoding="utf-8")
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "answers.txt").write_text(form("ab", {"1a": "5 mV"}), encoding="utf-8")
    (tmp_path / "submission_metadata.json").write_text(json.dumps({"users": [{"student_id": "aB"}]}), encoding="utf-8")
    results = runtime.autograde(tmp_path, grader)
    assert (results["score"], results["output"], results["extra_data"]["error"]) == \
        (0, AMBIGUOUS_STUDENT, "ambiguous_student")


def test_gradescope_shows_a_student_no_note_about_other_entries_of_their_file(tmp_path: Path) -> None:
    # GIVEN a JSON upload by a1 that also lists a roster email and an unknown one (probing the roster)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"a1": {"1a": "5 mV", "9z": "x"}, "bob@uni.edu": {}, "nobody@uni.edu": {}}),
                    encoding="utf-8")
    answers, own, others = read_own_answers(path, manifest(), "a1")
    # THEN the notes a1 sees are about a1's own entry alone; the instructor gets the others
    assert answers == {"1a": "5 mV"}
    assert [str(n) for n in own] == [f"{path} ['a1']: unknown answer labels 9z ignored"]
    assert [str(n) for n in others] == [f"{path} ['nobody@uni.edu']: student 'nobody@uni.edu' is not on the exam's "
                                        "roster; skipped"]


# --- forms: check codes, duplicates, folders --------------------------------------------------------

NO_CHECK = ("it has no check code (its 'check:' line is missing or blank), so it is not known to be b2's own form")
CHECK_CASES = [
    # (name, forms in the order saved: (file, student line, check), graded source, notices)
    ("no-check-saved-after-the-own-form", [("own.txt", "b2", "own"), ("forged.txt", "b2", None)], "own.txt",
     [f"forged.txt: {NO_CHECK}; not graded: b2's own submission (own.txt) is. Was a form handed in under another "
      "student's id?"]),
    ("blank-check-saved-after-the-own-form", [("own.txt", "b2", "own"), ("forged.txt", "b2", "")], "own.txt",
     [f"forged.txt: {NO_CHECK}; not graded: b2's own submission (own.txt) is. Was a form handed in under another "
      "student's id?"]),
    ("no-check-saved-before-the-own-form", [("forged.txt", "b2", None), ("own.txt", "b2", "own")], "own.txt",
     [f"forged.txt: {NO_CHECK}; graded as b2 all the same: was a form handed in under another student's id?",
      "own.txt: a second submission for b2 (first from forged.txt, 1 answered); this one (1 answered) is graded"]),
    ("no-check-alone", [("forged.txt", "b2", None)], "forged.txt",
     [f"forged.txt: {NO_CHECK}; graded as b2 all the same: was a form handed in under another student's id?"]),
]


@pytest.mark.parametrize(("forms", "graded", "notices"), [c[1:] for c in CHECK_CASES], ids=[c[0] for c in CHECK_CASES])
def test_a_form_without_its_check_code_never_replaces_the_students_own_form(tmp_path: Path, forms: list,
                                                                            graded: str, notices: list[str]) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    for number, (name, student, check) in enumerate(forms, start=1):
        (folder / name).write_text(form(student, {"1a": name}, check), encoding="utf-8")
        os.utime(folder / name, ns=(number * 10**18, number * 10**18))
    answers, said = read(folder)
    assert answers == {"b2": {"1a": graded, "1b": "", "2a": ""}}
    assert [n.replace(f"F{os.sep}", "") for n in said] == notices


def test_gradescope_tells_a_student_whose_form_has_no_check_line_what_to_hand_in(tmp_path: Path) -> None:
    from problemgen.export.runtime import _shown_to_student

    path = tmp_path / "answers.txt"
    path.write_text(form("b2", {"1a": "5 mV"}, check=None), encoding="utf-8")
    answers, own, others = read_own_answers(path, manifest(), "b2")
    assert answers == {"1a": "5 mV", "1b": "", "2a": ""} and others == []
    assert [_shown_to_student(str(n)) for n in own] == [NO_CHECK_FORM]


@pytest.mark.parametrize(("header", "rows", "answers", "notices"), [
    (["id", "1a", "1b", "2a", "1A"], [["a1", "1 mV", "", "", ""], ["b2", "", "", "", "2 mV"], ["c3", "3 mV", "", "", "4 mV"]],
     {"a1": "1 mV", "b2": "2 mV", "c3": "3 mV"},
     ["F, row 1: column 2 ('1a') and column 5 ('1A') are both answer 1a; each row's first answer there that is not "
      "blank is graded: keep one column 1a",
      "F, row 4: answer 1a is given 2 times, differently: '3 mV' (column '1a'), '4 mV' (column '1A'); the first is "
      "graded: keep one answer 1a"]),
    (["id", "1a [mV]", "1b", "2a", "1a"], [["a1", "1 mV", "", "", "1 mV"]], {"a1": "1 mV"},
     ["F, row 1: column 2 ('1a [mV]') and column 5 ('1a') are both answer 1a; each row's first answer there that is "
      "not blank is graded: keep one column 1a"]),
], ids=["1a-and-1A", "same-label-twice"])
def test_two_columns_of_one_answer_never_silently_lose_one(tmp_path: Path, header: list[str], rows: list[list[str]],
                                                           answers: dict[str, str], notices: list[str]) -> None:
    path = tmp_path / "subs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    read_answers, said = read(path)
    assert {student: given["1a"] for student, given in read_answers.items()} == answers
    assert said == notices


def test_an_answer_given_twice_on_a_form_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a1.txt"
    path.write_text(form("a1", {"1a": "1 mV"}) + "1A: 2 mV\n", encoding="utf-8")
    # the later line is a correction the student added below
    assert read(path) == ({"a1": {"1a": "2 mV", "1b": "", "2a": ""}}, [
        "F: answer 1a is given 2 times, differently: '1 mV' (line 5), '2 mV' (line 8); the last is graded: keep one "
        "answer 1a"])


@pytest.mark.parametrize(("lines", "answers", "notices"), [
    ("1a) 5 mV\n1b. [mV]: 6 mV\n2a [mV] = 7 mV\n", {"1a": "5 mV", "1b": "6 mV", "2a": "7 mV"},
     ["F, line 5: is read as answer 1a ('1a) 5 mV'), though it is not a 'label: answer' line",
      "F, line 6: is read as answer 1b ('1b. [mV]: 6 mV'), though it is not a 'label: answer' line",
      "F, line 7: is read as answer 2a ('2a [mV] = 7 mV'), though it is not a 'label: answer' line"]),
    ("1a [mV]:\n\n  -64.1 mV  # rounded\n1b: 2 mV\n", {"1a": "-64.1 mV", "1b": "2 mV"},
     ["F, line 7: is read as answer 1a, written below its label line"]),
    ("1a: 1 mV\n-64.1 mV\n", {"1a": "1 mV"},                       # a label with an answer takes no other
     ["F, line 6: is not a 'label: answer' line ('-64.1 mV'); ignored"]),
    ("2a:\n1a -64 mV\n", {"2a": ""},                               # no separator: not guessed
     ["F, line 6: is not a 'label: answer' line ('1a -64 mV'); ignored"]),
    ("1 a: 5 mV\nProblem 1b: 6 mV\n2(a) = 7 mV\n", {"1a": "5 mV", "1b": "6 mV", "2a": "7 mV"},
     ["F, line 5: is read as answer 1a ('1 a: 5 mV'), though it is not a 'label: answer' line",
      "F, line 6: is read as answer 1b ('Problem 1b: 6 mV'), though it is not a 'label: answer' line",
      "F, line 7: is read as answer 2a ('2(a) = 7 mV'), though it is not a 'label: answer' line"]),
    ("Q1 B) 5 mV\n2 - a. 7 mV\n", {"1b": "5 mV", "2a": "7 mV"},
     ["F, line 5: is read as answer 1b ('Q1 B) 5 mV'), though it is not a 'label: answer' line",
      "F, line 6: is read as answer 2a ('2 - a. 7 mV'), though it is not a 'label: answer' line"]),
    ("1a:\n3 c: -80 mV\n", {"1a": ""},                            # a label of no part: not 1a's answer
     ["F, line 6: is not a 'label: answer' line ('3 c: -80 mV'); ignored"]),
    ("1a:\n80 V\n", {"1a": "80 V"},                               # no exam label 80v: an answer
     ["F, line 6: is read as answer 1a, written below its label line"]),
    ("1 a 5 mV\n", {},                                             # no separator: not guessed
     ["F, line 5: is not a 'label: answer' line ('1 a 5 mV'); ignored"]),
    ("1.a: 5 mV\n(1b): 6 mV\n2(a). 7 mV\n", {"1a": "5 mV", "1b": "6 mV", "2a": "7 mV"},
     ["F, line 5: is read as answer 1a ('1.a: 5 mV'), though it is not a 'label: answer' line",
      "F, line 6: is read as answer 1b ('(1b): 6 mV'), though it is not a 'label: answer' line",
      "F, line 7: is read as answer 2a ('2(a). 7 mV'), though it is not a 'label: answer' line"]),
    ("1a:\n3.27e-5\n1b:\n0 V: no current\n", {"1a": "3.27e-5", "1b": "0 V: no current"},
     ["F, line 6: is read as answer 1a, written below its label line",
      "F, line 8: is read as answer 1b, written below its label line"]),
], ids=["edited-separators", "answer-below-its-label", "answered-label", "no-separator", "spaced-labels",
        "prefixed-and-dashed", "unknown-label-below-a-label", "unit-like-answer-below", "spaced-no-separator",
        "dotted-and-bracketed", "number-like-answers-below"])
def test_a_form_line_a_student_edited_is_read_where_its_meaning_is_plain(
        tmp_path: Path, lines: str, answers: dict[str, str], notices: list[str]) -> None:
    path = tmp_path / "a1.txt"
    header = "".join(form("a1", {}).splitlines(keepends=True)[:4])  # lines 1-4: no label lines
    path.write_text(header + lines, encoding="utf-8")
    assert read(path) == ({"a1": answers}, notices)


FOLDER_CASES = [
    # (name, file, content, read as a1's form, notice)
    ("capital-txt", "a1.TXT", form("a1", {"1a": "5 mV"}), True, None),
    ("no-ending-form", "a1_answers", form("a1", {"1a": "5 mV"}), True, None),
    ("no-ending-not-a-form", "notes", "remember the units\n", False,
     "has no file ending and no 'student:' line, so it is not an answer form; skipped: ask the student for their "
     "filled answers.txt, saved as plain text"),
    ("rtf", "a1.rtf", "{\\rtf1 student: a1\\par 1a: 5 mV}", False,
     "is an RTF document, not a .txt answer form; skipped: ask the student for their filled answers.txt, saved as "
     "plain text"),
    ("docx", "answers.docx", b"PK\x03\x04", False,
     "is a Word document, not a .txt answer form; skipped: ask the student for their filled answers.txt, saved as "
     "plain text"),
    ("other-ending", "answers.xyz", "1a: 5 mV", False,
     "is not a .txt answer form; skipped: ask the student for their filled answers.txt, saved as plain text"),
    ("hidden", ".DS_Store", b"\x00\x00\x00\x01Bud1", False, None),
    ("in-a-hidden-folder", "__MACOSX/._a1.txt", b"\x00\x05\x16\x07", False, None),
]


@pytest.mark.parametrize(("name", "content", "is_form", "notice"), [c[1:] for c in FOLDER_CASES],
                         ids=[c[0] for c in FOLDER_CASES])
def test_every_file_of_a_folder_is_read_as_a_form_or_named_as_skipped(tmp_path: Path, name: str, content: str | bytes,
                                                                      is_form: bool, notice: str | None) -> None:
    # GIVEN a folder of submissions with b2's answers.txt and one other file
    folder = tmp_path / "forms"
    (folder / "b2").mkdir(parents=True)
    (folder / "b2" / "answers.txt").write_text(form("b2", {"1a": "4 mV"}), encoding="utf-8")
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    # THEN the file is read as a form, or skipped with a notice naming it (hidden files: silently)
    answers, notices = read(folder)
    assert sorted(answers) == (["a1", "b2"] if is_form else ["b2"])
    assert notices == ([] if notice is None else [f"F{os.sep}{name}: {notice}"])


def test_the_roster_reads_doubled_quotes_in_a_name() -> None:
    # csv_dialect is shared with the roster reader: a quoted name keeps its quotes and commas
    text = 'id,name,email\ns1,"Robert ""Bob"" Smith, Jr",bob@x\n'
    assert list(csv.reader(io.StringIO(text), csv_dialect(text)))[1] == ["s1", 'Robert "Bob" Smith, Jr', "bob@x"]


@pytest.mark.parametrize(("files", "picked"), [
    ({"answers": form("a1", {"1a": "5 mV"}), "photo.png": "x"}, "answers"),
    ({"answers": form("a1", {"1a": "5 mV"}), "ANSWERS.TXT": form("a1", {})}, "ANSWERS.TXT"),
    ({"notes": "remember the units"}, None),
    ({"answers (1).txt": form("a1", {"1a": "5 mV"}), "Notes.txt": "remember the units"}, "answers (1).txt"),
    ({"answers-final.txt": form("a1", {"1a": "5 mV"}), "answers.txt": form("a1", {})}, "answers.txt"),
], ids=["form-without-an-ending", "txt-first", "no-form", "renamed-download", "the-form-itself-first"])
def test_gradescope_picks_a_form_without_a_file_ending(tmp_path: Path, files: dict[str, str], picked: str | None) -> None:
    from problemgen.export.runtime import pick_submission

    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = pick_submission(tmp_path)
    assert (path.name if path else None) == picked
