"""Structured replies: invalid ones are sent back with the errors, a bounded number of times."""

from __future__ import annotations

import pytest
from fakes import ScriptedProvider
from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from negoprep.llm.structured import InvalidReply, ainvoke_structured, response_format_for


class Verdict(BaseModel):
    answer: str
    score: int


def replies(*texts: str) -> ScriptedProvider:
    queue = list(texts)
    return ScriptedProvider(lambda agent, call, messages: queue.pop(0))


async def test_valid_reply_first_time() -> None:
    p = replies('{"answer": "yes", "score": 3}')
    result = await ainvoke_structured(p.chat_model("a", "a"), Verdict, "sys", "user")
    assert result.value == Verdict(answer="yes", score=3) and result.attempts == 1
    assert result.usage.input_tokens == 100 and result.usage.calls == 1
    sent = p.history[0].kwargs["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True


async def test_invalid_reply_is_retried_with_the_validation_error() -> None:
    p = replies('{"answer": "yes"}', '```json\n{"answer": "yes", "score": 4}\n```')
    result = await ainvoke_structured(p.chat_model("a", "a"), Verdict, "sys", "user")
    assert result.value.score == 4 and result.attempts == 2 and result.usage.calls == 2
    followup: list[BaseMessage] = p.history[1].messages
    assert len(followup) == 4
    assert "score: Field required" in str(followup[-1].content)
    assert "errors.pydantic.dev" not in str(followup[-1].content)


async def test_gives_up_after_max_attempts_with_the_last_reply() -> None:
    p = replies("not json", '{"answer": 1}', '{"score": "x"}')
    with pytest.raises(InvalidReply) as info:
        await ainvoke_structured(p.chat_model("a", "a"), Verdict, "sys", "user", max_attempts=3)
    assert info.value.attempts == 3 and info.value.last_reply == '{"score": "x"}'
    assert "Verdict schema after 3 attempt(s)" in str(info.value)
    assert len(p.history) == 3


async def test_json_object_mode_puts_the_schema_in_the_prompt() -> None:
    p = replies('{"answer": "a", "score": 1}')
    await ainvoke_structured(
        p.chat_model("a", "a"), Verdict, "sys", "user", response_format="json_object"
    )
    assert p.history[0].kwargs["response_format"] == {"type": "json_object"}
    assert '"score"' in str(p.history[0].messages[0].content)


def test_strict_schema_requires_every_field() -> None:
    schema = response_format_for(Verdict, "json_schema")["json_schema"]["schema"]
    assert schema["required"] == ["answer", "score"] and schema["additionalProperties"] is False


async def test_a_reply_cut_off_at_the_output_limit_is_not_retried() -> None:
    from stub_openai import Reply, StubOpenAI

    from negoprep.llm.provider import ModelConfig, OpenAICompatibleProvider

    with StubOpenAI() as stub:
        stub.script(Reply(content='{"answer": "a long ans', finish_reason="length"))
        provider = OpenAICompatibleProvider(
            ModelConfig(model="m", base_url=stub.base_url, api_key="k")
        )
        with pytest.raises(InvalidReply) as info:
            await ainvoke_structured(provider.chat_model("a", "a"), Verdict, "sys", "user")
    assert len(stub.requests) == 1
    assert info.value.attempts == 1 and "cut off at the model's output limit" in str(info.value)
