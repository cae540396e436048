"""Replies as real OpenAI-compatible servers send them, over HTTP against the local stub.

One test per kind of server behaviour (the stub's `Server` profiles and `Reply` variants): each
asserts what the user gets, with the real client stack (langchain-openai, openai, httpx2).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pydantic import BaseModel
from stub_openai import Reply, Server, StubOpenAI

from negoprep.llm.errors import describe_failure
from negoprep.llm.provider import ModelConfig, OpenAICompatibleProvider
from negoprep.llm.structured import CallFailed, InvalidReply, ainvoke_structured

GOOD = '{"answer": "yes", "score": 2}'
FAST = {"retry-after-ms": "5"}


class Verdict(BaseModel):
    answer: str
    score: int


def provider(stub: StubOpenAI, **changes: object) -> tuple[OpenAICompatibleProvider, list[str]]:
    notices: list[str] = []
    cfg = ModelConfig(model="m", base_url=stub.base_url, api_key="k", max_retries=2)
    from dataclasses import replace

    cfg = replace(cfg, **changes)  # type: ignore[arg-type]
    return OpenAICompatibleProvider(cfg, notify=notices.append), notices


async def ask(p: OpenAICompatibleProvider, **kw: object) -> Verdict:
    result = await ainvoke_structured(p, "extractor", "extractor", Verdict, "sys", "user", **kw)  # type: ignore[arg-type]
    return result.value


async def fails(p: OpenAICompatibleProvider, **kw: object) -> str:
    with pytest.raises(CallFailed) as info:
        await ask(p, **kw)
    return describe_failure(info.value)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(content='<think>Let me weigh it. {"x": 1}</think>\n\n' + GOOD),
        Reply(content="", reasoning=GOOD),
        Reply(content="Here is the verdict:\n```json\n" + GOOD + "\n```"),
    ],
    ids=["qwen3-think-block", "json-in-reasoning_content", "prose-before-fence"],
)
async def test_reasoning_and_prose_wrappers_are_accepted(reply: Reply) -> None:
    with StubOpenAI() as stub:
        stub.script(reply)
        p, _ = provider(stub)
        assert await ask(p) == Verdict(answer="yes", score=2)
    assert len(stub.requests) == 1


async def test_error_in_a_200_body_keeps_the_providers_words_and_retries_429() -> None:
    with StubOpenAI() as stub:
        stub.script(
            Reply(error_in_body={"message": "Upstream rate limit", "code": 429}, headers=FAST),
            Reply(content=GOOD),
        )
        p, notices = provider(stub)
        assert await ask(p) == Verdict(answer="yes", score=2)
        assert (
            len(stub.requests) == 2 and stub.requests[1].headers["x-stainless-retry-count"] == "1"
        )
        assert any("retry 1" in n and "Upstream rate limit" in n for n in notices)

        stub.script(Reply(error_in_body={"message": "Model is overloaded", "code": "bad_model"}))
        stub.script(Reply(error_in_body={"message": "Model is overloaded", "code": "bad_model"}))
        stub.script(Reply(error_in_body={"message": "Model is overloaded", "code": "bad_model"}))
        message = await fails(p)
    assert "Model is overloaded (sent inside an HTTP 200 reply)" in message
    assert "NoneType" not in message


async def test_a_string_error_shows_the_servers_words_and_names_the_setting() -> None:
    with StubOpenAI(server=Server(json_object="lmstudio-400")) as stub:
        p, _ = provider(stub, response_format="json_object")
        message = await fails(p)
    assert "'response_format.type' must be 'json_schema' or 'text'" in message
    assert "NEGOPREP_RESPONSE_FORMAT" in message
    assert len(stub.requests) == 1, "a 400 is not retried"


async def test_llama_cpp_python_refuses_json_schema_and_the_call_falls_back_at_once() -> None:
    with StubOpenAI(server=Server(json_schema="llama-cpp-500")) as stub:
        stub.script(Reply(content=GOOD))
        p, notices = provider(stub)
        assert await ask(p) == Verdict(answer="yes", score=2)
        assert p.config("extractor").response_format == "json_object_schema", "kept for the run"
    sent = [r.body["response_format"] for r in stub.requests]
    assert [f["type"] for f in sent] == ["json_schema", "json_object"], "the 500 is not retried"
    assert sent[1]["schema"]["required"] == ["answer", "score"]
    assert any("NEGOPREP_RESPONSE_FORMAT=json_object_schema" in n for n in notices)


async def test_tool_calling_mode_reads_the_tool_call() -> None:
    with StubOpenAI() as stub:
        stub.script(Reply(content=GOOD, as_tool_call=True))
        p, _ = provider(stub, response_format="tools")
        assert await ask(p) == Verdict(answer="yes", score=2)
    assert stub.requests[0].body["tool_choice"]["function"]["name"] == "Verdict"


async def test_an_html_page_is_named_and_not_retried() -> None:
    page = b"<!DOCTYPE html><html><head><title>Sign in - Corporate Proxy</title></head></html>"
    with StubOpenAI() as stub:
        stub.script(Reply(raw=page, content_type="text/html"))
        p, _ = provider(stub)
        message = await fails(p)
    assert "HTML page titled 'Sign in - Corporate Proxy'" in message
    assert "OPENAI_BASE_URL" in message and "AttributeError" not in message
    assert len(stub.requests) == 1


async def test_a_server_that_never_answers_is_bounded_and_said_on_screen() -> None:
    with StubOpenAI() as stub:
        stub.script(*[Reply(hang=True)] * 4)
        p, notices = provider(stub, timeout=0.5, call_time_limit=2.0, notice_after=0.4)
        started = time.monotonic()
        message = await fails(p)
        took = time.monotonic() - started
    assert "NEGOPREP_CALL_TIME_LIMIT=2 s" in message
    assert took < 10, "bounded by the call time limit, not by retries of the read timeout"
    assert any("still waiting for the model" in n for n in notices)
    assert any("retry 1 after a timeout" in n for n in notices)


async def test_a_closed_port_fails_fast_with_the_setting_named() -> None:
    p = OpenAICompatibleProvider(
        ModelConfig(model="m", base_url="http://127.0.0.1:9/v1", max_retries=0)
    )
    message = await fails(p)
    assert "cannot reach the provider" in message and "OPENAI_BASE_URL" in message


async def test_stream_options_rejected_with_422_is_dropped_and_remembered() -> None:
    with StubOpenAI(server=Server(rejects_stream_options=True)) as stub:
        stub.script(Reply(content="Hello there."), Reply(content="Again."))
        p, notices = provider(stub)
        model = p.chat_model("counterpart", "rehearsal.turn-1.reply", streaming=True)
        text = "".join([str(c.content) async for c in model.astream("hi")])
        again = p.chat_model("counterpart", "rehearsal.turn-2.reply", streaming=True)
        text2 = "".join([str(c.content) async for c in again.astream("hi")])
    assert text == "Hello there." and text2 == "Again."
    assert ["stream_options" in r.body for r in stub.requests] == [True, False, False]
    assert any("NEGOPREP_STREAM_USAGE=false" in n for n in notices)


async def test_stream_usage_setting_never_sends_stream_options() -> None:
    with StubOpenAI(server=Server(rejects_stream_options=True)) as stub:
        stub.script(Reply(content="Hello."))
        p, _ = provider(stub, stream_usage=False)
        model = p.chat_model("counterpart", "c", streaming=True)
        assert "".join([str(c.content) async for c in model.astream("hi")]) == "Hello."
    assert len(stub.requests) == 1


async def test_32k_context_and_8k_output_limit_are_respected() -> None:
    server = Server(context_window=32_768, max_output=8192)
    with StubOpenAI(server=server) as stub:
        stub.script(Reply(content=GOOD))
        p, _ = provider(stub, context_window=32_768, max_output_tokens=8192)
        big = "word " * 20_000  # ~28.6k tokens by the cautious estimate: 8,192 would not fit
        result = await ainvoke_structured(p, "extractor", "extractor", Verdict, "sys", big)
        asked = stub.requests[0].body["max_completion_tokens"]
        assert asked < 8192, "the output limit shrank to fit the context"
        assert result.value.score == 2

        huge = "word " * 40_000
        message = await fails_with(p, huge)
        assert "NEGOPREP_CONTEXT_WINDOW" in message and len(stub.requests) == 1, "never sent"

        stub.script(Reply(content='{"answer": "' + "x" * 40_000 + '", "score": 1}'))
        with pytest.raises(InvalidReply) as info:
            await ask(p)
    assert "cut off at the output limit" in str(info.value)
    assert "NEGOPREP_MAX_OUTPUT_TOKENS" in str(info.value)
    assert len(stub.requests) == 2, "a cut-off reply is not asked again"


async def fails_with(p: OpenAICompatibleProvider, user: str) -> str:
    with pytest.raises(CallFailed) as info:
        await ainvoke_structured(p, "extractor", "extractor", Verdict, "sys", user)
    return str(info.value)


async def test_failed_attempts_are_counted_and_their_replies_kept(tmp_path: Path) -> None:
    server = Server(context_window=100_000)  # realistic token counts
    with StubOpenAI(server=server) as stub:
        stub.script(*[Reply(content="I think the answer is yes.")] * 3)
        p, _ = provider(stub)
        with pytest.raises(InvalidReply) as info:
            await ask(p, replies_dir=tmp_path)
    err = info.value
    assert err.usage.calls == 3 and err.usage.output_tokens == 3 * 6 and err.usage.input_tokens > 0
    assert err.replies_file == tmp_path / "extractor.replies.txt"
    assert str(err.replies_file) in describe_failure(err)
    assert err.replies_file.read_text().count("I think the answer is yes.") == 3


def test_notices_reach_the_screen_during_a_cli_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from negoprep.cli.main import main

    case = tmp_path / "case"
    case.mkdir()
    (case / "note.txt").write_text("The supplier withholds delivery.\n")
    with StubOpenAI(server=Server(json_schema="llama-cpp-500")) as stub:
        stub.script(Reply(status=401))
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("NEGOPREP_MODEL", "m")
        assert main(["prepare", str(case), "--out", str(tmp_path / "run"), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "refused response format 'json_schema'" in err
    assert (
        json.loads((tmp_path / "run" / "dossier.json").read_text())["calls"][0]["status"]
        == "failed"
    )
