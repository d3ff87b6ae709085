"""Rosters: CSV quoting, delimiters, line endings and encodings; located errors; notices."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from problemgen.build import build_exam
from problemgen.cli import main
from problemgen.errors import ConfigError
from problemgen.roster import read_roster

DATA = Path(__file__).parent / "data" / "small-exam"
CANVAS = "Student,ID,SIS User ID,SIS Login ID,Section\n"
MOODLE = "First name,Last name,ID number,Email address\n"


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "roster.csv"
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


READ = [
    # (id, file content, students as (id, name, email, sis_id))
    ("doubled-quotes", 'id,name,email\ns1,"Robert ""Bob"" Smith, Jr",bob@x\ns2,Ann,ann@x\n',
     [("s1", 'Robert "Bob" Smith, Jr', "bob@x", ""), ("s2", "Ann", "ann@x", "")]),
    ("cr-only-line-ends", "id,name,email\rs1,A B,a@x\rs2,C D,c@x\r",
     [("s1", "A B", "a@x", ""), ("s2", "C D", "c@x", "")]),
    ("crlf-and-a-line-break-in-a-quoted-cell", 'id,name\r\ns1,"Ann\r\nLee"\r\ns2,Bo\r\n',
     [("s1", "Ann\r\nLee", "", ""), ("s2", "Bo", "", "")]),
    ("moodle-in-german", "Vorname,Nachname,ID-Nummer,Institution,Abteilung,E-Mail-Adresse,Aufgabe: Quiz (Punkte)\n"
                         "Jörg,Müller,4711,,,jm@uni.de,-\nAnn,Lee,,,,al@uni.de,-\n",
     [("4711", "Jörg Müller", "jm@uni.de", "4711"), ("al@uni.de", "Ann Lee", "al@uni.de", "")]),
    ("moodle-in-french", "Prénom,Nom,Numéro d'identification,Adresse de courriel\nÉlise,Roy,88,er@u.fr\n",
     [("88", "Élise Roy", "er@u.fr", "88")]),
    ("tabs", "id\tname\temail\ns1\tSmith, Jr., Wei\tw@x\n", [("s1", "Smith, Jr., Wei", "w@x", "")]),
    ("semicolons-with-a-quoted-header-cell", 'id;name;"Notes, misc"\ns1;Ann;x\n', [("s1", "Ann", "", "")]),
    ("blank-cells-past-the-header", "id,name\ns1,Ann,,\n", [("s1", "Ann", "", "")]),
    ("simple-sis-id-column", "id,name,email,sis_id\ns1,Ann,ann@x,U1\n", [("s1", "Ann", "ann@x", "U1")]),
    ("canvas-login-that-is-no-email", CANVAS + "Points Possible,,,,\n\"Lee, Kim\",1002,S2,kim,Sec 1\n",
     [("1002", "Lee, Kim", "kim", "S2")]),
    ("utf-16-unicode-text", "\ufeffid\tname\ns1\tZoë\n".encode("utf-16-le"), [("s1", "Zoë", "", "")]),
    ("windows-1252", "id,name\ns1,Zoë Müller\n".encode("cp1252"), [("s1", "Zoë Müller", "", "")]),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in READ], ids=[c[0] for c in READ])
def test_rosters_are_read_as_standard_csv(tmp_path: Path, content: str | bytes,
                                          expected: list[tuple[str, str, str, str]]) -> None:
    # GIVEN a roster as a spreadsheet or an LMS saves it
    roster = read_roster(_write(tmp_path, content))
    # THEN every cell lands in its column
    assert [(s.id, s.name, s.email, s.sis_id) for s in roster.students] == expected


ERRORS = [
    # (id, file content, message after "In <file>")
    ("unquoted-comma", "id,name,email\ns1,Ann,a@x\ns2,Wei Smith, Jr.,w@x\n",
     ', row 3: has 4 cells but the header has 3; put a cell that contains a comma in double quotes, e.g. '
     '"Wei Smith, Jr."'),
    ("unquoted-semicolon", "id;name\ns1;Smith; Wei\n",
     ", row 2: has 3 cells but the header has 2; put a cell that contains a semicolon in double quotes"),
    ("duplicate-email", "id,name,email\ns1,A,a@x\ns2,B,b@x\ns3,C,A@X\n",
     ", row 4: repeats the email 'A@X' of row 2 (ignoring case); grading matches submissions by email, so give "
     "each student their own (or leave the cell blank)"),
    ("duplicate-sis-id", "id,name,sis_id\ns1,A,U1\ns2,B,U1\n",
     ", row 3: repeats the sis_id 'U1' of row 2; grading matches submissions by sis_id, so give each student their "
     "own (or leave the cell blank)"),
    ("ids-differing-in-case", "id,name\nab,Alice\nAB,Bob\n",
     ", row 3: has the id 'AB', which differs from the id 'ab' of row 2 only in case; ids must differ in more than "
     "case (grading ignores case, and so do folders on macOS and Windows)"),
    ("an-email-that-is-another-id", "id,name,email\ns1,A,\ns2,B,S1\n",
     ", row 3: has the email 'S1', which is the id of row 2 (ignoring case); grading matches submissions by "
     "either, so it could not tell the two students apart: correct one of them (or leave the email blank)"),
    ("an-id-that-is-another-email", "id,name,email\ns1,Alice,S2\ns2,Bob,bob@x\n",
     ", row 3: has the id 's2', which is the email of row 2 (ignoring case); grading matches submissions by either, "
     "so it could not tell the two students apart: correct one of them (or leave the email of row 2 blank)"),
    ("canvas-sis-id-that-is-another-id",
     CANVAS + "Points Possible,,,,\n\"Beta, Bob\",2002,3003,bob@u,S1\n\"Alpha, Ann\",1001,2002,ann@u,S1\n",
     ", row 4: has the SIS User ID '2002', which is the ID of row 3; grading matches submissions by either, so it "
     "could not tell the two students apart: correct one of them (or leave the SIS User ID blank)"),
    ("canvas-duplicate-login", CANVAS + "\"Beta, Bob\",2002,,bob,S1\n\"Alpha, Ann\",1001,,bob,S1\n",
     ", row 3: repeats the SIS Login ID 'bob' of row 2; grading matches submissions by SIS Login ID, so give each "
     "student their own (or leave the cell blank)"),
    ("moodle-duplicate-email", MOODLE + "Ann,Lee,,a@u\nBo,Ng,7,a@u\n",
     ", row 3: repeats the Email address 'a@u' of row 2; grading matches submissions by Email address, so give "
     "each student their own (or leave the cell blank)"),
    ("id-too-long", f"id,name\n{'x' * 300},Long\n",
     ", row 2: has an id of 300 characters; an id names the student's folders, so it may have at most 100 (is the "
     "id column the right one?)"),
    ("windows-device-name", "id,name\ns1,A\nCON,B\n",
     ", row 3: has the id 'CON', a device name on Windows, where the student's folder could not be opened; give "
     "the student another id"),
    ("windows-device-name-with-extension", "id,name\ncom1.a,B\n",
     ", row 2: has the id 'com1.a', a device name on Windows, where the student's folder could not be opened; "
     "give the student another id"),
    ("formula-id", "id,name\n=1+1,B\n",
     ", row 2: has the id '=1+1', which spreadsheets take for a formula in the grade files; give the student an "
     "id that starts with a letter or digit"),
    ("blank-id-with-a-sis-id", "id,name,sis_id\ns1,A,U1\n,B,U2\n",
     ", row 3: has a blank id but the sis_id 'U2'; every student needs an id: fill it in (with the SIS id, if "
     "that is the id you use)"),
    ("canvas-blank-id", CANVAS + "\"Lee, Kim\",,S2,kim,Sec 1\n",
     ", row 2: has a blank ID; every student needs an id (export the gradebook from Canvas again)"),
    ("moodle-blank-id-and-email", MOODLE + "Ann,Lee,,\n",
     ", row 2: has neither an ID number nor an Email address; every student needs one of them"),
    ("xlsx", b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x9a\x00",
     ': is a spreadsheet workbook (.xlsx, .xls or .ods), not a CSV file; save it as "CSV UTF-8 (Comma '
     'delimited)" (Excel: File > Save As) and give that file'),
    ("neither-utf8-nor-windows-1252", b"id,name\ns1,A\ns2,B\x81\n",
     ', row 3: is not UTF-8 (byte 0x81); save the roster as "CSV UTF-8" and try again'),
    ("broken-utf-16", b"\xff\xfei\x00d\x00,",
     ': starts like UTF-16 but is not; save the roster as "CSV UTF-8" and try again'),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_bad_rosters_name_the_file_the_row_and_the_fix(tmp_path: Path, content: str | bytes, message: str) -> None:
    # GIVEN a roster whose rows cannot all be students as they stand
    path = _write(tmp_path, content)
    # WHEN it is read THEN the error says where and what to do
    with pytest.raises(ConfigError) as caught:
        read_roster(path)
    assert str(caught.value) == f"In {path}{message}"


NOTICES = [
    # (id, file content, notices after "<file>")
    ("blank-names", "id,name\ns1,\ns2,Ann\ns3, \n", [", rows 2 and 4: no name; the sheets show the id alone"]),
    ("moodle-some-without-id-number", MOODLE + "Ann,Lee,7,a@u\nBo,Ng,,b@u\n",
     [", row 3: no ID number, so the email address is the id (an id names the folder and picks the variant: a "
      "student given an ID number later gets another variant, so fill in ID numbers before handing out sheets)"]),
    ("moodle-none-with-id-number", MOODLE + "Ann,Lee,,a@u\nBo,Ng,,b@u\n",
     [": no student has an ID number, so the email addresses are the ids (an id names the folder and picks the "
      "variant: a student given an ID number later gets another variant, so fill in ID numbers before handing out "
      "sheets)"]),
    ("moodle-without-id-number-column", "First name,Last name,Email address\nAnn,Lee,a@u\n", []),
    ("email-that-is-not-an-address", "id,name,email\ns1,Alice,Jr.\ns2,Bob,bob@x\n",
     [", row 2: the email is not an email address (no '@'); graders match submissions by it, so check that column"]),
    ("canvas-login-that-is-a-user-name", CANVAS + '"Lee, Ann",1001,S1,alee,A\n', []),
    ("windows-1252", "id,name\ns1,Ann\ns2,Zoë\n".encode("cp1252"),
     [': is not UTF-8 (from row 3); read as Windows-1252, as Excel saves "CSV" on Windows: check names with '
      'accents, or save the roster as "CSV UTF-8"']),
    ("utf-16", "\ufeffid\tname\ns1\tAnn\n".encode("utf-16-le"), [': is UTF-16 (Excel\'s "Unicode Text"); read as such']),
    ("utf-8-with-bom", "\ufeffid,name\ns1,Zoë\n", []),
]


@pytest.mark.parametrize(("content", "notices"), [c[1:] for c in NOTICES], ids=[c[0] for c in NOTICES])
def test_what_a_roster_leaves_to_guess_is_noticed(tmp_path: Path, content: str | bytes, notices: list[str]) -> None:
    path = _write(tmp_path, content)
    assert list(read_roster(path).notices) == [f"{path}{notice}" for notice in notices]


@pytest.fixture
def exam_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "exam"
    shutil.copytree(DATA, folder)
    return folder


def test_roster_notices_reach_the_build_summary_and_the_cli(exam_dir: Path) -> None:
    # GIVEN a CR-only roster (old Excel for Mac) with a student without a name
    roster = exam_dir / "mac.csv"
    roster.write_bytes(b"id,name\ra1,Ann\rb2,\r")
    # WHEN it is built THEN it builds, and the note names the row
    result = CliRunner().invoke(main, ["generate", str(exam_dir / "exam.toml"), "--roster", str(roster),
                                       "--out", str(exam_dir / "out"), "--format", "md", "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"Note: {roster}, row 3: no name; the sheets show the id alone\n" in result.output


def test_an_id_too_long_for_a_folder_is_a_roster_error_not_a_traceback(exam_dir: Path) -> None:
    roster = exam_dir / "long.csv"
    roster.write_text(f"id,name\na1,Ann\n{'x' * 300},Long\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", str(exam_dir / "exam.toml"), "--roster", str(roster),
                                       "--out", str(exam_dir / "out"), "--format", "md", "--quiet"])
    assert result.exit_code == 1
    assert f"In {roster}, row 3: has an id of 300 characters" in result.output
    assert not (exam_dir / "out").exists()


CANVAS_EXPORT = ("Student,ID,SIS User ID,SIS Login ID,Section,Small exam (4321),Current Score\n"
                 "    Points Possible,,,,,{points},(read only)\n"
                 "\"Lovelace, Ada\",a1,S1,ada@example.edu,A,,\n")


@pytest.mark.parametrize(("points", "notes"), [
    ("5.00", []),
    ("30.00", ["the Canvas assignment 'Small exam (4321)' is worth 30 points but the exam 5; Canvas takes uploaded "
               "scores as points, so set the assignment's points to 5 in Canvas before uploading the grades (or the "
               "exam's points to match)"]),
    ("", []),
], ids=["same-points", "other-points", "no-points-given"])
def test_a_canvas_assignment_worth_other_points_than_the_exam_is_noted(exam_dir: Path, points: str,
                                                                      notes: list[str]) -> None:
    # GIVEN a Canvas export whose assignment column for the exam (worth 2 + 3 points) has these points possible
    roster = exam_dir / "canvas.csv"
    roster.write_text(CANVAS_EXPORT.format(points=points), encoding="utf-8")
    summary = build_exam(exam_dir / "exam.toml", roster, exam_dir / "out", ("md",))
    assert summary.notes == ("grades will go to the Canvas assignment column 'Small exam (4321)' of the roster",
                             *notes)
