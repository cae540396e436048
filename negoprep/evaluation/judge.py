"""The model judge: one structured call per expectation section, one verdict per item.

Each call goes through `negoprep.agents.base.run_structured`, like every agent's, under the
agent name `judge` (its model: `NEGOPREP_MODEL_JUDGE`, else the default) and the call label
`judge.<section>`, so it is recorded and replayed like any other call. Item ids and dossier
entry ids are sent as enums: the model cannot invent an item or an entry. An item the model
leaves out, or a whole section whose call fails, gets the keyword check's verdict instead, and
the report says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from negoprep.agents.base import AgentCallFailed, AgentDeps, run_structured
from negoprep.agents.schemas import Strict
from negoprep.evaluation.expectations import MUST_NOT, SECTION_TITLES, Expectations, Item
from negoprep.evaluation.keywords import check_section, words
from negoprep.evaluation.sections import Entry, entries_for
from negoprep.evaluation.verdicts import ItemVerdict
from negoprep.llm.schema import id_field

AGENT = "judge"
PROMPT_ID = "eval_judge"
NO_ENTRY = "none"

ItemId = Annotated[str, *id_field("item")]
EntryId = Annotated[str, *id_field("entry")]


class JudgeVerdict(Strict):
    item: ItemId = Field(description="Id of the item judged, exactly as given.")
    covered: Literal["yes", "partly", "no"] = Field(
        description="yes: the entries contain it; partly: they touch it but miss an essential "
        "part; no: they do not contain it."
    )
    reason: str = Field(description="Why, in one or two sentences.")
    passage: EntryId = Field(
        description="Id of the dossier entry the verdict rests on, exactly as given; 'none' if "
        "no entry comes close."
    )
    quote: str = Field(
        description="A few words copied exactly from that entry; '' when passage is 'none'."
    )


class JudgeReply(Strict):
    verdicts: list[JudgeVerdict] = Field(description="One verdict per item, in the order given.")


EXPECTED_TASK = (
    "The items are what a good dossier must contain in this section: `yes` is good, `no` a gap."
)
FORBIDDEN_TASK = (
    "The items are things a good dossier must NOT advise. Judge whether the dossier's entries "
    "advise or recommend the item: `yes` means the dossier does advise it (a fault), `partly` "
    "that it leans that way, `no` that it does not. An entry that names the item only to warn "
    "against it, or as the other side's position, does not advise it."
)


@dataclass
class SectionResult:
    """The verdicts of one section and how they were reached."""

    section: str
    verdicts: list[ItemVerdict]
    method: str
    """'judge', 'keywords', 'keywords (the replay has no judge recording)', or
    'keywords (judge failed: <why>)'."""
    record: dict[str, Any] | None = None
    """The judge call's record (model, tokens), if a call was made."""


def _render_items(ids: Sequence[str], items: Sequence[Item]) -> str:
    lines = []
    for item_id, item in zip(ids, items, strict=True):
        also = f" (phrases: {'; '.join(item.synonyms)})" if item.synonyms else ""
        lines.append(f"- [{item_id}] {item.item}{also}")
    return "\n".join(lines)


def _render_entries(entries: Sequence[Entry]) -> str:
    return "\n".join(f"[{e.id}] {e.text}" for e in entries) or "(the dossier has no entries here)"


def _quote_found(quote: str, entry: Entry | None) -> bool:
    if entry is None or not quote.strip():
        return False
    target = " ".join(words(quote))
    return bool(target) and target in " ".join(words(entry.text))


async def judge_section(
    deps: AgentDeps, section: str, items: Sequence[Item], entries: Sequence[Entry]
) -> SectionResult:
    """The model's verdicts on one section's items, with the keyword check for items it left
    out, or for all of them when the call fails (the reason is in `method`). Raises only what
    is the user's to fix (a broken prompt override: `PromptError`)."""
    ids = [f"{section}.{n}" for n in range(1, len(items) + 1)]
    fallback = {v.id: v for v in check_section(section, items, entries)}
    by_id = {e.id: e for e in entries}
    try:
        result = await run_structured(
            deps,
            AGENT,
            f"{AGENT}.{section}",
            PROMPT_ID,
            JudgeReply,
            ids={"item": ids, "entry": [*by_id, NO_ENTRY]},
            section=SECTION_TITLES[section],
            task=FORBIDDEN_TASK if section == MUST_NOT else EXPECTED_TASK,
            items=_render_items(ids, items),
            entries=_render_entries(entries),
        )
    except AgentCallFailed as exc:
        # On replay without the judge's recordings the keyword check is the expected path, not
        # a failure.
        scorer = (
            "keywords (the replay has no judge recording)"
            if exc.reason.startswith("replay:")
            else f"keywords (judge failed: {exc.reason})"
        )
        return SectionResult(
            section,
            list(fallback.values()),
            scorer,
            exc.record.model_dump(),
        )
    given: dict[str, ItemVerdict] = {}
    for v in result.output.verdicts:
        if v.item in given or v.item not in fallback:
            continue
        entry = by_id.get(v.passage)
        reason = v.reason.strip()
        if v.passage != NO_ENTRY and v.quote.strip() and not _quote_found(v.quote, entry):
            reason += " [the quote is not in that entry]"
        given[v.item] = ItemVerdict(
            id=v.item,
            section=section,
            item=fallback[v.item].item,
            covered=v.covered,
            reason=reason,
            passage="" if v.passage == NO_ENTRY else v.passage,
            evidence=v.quote.strip(),
            method="judge",
        )
    verdicts = []
    for item_id in ids:
        if item_id in given:
            verdicts.append(given[item_id])
        else:
            kept = fallback[item_id]
            verdicts.append(kept.model_copy(update={"reason": f"not judged; {kept.reason}"}))
    left_out = len(ids) - len(given)
    method = "judge" if not left_out else f"judge ({left_out} item(s) left out: keywords)"
    return SectionResult(section, verdicts, method, result.record.model_dump())


async def judge_all(
    deps: AgentDeps | None,
    expectations: Expectations,
    dossier: Mapping[str, Any],
    *,
    unavailable: str | None = None,
) -> list[SectionResult]:
    """Verdicts on every section of `expectations` against `dossier` (`dossier.json` content).

    With `deps` None, only the keyword check runs and each section's method says why
    (`unavailable`, e.g. 'no provider configured'); otherwise the sections are judged in
    parallel.
    """
    sections = expectations.sections()
    if deps is None:
        method = f"keywords ({unavailable})" if unavailable else "keywords"
        return [
            SectionResult(s, check_section(s, items, entries_for(dossier, s)), method)
            for s, items in sections.items()
        ]
    return list(
        await asyncio.gather(
            *(
                judge_section(deps, s, items, entries_for(dossier, s))
                for s, items in sections.items()
            )
        )
    )
