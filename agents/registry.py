"""Where additional agents are registered: one module, one prompt file, one line here.

An additional agent reads what the case extractor found and adds its own analysis to the
dossier. It runs in parallel with the challenger and the counterpart simulator, its failure is
reported like theirs, and its output appears in the dossier under its title (rendered from its
schema, field by field). Its prompt declares the inputs `case_brief`, `deal_profile` and
`language`.

To add one, e.g. a legitimacy analyst:

    # agents/legitimacy.py
    class LegitimacyReport(Strict):
        criteria: list[Criterion] = Field(description="Objective criteria both sides could accept.")

    AGENT = ProfileAgent(name="legitimacy", title="Objective criteria", schema=LegitimacyReport)

    # prompts/legitimacy.md  (front matter with inputs: [case_brief, deal_profile, language])

    # here:
    EXTRA_AGENTS: tuple[ProfileAgent, ...] = (legitimacy.AGENT,)
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from negoprep.agents.base import AgentDeps, AgentResult, run_structured, to_prompt_json
from negoprep.agents.extractor import DealProfile
from negoprep.agents.schemas import cited_ids


@dataclass(frozen=True)
class ProfileAgent:
    """An agent that turns the deal profile into one more section of the dossier."""

    name: str
    """Used for its model setting (NEGOPREP_MODEL_<NAME>), its cassette label and the state."""
    title: str
    """The dossier section's heading."""
    schema: type[BaseModel]
    prompt_id: str = ""
    """Defaults to `name`."""

    async def run(
        self, deps: AgentDeps, *, brief: str, profile: DealProfile, language: str
    ) -> AgentResult[BaseModel]:
        return await run_structured(
            deps,
            self.name,
            self.name,
            self.prompt_id or self.name,
            self.schema,
            case_brief=brief,
            deal_profile=to_prompt_json(profile),
            language=language,
            ids={"passage": cited_ids(profile)},
        )


EXTRA_AGENTS: tuple[ProfileAgent, ...] = ()
"""Registered additional agents, in the order their sections appear."""
