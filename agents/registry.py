"""The agent table: every agent described once, and where additional agents are registered.

Each `AgentSpec` says an agent's name (its model setting `NEGOPREP_MODEL_<NAME>`, its cassette
label and its key in `failures`), the state key its output is kept under, its output schema, its
dossier title and when it runs. The graph, the settings, the cassette manifest, the dossier's
models table, the run state's types and the strict-schema test all derive from this table; none
writes the list out again.

An additional agent reads what the case extractor found and adds its own analysis to the dossier.
It runs in parallel with the challenger and the counterpart simulator, its failure is reported
like theirs, and its output appears in the dossier under its title (rendered from its schema,
field by field). Its prompt declares the inputs `case_brief`, `deal_profile` and `language`. With
`feeds_synthesis=True` the synthesis also reads its output (in its prompt's `further_analysis`).

To add one, e.g. a legitimacy analyst:

    # agents/legitimacy.py
    class LegitimacyReport(Strict):
        criteria: list[Criterion] = Field(description="Objective criteria both sides could accept.")

    AGENT = AgentSpec(name="legitimacy", title="Objective criteria", schema=LegitimacyReport)

    # prompts/legitimacy.md  (front matter with inputs: [case_brief, deal_profile, language])

    # here:
    EXTRA_AGENTS: tuple[AgentSpec, ...] = (legitimacy.AGENT,)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from negoprep.agents import challenger, coach, counterpart, extractor, roleplay_rules, synthesis
from negoprep.agents.base import AgentDeps, AgentResult, run_structured, to_prompt_json
from negoprep.agents.extractor import DealProfile
from negoprep.agents.schemas import cited_ids

Phase = Literal["extract", "analyse", "synthesise", "rehearse"]
"""extract: reads the documents; analyse: reads the deal profile (in parallel with the other
analysts); synthesise: reads the analyses; rehearse: works in a rehearsal session."""


@dataclass(frozen=True)
class AgentSpec:
    """One agent, described once.

    `name` is used for its model setting (NEGOPREP_MODEL_<NAME>), its cassette label, its key in
    the run's `failures` and the cassette manifest; `state_key` is where the graph keeps its
    output (None for rehearsal agents, whose outputs live in the session); `schema` is the
    output sent to the model as a JSON schema; `title` is its dossier section's heading (the
    built-in agents' sections are laid out by the five moves instead).
    """

    name: str
    schema: type[BaseModel]
    title: str
    state_key: str | None = None
    phase: Phase = "analyse"
    feeds_synthesis: bool = False
    """Whether the synthesis reads this agent's output (analysts only)."""
    prompt_id: str = ""
    """Defaults to `name`."""
    extra_schemas: tuple[type[BaseModel], ...] = ()
    """Further schemas the agent sends to a model (e.g. the extractor's merge call)."""

    @property
    def key(self) -> str:
        """Where the output is kept in the graph's state (`state_key`, else `name`)."""
        return self.state_key or self.name

    @property
    def model_setting(self) -> str:
        """The environment variable that picks this agent's model."""
        return f"NEGOPREP_MODEL_{self.name.upper()}"

    @property
    def schemas(self) -> tuple[type[BaseModel], ...]:
        return (self.schema, *self.extra_schemas)

    async def run(
        self,
        deps: AgentDeps,
        *,
        brief: str,
        profile: DealProfile,
        language: str,
        passage_ids: list[str] | None = None,
    ) -> AgentResult[BaseModel]:
        """Run an additional agent: the deal profile in, its schema out. Its citations may
        name `passage_ids` (the case's passages; default: those the profile cites).

        Raises whatever the model call raises (see `negoprep.llm.structured`); the graph node
        turns it into a reported failure.
        """
        return await run_structured(
            deps,
            self.name,
            self.name,
            self.prompt_id or self.name,
            self.schema,
            case_brief=brief,
            deal_profile=to_prompt_json(profile),
            language=language,
            ids={"passage": passage_ids or cited_ids(profile)},
        )


ProfileAgent = AgentSpec
"""The name additional agents were registered with before the table existed."""

BUILTIN_AGENTS: tuple[AgentSpec, ...] = (
    AgentSpec(
        name=extractor.NAME,
        state_key="profile",
        schema=extractor.DealProfile,
        extra_schemas=tuple(f.schema for f in extractor.FOCUSES),
        title="Deal profile",
        phase="extract",
    ),
    AgentSpec(
        name=challenger.NAME,
        state_key="challenge",
        schema=challenger.ChallengeReport,
        extra_schemas=tuple(f.schema for f in challenger.FOCUSES),
        title="Challenge",
        feeds_synthesis=True,
    ),
    AgentSpec(
        name=counterpart.NAME,
        state_key="counterpart",
        schema=counterpart.CounterpartProfile,
        # In rehearsal the same agent (and model setting) assesses each turn, then replies.
        extra_schemas=(
            *(f.schema for f in counterpart.FOCUSES),
            roleplay_rules.TurnAssessment,
        ),
        title="Counterpart profile",
        feeds_synthesis=True,
    ),
    AgentSpec(
        name=synthesis.NAME,
        state_key="one_page_brief",
        schema=synthesis.OnePageBrief,
        title="Brief",
        phase="synthesise",
    ),
    AgentSpec(
        name=coach.NAME,
        schema=coach.Hint,
        extra_schemas=(coach.DebriefReply,),
        title="Coach",
        phase="rehearse",
    ),
)

EXTRA_AGENTS: tuple[AgentSpec, ...] = ()
"""Registered additional agents, in the order their sections appear."""


def preparation_agents(extra: Sequence[AgentSpec] = EXTRA_AGENTS) -> tuple[AgentSpec, ...]:
    """The agents of a preparation run (built-in, then `extra`), in dossier order."""
    return (*(a for a in BUILTIN_AGENTS if a.phase != "rehearse"), *extra)


def all_agents(extra: Sequence[AgentSpec] = EXTRA_AGENTS) -> tuple[AgentSpec, ...]:
    """Every agent, preparation and rehearsal."""
    return (*BUILTIN_AGENTS, *extra)


def agent_names(extra: Sequence[AgentSpec] = EXTRA_AGENTS) -> tuple[str, ...]:
    """Every agent's name: the keys of per-agent model settings and of the cassette manifest."""
    return tuple(a.name for a in all_agents(extra))


def rehearsal_agent_names() -> tuple[str, ...]:
    """Agents whose models a rehearsal uses: the counterpart (in character) and the coach."""
    return (counterpart.NAME, coach.NAME)
