"""The graders exported with every build: ``grader/`` and ``gradescope-autograder.zip``.

``grader/`` holds everything ``python grade.py SUBMISSIONS`` needs on a machine without
problemgen::

    grade.py            shim -> problemgen.export.runtime.grade_main
    autograde.py        shim -> problemgen.export.runtime.autograde_main (for Gradescope)
    manifest.json       the grading data: roster identities, each part's label, points, expected
    requirements.txt    the third-party packages the copied modules import, pinned to this install
    problemgen/         a copy of the batch grader, its grading core and the grade file writers

The zip holds ``setup.sh`` and ``run_autograder`` (mode 755) at its root and the same
``grader/`` folder. The copied modules come from this installation through
:mod:`importlib.resources`, so the bundle grades exactly as ``problemgen grade`` does and no
second copy lives in the source tree. Both outputs are byte-for-byte reproducible.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.resources
import json
import shutil
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from problemgen import __version__

#: Modules of the ``problemgen`` package the exported grader runs, relative to the package; a
#: trailing ``/*.py`` copies every module of that subpackage. The batch grader imports only the
#: standard library, numpy and these (tests/test_grader_bundle.py checks the closure).
VENDORED = ("__init__.py", "errors.py", "numbers.py", "units.py", "units_table.py", "batch.py", "grading/*.py",
            "export/__init__.py", "export/runtime.py")
#: Also copied, for the ``grades.csv``, gradebook CSV and ``summary.txt`` writers of ``problemgen grade``; the
#: grader calls nothing else of them (their feedback and report writers need jinja2 and matplotlib).
WRITERS = ("atomic.py", "results.py")
#: Third-party distributions the vendored modules import, pinned to the installed versions.
REQUIREMENTS = ("numpy",)
GRADER_DIR = "grader"
#: Top-level manifest keys the grading data keeps (``load_manifest`` checks ``schema_version``).
HEADER_KEYS = ("schema_version", "generator", "exam", "grading", "misconception_feedback", "form_checks")
CHUNK = 1 << 20
ZIP_NAME = "gradescope-autograder.zip"
#: Template folder in ``problemgen.templates``; ``*.j2`` are rendered, the scripts copied as they are.
TEMPLATES = "grader"
SHIMS = ("grade.py", "autograde.py")
ZIP_SCRIPTS = ("setup.sh", "run_autograder")
#: Fixed zip timestamps (the earliest a zip can store) keep the archive reproducible.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
EXECUTABLE, REGULAR = 0o755, 0o644


def write_grader_bundle(root: Path, manifest: Mapping[str, Any]) -> int:
    """Write ``<root>/grader/`` and ``<root>/gradescope-autograder.zip``; return the files written.

    ``manifest`` is a build's ``manifest.json`` as loaded; only what grading needs is kept. A
    build itself streams the grading data with :class:`GraderData` and calls
    :func:`finish_grader_bundle`, so it never holds every student's entry at once.
    """
    with GraderData(root, manifest) as data:
        for student in manifest["students"]:
            data.student(student)
    return finish_grader_bundle(root, manifest)


class GraderData:
    """``grader/manifest.json``, written one student at a time (see :func:`trim_student`).

    The layout mirrors the build's manifest: the header's keys, then ``"students"`` (which sorts
    after them), one student per line.
    """

    def __init__(self, root: Path, header: Mapping[str, Any]) -> None:
        path = root / GRADER_DIR / "manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        kept = {key: header[key] for key in HEADER_KEYS if key in header}
        self._file = path.open("w", encoding="utf-8")
        self._file.write(_dumps(kept)[:-1] + ("," if kept else "") + '"students":[\n')
        self._separator = ""

    def student(self, entry: Mapping[str, Any]) -> None:
        """Append one student's manifest entry, trimmed."""
        self.line(grading_line(entry))

    def line(self, text: str) -> None:
        """Append one student's :func:`grading_line`."""
        self._file.write(self._separator + text)
        self._separator = ",\n"

    def close(self) -> None:
        """Finish the file (also after a failure: the build then removes the whole folder)."""
        if not self._file.closed:
            self._file.write("\n]}\n")
            self._file.close()

    def __enter__(self) -> GraderData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def finish_grader_bundle(root: Path, header: Mapping[str, Any]) -> int:
    """Add the shims, requirements and vendored modules to ``<root>/grader/`` (whose manifest.json
    :class:`GraderData` wrote), then zip it for Gradescope; return the files written, both counted.
    """
    folder = root / GRADER_DIR
    files = grader_files(header)
    for relative, (data, mode) in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
    scripts = importlib.resources.files("problemgen.templates") / TEMPLATES
    entries: dict[str, tuple[bytes | Path, int]] = {
        name: ((scripts / name).read_bytes(), EXECUTABLE) for name in ZIP_SCRIPTS}
    entries[f"{GRADER_DIR}/manifest.json"] = (folder / "manifest.json", REGULAR)
    entries.update({f"{GRADER_DIR}/{relative}": entry for relative, entry in files.items()})
    _write_zip(root / ZIP_NAME, entries)
    return len(files) + 2


def grader_files(header: Mapping[str, Any]) -> dict[str, tuple[bytes, int]]:
    """``grader/`` but its manifest.json: relative path -> (content, mode), in a stable order."""
    from problemgen.documents import render_document

    exam = header.get("exam", {})
    context = {"generator": f"problemgen {__version__}",
               "exam_literal": repr(f"{exam.get('title', '')} ({exam.get('id', '')})")}
    files = {name: (render_document(f"{TEMPLATES}/{name}.j2", **context).encode(), EXECUTABLE) for name in SHIMS}
    files["requirements.txt"] = (requirements().encode(), REGULAR)
    files.update({f"problemgen/{name}": (data, REGULAR) for name, data in vendored_modules().items()})
    return files


@functools.lru_cache(maxsize=1)
def grading_code() -> str:
    """A digest of the grading code a build copies into its graders (:func:`vendored_modules`):
    a build records it, so grading with another problemgen can say the graders differ."""
    digest = hashlib.sha256()
    for name, source in sorted(vendored_modules().items()):
        digest.update(name.encode() + b"\0" + source + b"\0")
    return digest.hexdigest()[:16]


def vendored_modules() -> dict[str, bytes]:
    """The :data:`VENDORED` and :data:`WRITERS` modules as installed: package path -> source bytes."""
    package = importlib.resources.files("problemgen")
    modules: dict[str, bytes] = {}
    for pattern in (*VENDORED, *WRITERS):
        folder, _, name = pattern.rpartition("/")
        where = package.joinpath(folder) if folder else package
        names = sorted(p.name for p in where.iterdir() if p.name.endswith(".py")) if name == "*.py" else [name]
        for module in names:
            modules[f"{folder}/{module}" if folder else module] = where.joinpath(module).read_bytes()
    return modules


def requirements() -> str:
    """``requirements.txt``: :data:`REQUIREMENTS` pinned to the versions installed here."""
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in REQUIREMENTS]
    return "\n".join([f"# Exported by problemgen {__version__}; needs Python >= 3.11.", *pins]) + "\n"


def trim_student(entry: Mapping[str, Any]) -> dict[str, Any]:
    """What grading reads of a student's manifest entry: identities, each part's label, points, expected.

    Statements, givens, keys and worked solutions are left out: the bundle grades, it does not
    write feedback documents.
    """
    return {"id": entry["id"], "name": entry.get("name", ""), "email": entry.get("email", ""),
            "sis_id": entry.get("sis_id", ""), "form_version": entry.get("form_version", ""),
            "problems": [{"slot": problem.get("slot", ""), "template": problem.get("template", ""),
                          "parts": [{"label": part["label"], "name": part.get("name", ""), "points": part["points"],
                                     "expected": _without_texts(part["expected"])} for part in problem["parts"]]}
                         for problem in entry["problems"]]}


def grading_line(entry: Mapping[str, Any]) -> str:
    """One student's line of ``grader/manifest.json``: the trimmed entry as compact JSON."""
    return _dumps(trim_student(entry))


def _without_texts(expected: Mapping[str, Any]) -> Mapping[str, Any]:
    """``expected`` as stored: misconception texts live in the header's shared table (a build's
    entries have none, and are kept as they are)."""
    if isinstance(expected, dict) and "misconception_feedback" not in expected:
        return expected
    return {key: value for key, value in expected.items() if key != "misconception_feedback"}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _write_zip(path: Path, entries: Mapping[str, tuple[bytes | Path, int]]) -> None:
    """A deflated zip with fixed timestamps and Unix modes; a Path entry is streamed from disk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (data, mode) in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so unzip applies the mode bits below
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(data, bytes):
                archive.writestr(info, data)
                continue
            large = data.stat().st_size > zipfile.ZIP64_LIMIT
            with data.open("rb") as source, archive.open(info, "w", force_zip64=large) as target:
                shutil.copyfileobj(source, target, CHUNK)
