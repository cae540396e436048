"""Synthesis: the one-page brief, the next wise move, and the key questions in three dimensions.

The rest of the dossier is assembled from the three agents' outputs without a model (nothing is
dropped or rewritten); this agent adds only what needs judgement across all of them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from negoprep.agents.base import AgentDeps, AgentResult, run_structured
from negoprep.agents.schemas import Strict

NAME = "synthesis"
PROMPT_ID = "synthesis"


class KeyMove(Strict):
    move: str
    why: str
    dimension: Literal["process", "relationship", "substance"]


class NextMove(Strict):
    move: str = Field(description="The single next step, concrete enough to do this week.")
    why_now: str
    opening_words: str = Field(description="How to open it, in the words to say.")


class KeyQuestion(Strict):
    issue: str
    substance: str = Field(description="The question as a substance question.")
    process: str = Field(description="The same issue reframed as a process question.")
    relationship: str = Field(description="The same issue reframed as a relationship question.")


class PlaybookLine(Strict):
    if_they: str = Field(description="A move they are likely to make.")
    we: str = Field(description="Our prepared response.")


class Brief(Strict):
    goal: str = Field(description="Our goal for this negotiation, in one or two sentences.")
    walk_away: str = Field(
        description="Our walk-away point or reservation thinking; say plainly if it is undefined."
    )
    top_moves: list[KeyMove] = Field(description="The three most important moves.")
    top_risks: list[str] = Field(description="The three most important risks.")
    next_wise_move: NextMove
    key_questions: list[KeyQuestion]
    playbook: list[PlaybookLine] = Field(description="If they do this, we do that.")


async def synthesise(
    deps: AgentDeps,
    *,
    brief: str,
    deal_profile: str,
    challenge: str,
    counterpart: str,
    further_analysis: str = "(none)",
    language: str,
) -> AgentResult[Brief]:
    return await run_structured(
        deps,
        NAME,
        NAME,
        PROMPT_ID,
        Brief,
        case_brief=brief,
        deal_profile=deal_profile,
        challenge=challenge,
        counterpart=counterpart,
        further_analysis=further_analysis,
        language=language,
    )
