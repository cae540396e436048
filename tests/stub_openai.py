"""A small OpenAI-compatible HTTP server on 127.0.0.1 for tests of the real HTTP path.

Each request to ``/v1/chat/completions`` is answered by the next scripted reply: a JSON content
string (wrapped as a chat completion), an error status, or raw bytes. Streaming requests get
server-sent events. Every request is kept (path, headers, JSON body) for assertions.

A `Server` profile makes it behave like one kind of real server, as such servers are publicly
reported to behave: llama-cpp-python (HTTP 500 on ``json_schema``, a schema taken as
``{"type": "json_object", "schema": ...}``), LM Studio (a 400 whose ``error`` is a plain string on
``json_object``), servers that reject ``stream_options`` with 422, a context window that refuses
longer prompts, and an output limit that cuts replies off. A `Reply` can also carry a
``<think>`` block, a ``reasoning_content`` field, an error inside an HTTP 200 body, an HTML
page, or never answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    raw: bytes | None = None
    content_type: str = "application/json"
    """Content type of a `raw` body (e.g. text/html for a proxy's page)."""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    finish_reason: str = "stop"
    reasoning: str | None = None
    """Sent as the message's ``reasoning_content`` (a reasoning model behind vLLM/DeepSeek)."""
    error_in_body: dict[str, Any] | None = None
    """Sent as ``{"error": ..., "choices": null}`` with HTTP 200, as gateways do."""
    hang: bool = False
    """Never answer (until the server stops)."""
    as_tool_call: bool = False
    """Send the content as the arguments of a tool call (the request's forced function)."""
    hold: threading.Event | None = None
    """Send only the first piece of the body, then the rest once this is set (a stalled stream)."""
    cached_tokens: int | None = None
    """Report this many prompt tokens as served from cache (``prompt_tokens_details``)."""


@dataclass
class Server:
    """How the stub behaves as a kind of server (defaults: an OpenAI-like server)."""

    json_schema: str = "ok"
    """'ok', 'llama-cpp-500' (llama-cpp-python), or 'ignore'."""
    json_object: str = "ok"
    """'ok' or 'lmstudio-400' (LM Studio rejects json_object with a string error)."""
    rejects_stream_options: bool = False
    context_window: int | None = None
    """Refuse a request whose prompt plus requested output exceed this many tokens."""
    max_output: int | None = None
    """Cut every reply at this many tokens (finish_reason 'length')."""


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def tokens_of(text: str) -> int:
    """The stub's token count: four characters a token (what negoprep's estimate assumes)."""
    return max(1, len(text) // 4)


def prompt_tokens(body: dict[str, Any]) -> int:
    sent = json.dumps(body.get("messages", []), ensure_ascii=False)
    extra = json.dumps([body.get("response_format"), body.get("tools")], ensure_ascii=False)
    return tokens_of(sent) + tokens_of(extra)


def completion(
    content: str,
    model: str,
    prompt_tokens: int = 11,
    completion_tokens: int = 7,
    finish_reason: str = "stop",
    reasoning: str | None = None,
    tool: str | None = None,
    cached_tokens: int | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    if tool is not None:
        message["content"] = None
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": content}}
        ]
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": usage(prompt_tokens, completion_tokens, cached_tokens),
    }


def usage(prompt: int, completion: int, cached: int | None = None) -> dict[str, Any]:
    """A reply's ``usage``, with OpenAI's ``prompt_tokens_details`` when `cached` is given."""
    data: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if cached is not None:
        data["prompt_tokens_details"] = {"cached_tokens": cached}
    return data


def sse(content: str, model: str, cached_tokens: int | None = None) -> bytes:
    chunks = [content[i : i + 5] for i in range(0, len(content), 5)] or [""]
    base = {"id": "s", "object": "chat.completion.chunk", "created": 1, "model": model}
    events = [{**base, "choices": [{"index": 0, "delta": {"content": c}}]} for c in chunks]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    events.append({**base, "choices": [], "usage": usage(3, 2, cached_tokens)})
    return b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"


def refusal(server: Server, body: dict[str, Any]) -> tuple[int, bytes] | None:
    """The error a server of this kind sends for this request, if any."""
    fmt = body.get("response_format") or {}
    if server.rejects_stream_options and "stream_options" in body:
        detail = [{"loc": ["body", "stream_options"], "msg": "Extra inputs are not permitted"}]
        return 422, json.dumps({"detail": detail}).encode()
    if fmt.get("type") == "json_schema" and server.json_schema == "llama-cpp-500":
        msg = (
            "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input "
            "should be 'text' or 'json_object' [type=literal_error, input_value='json_schema']"
        )
        return 500, json.dumps(
            {"error": {"message": msg, "type": "internal_server_error"}}
        ).encode()
    if fmt.get("type") == "json_object" and server.json_object == "lmstudio-400":
        return 400, json.dumps(
            {"error": "'response_format.type' must be 'json_schema' or 'text'"}
        ).encode()
    if server.context_window is not None:
        asked = body.get("max_completion_tokens") or body.get("max_tokens") or 0
        used = prompt_tokens(body)
        if used + int(asked) > server.context_window:
            msg = (
                f"This model's maximum context length is {server.context_window} tokens. However, "
                f"you requested {used + int(asked)} tokens ({used} in the messages, {asked} in "
                "the completion)."
            )
            error = {
                "message": msg,
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
            return 400, json.dumps({"error": error}).encode()
    return None


class StubOpenAI:
    """Start with `with StubOpenAI() as stub:`; `stub.base_url` points clients at it."""

    def __init__(
        self,
        responder: Callable[[SeenRequest], Reply] | None = None,
        server: Server | None = None,
    ) -> None:
        self.queue: list[Reply] = []
        self.requests: list[SeenRequest] = []
        self.responder = responder
        self.kind = server or Server()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def send(
                self,
                status: int,
                payload: bytes,
                ctype: str,
                headers: dict[str, str],
                hold: threading.Event | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(payload)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    if hold is not None:  # the first event, then nothing until `hold` is set
                        cut = payload.index(b"\n\n") + 2 if b"\n\n" in payload else 1
                        self.wfile.write(payload[:cut])
                        self.wfile.flush()
                        hold.wait()
                        payload = payload[cut:]
                    self.wfile.write(payload)
                except OSError:  # the client went away (a stopped stream)
                    pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                seen = SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with stub._lock:
                    stub.requests.append(seen)
                refused = refusal(stub.kind, body)
                if refused is not None:
                    self.send(refused[0], refused[1], "application/json", {})
                    return
                with stub._lock:
                    reply = (
                        stub.responder(seen)
                        if stub.responder
                        else (
                            stub.queue.pop(0)
                            if stub.queue
                            else Reply(
                                status=500, raw=b'{"error": {"message": "stub: no scripted reply"}}'
                            )
                        )
                    )
                if reply.hang:
                    stub._stopping.wait()
                    return
                if reply.delay:
                    stub._stopping.wait(reply.delay)
                self.answer(body, reply)

            def answer(self, body: dict[str, Any], reply: Reply) -> None:
                model = str(body.get("model", "stub-model"))
                if reply.raw is not None:
                    self.send(reply.status, reply.raw, reply.content_type, reply.headers)
                    return
                if reply.status != 200:
                    error = {"error": {"message": f"stub error {reply.status}", "type": "stub"}}
                    self.send(
                        reply.status, json.dumps(error).encode(), "application/json", reply.headers
                    )
                    return
                if reply.error_in_body is not None:
                    payload = {"error": reply.error_in_body, "choices": None, "object": "error"}
                    self.send(200, json.dumps(payload).encode(), "application/json", reply.headers)
                    return
                if body.get("stream"):
                    stream = sse(reply.content, model, reply.cached_tokens)
                    self.send(200, stream, "text/event-stream", reply.headers, reply.hold)
                    return
                content, finish = reply.content, reply.finish_reason
                limits = [
                    stub.kind.max_output,
                    body.get("max_completion_tokens"),
                    body.get("max_tokens"),
                ]
                cap = min((int(x) for x in limits if x), default=None)
                if cap is not None and tokens_of(content) > cap:
                    content, finish = content[: cap * 4], "length"
                realistic = stub.kind.context_window is not None or stub.kind.max_output is not None
                tool = None
                if reply.as_tool_call and body.get("tools"):
                    tool = body["tools"][0]["function"]["name"]
                data = completion(
                    content,
                    model,
                    prompt_tokens(body) if realistic else 11,
                    tokens_of(content) if realistic else 7,
                    finish_reason=finish,
                    reasoning=reply.reasoning,
                    tool=tool,
                    cached_tokens=reply.cached_tokens,
                )
                self.send(200, json.dumps(data).encode(), "application/json", reply.headers)

        class Listener(ThreadingHTTPServer):
            request_queue_size = 128  # as real servers listen: many calls connect at once

        self.server = Listener(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.queue.extend(replies)

    def __enter__(self) -> StubOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
