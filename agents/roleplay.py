"""The counterpart in rehearsal: an explicit state, changed by rules, phrased by the model.

Language models playing a negotiation counterpart agree too easily. So the model does not decide
how the counterpart reacts. Each user turn goes through three steps:

1. `assess`: a structured call classifies the turn (threat, warning, process proposal, question
   about their needs, concession, pressure, ...) against the persona's numbered lists.
2. `advance`: pure rules turn that assessment into a new `CounterpartState` (trust, patience,
   openness, what has been revealed, conceded and agreed) and a `ReplyPlan` that says what the
   counterpart may and may not do in this reply.
3. `reply`: a streamed call that only phrases the reply, in character, within that plan.

The persona comes from the dossier's counterpart profile (`Persona`) and never changes during a
session, which keeps the character stable however long the rehearsal runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage

from negoprep.agents.base import AgentDeps, AgentResult, CallRecord, run_structured
from negoprep.agents.counterpart import Persona
from negoprep.agents.roleplay_rules import (
    CounterpartState,
    ReplyPlan,
    TurnAssessment,
    describe_plan,
    describe_state,
    numbered,
)
from negoprep.llm.structured import Usage

NAME = "counterpart"
ASSESS_PROMPT_ID = "rehearsal_assess"
REPLY_PROMPT_ID = "rehearsal_reply"


@dataclass
class Reply:
    text: str
    record: CallRecord


async def assess(
    deps: AgentDeps,
    *,
    call: str,
    persona: Persona,
    situation: str,
    conversation: str,
    user_turn: str,
    language: str,
) -> AgentResult[TurnAssessment]:
    return await run_structured(
        deps,
        NAME,
        call,
        ASSESS_PROMPT_ID,
        TurnAssessment,
        speaker=persona.speaker,
        hidden_interests=numbered(persona.hidden_interests),
        red_lines=numbered(persona.red_lines),
        softens_when=numbered(persona.softens_when),
        hardens_when=numbered(persona.hardens_when),
        situation=situation,
        conversation=conversation,
        user_turn=user_turn,
        language=language,
    )


def _chunk_text(chunk: AIMessage | AIMessageChunk) -> str:
    content = chunk.content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content)


async def reply(
    deps: AgentDeps,
    *,
    call: str,
    character: str,
    situation: str,
    state: CounterpartState,
    plan: ReplyPlan,
    conversation: str,
    user_turn: str,
    language: str,
    on_token: Callable[[str], None],
) -> Reply:
    """Stream the counterpart's reply, handing each piece of text to `on_token` as it arrives."""
    rendered = deps.prompts.render(
        REPLY_PROMPT_ID,
        character=character,
        situation=situation,
        state=describe_state(state),
        plan=describe_plan(plan),
        conversation=conversation,
        user_turn=user_turn,
        language=language,
    )
    cfg = deps.models.config(NAME)
    http = Usage()  # counts the HTTP requests (a stream's tokens come in its last chunk)
    model = deps.models.chat_model(NAME, call, streaming=True, usage=http)
    started = time.perf_counter()
    parts: list[str] = []
    usage = Usage()

    def record(status: str = "ok") -> CallRecord:
        usage.calls = http.calls
        return CallRecord.of(
            rendered,
            call=call,
            agent=NAME,
            model=cfg.model,
            usage=usage,
            attempts=1,
            started=started,
            status=status,
        )

    try:
        async for chunk in model.astream(
            [SystemMessage(content=rendered.system), HumanMessage(content=rendered.user)]
        ):
            text = _chunk_text(chunk)
            if text:
                parts.append(text)
                on_token(text)
            if chunk.usage_metadata:
                usage.input_tokens += int(chunk.usage_metadata.get("input_tokens", 0))
                usage.output_tokens += int(chunk.usage_metadata.get("output_tokens", 0))
                details = chunk.usage_metadata.get("input_token_details") or {}
                usage.add_cached(details.get("cache_read"))
        text = "".join(parts).strip()
        if not text:
            raise ValueError("the model returned an empty reply")
    except BaseException as exc:  # Ctrl-C and cancellation too: the call was made
        deps.finished(record("failed"), exc)
        raise
    done = record()
    deps.finished(done)
    return Reply(text, done)
