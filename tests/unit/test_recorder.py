"""Cassettes: recording over real HTTP (local stub), strict replay, no secrets, hand-written labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel
from stub_openai import Reply, StubOpenAI

from negoprep.llm.provider import ModelConfig, OpenAICompatibleProvider
from negoprep.llm.recorder import (
    CassetteError,
    CassetteMiss,
    Recorder,
    endpoint_of,
    find_cassette_miss,
    request_key,
)
from negoprep.llm.structured import ainvoke_structured

# A fake key, built at run time so that no key-shaped string sits in the repository.
SECRET = "-".join(["sk", "test", "do", "not", "store", "0123456789abcdef"])


class Answer(BaseModel):
    verdict: str
    reasons: list[str]


def provider(mode: str, folder: Path, base_url: str | None = None) -> OpenAICompatibleProvider:
    cfg = ModelConfig(
        model="rec-model", base_url=base_url or "http://127.0.0.1:9/v1", api_key=SECRET
    )
    return OpenAICompatibleProvider(cfg, recorder=Recorder(mode, folder))  # type: ignore[arg-type]


async def ask(p: OpenAICompatibleProvider, question: str, call: str = "extractor") -> Answer:
    result = await ainvoke_structured(p, "extractor", call, Answer, "system text", question)
    return result.value


def test_key_ignores_base_url_and_key_order() -> None:
    assert endpoint_of("/v1/chat/completions") == endpoint_of(
        "/openai/deployments/x/chat/completions"
    )
    a = request_key("POST", "/v1/chat/completions", {"model": "m", "messages": [1]})
    b = request_key("POST", "/api/chat/completions", {"messages": [1], "model": "m"})
    c = request_key("POST", "/v1/chat/completions", {"model": "m", "messages": [2]})
    assert a == b != c


async def test_record_then_replay_offline(tmp_path: Path) -> None:
    cassette = tmp_path / "cassette"
    with StubOpenAI() as stub:
        stub.script(Reply(content='{"verdict": "yes", "reasons": ["r1"]}'))
        recorded = await ask(provider("record", cassette, stub.base_url), "Is it fixed price?")
        assert stub.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert recorded.verdict == "yes"
    files = sorted(cassette.glob("*.json"))
    assert len(files) == 1 and files[0].name.startswith("extractor-")
    entry = json.loads(files[0].read_text())
    assert entry["source"] == {"kind": "recorded", "model": "rec-model"}
    assert entry["request"]["body"]["messages"][1]["content"] == "Is it fixed price?"
    # The stub is gone: replay must not touch the network.
    replayed = await ask(provider("replay", cassette), "Is it fixed price?")
    assert replayed == recorded


async def test_cassette_holds_no_key_or_headers(tmp_path: Path) -> None:
    cassette = tmp_path / "c"
    with StubOpenAI() as stub:
        stub.script(Reply(content='{"verdict": "no", "reasons": []}'))
        await ask(provider("record", cassette, stub.base_url), "q")
    text = "".join(p.read_text() for p in cassette.glob("*.json"))
    assert SECRET not in text
    assert "authorization" not in text.lower() and "bearer" not in text.lower()


async def test_strict_miss_names_the_call_and_the_difference(tmp_path: Path) -> None:
    cassette = tmp_path / "c"
    with StubOpenAI() as stub:
        stub.script(Reply(content='{"verdict": "no", "reasons": []}'))
        await ask(provider("record", cassette, stub.base_url), "the recorded question")
    with pytest.raises(Exception) as info:
        await ask(provider("replay", cassette), "a different question", call="challenger")
    miss = find_cassette_miss(info.value)
    assert isinstance(miss, CassetteMiss)
    assert miss.call == "challenger"
    assert "no recording for call 'challenger'" in str(miss)
    with pytest.raises(Exception) as info2:
        await ask(provider("replay", cassette), "a different question", call="extractor")
    assert "text differs" in str(find_cassette_miss(info2.value))


def test_replay_of_missing_or_broken_cassette_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="cassette folder not found"):
        Recorder("replay", tmp_path / "nope")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x-1.json").write_text("{not json")
    with pytest.raises(CassetteError, match=r"x-1\.json: not a valid cassette entry"):
        Recorder("replay", broken)


async def test_author_mode_labels_hand_written_responses(tmp_path: Path) -> None:
    cassette = tmp_path / "c"
    (cassette / "handwritten").mkdir(parents=True)
    (cassette / "handwritten" / "extractor.json").write_text(
        '{"verdict": "hand", "reasons": ["a"]}'
    )
    authored = await ask(provider("author", cassette), "q")
    assert authored.verdict == "hand"
    (entry_file,) = cassette.glob("extractor-*.json")
    entry = json.loads(entry_file.read_text())
    assert entry["source"]["kind"] == "hand-written"
    assert entry["source"]["from"] == "handwritten/extractor.json"
    assert (await ask(provider("replay", cassette), "q")).verdict == "hand"


async def test_author_mode_without_a_response_file_names_it(tmp_path: Path) -> None:
    cassette = tmp_path / "c"
    cassette.mkdir()
    with pytest.raises(Exception) as info:
        await ask(provider("author", cassette), "q", call="synthesis")
    assert "handwritten/synthesis.json" in str(find_cassette_miss(info.value))


async def test_streaming_records_and_replays(tmp_path: Path) -> None:
    cassette = tmp_path / "c"
    with StubOpenAI() as stub:
        stub.script(Reply(content="We cannot ship before the claim is settled."))
        model = provider("record", cassette, stub.base_url).chat_model(
            "counterpart", "rehearsal.turn-1", streaming=True
        )
        live = "".join([str(chunk.content) async for chunk in model.astream("hello")])
    assert live == "We cannot ship before the claim is settled."
    (entry_file,) = cassette.glob("*.json")
    assert json.loads(entry_file.read_text())["response"]["content_type"] == "text/event-stream"
    replay_model = provider("replay", cassette).chat_model(
        "counterpart", "rehearsal.turn-1", streaming=True
    )
    replayed = [str(chunk.content) async for chunk in replay_model.astream("hello")]
    assert "".join(replayed) == live and len([c for c in replayed if c]) > 1
