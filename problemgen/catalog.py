"""Listings for the CLI: banks with their templates, coverage per section, validation summaries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def bank_listing(coverage: bool = False, folders: Sequence[str | Path] = ()) -> str:
    """Text table of the built-in banks (and the bank ``folders`` of one's own, listed first):
    templates with topic, section and difficulty.

    With ``coverage``, one line per section of each bank: how many templates teach it, and at
    which difficulties.
    """
    from problemgen.bank import builtin_banks, load_bank

    lines: list[str] = []
    for bank in [*(load_bank(folder) for folder in folders), *builtin_banks().values()]:
        lines.append(f"{bank.id} — {bank.title} ({len(bank.templates)} templates)")
        if coverage:
            lines.append(f"  {'section':24} {'templates':>9}  difficulty 1/2/3  title")
            for section, title in bank.sections.items():
                members = [t for t in bank.templates.values() if t.section == section]
                levels = "/".join(str(sum(t.difficulty == d for t in members)) for d in (1, 2, 3))
                lines.append(f"  {section:24} {len(members):>9}  {levels:>16}  {title}")
            continue
        lines.append(f"  {'template':32} {'topic':24} {'section':22} diff  parts")
        for template in sorted(bank.templates.values(), key=lambda t: (list(bank.sections).index(t.section)
                                                                      if t.section in bank.sections else 99, t.id)):
            lines.append(f"  {template.id:32} {template.topic:24} {template.section:22} {template.difficulty:>4}  "
                         f"{len(template.parts):>5}")
    return "\n".join(lines)


def validation_summary(paths: Sequence[str], samples: int) -> tuple[str, bool]:
    """Validate paths (default: the built-in banks); return the report text and whether all passed."""
    from problemgen.bank import builtin_banks_dir
    from problemgen.validate import validate_paths

    targets = list(paths) or [str(p) for p in sorted(builtin_banks_dir().iterdir()) if (p / "bank.toml").is_file()]
    reports = validate_paths(targets, samples)
    lines = []
    for report in reports:
        status = "ok  " if report.ok else "FAIL"
        if report.kind == "bank":
            lines.append(f"{status} bank {report.template}")
        elif report.not_drawn:
            lines.append(f"{status} {report.template:32} {report.not_drawn}, so nothing was drawn")
        else:
            if report.capacity is not None:
                capacity = f"{report.capacity:,}"
            else:  # too many to count, or not countable because the template failed
                capacity = "> 200,000" if report.ok else "—"
            lines.append(f"{status} {report.template:32} accepted {report.acceptance:6.1%}  distinct variants {capacity:>9}")
        lines.extend(f"     {finding}" for finding in report.findings)
    templates = [r for r in reports if r.kind == "template"]
    failed = sum(not r.ok for r in templates)
    banks_failed = sum(not r.ok for r in reports if r.kind == "bank")
    lines.append(f"{len(templates)} template{'s' if len(templates) != 1 else ''} checked with {samples} samples each: "
                 + ("all passed" if not failed else f"{failed} failed")
                 + (f"; {banks_failed} bank folder{'s' if banks_failed != 1 else ''} failed" if banks_failed else ""))
    lines.append("(accepted: share of random draws the constraints keep; distinct variants: how many different "
                 "students a template can serve)")
    return "\n".join(lines), not failed and not banks_failed
