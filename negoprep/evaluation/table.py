"""The evaluation report as Markdown: one column per case, one row per section, then what was
missed, the failed rehearsal checks and the difference from a baseline."""

from __future__ import annotations

from negoprep.evaluation.expectations import MUST_NOT, SECTION_TITLES, SECTIONS
from negoprep.evaluation.rehearsal import RehearsalReport
from negoprep.evaluation.report import (
    CaseReport,
    Diff,
    EvalReport,
    Grounding,
    Length,
    SectionScore,
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _section_cell(case: CaseReport, section: str) -> str:
    found = next((s for s in case.sections if s.section == section), None)
    if found is None:
        return "—"
    if section == MUST_NOT:
        return f"{int(found.score)} of {found.items} found"
    points = found.yes + found.partly / 2
    return f"{points:g}/{found.items}"


def _all_cases(report: EvalReport) -> CaseReport:
    """A column adding up every case: per section, grounding, length, rehearsal checks."""
    cases = report.cases
    sections = []
    for section in (*SECTIONS, MUST_NOT):
        found = [s for c in cases for s in c.sections if s.section == section]
        if found:
            items, yes = sum(s.items for s in found), sum(s.yes for s in found)
            partly = sum(s.partly for s in found)
            score = float(yes + partly) if section == MUST_NOT else (yes + partly / 2) / items
            sections.append(
                SectionScore(
                    section=section,
                    title=SECTION_TITLES[section],
                    items=items,
                    yes=yes,
                    partly=partly,
                    score=score,
                    method="",
                )
            )
    checks = [k for c in cases if c.rehearsal for k in c.rehearsal.checks]
    played = [c.rehearsal for c in cases if c.rehearsal is not None]
    return CaseReport(
        case="all cases",
        case_dir="",
        run_dir="",
        dossier_status="complete" if all(c.dossier_status == "complete" for c in cases) else "",
        mode="",
        coverage=report.coverage,
        expected_items=report.expected_items,
        sections=sections,
        must_not_found=[x for c in cases for x in c.must_not_found],
        verdicts=[],
        grounding=Grounding(
            quotes=sum(c.grounding.quotes for c in cases),
            verified=sum(c.grounding.verified for c in cases),
            unverified=sum(c.grounding.unverified for c in cases),
            knowledge_ids=sum(c.grounding.knowledge_ids for c in cases),
            unknown_knowledge_ids=[x for c in cases for x in c.grounding.unknown_knowledge_ids],
        ),
        length=Length(
            words=sum(c.length.words for c in cases),
            characters=sum(c.length.characters for c in cases),
            entries=sum(c.length.entries for c in cases),
        ),
        scorer="",
        rehearsal=RehearsalReport(file="", session="", transcript="", checks=checks)
        if played
        else None,
    )


def render_table(report: EvalReport) -> str:
    """The report as Markdown: one column per case (and one for all when there are several),
    one row per section, then the misses."""
    cases = [*report.cases, _all_cases(report)] if len(report.cases) > 1 else report.cases
    head = "| | " + " | ".join(c.case for c in cases) + " |"
    rule = "|---|" + "---|" * len(cases)
    rows = [head, rule]
    for section in (*SECTIONS, MUST_NOT):
        if any(s.section == section for c in cases for s in c.sections):
            cells = " | ".join(_section_cell(c, section) for c in cases)
            rows.append(f"| {SECTION_TITLES[section]} | {cells} |")
    rows.append("| **Coverage** | " + " | ".join(f"**{_pct(c.coverage)}**" for c in cases) + " |")
    rows.append(
        "| Quotes verified | "
        + " | ".join(f"{c.grounding.verified} of {c.grounding.quotes}" for c in cases)
        + " |"
    )
    rows.append(
        "| Knowledge ids (unknown) | "
        + " | ".join(
            f"{c.grounding.knowledge_ids} ({len(c.grounding.unknown_knowledge_ids)})" for c in cases
        )
        + " |"
    )
    rows.append("| Length | " + " | ".join(f"{c.length.words:,} words" for c in cases) + " |")
    rows.append("| Scored by | " + " | ".join(c.scorer for c in cases) + " |")
    if any(c.dossier_status != "complete" for c in cases):
        rows.append("| Dossier | " + " | ".join(c.dossier_status for c in cases) + " |")
    if any(c.rehearsal is not None for c in cases):
        rows.append("| Rehearsal checks | " + " | ".join(_rehearsal_cell(c) for c in cases) + " |")
    lines = [
        f"Coverage over all cases: **{_pct(report.coverage)}** of {report.expected_items} "
        f"expected items; must-not items found: {report.must_not_found}.",
        "",
        *rows,
    ]
    if report.threshold is not None:
        verdict = (
            f"below it: {', '.join(report.below_threshold)}"
            if report.below_threshold
            else "all at or above it"
        )
        lines += ["", f"Threshold {_pct(report.threshold)}: {verdict}."]
    for case in report.cases:
        misses = [v for v in case.verdicts if (v.covered != "no") == (v.section == MUST_NOT)]
        if misses:
            lines += ["", f"### {case.case}: not covered, or found though it must not be", ""]
            for v in misses:
                lines.append(f"- `{v.id}` {v.covered}: {v.item} — {v.reason}")
        failed = [c for c in case.rehearsal.checks if not c.passed] if case.rehearsal else []
        if case.rehearsal is not None and (failed or case.rehearsal.error):
            lines += ["", f"### {case.case}: rehearsal checks failed", ""]
            if case.rehearsal.error:
                lines.append(f"- the session stopped: {case.rehearsal.error}")
            for c in failed:
                lines.append(f"- turn {c.turn} ({c.quality}): {c.check} — {c.detail}")
    if report.diff is not None:
        lines += ["", *render_diff(report.diff)]
    return "\n".join(lines) + "\n"


def _rehearsal_cell(case: CaseReport) -> str:
    if case.rehearsal is None:
        return "—"
    return f"{case.rehearsal.passed} of {len(case.rehearsal.checks)} passed"


def render_diff(d: Diff) -> list[str]:
    """The difference from a baseline, as Markdown lines."""
    lines = [
        f"### Against {d.baseline}: coverage {_pct(d.coverage_before)} -> {_pct(d.coverage_after)}",
        "",
    ]
    for name, (b, a) in d.per_case.items():
        lines.append(f"- {name}: {_pct(b)} -> {_pct(a)}")
    if d.not_compared:
        lines += [
            "",
            f"Not compared (in only one of the two reports): {', '.join(d.not_compared)}; the "
            "overall coverage figures cover different cases.",
        ]
    for title, changes in (("Gained", d.gained), ("Lost", d.lost), ("Other", d.changed)):
        if changes:
            lines += ["", f"{title}:"]
            lines += [
                f"- {c.case} / {c.section}: {c.item} ({c.before} -> {c.after})" for c in changes
            ]
    if not (d.gained or d.lost or d.changed):
        lines += ["", "No item changed."]
    return lines
