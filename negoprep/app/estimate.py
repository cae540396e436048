"""Know the cost before spending it: the calls a preparation run will make, without making one.

`estimate_run` renders each agent's prompt with what is known before the run (the brief, the
documents of each part, the knowledge entries' typical size) and estimates what is not (the deal
profile and the other agents' outputs) from how large those were on the example cases. Tokens
are the cautious estimate of `negoprep.llm.budget`; the expected output is a rough figure, shown
as such. A call whose expected output exceeds the output limit is flagged: its reply would be
cut off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from negoprep.agents import challenger, counterpart, extractor, synthesis
from negoprep.agents.registry import EXTRA_AGENTS
from negoprep.app.settings import Settings
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.budget import estimate_tokens, prompt_tokens
from negoprep.llm.prompts import PromptLibrary
from negoprep.llm.schema import schema_with_ids
from negoprep.reading.case import Case
from negoprep.reading.parts import render_passages, split_into_parts

# Expected output tokens, from the example cases' recorded replies (hand-written to the size a
# strong model writes): the extractor writes about 2.3 tokens per token of case text; the others
# write about as much whatever the case's size.
EXTRACTOR_OUTPUT_PER_CASE_TOKEN = 2.3
FOCUS_SHARE = {
    "parties": 0.16,
    "elements": 0.21,
    "interests": 0.10,
    "facts": 0.17,
    "timeline": 0.16,
    "risks": 0.20,
}
"""How a part's profile divides over the extractor's focused calls (the example cases)."""
EXPECTED_OUTPUT = {
    "challenger.trades": 2_100,
    "challenger.alternatives": 2_000,
    "challenger.process": 2_300,
    "counterpart.profile": 1_200,
    "counterpart.tactics": 1_500,
    "counterpart.position": 2_100,
    "counterpart.guidance": 1_000,
    synthesis.NAME: 2_200,
}
"""Expected output tokens of the other calls (the example cases' average, rounded up)."""
DEFAULT_FOCUS_OUTPUT = 2_000
"""For a focus added since the figures above were measured."""
EXTRA_AGENT_OUTPUT = 3_000
KNOWLEDGE_ENTRIES_SENT = 10


@dataclass
class CallEstimate:
    agent: str
    call: str
    prompt_tokens: int
    output_tokens: int
    note: str = ""


@dataclass
class RunEstimate:
    calls: list[CallEstimate] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    """The scope of each part a large case is read in (empty: the whole case in one call)."""

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def output_tokens(self) -> int:
        return sum(c.output_tokens for c in self.calls)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.output_tokens

    def cost(self, settings: Settings) -> float | None:
        """The cost at the configured prices per million tokens (None without prices)."""
        if settings.price_input is None and settings.price_output is None:
            return None
        return (
            self.prompt_tokens * (settings.price_input or 0.0)
            + self.output_tokens * (settings.price_output or 0.0)
        ) / 1_000_000


def _prompt(
    prompts: PromptLibrary, prompt_id: str, schema: type[BaseModel], unknown: int, **values: str
) -> int:
    """Prompt tokens of `prompt_id` rendered with `values`, plus `unknown` estimated tokens."""
    rendered = prompts.render(prompt_id, **values)
    return prompt_tokens(rendered.system, rendered.user, schema_with_ids(schema)) + unknown


def _focused(
    prompts: PromptLibrary, agent: Any, unknown: int, note: str, **values: str
) -> list[CallEstimate]:
    """One estimate per focused call of `agent` (a module with NAME, PROMPT_ID and FOCUSES)."""
    calls = []
    for focus in agent.FOCUSES:
        label = f"{agent.NAME}.{focus.name}"
        prompt = _prompt(
            prompts, agent.PROMPT_ID, focus.schema, unknown, focus=focus.instruction, **values
        )
        calls.append(
            CallEstimate(
                agent.NAME, label, prompt, EXPECTED_OUTPUT.get(label, DEFAULT_FOCUS_OUTPUT), note
            )
        )
    return calls


def estimate_run(
    case: Case, settings: Settings, prompts: PromptLibrary, knowledge: KnowledgeBase, language: str
) -> RunEstimate:
    """Every call of a preparation run with its prompt and expected output tokens.

    Raises `negoprep.llm.prompts.PromptError` for a broken prompt, like the run itself would.
    """
    run = RunEstimate()
    brief = case.brief_prompt()
    ext_cfg = settings.for_agent(extractor.NAME)
    parts = split_into_parts(case, ext_cfg.context_tokens)[: settings.max_parts]
    profile_tokens = 0
    for i, part in enumerate(parts, start=1):
        docs = render_passages(case, part.passages)
        scope = part.scope(i, len(parts), case)
        if len(parts) > 1:
            run.parts.append(scope)
        out = int(estimate_tokens(docs) * EXTRACTOR_OUTPUT_PER_CASE_TOKEN)
        profile_tokens += out
        label = extractor.NAME if len(parts) == 1 else f"{extractor.NAME}.part-{i}"
        for focus in extractor.FOCUSES:
            run.calls.append(
                CallEstimate(
                    extractor.NAME,
                    f"{label}.{focus.name}",
                    _prompt(
                        prompts,
                        extractor.PROMPT_ID,
                        focus.schema,
                        0,
                        case_brief=brief,
                        documents=docs,
                        scope=scope,
                        focus=focus.instruction,
                        language=language,
                    ),
                    int(out * FOCUS_SHARE.get(focus.name, 1 / len(extractor.FOCUSES))),
                )
            )
    if len(parts) > 1:
        merged = int(profile_tokens * 0.7)
        run.calls.append(
            CallEstimate(
                extractor.NAME,
                f"{extractor.NAME}.merge",
                _prompt(
                    prompts,
                    extractor.REDUCE_PROMPT_ID,
                    extractor.DealProfile,
                    profile_tokens,
                    case_brief=brief,
                    partial_profiles="",
                    language=language,
                ),
                merged,
                "merges the parts' profiles (in rounds if they do not fit one call)",
            )
        )
        profile_tokens = merged
    entries = sorted(knowledge.entries.values(), key=lambda e: e.id)
    per_entry = estimate_tokens(challenger.render_entries(entries)) // max(1, len(entries))
    run.calls += _focused(
        prompts,
        challenger,
        profile_tokens + per_entry * KNOWLEDGE_ENTRIES_SENT,
        "",
        case_brief=brief,
        deal_profile="",
        knowledge="",
        language=language,
    )
    documents = render_passages(case, case.passages)
    budget = settings.for_agent(counterpart.NAME).context_tokens
    docs_sent = documents if estimate_tokens(documents) <= budget // 2 else ""
    run.calls += _focused(
        prompts,
        counterpart,
        profile_tokens,
        "" if docs_sent else "documents too long to include: the deal profile stands in",
        case_brief=brief,
        deal_profile="",
        documents=docs_sent,
        language=language,
    )
    for agent in (a for a in EXTRA_AGENTS if a.phase == "analyse"):
        run.calls.append(
            CallEstimate(
                agent.name,
                agent.name,
                _prompt(
                    prompts,
                    agent.prompt_id or agent.name,
                    agent.schema,
                    profile_tokens,
                    case_brief=brief,
                    deal_profile="",
                    language=language,
                ),
                EXTRA_AGENT_OUTPUT,
            )
        )
    analyses = [
        c.output_tokens for c in run.calls if c.agent in (challenger.NAME, counterpart.NAME)
    ]
    before = profile_tokens + sum(analyses)
    run.calls.append(
        CallEstimate(
            synthesis.NAME,
            synthesis.NAME,
            _prompt(
                prompts,
                synthesis.PROMPT_ID,
                synthesis.OnePageBrief,
                before,
                case_brief=brief,
                deal_profile="",
                challenge="",
                counterpart="",
                further_analysis="(none)",
                language=language,
            ),
            EXPECTED_OUTPUT[synthesis.NAME],
        )
    )
    for call in run.calls:
        limit = settings.for_agent(call.agent).max_output_tokens
        if call.output_tokens > limit:
            cut = f"expected output above NEGOPREP_MAX_OUTPUT_TOKENS={limit}: would be cut off"
            call.note = f"{call.note}; {cut}" if call.note else cut
    return run


def render_estimate(run: RunEstimate, settings: Settings) -> str:
    """The estimate as a plain-text table, with totals and the cost when prices are set."""
    lines = [f"{'call':<28} {'prompt':>9} {'output*':>9}  note"]
    for c in run.calls:
        lines.append(f"{c.call:<28} {c.prompt_tokens:>9,} {c.output_tokens:>9,}  {c.note}")
    lines.append(f"{'total':<28} {run.prompt_tokens:>9,} {run.output_tokens:>9,}")
    lines.append(
        f"{len(run.calls)} model calls, about {run.total_tokens:,} tokens "
        "(* expected output: a rough figure from the example cases)"
    )
    if run.parts:
        lines.append(f"The case is read in {len(run.parts)} parts:")
        lines += [f"  {i}. {scope}" for i, scope in enumerate(run.parts, start=1)]
    cost = run.cost(settings)
    if cost is not None:
        lines.append(
            f"Cost: about {cost:.4f} at {settings.price_input or 0:g} per million prompt tokens "
            f"and {settings.price_output or 0:g} per million output tokens"
        )
    else:
        lines.append(
            "Cost: set NEGOPREP_PRICE_INPUT and NEGOPREP_PRICE_OUTPUT (per million tokens)"
        )
    if settings.max_run_tokens is not None:
        over = run.total_tokens > settings.max_run_tokens
        lines.append(
            f"NEGOPREP_MAX_RUN_TOKENS={settings.max_run_tokens:,}: "
            + ("this run exceeds it" if over else "within it")
        )
    return "\n".join(lines)
