"""Make what OpenAI-compatible servers send look like what the OpenAI client expects.

An `httpx2` transport between the client and the network (inside the recorder, so a cassette
holds what the client was given). Each kind of reply that real servers are reported to send is
turned into the form the client handles, with the server's own words kept:

- an error inside an HTTP 200 body (``{"error": {...}, "choices": null}``, as gateways send)
  becomes a reply with that status (429 and 5xx codes are then retried like real ones);
- an HTTP 200 that is not JSON (an HTML page: a proxy, a login page, a base URL without
  ``/v1``) becomes a 502 that is not retried and says what the page was;
- an ``error`` given as a plain string (LM Studio) becomes ``{"error": {"message": ...}}``;
- a server that refuses the response format (llama-cpp-python's HTTP 500 "Input should be
  'text' or 'json_object'", LM Studio's 400) becomes a 400 marked `REFUSED_HEADER`, never
  retried, so the structured call can switch mode at once;
- ``reasoning_content`` (or ``reasoning``) is folded into the content as a leading
  ``<think>...</think>`` block, so a reply whose JSON sits there is not lost;
- a 400/422 that rejects ``stream_options`` is sent again without it, and later requests of the
  run leave it out.

It also counts every HTTP attempt and its tokens into a `Usage` (billed attempts included) and
says on screen when the client retries a request, and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

REFUSED_HEADER = "x-negoprep-refused"
"""Set on a reply that refuses the request's response format; its value names the mode."""
Notify = Callable[[str], None]


@dataclass
class Usage:
    """Calls and tokens of one logical model call, over all its HTTP attempts."""

    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0
    """HTTP requests sent (every attempt and retry, failed ones included)."""
    cached_tokens: int | None = None
    """Prompt tokens the provider served from its prompt cache, summed over the replies that
    say (OpenAI's ``usage.prompt_tokens_details.cached_tokens``); None when none did."""

    def add_usage(self, usage: Any) -> None:
        """Add the ``usage`` object of one chat completion (ignored unless it is a dict)."""
        if isinstance(usage, dict):
            self.input_tokens += int(usage.get("prompt_tokens") or 0)
            self.output_tokens += int(usage.get("completion_tokens") or 0)
            details = usage.get("prompt_tokens_details")
            if isinstance(details, dict):
                self.add_cached(details.get("cached_tokens"))

    def add_cached(self, tokens: Any) -> None:
        """Count `tokens` prompt tokens served from cache; None (not reported) changes nothing."""
        if isinstance(tokens, int | float) and not isinstance(tokens, bool):
            self.cached_tokens = (self.cached_tokens or 0) + int(tokens)


@dataclass
class CompatState:
    """What the transports of one provider learn during a run (shared by all its calls)."""

    send_stream_options: bool = True
    notify: Notify = field(default=lambda text: None)


_FORMAT_WORDS = re.compile(
    r"response_format|json_schema|json_object|'text' or|tool_choice|\btools?\b|structured output",
    flags=re.IGNORECASE,
)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _excerpt(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, flags=re.IGNORECASE | re.DOTALL)
    if title:
        return f"an HTML page titled {title.group(1).strip()[:limit]!r}"
    if re.match(r"\s*<(!doctype|html)", text, flags=re.IGNORECASE):
        return f"an HTML page starting {text.strip()[:limit]!r}"
    flat = " ".join(text.split())
    return f"{flat[:limit]!r}" if flat else "an empty body"


def error_message(data: Any, body: bytes) -> tuple[str, Any]:
    """The server's own words and code from an error body, whatever its shape."""
    err = data.get("error", data.get("detail", data)) if isinstance(data, dict) else None
    if isinstance(err, str):
        return err, None
    if isinstance(err, dict):
        msg = err.get("message") or err.get("msg") or err.get("detail")
        return str(msg or json.dumps(err, ensure_ascii=False)[:300]), err.get("code")
    if isinstance(err, list):  # FastAPI-style validation errors
        return "; ".join(str(e.get("msg", e)) if isinstance(e, dict) else str(e) for e in err), None
    return f"the body was {_excerpt(body)}", None


def _status_for(code: Any, message: str) -> int:
    try:
        number = int(code)
    except (TypeError, ValueError):
        number = 0
    if 400 <= number <= 599:
        return number
    if re.search(r"rate.?limit|too many requests|quota", f"{code} {message}", re.IGNORECASE):
        return 429
    return 502


def _request_mode(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if body.get("tools"):
        return "tools"
    fmt = body.get("response_format")
    if isinstance(fmt, dict):
        kind = str(fmt.get("type"))
        return "json_object_schema" if kind == "json_object" and "schema" in fmt else kind
    return None


def _error(status: int, message: str, code: Any = None, **headers: str) -> httpx2.Response:
    body = {"error": {"message": message, "type": "negoprep_compat", "code": code}}
    return httpx2.Response(
        status,
        headers={"content-type": "application/json", **headers},
        content=json.dumps(body, ensure_ascii=False).encode(),
    )


def _fold_reasoning(data: dict[str, Any]) -> bool:
    changed = False
    for choice in data.get("choices") or []:
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            continue
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if isinstance(reasoning, str) and reasoning.strip():
            message["content"] = f"<think>{reasoning}</think>\n{message.get('content') or ''}"
            message.pop("reasoning_content", None)
            message.pop("reasoning", None)
            changed = True
    return changed


def normalize(request_body: Any, response: httpx2.Response, body: bytes) -> httpx2.Response:
    """The reply in the form the OpenAI client handles (see the module docstring)."""
    status = response.status_code
    data = _json(body)
    if status == 200:
        if not isinstance(data, dict):
            return _error(
                502,
                f"the server answered HTTP 200 with {_excerpt(body)}, not a chat completion: "
                "check OPENAI_BASE_URL (an OpenAI-compatible base URL usually ends in /v1)",
                **{"x-should-retry": "false"},
            )
        if data.get("error") and not data.get("choices"):
            message, code = error_message(data, body)
            return _error(
                _status_for(code, message),
                f"{message} (sent inside an HTTP 200 reply)",
                code,
                **(
                    {"retry-after": response.headers["retry-after"]}
                    if "retry-after" in response.headers
                    else {}
                ),
            )
        if not isinstance(data.get("choices"), list):
            return _error(
                502,
                f"the server's reply has no 'choices': {_excerpt(body)}",
                **{"x-should-retry": "false"},
            )
        if _fold_reasoning(data):
            return httpx2.Response(
                200, headers={"content-type": "application/json"}, content=json.dumps(data).encode()
            )
        return response
    if status < 400:
        return response
    message, code = error_message(data, body)
    mode = _request_mode(request_body)
    if mode and status in (400, 422, 500) and _FORMAT_WORDS.search(message):
        return _error(400, message, code, **{REFUSED_HEADER: mode, "x-should-retry": "false"})
    keep = {
        k: v for k, v in response.headers.items() if k.lower() in ("retry-after", "retry-after-ms")
    }
    return _error(status, message, code, **keep)


class _Core:
    def __init__(self, state: CompatState, usage: Usage | None, call: str) -> None:
        self.state = state
        self.usage = usage if usage is not None else Usage()
        self.call = call
        self.last_problem = ""

    def prepare(self, request: httpx2.Request) -> tuple[httpx2.Request, Any]:
        body = _json(request.content) if request.content else None
        retry = request.headers.get("x-stainless-retry-count", "0")
        if retry.isdigit() and int(retry) > 0:
            why = f" after {self.last_problem}" if self.last_problem else ""
            self.state.notify(f"{self.call}: retry {retry}{why}")
        if (
            isinstance(body, dict)
            and "stream_options" in body
            and not self.state.send_stream_options
        ):
            body = {k: v for k, v in body.items() if k != "stream_options"}
            request = _with_body(request, body)
        return request, body

    def stream_options_refused(self, body: Any, response: httpx2.Response, raw: bytes) -> bool:
        if not (isinstance(body, dict) and "stream_options" in body):
            return False
        if response.status_code not in (400, 422):
            return False
        message, _ = error_message(_json(raw), raw)
        if response.status_code == 400 and "stream_options" not in message:
            return False
        self.state.send_stream_options = False
        self.state.notify(
            f"{self.call}: the server rejected stream_options ({response.status_code}); sending "
            "without it from now on (NEGOPREP_STREAM_USAGE=false skips the first try)"
        )
        return True

    def finish(self, body: Any, response: httpx2.Response, raw: bytes) -> httpx2.Response:
        fixed = normalize(body, response, raw)
        if fixed.status_code >= 400:
            message, _ = error_message(_json(fixed.content), fixed.content)
            self.last_problem = f"HTTP {fixed.status_code}: {message[:200]}"
        elif fixed is not response:
            fixed.read()
        data = _json(fixed.content) if fixed.status_code == 200 else None
        if isinstance(data, dict):
            self.usage.add_usage(data.get("usage"))
        return fixed


def _with_body(request: httpx2.Request, body: Any) -> httpx2.Request:
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx2.Request(
        request.method, request.url, headers=headers, content=json.dumps(body).encode()
    )


def _is_stream(response: httpx2.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


class CompatTransport(httpx2.BaseTransport):
    """Synchronous form; see the module docstring."""

    def __init__(
        self, inner: httpx2.BaseTransport, state: CompatState, usage: Usage | None, call: str
    ) -> None:
        self.inner = inner
        self.core = _Core(state, usage, call)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        request, body = self.core.prepare(request)
        self.core.usage.calls += 1
        try:
            response = self.inner.handle_request(request)
        except httpx2.TimeoutException:
            self.core.last_problem = "a timeout"
            raise
        if response.status_code == 200 and _is_stream(response):
            return response
        raw = response.read()
        if self.core.stream_options_refused(body, response, raw):
            return self.handle_request(request)
        return self.core.finish(body, response, raw)

    def close(self) -> None:
        self.inner.close()


class AsyncCompatTransport(httpx2.AsyncBaseTransport):
    """Asynchronous form; see the module docstring."""

    def __init__(
        self, inner: httpx2.AsyncBaseTransport, state: CompatState, usage: Usage | None, call: str
    ) -> None:
        self.inner = inner
        self.core = _Core(state, usage, call)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        request, body = self.core.prepare(request)
        self.core.usage.calls += 1
        try:
            response = await self.inner.handle_async_request(request)
        except httpx2.TimeoutException:
            self.core.last_problem = "a timeout"
            raise
        if response.status_code == 200 and _is_stream(response):
            return response
        raw = await response.aread()
        if self.core.stream_options_refused(body, response, raw):
            return await self.handle_async_request(request)
        return self.core.finish(body, response, raw)

    async def aclose(self) -> None:
        await self.inner.aclose()
