"""Shared pytest configuration: ``--update-goldens`` rewrites golden files instead of comparing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from problemgen.numbers import format_sig

GOLDENS = Path(__file__).parent / "goldens"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text with ``tests/goldens/<name>``; with --update-goldens, write it instead."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, text: str) -> None:
        path = GOLDENS / name
        if update or not path.exists():
            if not update:
                pytest.fail(f"golden file {path} is missing; run pytest --update-goldens and review it")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert text == path.read_text(encoding="utf-8"), f"output differs from {path}; review, then --update-goldens"

    return check


def answer_strings(expected: dict[str, Any]) -> set[str]:
    """Every way a numeric answer is displayed (key precision, both minus signs), 3+ digits."""
    texts = set()
    for figures in (3, 4):
        text = format_sig(expected["value"], figures)
        texts |= {text, text.replace("-", "\u2212"), text.rstrip(".")}
    return {t for t in texts if len(t.strip("-\u2212").replace(".", "").lstrip("0")) >= 3}


def numbers_in(text: str) -> set[str]:
    """The numbers written in a text, with their signs."""
    return set(re.findall(r"[-\u2212]?\d[\d.]*", text))


def leaked_answers(student: dict[str, Any], text: str) -> tuple[list[str], int]:
    """The student's numeric answers (not also givens) that ``text`` shows, and how many were looked for."""
    givens = {json.dumps(v) for problem in student["problems"] for v in problem["givens"].values()}
    numbers = numbers_in(text)
    leaks, checked = [], 0
    for problem in student["problems"]:
        for part in problem["parts"]:
            if part["expected"]["kind"] != "numeric":
                continue  # a choice's answer is, by design, one of the options shown
            for shown in answer_strings(part["expected"]) - givens:
                checked += 1
                if shown in numbers:
                    leaks.append(f"{shown} ({part['label']})")
    return leaks, checked
