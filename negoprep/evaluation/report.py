"""The evaluation's figures per case and overall, as data (`report.json`) and as a table.

Coverage counts a `yes` as 1, a `partly` as 0.5 and a `no` as 0, over the expected items (not
`must_not`, which is counted apart: items found). Grounding is what the dossier itself recorded
when it was written (`grounding` and `citation_checks` in `dossier.json`), not checked again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from negoprep.evaluation.expectations import MUST_NOT, SECTION_TITLES
from negoprep.evaluation.judge import SectionResult
from negoprep.evaluation.rehearsal import RehearsalReport
from negoprep.evaluation.verdicts import SCORE, ItemVerdict


class SectionScore(BaseModel):
    section: str
    title: str
    items: int
    yes: int
    partly: int
    score: float
    """Points (yes 1, partly 0.5) over items; for must_not, the items found (yes or partly)."""
    method: str


class Grounding(BaseModel):
    """What the dossier recorded about its own citations and knowledge ids."""

    quotes: int
    verified: int
    unverified: int
    knowledge_ids: int
    """Distinct knowledge ids the dossier names (kb_refs)."""
    unknown_knowledge_ids: list[str]


class Length(BaseModel):
    words: int
    """Words of the dossier as written (dossier.md), or of its text when there is none."""
    characters: int
    entries: int
    """Entries (list items) in the dossier's profile, challenge, counterpart and brief."""


class CaseReport(BaseModel):
    case: str
    case_dir: str
    run_dir: str
    dossier_status: str
    mode: str
    coverage: float
    """0-1 over the expected items."""
    expected_items: int
    sections: list[SectionScore]
    must_not_found: list[str]
    verdicts: list[ItemVerdict]
    grounding: Grounding
    length: Length
    scorer: str
    """How coverage was judged: 'judge (model)', 'keywords (why)', or mixed."""
    judge_calls: list[dict[str, Any]] = Field(default_factory=list)
    rehearsal: RehearsalReport | None = None
    """The scripted rehearsal's checks (with --rehearsal, for a case with rehearsal-eval.yaml)."""


class ItemChange(BaseModel):
    case: str
    section: str
    item: str
    before: str
    after: str


class Diff(BaseModel):
    baseline: str
    coverage_before: float
    coverage_after: float
    per_case: dict[str, tuple[float | None, float | None]]
    gained: list[ItemChange]
    lost: list[ItemChange]
    changed: list[ItemChange]
    """Other changes (a must_not item now found, or no longer; an item new or gone)."""
    not_compared: list[str] = []
    """Cases in only one of the two reports: their items are not compared."""


class EvalReport(BaseModel):
    format_version: Literal[1] = 1
    created_at: str
    cases: list[CaseReport]
    coverage: float
    expected_items: int
    must_not_found: int
    threshold: float | None = None
    below_threshold: list[str] = Field(default_factory=list)
    """Cases (and 'overall') whose coverage is below the threshold."""
    rehearsal_failed: list[str] = Field(default_factory=list)
    """Cases whose scripted rehearsal failed a check."""
    diff: Diff | None = None


def _kb_refs(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "kb_refs" and isinstance(item, list):
                found |= {str(r) for r in item}
            else:
                found |= _kb_refs(item)
    elif isinstance(value, list):
        for item in value:
            found |= _kb_refs(item)
    return found


def _entries(value: Any) -> int:
    if isinstance(value, Mapping):
        return sum(_entries(v) for k, v in value.items() if k != "citations")
    if isinstance(value, list):
        return len(value) + sum(_entries(v) for v in value if isinstance(v, Mapping))
    return 0


def grounding_of(dossier: Mapping[str, Any]) -> Grounding:
    """The dossier's own grounding record, with the knowledge ids it names."""
    g = dossier.get("grounding") or {}
    parts = [dossier.get(k) for k in ("profile", "challenge", "counterpart", "one_page_brief")]
    return Grounding(
        quotes=int(g.get("total", 0)),
        verified=int(g.get("verified", 0)),
        unverified=int(g.get("unverified", 0)),
        knowledge_ids=len(_kb_refs(parts)),
        unknown_knowledge_ids=list(g.get("unknown_kb_refs") or []),
    )


def length_of(dossier: Mapping[str, Any], markdown: str | None) -> Length:
    """Words and characters of the dossier as written, and its number of entries."""
    parts = {k: dossier.get(k) for k in ("profile", "challenge", "counterpart", "one_page_brief")}
    text = markdown if markdown is not None else str(parts)
    return Length(words=len(text.split()), characters=len(text), entries=_entries(parts))


def score_sections(results: Sequence[SectionResult]) -> list[SectionScore]:
    scores = []
    for r in results:
        yes = sum(v.covered == "yes" for v in r.verdicts)
        partly = sum(v.covered == "partly" for v in r.verdicts)
        n = len(r.verdicts)
        if r.section == MUST_NOT:
            score = float(yes + partly)
        else:
            score = round(sum(SCORE[v.covered] for v in r.verdicts) / n, 3) if n else 0.0
        scores.append(
            SectionScore(
                section=r.section,
                title=SECTION_TITLES[r.section],
                items=n,
                yes=yes,
                partly=partly,
                score=score,
                method=r.method,
            )
        )
    return scores


def scorer_of(results: Sequence[SectionResult], judge_model: str | None) -> str:
    """One phrase for how a case was scored: the judge, the keywords and why, or both."""
    methods = list(dict.fromkeys(r.method for r in results))
    if methods == ["judge"]:
        return f"judge ({judge_model})" if judge_model else "judge"
    if len(methods) == 1:
        return methods[0]
    judged = sum(r.method.startswith("judge") for r in results)
    return f"mixed: judge on {judged} of {len(results)} sections; " + "; ".join(
        m for m in methods if not m.startswith("judge")
    )


def case_report(
    *,
    case: str,
    case_dir: str,
    run_dir: str,
    dossier: Mapping[str, Any],
    markdown: str | None,
    results: Sequence[SectionResult],
    judge_model: str | None,
) -> CaseReport:
    """The report of one case from its dossier and the section verdicts."""
    verdicts = [v for r in results for v in r.verdicts]
    expected = [v for v in verdicts if v.section != MUST_NOT]
    coverage = (
        round(sum(SCORE[v.covered] for v in expected) / len(expected), 3) if expected else 1.0
    )
    return CaseReport(
        case=case,
        case_dir=case_dir,
        run_dir=run_dir,
        dossier_status=str(dossier.get("status", "?")),
        mode=str(dossier.get("mode", "?")),
        coverage=coverage,
        expected_items=len(expected),
        sections=score_sections(results),
        must_not_found=[v.item for v in verdicts if v.section == MUST_NOT and v.covered != "no"],
        verdicts=verdicts,
        grounding=grounding_of(dossier),
        length=length_of(dossier, markdown),
        scorer=scorer_of(results, judge_model),
        judge_calls=[r.record for r in results if r.record is not None],
    )


def overall(cases: Sequence[CaseReport], threshold: float | None) -> EvalReport:
    """All cases together: coverage over every expected item of every case."""
    items = sum(c.expected_items for c in cases)
    points = sum(c.coverage * c.expected_items for c in cases)
    coverage = round(points / items, 3) if items else 1.0
    below = []
    if threshold is not None:
        below = [c.case for c in cases if c.coverage < threshold]
        if coverage < threshold:
            below.append("overall")
    return EvalReport(
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        cases=list(cases),
        rehearsal_failed=[
            c.case
            for c in cases
            if c.rehearsal is not None and c.rehearsal.passed < len(c.rehearsal.checks)
        ],
        coverage=coverage,
        expected_items=items,
        must_not_found=sum(len(c.must_not_found) for c in cases),
        threshold=threshold,
        below_threshold=below,
    )


def diff(report: EvalReport, baseline: EvalReport, baseline_name: str) -> Diff:
    """What changed against `baseline`, item by item (items matched by case, section and
    words, so an item inserted in the file does not shift the others)."""

    def key_map(r: EvalReport) -> dict[tuple[str, str, str], str]:
        found: dict[tuple[str, str, str], str] = {
            (c.case, v.section, v.item): v.covered for c in r.cases for v in c.verdicts
        }
        for c in r.cases:
            for check in c.rehearsal.checks if c.rehearsal else []:
                what = f"turn {check.turn} ({check.quality}): {check.check}"
                found[(c.case, "rehearsal", what)] = "yes" if check.passed else "no"
        return found

    both = {c.case for c in baseline.cases} & {c.case for c in report.cases}
    before = {k: v for k, v in key_map(baseline).items() if k[0] in both}
    after = {k: v for k, v in key_map(report).items() if k[0] in both}
    gained: list[ItemChange] = []
    lost: list[ItemChange] = []
    changed: list[ItemChange] = []
    for key in dict.fromkeys([*after, *before]):
        b, a = before.get(key, "absent"), after.get(key, "absent")
        if a == b:
            continue
        change = ItemChange(case=key[0], section=key[1], item=key[2], before=b, after=a)
        if "absent" in (a, b):
            changed.append(change)
        elif key[1] == MUST_NOT:  # found -> not found is a gain
            (gained if SCORE[a] < SCORE[b] else lost).append(change)
        else:
            (gained if SCORE[a] > SCORE[b] else lost).append(change)
    cases_before = {c.case: c.coverage for c in baseline.cases}
    cases_after = {c.case: c.coverage for c in report.cases}
    return Diff(
        baseline=baseline_name,
        coverage_before=baseline.coverage,
        coverage_after=report.coverage,
        per_case={
            name: (cases_before.get(name), cases_after.get(name))
            for name in dict.fromkeys([*cases_after, *cases_before])
        },
        gained=gained,
        lost=lost,
        changed=changed,
        not_compared=sorted({c.case for c in [*baseline.cases, *report.cases]} - both),
    )
