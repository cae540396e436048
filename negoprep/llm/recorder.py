"""Record and replay every LLM exchange at the HTTP level (cassettes).

The recorder is an `httpx2` transport handed to the OpenAI client, so it sees exactly what goes over
the wire: sync, async, parallel and streaming calls alike. Each exchange is one JSON file in the
cassette folder, keyed by a hash of the endpoint and the canonical JSON request body. Headers are
never stored (no keys, no auth); the request body is stored so that a miss can say what changed.

Modes:
- ``record``: forward to the real server and save every exchange (a later success of the same
  request replaces an error).
- ``replay``: serve saved exchanges only; a request with no recording raises `CassetteMiss`
  naming the call (agent) and the request. Nothing reaches the network.
- ``author``: serve responses written by hand (``<cassette>/handwritten/<call>.json``) and save
  them as cassette entries labelled ``hand-written``. Used to build the example case's recordings.

The call label (which agent, which part) travels in the ``x-negoprep-call`` request header.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx2

from negoprep.files import write_json_atomic

CALL_HEADER = "x-negoprep-call"
Mode = Literal["record", "replay", "author"]
HANDWRITTEN_DIR = "handwritten"
MANIFEST = "manifest.json"


class CassetteError(Exception):
    """A cassette folder or entry is unusable; the message names the file."""


class CassetteMiss(CassetteError):
    """Strict replay found no recording for a request."""

    def __init__(self, call: str, key: str, summary: str, hint: str) -> None:
        self.call = call
        self.key = key
        super().__init__(
            f"no recording for call '{call}' (request {key}: {summary}).{hint}"
            " Re-record with --record against a live provider, or check that prompts, case"
            " documents and model settings are the ones the cassette was made with."
        )


def endpoint_of(path: str) -> str:
    """`/v1/chat/completions`, `/openai/deployments/x/chat/completions` -> `chat/completions`."""
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[-2:]) if len(parts) >= 2 else "/".join(parts)


def canonical_body(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")


def request_key(method: str, path: str, body: Any) -> str:
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(f"{method} {endpoint_of(path)}\n{canon}".encode()).hexdigest()
    return digest[:16]


def _safe_label(call: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", call) or "call"


def _summary(body: Any) -> str:
    if not isinstance(body, dict):
        return "non-JSON body"
    msgs = body.get("messages") or []
    last = str(msgs[-1].get("content", ""))[:80] if msgs else ""
    return f"model={body.get('model')!r}, {len(msgs)} messages, last starts {last!r}"


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    """A short description of where two JSON values first differ."""
    if type(a) is not type(b):
        return f"{path or 'body'}: {type(b).__name__} recorded, {type(a).__name__} now"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                return f"{path}.{k}: not in the recording"
            if k not in a:
                return f"{path}.{k}: recorded but not sent now"
            if a[k] != b[k]:
                return _first_difference(a[k], b[k], f"{path}.{k}")
        return ""
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(b)} items recorded, {len(a)} now"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
        return ""
    if isinstance(a, str) and isinstance(b, str):
        i = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        return f"{path}: text differs at character {i}: recorded {b[i : i + 40]!r}, now {a[i : i + 40]!r}"
    return f"{path}: recorded {b!r}, now {a!r}"


@dataclass
class Exchange:
    """What one recorded exchange holds, as read from its file."""

    key: str
    call: str
    source: dict[str, Any]
    request: dict[str, Any]
    response: dict[str, Any]
    path: Path


class Cassette:
    """A folder of recorded exchanges."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._entries: dict[str, Exchange] | None = None
        self._lock = threading.Lock()

    def entries(self) -> dict[str, Exchange]:
        with self._lock:
            if self._entries is None:
                self._entries = self._load()
            return self._entries

    def _load(self) -> dict[str, Exchange]:
        if not self.folder.is_dir():
            raise CassetteError(f"cassette folder not found: {self.folder}")
        entries: dict[str, Exchange] = {}
        for file in sorted(self.folder.glob("*.json")):
            if file.name == MANIFEST:
                continue
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
                ex = Exchange(
                    key=data["key"],
                    call=data["call"],
                    source=data["source"],
                    request=data["request"],
                    response=data["response"],
                    path=file,
                )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CassetteError(f"{file}: not a valid cassette entry ({exc})") from exc
            entries[ex.key] = ex
        return entries

    def find(self, key: str) -> Exchange | None:
        return self.entries().get(key)

    def nearest(self, call: str, body: Any) -> str:
        """Explain the closest recording of the same call, to make a miss actionable."""
        same = [e for e in self.entries().values() if e.call == call]
        if not same:
            known = sorted({e.call for e in self.entries().values()})
            return f" The cassette has no recording for this call at all (it has: {', '.join(known) or 'nothing'})."
        diffs = [_first_difference(body, e.request.get("body")) for e in same]
        return f" Closest recording of '{call}' differs at {min(diffs, key=len)}."

    def save(self, exchange: dict[str, Any]) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{_safe_label(exchange['call'])}-{exchange['key'][:12]}.json"
        write_json_atomic(path, exchange)
        with self._lock:
            self._entries = None
        return path

    def handwritten_response(self, call: str) -> Path:
        return self.folder / HANDWRITTEN_DIR / f"{_safe_label(call)}.json"


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _completion_body(request_body: dict[str, Any], call: str, content: str) -> dict[str, Any]:
    prompt_text = json.dumps(request_body.get("messages", []), ensure_ascii=False)
    prompt_tokens, completion_tokens = _estimate_tokens(prompt_text), _estimate_tokens(content)
    return {
        "id": f"handwritten-{_safe_label(call)}",
        "object": "chat.completion",
        "created": 0,
        "model": request_body.get("model", "hand-written"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _sse_body(completion: dict[str, Any]) -> str:
    """A streaming (server-sent events) rendering of a completion, in a few chunks."""
    content = completion["choices"][0]["message"]["content"]
    words = re.findall(r"\S+\s*", content) or [content]
    chunks = ["".join(words[i : i + 6]) for i in range(0, len(words), 6)]
    base = {"id": completion["id"], "object": "chat.completion.chunk", "created": 0}
    base["model"] = completion["model"]
    lines = []
    first = {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    lines.append(first)
    for chunk in chunks:
        lines.append({**base, "choices": [{"index": 0, "delta": {"content": chunk}}]})
    lines.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    lines.append({**base, "choices": [], "usage": completion["usage"]})
    return "".join(f"data: {json.dumps(x)}\n\n" for x in lines) + "data: [DONE]\n\n"


class Recorder:
    """Shared by every model of a run: the mode, the cassette, and what happened."""

    def __init__(self, mode: Mode, folder: Path) -> None:
        self.mode = mode
        self.cassette = Cassette(folder)
        self.used: list[str] = []
        self.saved: list[Path] = []
        if mode == "replay":
            self.cassette.entries()  # fail early and clearly on a missing or broken cassette

    # -- the one place where a request is answered -----------------------------------------
    def lookup(self, request: httpx2.Request) -> tuple[str, str, Any, httpx2.Response | None]:
        call = request.headers.get(CALL_HEADER, "unlabelled")
        body = canonical_body(request.content)
        key = request_key(request.method, request.url.path, body)
        if self.mode == "record":
            return call, key, body, None
        if self.mode == "author":
            return call, key, body, self._author(call, key, request, body)
        found = self.cassette.find(key)
        if found is None:
            raise CassetteMiss(call, key, _summary(body), self.cassette.nearest(call, body))
        self.used.append(key)
        resp = found.response
        content = resp["body"] if isinstance(resp["body"], str) else json.dumps(resp["body"])
        return (
            call,
            key,
            body,
            httpx2.Response(
                resp["status"],
                headers={"content-type": resp.get("content_type", "application/json")},
                content=content.encode("utf-8"),
                request=request,
            ),
        )

    def _author(self, call: str, key: str, request: httpx2.Request, body: Any) -> httpx2.Response:
        src = self.cassette.handwritten_response(call)
        if not src.is_file():
            raise CassetteMiss(call, key, _summary(body), f" No hand-written response at {src}.")
        try:
            written = json.loads(src.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise CassetteError(f"{src}: not valid JSON ({exc})") from exc
        content = written if isinstance(written, str) else json.dumps(written, ensure_ascii=False)
        completion = _completion_body(body if isinstance(body, dict) else {}, call, content)
        streaming = isinstance(body, dict) and bool(body.get("stream"))
        text = _sse_body(completion) if streaming else json.dumps(completion, ensure_ascii=False)
        ctype = "text/event-stream" if streaming else "application/json"
        response = httpx2.Response(
            200, headers={"content-type": ctype}, content=text.encode(), request=request
        )
        source = {"kind": "hand-written", "from": f"{HANDWRITTEN_DIR}/{src.name}"}
        self._save(call, key, request, body, response, text, source)
        return response

    def after_live(
        self, call: str, key: str, request: httpx2.Request, body: Any, response: httpx2.Response
    ) -> None:
        # Error replies are kept too: a server's refusal (of a response format, of stream_options)
        # and the fallback that followed replay as they happened. A retried request that then
        # succeeded has the same key, so its success replaces the error.
        if self.mode != "record":
            return
        text = response.content.decode("utf-8", "replace")
        match = re.search(r'"model"\s*:\s*"([^"]+)"', text)
        model = match.group(1) if match else None
        self._save(call, key, request, body, response, text, {"kind": "recorded", "model": model})

    def _save(
        self,
        call: str,
        key: str,
        request: httpx2.Request,
        body: Any,
        response: httpx2.Response,
        text: str,
        source: dict[str, Any],
    ) -> None:
        ctype = response.headers.get("content-type", "application/json").split(";")[0]
        stored: Any = text
        if ctype == "application/json":
            try:
                stored = json.loads(text)
            except ValueError:
                ctype = "text/plain"  # a server that labels a non-JSON body as JSON
        entry = {
            "key": key,
            "call": call,
            "source": source,
            "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "request": {
                "method": request.method,
                "endpoint": endpoint_of(request.url.path),
                "body": body,
            },
            "response": {"status": response.status_code, "content_type": ctype, "body": stored},
        }
        self.saved.append(self.cassette.save(entry))

    def used_sources(self) -> list[str]:
        """The kinds of response replayed so far ('hand-written', 'recorded'), sorted."""
        entries = self.cassette.entries()
        return sorted({entries[k].source.get("kind", "?") for k in self.used if k in entries})

    def unused(self) -> list[Exchange]:
        used = set(self.used)
        return [e for e in self.cassette.entries().values() if e.key not in used]


class RecordingTransport(httpx2.BaseTransport):
    def __init__(self, recorder: Recorder, inner: httpx2.BaseTransport | None = None) -> None:
        self.recorder = recorder
        self.inner = inner or httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        call, key, body, served = self.recorder.lookup(request)
        if served is not None:
            return served
        response = self.inner.handle_request(request)
        response.read()
        self.recorder.after_live(call, key, request, body, response)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncRecordingTransport(httpx2.AsyncBaseTransport):
    def __init__(self, recorder: Recorder, inner: httpx2.AsyncBaseTransport | None = None) -> None:
        self.recorder = recorder
        self.inner = inner or httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        call, key, body, served = self.recorder.lookup(request)
        if served is not None:
            return served
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.recorder.after_live(call, key, request, body, response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def find_cassette_miss(exc: BaseException) -> CassetteError | None:
    """The cassette error behind an exception that the OpenAI client wrapped, if any."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, CassetteError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def iter_entries(folder: Path) -> Iterator[Exchange]:
    yield from Cassette(folder).entries().values()
