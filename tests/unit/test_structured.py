"""Structured replies: JSON found as servers send it, invalid replies sent back a bounded number
of times, every attempt counted, the raw replies kept after a failure, ids as enums."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from fakes import ScriptedProvider
from langchain_core.messages import BaseMessage
from pydantic import AfterValidator, BaseModel, Field

from negoprep.llm.provider import ModelConfig
from negoprep.llm.schema import MARKER, check_id
from negoprep.llm.structured import InvalidReply, ainvoke_structured, response_format_for


class Verdict(BaseModel):
    answer: str
    score: int


Ref = Annotated[
    str, AfterValidator(check_id("passage")), Field(json_schema_extra={MARKER: "passage"})
]


class Cites(BaseModel):
    passage_id: Ref


def replies(*texts: str) -> ScriptedProvider:
    queue = list(texts)
    return ScriptedProvider(lambda agent, call, messages: queue.pop(0))


async def ask(p: ScriptedProvider, **kw: object) -> Verdict:
    result = await ainvoke_structured(p, "a", "a", Verdict, "sys", "user", **kw)  # type: ignore[arg-type]
    return result.value


async def test_valid_reply_first_time() -> None:
    p = replies('{"answer": "yes", "score": 3}')
    result = await ainvoke_structured(p, "a", "a", Verdict, "sys", "user")
    assert result.value == Verdict(answer="yes", score=3) and result.attempts == 1
    assert result.usage.input_tokens == 100 and result.usage.calls == 1
    sent = p.history[0].kwargs["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True


async def test_invalid_reply_is_retried_with_the_validation_error() -> None:
    p = replies('{"answer": "yes"}', '```json\n{"answer": "yes", "score": 4}\n```')
    result = await ainvoke_structured(p, "a", "a", Verdict, "sys", "user")
    assert result.value.score == 4 and result.attempts == 2 and result.usage.calls == 2
    followup: list[BaseMessage] = p.history[1].messages
    assert len(followup) == 4
    assert "score: Field required" in str(followup[-1].content)
    assert "errors.pydantic.dev" not in str(followup[-1].content)


@pytest.mark.parametrize(
    "reply",
    [
        '<think>The user wants a verdict. {"draft": 1}</think>\n{"answer": "yes", "score": 2}',
        '<think>{"answer": "yes", "score": 2}</think>',
        'Here is the JSON you asked for:\n```json\n{"answer": "yes", "score": 2}\n```\nDone.',
        'Sure. {"answer": "yes", "score": 2}',
    ],
    ids=["think-block-first", "json-only-in-reasoning", "prose-then-fence", "prose-then-json"],
)
async def test_unambiguous_json_is_accepted_as_servers_send_it(reply: str) -> None:
    assert await ask(replies(reply)) == Verdict(answer="yes", score=2)


async def test_an_unusable_reply_is_described_not_parsed_blindly() -> None:
    p = replies(
        "<think>" + "hmm " * 50 + "</think>I cannot decide.",
        '{"answer": "a", "score": 1} or {"answer": "b", "score": 2}',
        '{"answer": "yes", "score": ',
    )
    with pytest.raises(InvalidReply) as info:
        await ask(p)
    fed_back = [str(c.messages[-1].content) for c in p.history[1:]]
    assert "no JSON object found" in fed_back[0] and "<think> block of" in fed_back[0]
    assert "'I cannot decide.'" in fed_back[0]
    assert "2 different JSON values" in fed_back[1]
    assert "invalid JSON" in info.value.errors


async def test_gives_up_after_max_attempts_counting_every_attempt(tmp_path: Path) -> None:
    p = replies("not json", '{"answer": 1}', '{"score": "x"}')
    with pytest.raises(InvalidReply) as info:
        await ask(p, max_attempts=3, replies_dir=tmp_path)
    err = info.value
    assert err.attempts == 3 and err.last_reply == '{"score": "x"}'
    assert err.usage.calls == 3 and err.usage.input_tokens == 300 and err.usage.output_tokens == 150
    assert "Verdict schema after 3 attempt(s)" in str(err)
    kept = tmp_path / "a.replies.txt"
    assert f"(raw replies: {kept})" in str(err)
    text = kept.read_text()
    assert "===== attempt 1" in text and "not json" in text and '{"score": "x"}' in text


@pytest.mark.parametrize("mode", ["json_object", "json_object_schema", "tools"])
async def test_modes_that_do_not_enforce_strictly_put_the_schema_in_the_prompt(mode: str) -> None:
    p = replies('{"answer": "a", "score": 1}')
    p.config_overrides["a"] = ModelConfig(model="m", response_format=mode)  # type: ignore[arg-type]
    await ask(p)
    kwargs = p.history[0].kwargs
    system, user = (str(m.content) for m in p.history[0].messages[:2])
    # After the prompt, so that calls differing only in their schema share a cached prefix.
    assert '"score"' in user.split("JSON schema:")[-1] and '"score"' not in system
    if mode == "json_object":
        assert kwargs["response_format"] == {"type": "json_object"}
    elif mode == "json_object_schema":
        assert kwargs["response_format"]["type"] == "json_object"
        assert kwargs["response_format"]["schema"]["required"] == ["answer", "score"]
    else:
        assert kwargs["tools"][0]["function"]["name"] == "Verdict"
        assert kwargs["tool_choice"]["function"]["name"] == "Verdict"


def test_strict_schema_requires_every_field() -> None:
    schema = response_format_for(Verdict, "json_schema")["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["answer", "score"] and schema["additionalProperties"] is False


async def test_ids_are_an_enum_in_the_schema_and_checked_on_validation() -> None:
    sent = response_format_for(Cites, "json_schema", {"passage": ["D1.P2", "D1.P1"]})
    prop = sent["response_format"]["json_schema"]["schema"]["properties"]["passage_id"]
    assert prop["enum"] == ["D1.P1", "D1.P2"] and MARKER not in prop
    p = replies('{"passage_id": "KB-7"}', '{"passage_id": "D1.P2"}')
    result = await ainvoke_structured(
        p, "a", "a", Cites, "sys", "user", ids={"passage": ["D1.P1", "D1.P2"]}
    )
    assert result.value.passage_id == "D1.P2" and result.attempts == 2
    assert "'KB-7' is not one of the passage ids given" in str(p.history[1].messages[-1].content)


def test_too_many_ids_for_an_enum_stay_a_checked_string() -> None:
    many = [f"D1.P{i}" for i in range(600)]
    prop = response_format_for(Cites, "json_schema", {"passage": many})["response_format"][
        "json_schema"
    ]["schema"]["properties"]["passage_id"]
    assert "enum" not in prop and prop["type"] == "string"


async def test_a_prompt_that_cannot_fit_the_context_is_not_sent() -> None:
    p = replies('{"answer": "a", "score": 1}')
    p.config_overrides["a"] = ModelConfig(model="m", context_window=2000, max_output_tokens=8192)
    with pytest.raises(Exception, match="NEGOPREP_CONTEXT_WINDOW") as info:
        await ainvoke_structured(p, "a", "a", Verdict, "sys", "x" * 8000)
    assert p.history == [] and "leaves" in str(info.value)
