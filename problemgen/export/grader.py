"""The graders exported with every build: ``grader/`` and ``gradescope-autograder.zip``.

``grader/`` holds everything ``python grade.py SUBMISSIONS`` needs on a machine without
problemgen::

    grade.py            shim -> problemgen.export.runtime.grade_main
    autograde.py        shim -> problemgen.export.runtime.autograde_main (for Gradescope)
    manifest.json       the grading data: roster identities, each part's label, points, expected
    requirements.txt    the third-party packages the copied modules import, pinned to this install
    problemgen/         a copy of the batch grader, its grading core and the grades.csv writer

The zip holds ``setup.sh`` and ``run_autograder`` (mode 755) at its root and the same
``grader/`` folder. The copied modules come from this installation through
:mod:`importlib.resources`, so the bundle grades exactly as ``problemgen grade`` does and no
second copy lives in the source tree. Both outputs are byte-for-byte reproducible.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
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
#: Also copied, for the ``grades.csv`` and ``summary.txt`` writers of ``problemgen grade``; the
#: grader calls nothing else of them (their feedback and report writers need jinja2 and matplotlib).
WRITERS = ("atomic.py", "results.py")
#: Third-party distributions the vendored modules import, pinned to the installed versions.
REQUIREMENTS = ("numpy",)
GRADER_DIR = "grader"
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

    ``manifest`` is the build's ``manifest.json`` as loaded; only what grading needs is kept.
    """
    files = grader_files(manifest)
    for relative, (data, mode) in files.items():
        path = root / GRADER_DIR / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
    scripts = importlib.resources.files("problemgen.templates") / TEMPLATES
    entries = {name: ((scripts / name).read_bytes(), EXECUTABLE) for name in ZIP_SCRIPTS}
    entries.update({f"{GRADER_DIR}/{relative}": entry for relative, entry in files.items()})
    _write_zip(root / ZIP_NAME, entries)
    return len(files) + 1


def grader_files(manifest: Mapping[str, Any]) -> dict[str, tuple[bytes, int]]:
    """The ``grader/`` folder: relative path -> (content, mode), in a stable order."""
    from problemgen.documents import render_document

    exam = manifest.get("exam", {})
    context = {"generator": f"problemgen {__version__}",
               "exam_literal": repr(f"{exam.get('title', '')} ({exam.get('id', '')})")}
    files = {name: (render_document(f"{TEMPLATES}/{name}.j2", **context).encode(), EXECUTABLE) for name in SHIMS}
    files["requirements.txt"] = (requirements().encode(), REGULAR)
    text = json.dumps(trim_manifest(manifest), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    files["manifest.json"] = (text.encode() + b"\n", REGULAR)
    files.update({f"problemgen/{name}": (data, REGULAR) for name, data in vendored_modules().items()})
    return files


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


def trim_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What grading reads from a manifest: header, identities, and each part's label, points, expected.

    Statements, givens, keys and worked solutions are left out: the bundle grades, it does not
    give feedback documents.
    """
    header = {key: manifest[key] for key in ("schema_version", "generator", "exam", "grading") if key in manifest}
    students = [{
        **{key: student.get(key, "") for key in ("id", "name", "email", "sis_id")},
        "problems": [{"slot": problem.get("slot", ""),
                      "parts": [{key: part[key] for key in ("label", "name", "points", "expected") if key in part}
                                for part in problem["parts"]]}
                     for problem in student["problems"]],
    } for student in manifest["students"]]
    return {**header, "students": students}


def _write_zip(path: Path, entries: Mapping[str, tuple[bytes, int]]) -> None:
    """A deflated zip with fixed timestamps and Unix modes, entries in the given order."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (data, mode) in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so unzip applies the mode bits below
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
