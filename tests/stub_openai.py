"""A small OpenAI-compatible HTTP server on 127.0.0.1 for tests of the real HTTP path.

Each request to ``/v1/chat/completions`` is answered by the next scripted reply: a JSON content
string (wrapped as a chat completion), an error status, or raw bytes. Streaming requests get
server-sent events. Every request is kept (path, headers, JSON body) for assertions.
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
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    finish_reason: str = "stop"
    hold: threading.Event | None = None
    """Send only the first piece of the body, then the rest once this is set (a stalled stream)."""


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def completion(
    content: str,
    model: str,
    prompt_tokens: int = 11,
    completion_tokens: int = 7,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def sse(content: str, model: str) -> bytes:
    chunks = [content[i : i + 5] for i in range(0, len(content), 5)] or [""]
    events = [
        {
            "id": "s",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": {"content": c}}],
        }
        for c in chunks
    ]
    events.append(
        {
            "id": "s",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
    )
    events.append(
        {
            "id": "s",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        }
    )
    return b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"


class StubOpenAI:
    """Start with `with StubOpenAI() as stub:`; `stub.base_url` points clients at it."""

    def __init__(self, responder: Callable[[SeenRequest], Reply] | None = None) -> None:
        self.queue: list[Reply] = []
        self.requests: list[SeenRequest] = []
        self.responder = responder
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                seen = SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with stub._lock:
                    stub.requests.append(seen)
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
                if reply.delay:
                    threading.Event().wait(reply.delay)
                model = str(body.get("model", "stub-model"))
                if reply.raw is not None:
                    payload, ctype = reply.raw, "application/json"
                elif reply.status != 200:
                    payload = json.dumps(
                        {"error": {"message": f"stub error {reply.status}", "type": "stub"}}
                    ).encode()
                    ctype = "application/json"
                elif body.get("stream"):
                    payload, ctype = sse(reply.content, model), "text/event-stream"
                else:
                    payload, ctype = (
                        json.dumps(
                            completion(reply.content, model, finish_reason=reply.finish_reason)
                        ).encode(),
                        "application/json",
                    )
                self.send_response(reply.status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(payload)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    if reply.hold is not None:
                        cut = payload.index(b"\n\n") + 2 if b"\n\n" in payload else 1
                        self.wfile.write(payload[:cut])
                        self.wfile.flush()
                        reply.hold.wait()
                        payload = payload[cut:]
                    self.wfile.write(payload)
                except OSError:  # the client went away (a stopped stream)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
        self.server.shutdown()
        self.server.server_close()
